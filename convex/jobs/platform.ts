/**
 * How jobs obey the kill switches. The platform pause (ops/pause.ts)
 * schedules `cancelPendingBatch`, which cancels every pending or waiting job
 * in bounded batches that continue themselves; un-pausing revives nothing.
 * An agent pause cancels that agent's pending and waiting jobs
 * (`cancelPendingJobsForAgent`, called by the agent's pause;
 * `cancelForAgent` continues a long list).
 */
import { v } from "convex/values";
import { internal } from "../_generated/api";
import { internalMutation } from "../_generated/server";
import { isPlatformPaused } from "../ops/paused";
import { cancelJob, cancelPendingJobsForAgent, KILL_BATCH } from "./model";

/** One batch of the platform pause: cancel pending and waiting jobs; schedule the next batch while any are left. */
export const cancelPendingBatch = internalMutation({
  args: {},
  returns: v.object({ cancelled: v.number(), more: v.boolean() }),
  handler: async (ctx) => {
    if (!(await isPlatformPaused(ctx))) return { cancelled: 0, more: false };
    let cancelled = 0;
    let more = false;
    for (const state of ["pending", "waiting"] as const) {
      const batch = await ctx.db
        .query("jobs")
        .withIndex("by_state_deadlineAt", (q) => q.eq("state", state))
        .take(KILL_BATCH);
      for (const job of batch) {
        if (await cancelJob(ctx, job, { kind: "system" }, "the platform was paused", "cancel.platform_paused")) cancelled++;
      }
      if (batch.length === KILL_BATCH) more = true;
    }
    if (more) await ctx.scheduler.runAfter(0, internal.jobs.platform.cancelPendingBatch, {});
    console.log(JSON.stringify({ event: "platform_pause_batch", cancelled, more }));
    return { cancelled, more };
  },
});

/** Continue cancelling a paused agent's pending and waiting jobs (see `cancelPendingJobsForAgent`). */
export const cancelForAgent = internalMutation({
  args: { agentId: v.id("agents") },
  returns: v.number(),
  handler: async (ctx, { agentId }) => {
    const agent = await ctx.db.get("agents", agentId);
    if (agent !== null && agent.status === "active") return 0; // Resumed meanwhile: leave the rest alone.
    return await cancelPendingJobsForAgent(ctx, agentId);
  },
});
