/**
 * The delivery log's retention sweep (run daily by convex/crons.ts):
 * deliveries created more than 30 days ago are deleted, whatever their
 * status — by then every retry has long run out (the slowest retry policy
 * allowed ends within about a week), and `send` / `onComplete` treat a
 * missing row as settled. Bounded: one batch per transaction, oldest first;
 * a full batch schedules the next. Running it twice deletes nothing twice.
 */
import { v } from "convex/values";
import { internal } from "../_generated/api";
import { internalMutation } from "../_generated/server";

export const DELIVERY_RETENTION_MS = 30 * 24 * 60 * 60 * 1000;
/** Rows per transaction: a delivery is a few KiB (texts in payloads are cut at 8,000 characters). */
export const DELIVERY_SWEEP_BATCH = 200;

export const sweepDeliveries = internalMutation({
  args: {},
  returns: v.object({ deleted: v.number(), more: v.boolean() }),
  handler: async (ctx) => {
    const cutoff = Date.now() - DELIVERY_RETENTION_MS;
    const old = await ctx.db
      .query("webhookDeliveries")
      .withIndex("by_createdAt", (q) => q.lt("createdAt", cutoff))
      .take(DELIVERY_SWEEP_BATCH);
    for (const delivery of old) await ctx.db.delete("webhookDeliveries", delivery._id);
    const more = old.length === DELIVERY_SWEEP_BATCH;
    if (more) await ctx.scheduler.runAfter(0, internal.outbound.retention.sweepDeliveries, {});
    if (old.length > 0) console.log(JSON.stringify({ event: "webhook_deliveries_swept", deleted: old.length, more }));
    return { deleted: old.length, more };
  },
});
