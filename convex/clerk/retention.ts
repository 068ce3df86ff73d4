/**
 * The Clerk event log's retention sweep (run daily by convex/crons.ts):
 * events received more than 30 days ago that were `processed` or `ignored`
 * are deleted. `pending` and `failed` events are never deleted — one is
 * still to be applied, the other waits for a platform admin's retry.
 * Bounded: one batch per transaction, oldest first, through
 * `by_status_receivedAt`; a full batch schedules the next. Running it twice
 * deletes nothing twice. Deleting an event changes nothing it applied: each
 * profile, account and membership keeps its own `clerkUpdatedAt`.
 */
import { v } from "convex/values";
import { internal } from "../_generated/api";
import { internalMutation } from "../_generated/server";

export const CLERK_EVENT_RETENTION_MS = 30 * 24 * 60 * 60 * 1000;
/** Rows per transaction: a stored body may be up to 256 KiB (the route's limit), so 50 stay well within a transaction's read budget. */
export const CLERK_EVENT_SWEEP_BATCH = 50;

const SETTLED = ["processed", "ignored"] as const;

export const sweepEvents = internalMutation({
  args: {},
  returns: v.object({ deleted: v.number(), more: v.boolean() }),
  handler: async (ctx) => {
    const cutoff = Date.now() - CLERK_EVENT_RETENTION_MS;
    let deleted = 0;
    for (const status of SETTLED) {
      const old = await ctx.db
        .query("clerkEvents")
        .withIndex("by_status_receivedAt", (q) => q.eq("status", status).lt("receivedAt", cutoff))
        .take(CLERK_EVENT_SWEEP_BATCH - deleted);
      for (const event of old) await ctx.db.delete("clerkEvents", event._id);
      deleted += old.length;
      if (deleted === CLERK_EVENT_SWEEP_BATCH) break;
    }
    const more = deleted === CLERK_EVENT_SWEEP_BATCH;
    if (more) await ctx.scheduler.runAfter(0, internal.clerk.retention.sweepEvents, {});
    if (deleted > 0) console.log(JSON.stringify({ event: "clerk_events_swept", deleted, more }));
    return { deleted, more };
  },
});
