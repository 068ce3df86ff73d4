/**
 * The retention sweep of seen agent-event ids: rows older than 7 days go,
 * newer ones stay — so a redelivered `event_id` is a duplicate for 7 days
 * and starts a new turn after; a backlog larger than a batch is worked off
 * by the sweep rescheduling itself; running it again is harmless.
 */
import { afterEach, beforeEach, expect, test, vi } from "vitest";
import { internal } from "../_generated/api";
import type { Doc } from "../_generated/dataModel";
import { newHarness, type Harness } from "../test.setup";
import { AGENT_EVENT_RETENTION_MS, AGENT_EVENT_SWEEP_BATCH } from "./retention";
import { adminWithKey, request } from "./testkit.testing";

const DAY = 24 * 60 * 60 * 1000;

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

type Started = { interaction_id: string; duplicate: boolean };

async function pushEvent(t: Harness, key: string, eventId: string) {
  const answer = await request(t, "POST", "/v1/agent-events", { key, body: { agent: "assistant", type: "order.created", event_id: eventId } });
  return { status: answer.status, data: answer.body.data as Started };
}

async function seenIds(t: Harness): Promise<string[]> {
  return await t.run(async (ctx) => (await ctx.db.query("apiAgentEvents").collect()).map((e) => e.eventId).sort());
}

/** Copies of a real row (same key, turn and conversation) under other event ids, `ageMs` old. */
async function addSeen(t: Harness, like: Doc<"apiAgentEvents">, rows: { eventId: string; ageMs: number }[]) {
  await t.run(async (ctx) => {
    for (const { eventId, ageMs } of rows) {
      const { _id, _creationTime, ...fields } = like;
      await ctx.db.insert("apiAgentEvents", { ...fields, eventId, createdAt: Date.now() - ageMs });
    }
  });
}

test("event ids older than 7 days are forgotten (a redelivery then starts a new turn); newer ones stay; a second run deletes nothing", async () => {
  const t = newHarness();
  const { secret } = await adminWithKey(t);
  const first = await pushEvent(t, secret, "evt_week_old");
  expect(first).toMatchObject({ status: 202, data: { duplicate: false } });
  await t.finishAllScheduledFunctions(vi.runAllTimers);
  // A redelivery within the window is a duplicate.
  expect((await pushEvent(t, secret, "evt_week_old")).data).toMatchObject({ interaction_id: first.data.interaction_id, duplicate: true });

  // Eight days on, the first event is past the window; so is another 8 days old, but not one 6 days old.
  vi.setSystemTime(Date.now() + AGENT_EVENT_RETENTION_MS + DAY);
  const [row] = await t.run(async (ctx) => await ctx.db.query("apiAgentEvents").collect());
  await addSeen(t, row!, [
    { eventId: "evt_6_days", ageMs: AGENT_EVENT_RETENTION_MS - DAY },
    { eventId: "evt_8_days", ageMs: AGENT_EVENT_RETENTION_MS + DAY },
    { eventId: "evt_today", ageMs: 0 },
  ]);
  expect(await t.mutation(internal.httpApi.retention.sweepAgentEvents, {})).toEqual({ deleted: 2, more: false });
  expect(await seenIds(t)).toEqual(["evt_6_days", "evt_today"]);
  expect(await t.mutation(internal.httpApi.retention.sweepAgentEvents, {})).toEqual({ deleted: 0, more: false });

  // Forgotten: the same event id now starts a new turn.
  const again = await pushEvent(t, secret, "evt_week_old");
  expect(again).toMatchObject({ status: 202, data: { duplicate: false } });
  expect(again.data.interaction_id).not.toBe(first.data.interaction_id);
  await t.finishAllScheduledFunctions(vi.runAllTimers);
});

test("a backlog over one batch is deleted a batch per transaction, the sweep scheduling itself until it is done", async () => {
  const t = newHarness();
  const { secret } = await adminWithKey(t);
  await pushEvent(t, secret, "evt_recent");
  await t.finishAllScheduledFunctions(vi.runAllTimers);
  const [row] = await t.run(async (ctx) => await ctx.db.query("apiAgentEvents").collect());
  const backlog = 2 * AGENT_EVENT_SWEEP_BATCH + 5;
  await addSeen(
    t,
    row!,
    Array.from({ length: backlog }, (_, i) => ({ eventId: `evt_old_${String(i).padStart(4, "0")}`, ageMs: AGENT_EVENT_RETENTION_MS + DAY + i })),
  );
  expect(await t.mutation(internal.httpApi.retention.sweepAgentEvents, {})).toEqual({ deleted: AGENT_EVENT_SWEEP_BATCH, more: true });
  await t.finishAllScheduledFunctions(vi.runAllTimers);
  expect(await seenIds(t)).toEqual(["evt_recent"]);
  expect(await t.mutation(internal.httpApi.retention.sweepAgentEvents, {})).toEqual({ deleted: 0, more: false });
});
