/**
 * The retention sweep of seen agent-event ids (run daily by
 * convex/crons.ts): `apiAgentEvents` rows older than 7 days are deleted, so
 * an `event_id` dedupes redeliveries for 7 days and is then forgotten (a
 * delivery of it after that starts a new turn). Bounded: one batch per
 * transaction, oldest first; a full batch schedules the next. Running it
 * twice deletes nothing twice.
 */
import { v } from "convex/values";
import { internal } from "../_generated/api";
import { internalMutation } from "../_generated/server";

export const AGENT_EVENT_RETENTION_MS = 7 * 24 * 60 * 60 * 1000;
/** Rows per transaction (each row is a few ids). */
export const AGENT_EVENT_SWEEP_BATCH = 200;

export const sweepAgentEvents = internalMutation({
  args: {},
  returns: v.object({ deleted: v.number(), more: v.boolean() }),
  handler: async (ctx) => {
    const cutoff = Date.now() - AGENT_EVENT_RETENTION_MS;
    const old = await ctx.db
      .query("apiAgentEvents")
      .withIndex("by_createdAt", (q) => q.lt("createdAt", cutoff))
      .take(AGENT_EVENT_SWEEP_BATCH);
    for (const seen of old) await ctx.db.delete("apiAgentEvents", seen._id);
    const more = old.length === AGENT_EVENT_SWEEP_BATCH;
    if (more) await ctx.scheduler.runAfter(0, internal.httpApi.retention.sweepAgentEvents, {});
    if (old.length > 0) console.log(JSON.stringify({ event: "api_agent_events_swept", deleted: old.length, more }));
    return { deleted: old.length, more };
  },
});
