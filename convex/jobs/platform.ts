/**
 * How jobs obey the kill switches. The platform pause (ops/pause.ts)
 * schedules `cancelPendingBatch`, which cancels every queued or waiting job
 * run in bounded batches that continue themselves; un-pausing revives
 * nothing. An agent's pause runs `cancelForAgent`, which cancels that agent's
 * queued and waiting job runs the same way. Both read runs (the run kernel's
 * indexes by kind and status) and cancel through the one cancel every
 * surface uses (control/runControl.ts).
 */
import { v } from "convex/values";
import { internal } from "../_generated/api";
import type { Doc, Id } from "../_generated/dataModel";
import { internalMutation, type MutationCtx } from "../_generated/server";
import { cancelRun } from "../control/runControl";
import { isPlatformPaused } from "../ops/paused";

/** Job runs a kill switch cancels per transaction; more continue in a scheduled batch. */
export const KILL_BATCH = 25;

/** Cancel one batch of job runs per pending state (`pick` reads them); returns how many were cancelled, and whether more are left. */
async function cancelBatches(
  ctx: MutationCtx,
  pick: (status: "queued" | "waiting") => Promise<Doc<"interactions">[]>,
  reason: string,
  action: string,
): Promise<{ cancelled: number; more: boolean }> {
  let cancelled = 0;
  let more = false;
  // A job not yet ended and not running: pending (queued) or waiting.
  for (const status of ["queued", "waiting"] as const) {
    const batch = await pick(status);
    for (const run of batch) {
      if (await cancelRun(ctx, run, { actor: { kind: "system" }, reason, action })) cancelled++;
    }
    if (batch.length === KILL_BATCH) more = true;
  }
  return { cancelled, more };
}

/** One batch of the platform pause: cancel queued and waiting jobs; schedule the next batch while any are left. */
export const cancelPendingBatch = internalMutation({
  args: {},
  returns: v.object({ cancelled: v.number(), more: v.boolean() }),
  handler: async (ctx) => {
    if (!(await isPlatformPaused(ctx))) return { cancelled: 0, more: false };
    const result = await cancelBatches(
      ctx,
      (status) =>
        ctx.db
          .query("interactions")
          .withIndex("by_kind_status_deadlineAt", (q) => q.eq("kind", "job").eq("status", status))
          .take(KILL_BATCH),
      "the platform was paused",
      "cancel.platform_paused",
    );
    if (result.more) await ctx.scheduler.runAfter(0, internal.jobs.platform.cancelPendingBatch, {});
    console.log(JSON.stringify({ event: "platform_pause_batch", ...result }));
    return result;
  },
});

/**
 * An agent's pause: cancel its queued and waiting jobs, a batch per
 * transaction (run by the pause itself, then continuing itself). Returns how
 * many this batch cancelled.
 */
export const cancelForAgent = internalMutation({
  args: { agentId: v.id("agents") },
  returns: v.number(),
  handler: async (ctx, { agentId }) => {
    const agent = await ctx.db.get("agents", agentId);
    if (agent !== null && agent.status === "active") return 0; // Resumed meanwhile: leave the rest alone.
    const { cancelled, more } = await cancelBatches(
      ctx,
      (status) => agentJobRuns(ctx, agentId, status),
      "the agent was paused",
      "cancel.agent_paused",
    );
    if (more) await ctx.scheduler.runAfter(0, internal.jobs.platform.cancelForAgent, { agentId });
    return cancelled;
  },
});

async function agentJobRuns(ctx: MutationCtx, agentId: Id<"agents">, status: "queued" | "waiting") {
  return await ctx.db
    .query("interactions")
    .withIndex("by_agentId_kind_status", (q) => q.eq("agentId", agentId).eq("kind", "job").eq("status", status))
    .take(KILL_BATCH);
}
