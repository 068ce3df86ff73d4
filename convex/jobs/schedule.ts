/**
 * Recurring jobs. A schedule is a job row with `schedule` that runs no steps
 * itself: every `everyMs` its tick starts one occurrence (a child job with
 * `parentJobId`) and schedules the next tick. Cancelling the schedule
 * cancels its live occurrences; a kill switch cancels it like any pending job.
 */
import { v } from "convex/values";
import { internal } from "../_generated/api";
import { internalMutation, type MutationCtx } from "../_generated/server";
import { cancelJob, createJob, endJob, logJob, startRefusal } from "./model";
import { getJob, loadJob, runIdOfJob, type Job } from "./jobRun";

/** A schedule "started" at its first occurrence: its run's start time (a schedule stays pending until it ends). */
async function markScheduleStarted(ctx: MutationCtx, schedule: Job, now: number): Promise<void> {
  if (schedule.startedAt !== undefined) return;
  await ctx.db.patch("interactions", await runIdOfJob(ctx, schedule), { startedAt: now });
}

export const tick = internalMutation({
  args: { jobId: v.id("jobs"), occurrence: v.number() },
  returns: v.null(),
  handler: async (ctx, { jobId, occurrence }) => {
    const parent = await getJob(ctx, jobId);
    // Exactly once per occurrence: a tick for another occurrence (or a cancelled schedule) does nothing.
    if (parent === null || parent.state !== "pending" || !parent.schedule || parent.schedule.started !== occurrence) return null;
    const refusal = await startRefusal(ctx, parent.agentId);
    if (refusal !== null) {
      await cancelJob(ctx, parent, { kind: "system" }, refusal, "cancel.policy");
      return null;
    }
    const now = Date.now();
    const childId = await createJob(
      ctx,
      {
        accountId: parent.accountId,
        userId: parent.userId,
        type: parent.type,
        ...(parent.input !== undefined ? { input: parent.input } : {}),
        source: "schedule",
        ...(parent.agentId ? { agentId: parent.agentId } : {}),
        ...(parent.threadId ? { threadId: parent.threadId } : {}),
        ...(parent.interactionId ? { interactionId: parent.interactionId } : {}),
        parentJobId: parent._id,
        runAt: now,
        timeoutMs: parent.timeoutMs,
      },
      { kind: "system" },
    );
    const started = occurrence + 1;
    const { everyMs, times } = parent.schedule;
    logJob(parent, "schedule_tick", { occurrence: started, childId });
    if (times !== undefined && started >= times) {
      await ctx.db.patch("jobs", jobId, { schedule: { ...parent.schedule, started } });
      await markScheduleStarted(ctx, parent, now);
      await endJob(ctx, await loadJob(ctx, jobId), { state: "resolved", result: `Started ${started} run${started === 1 ? "" : "s"}.` });
      return null;
    }
    const next = Math.max(parent.runAt + everyMs, now);
    await ctx.db.patch("jobs", jobId, { schedule: { ...parent.schedule, started }, runAt: next });
    await markScheduleStarted(ctx, parent, now);
    await ctx.scheduler.runAt(next, internal.jobs.schedule.tick, { jobId, occurrence: started });
    return null;
  },
});
