/**
 * The delivery log's retention sweep: deliveries older than 30 days go
 * (whatever their status), newer ones stay; a backlog larger than a batch is
 * worked off by the sweep rescheduling itself; running it again is harmless.
 */
import { afterEach, beforeEach, expect, test, vi } from "vitest";
import { api, internal } from "../_generated/api";
import type { Id } from "../_generated/dataModel";
import { asMember, newHarness, type Harness } from "../test.setup";
import { DELIVERY_RETENTION_MS, DELIVERY_SWEEP_BATCH } from "./retention";
import type { DeliveryStatus } from "./validators";

const DAY = 24 * 60 * 60 * 1000;

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

async function subscribed(t: Harness) {
  const admin = await asMember(t, "org_retention", "admin");
  const { subscription } = await admin.client.mutation(api.outbound.subscriptions.subscribe, {
    accountId: admin.accountId,
    url: "https://hooks.example.test/retention",
    events: ["job.state_changed"],
  });
  return { accountId: admin.accountId, subscriptionId: subscription.subscriptionId };
}

/** Delivery rows written straight into the log, `ageMs` old. */
async function logDeliveries(
  t: Harness,
  to: { accountId: Id<"accounts">; subscriptionId: Id<"webhookSubscriptions"> },
  rows: { label: string; ageMs: number; status: DeliveryStatus }[],
) {
  await t.run(async (ctx) => {
    for (const { label, ageMs, status } of rows) {
      const createdAt = Date.now() - ageMs;
      await ctx.db.insert("webhookDeliveries", {
        ...to,
        eventType: "job.state_changed",
        eventId: label,
        payload: JSON.stringify({ id: label }),
        status,
        attempts: status === "pending" ? 0 : 1,
        createdAt,
        ...(status === "pending" ? {} : { finishedAt: createdAt }),
      });
    }
  });
}

async function remaining(t: Harness): Promise<string[]> {
  return await t.run(async (ctx) => (await ctx.db.query("webhookDeliveries").collect()).map((d) => d.eventId).sort());
}

test("deliveries older than 30 days are deleted whatever their status; newer ones stay; a second run deletes nothing", async () => {
  const t = newHarness();
  const to = await subscribed(t);
  const old = DELIVERY_RETENTION_MS + DAY;
  await logDeliveries(t, to, [
    { label: "old-delivered", ageMs: old, status: "delivered" },
    { label: "old-failed", ageMs: old, status: "failed" },
    { label: "old-skipped", ageMs: old, status: "skipped" },
    { label: "old-pending", ageMs: 90 * DAY, status: "pending" },
    { label: "recent-delivered", ageMs: DELIVERY_RETENTION_MS - DAY, status: "delivered" },
    { label: "recent-failed", ageMs: 2 * DAY, status: "failed" },
    { label: "new-pending", ageMs: 0, status: "pending" },
  ]);
  expect(await t.mutation(internal.outbound.retention.sweepDeliveries, {})).toEqual({ deleted: 4, more: false });
  expect(await remaining(t)).toEqual(["new-pending", "recent-delivered", "recent-failed"]);
  expect(await t.mutation(internal.outbound.retention.sweepDeliveries, {})).toEqual({ deleted: 0, more: false });
  expect(await remaining(t)).toEqual(["new-pending", "recent-delivered", "recent-failed"]);
  // The subscription itself is untouched.
  expect(await t.run(async (ctx) => (await ctx.db.get("webhookSubscriptions", to.subscriptionId))?.status)).toBe("active");
});

test("a backlog over one batch is deleted a batch per transaction, the sweep scheduling itself until it is done", async () => {
  const t = newHarness();
  const to = await subscribed(t);
  const backlog = 2 * DELIVERY_SWEEP_BATCH + 7;
  await logDeliveries(
    t,
    to,
    Array.from({ length: backlog }, (_, i) => ({ label: `old-${String(i).padStart(4, "0")}`, ageMs: DELIVERY_RETENTION_MS + DAY + i, status: "delivered" as const })),
  );
  await logDeliveries(t, to, [{ label: "recent", ageMs: DAY, status: "delivered" }]);
  // One run deletes one batch and schedules the next...
  expect(await t.mutation(internal.outbound.retention.sweepDeliveries, {})).toEqual({ deleted: DELIVERY_SWEEP_BATCH, more: true });
  expect(await remaining(t)).toHaveLength(backlog - DELIVERY_SWEEP_BATCH + 1);
  // ...which continues until a batch comes back short.
  await t.finishAllScheduledFunctions(vi.runAllTimers);
  expect(await remaining(t)).toEqual(["recent"]);
  // Started again while nothing is left (the next day's cron, or twice at once): nothing to do.
  expect(await t.mutation(internal.outbound.retention.sweepDeliveries, {})).toEqual({ deleted: 0, more: false });
});
