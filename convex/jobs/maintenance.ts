/**
 * The stuck-job sweep (run by the cron in convex/crons.ts): job runs still
 * running or waiting past their deadline (latest start + timeout) are
 * settled as `timed_out` and their workflows cancelled. Bounded batches; a
 * full batch schedules the next. Running it twice gives the same end state:
 * a settled job has left the index range the sweep reads.
 */
import { v } from "convex/values";
import { internal } from "../_generated/api";
import { internalMutation, type MutationCtx } from "../_generated/server";
import { endJob, openStep, recordJobEvent, stopWorkflow } from "./model";
import { jobsByStatus, type Job } from "./jobRun";

export const STUCK_BATCH = 25;

async function settleStuck(ctx: MutationCtx, job: Job, now: number) {
  const step = await openStep(ctx, job);
  const overdueS = Math.round((now - (job.deadlineAt ?? now)) / 1000);
  const message = `The job ran past its timeout of ${Math.round(job.timeoutMs / 1000)} s${step ? ` while at step “${step.key}”` : ""} (overdue by ${overdueS} s).`;
  await endJob(ctx, job, { state: "timed_out", error: { code: "timeout", message, ...(step ? { step: step.key } : {}) } });
  await stopWorkflow(ctx, job);
  await recordJobEvent(ctx, job, { actor: { kind: "system" }, action: "timeout.stuck", reason: message });
}

export const settleStuckJobs = internalMutation({
  args: {},
  returns: v.object({ settled: v.number(), more: v.boolean() }),
  handler: async (ctx) => {
    const now = Date.now();
    let settled = 0;
    let more = false;
    for (const state of ["running", "waiting"] as const) {
      const stuck = await jobsByStatus(ctx, state, STUCK_BATCH, now);
      for (const job of stuck) {
        if (job.deadlineAt === undefined) continue;
        await settleStuck(ctx, job, now);
        settled++;
      }
      if (stuck.length === STUCK_BATCH) more = true;
    }
    if (more) await ctx.scheduler.runAfter(0, internal.jobs.maintenance.settleStuckJobs, {});
    if (settled > 0) console.log(JSON.stringify({ event: "stuck_jobs_settled", settled, more }));
    return { settled, more };
  },
});
