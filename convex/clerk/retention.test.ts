/**
 * The Clerk event log's retention sweep: processed and ignored events older
 * than 30 days go; failed and pending ones stay at any age (one waits for a
 * retry, the other is still to be applied), and so does anything newer; a
 * backlog larger than a batch is worked off by the sweep rescheduling itself;
 * running it again is harmless.
 */
import { afterEach, beforeEach, expect, test, vi } from "vitest";
import { internal } from "../_generated/api";
import { newHarness, type Harness } from "../test.setup";
import { CLERK_EVENT_RETENTION_MS, CLERK_EVENT_SWEEP_BATCH } from "./retention";
import type { ClerkEventStatus } from "./schema";

const DAY = 24 * 60 * 60 * 1000;

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

/** Stored events written straight into the log, received `ageMs` ago. */
async function storeEvents(t: Harness, rows: { svixId: string; ageMs: number; status: ClerkEventStatus }[]) {
  await t.run(async (ctx) => {
    for (const { svixId, ageMs, status } of rows) {
      const receivedAt = Date.now() - ageMs;
      await ctx.db.insert("clerkEvents", {
        svixId,
        type: status === "ignored" ? "email.created" : "user.updated",
        body: JSON.stringify({ type: "user.updated", data: { id: `user_${svixId}` } }),
        sentAt: receivedAt,
        receivedAt,
        status,
        attempts: status === "ignored" ? 0 : 1,
        ...(status === "failed" ? { lastError: "boom" } : {}),
        ...(status === "processed" || status === "ignored" ? { processedAt: receivedAt, outcome: status } : {}),
      });
    }
  });
}

async function remaining(t: Harness): Promise<string[]> {
  return await t.run(async (ctx) => (await ctx.db.query("clerkEvents").collect()).map((e) => e.svixId).sort());
}

test("processed and ignored events older than 30 days are deleted; failed and pending ones never are; newer ones stay; a second run deletes nothing", async () => {
  const t = newHarness();
  const old = CLERK_EVENT_RETENTION_MS + DAY;
  await storeEvents(t, [
    { svixId: "msg_old_processed", ageMs: old, status: "processed" },
    { svixId: "msg_old_ignored", ageMs: old, status: "ignored" },
    { svixId: "msg_old_failed", ageMs: 400 * DAY, status: "failed" },
    { svixId: "msg_old_pending", ageMs: old, status: "pending" },
    { svixId: "msg_recent_processed", ageMs: CLERK_EVENT_RETENTION_MS - DAY, status: "processed" },
    { svixId: "msg_recent_ignored", ageMs: DAY, status: "ignored" },
  ]);
  expect(await t.mutation(internal.clerk.retention.sweepEvents, {})).toEqual({ deleted: 2, more: false });
  const kept = ["msg_old_failed", "msg_old_pending", "msg_recent_ignored", "msg_recent_processed"];
  expect(await remaining(t)).toEqual(kept);
  expect(await t.mutation(internal.clerk.retention.sweepEvents, {})).toEqual({ deleted: 0, more: false });
  expect(await remaining(t)).toEqual(kept);
});

test("a backlog over one batch (processed and ignored) is deleted a batch per transaction, the sweep scheduling itself until it is done", async () => {
  const t = newHarness();
  const backlog = 2 * CLERK_EVENT_SWEEP_BATCH + 3;
  await storeEvents(
    t,
    Array.from({ length: backlog }, (_, i) => ({
      svixId: `msg_old_${String(i).padStart(4, "0")}`,
      ageMs: CLERK_EVENT_RETENTION_MS + DAY + i,
      status: i % 3 === 0 ? ("ignored" as const) : ("processed" as const),
    })),
  );
  await storeEvents(t, [
    { svixId: "msg_failed", ageMs: CLERK_EVENT_RETENTION_MS + DAY, status: "failed" },
    { svixId: "msg_recent", ageMs: DAY, status: "processed" },
  ]);
  expect(await t.mutation(internal.clerk.retention.sweepEvents, {})).toEqual({ deleted: CLERK_EVENT_SWEEP_BATCH, more: true });
  expect(await remaining(t)).toHaveLength(backlog - CLERK_EVENT_SWEEP_BATCH + 2);
  await t.finishAllScheduledFunctions(vi.runAllTimers);
  expect(await remaining(t)).toEqual(["msg_failed", "msg_recent"]);
  expect(await t.mutation(internal.clerk.retention.sweepEvents, {})).toEqual({ deleted: 0, more: false });
});
