/**
 * Shared steps for job tests: starting jobs, driving the scheduler without
 * firing far-off timers (a wait's timeout, a later `runAt`), reading rows.
 */
import type { WorkflowId } from "@convex-dev/workflow";
import { vi } from "vitest";
import { api } from "../_generated/api";
import type { Id } from "../_generated/dataModel";
import type { Harness } from "../test.setup";
import type { Caller } from "../chat/testkit.testing";
import { jobOf, loadJob } from "./jobRun";

export const SERVICE_SECRET = "jobs-test-secret";

/** Run every scheduled function to completion, firing every timer (waits time out, `runAt` arrives). */
export async function settle(t: Harness) {
  await t.finishAllScheduledFunctions(vi.runAllTimers);
}

/**
 * Run what is due now (steps, retries with backoff) but not what is far
 * off: time moves in 1 s increments and stops once only far timers are left.
 */
export async function drive(t: Harness) {
  await t.finishAllScheduledFunctions(() => vi.advanceTimersByTime(1_000), 500);
}

export async function startJob(
  user: Caller,
  args: { type: string; input?: string; threadId?: Id<"threads">; agentId?: Id<"agents">; runAt?: number; everyMs?: number; times?: number; timeoutMs?: number },
) {
  const { jobId } = await user.client.mutation(api.jobs.jobs.start, { accountId: user.accountId, ...args });
  return jobId;
}

/** The job as its readers see it: its row and its run's lifecycle (jobs/jobRun.ts). */
export async function jobRow(t: Harness, jobId: Id<"jobs">) {
  return await t.run(async (ctx) => await loadJob(ctx, jobId));
}

/** Every job (oldest first), or a schedule's occurrences, as their readers see them. */
export async function allJobs(t: Harness, parentJobId?: Id<"jobs">) {
  return await t.run(async (ctx) => {
    const rows =
      parentJobId === undefined
        ? await ctx.db.query("jobs").collect()
        : await ctx.db
            .query("jobs")
            .withIndex("by_parentJobId", (q) => q.eq("parentJobId", parentJobId))
            .collect();
    const jobs = [];
    for (const row of rows) jobs.push(await jobOf(ctx, row));
    return jobs;
  });
}

/** The job's run: its status, tokens and cost as the run kernel keeps them. */
export async function runOf(t: Harness, jobId: Id<"jobs">) {
  return await t.run(async (ctx) => {
    const runId = (await ctx.db.get("jobs", jobId))!.runId!;
    return (await ctx.db.get("interactions", runId))!;
  });
}

/** The job's steps: rows of the step ledger under the job's run. */
export async function stepRows(t: Harness, jobId: Id<"jobs">) {
  return await t.run(async (ctx) => {
    const runId = (await ctx.db.get("jobs", jobId))?.runId;
    if (runId === undefined) return [];
    return await ctx.db
      .query("steps")
      .withIndex("by_interactionId_index", (q) => q.eq("interactionId", runId))
      .collect();
  });
}

export async function callbackRows(t: Harness, jobId: Id<"jobs">) {
  return await t.run(async (ctx) => ctx.db.query("jobCallbacks").collect().then((rows) => rows.filter((r) => r.jobId === jobId)));
}

export async function detail(user: Caller, jobId: Id<"jobs">) {
  return await user.client.query(api.jobs.jobs.get, { accountId: user.accountId, jobId });
}

export async function workflowStatus(t: Harness, workflowId: WorkflowId) {
  return await t.run(async (ctx) => {
    const { workflow } = await import("../lib/workflow");
    return await workflow.status(ctx, workflowId);
  });
}
