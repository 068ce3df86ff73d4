/**
 * A background job as a kind of run: its run row (`interactions`, kind "job")
 * carries the status, timing, tokens and cost the run kernel keeps for every
 * run, and its steps are rows of the one step ledger (`steps`). The job row
 * keeps what is a job's own: type, input, schedule, deadline, result, callbacks.
 *
 * A job's state keeps the names the jobs API has always used (pending,
 * resolved); the run's status is the kernel's (queued, completed). `moveJob`
 * is the one writer of both, and runs/status.ts decides whether the move is allowed.
 */
import type { Doc, Id } from "../_generated/dataModel";
import type { MutationCtx, QueryCtx } from "../_generated/server";
import { recordJobState } from "../ops/metrics";
import { emitJobStateChanged } from "../outbound/events";
import { freshRun } from "../runs/records";
import { reopen, transition, type RunStatus } from "../runs/status";
import type { RunPatch } from "../runs/stepRows";
import type { JobState } from "./validators";

/** The run status each job state is. */
export const RUN_STATUS_OF: Record<JobState, RunStatus> = {
  pending: "queued",
  running: "running",
  waiting: "waiting",
  resolved: "completed",
  failed: "failed",
  cancelled: "cancelled",
  timed_out: "timed_out",
};

/** The most step rows one job has (bounded: a job type's steps, a handful); moved over in one transaction. */
const MAX_STEPS_MOVED = 100;

/** The run row a job has, from what the job row says (a job written before runs gets the same one). */
function runFieldsOf(job: Doc<"jobs">, origin: Doc<"interactions"> | null) {
  return {
    ...freshRun(job.createdAt),
    kind: "job" as const,
    accountId: job.accountId,
    userId: job.userId,
    ...(job.agentId !== undefined ? { agentId: job.agentId } : {}),
    ...(job.agentVersion !== undefined ? { agentVersion: job.agentVersion } : {}),
    ...(job.threadId !== undefined ? { threadId: job.threadId } : {}),
    // Started by a chat run: the job is a child of that run in its tree (the inspector shows it there).
    ...(origin !== null
      ? { parentInteractionId: origin._id, rootInteractionId: origin.rootInteractionId ?? origin._id, depth: origin.depth + 1, lineage: origin.lineage }
      : { depth: 0, lineage: [] }),
    ...(job.input !== undefined ? { promptText: job.input } : {}),
    status: RUN_STATUS_OF[job.state],
    ...(job.startedAt !== undefined ? { startedAt: job.startedAt } : {}),
    ...(job.endedAt !== undefined ? { endedAt: job.endedAt } : {}),
    ...(job.error !== undefined ? { error: { code: job.error.code, message: job.error.message } } : {}),
    ...(job.failedStepKey !== undefined ? { failedStepKey: job.failedStepKey } : {}),
    ...(job.workflowId !== undefined ? { workflowId: job.workflowId } : {}),
    generation: job.generation,
    tokensOut: job.tokens ?? 0,
    costMicroUsd: job.costMicroUsd ?? 0,
    treeCostMicroUsd: job.costMicroUsd ?? 0,
  };
}

/**
 * The job's run, created when the job has none yet: at the job's creation,
 * or for a job stored before runs, by the migration or its next step —
 * whichever comes first (both call this; the second finds it done). Its
 * `jobSteps` rows move to the step ledger in the same transaction.
 */
export async function ensureJobRun(ctx: MutationCtx, job: Doc<"jobs">): Promise<Doc<"interactions">> {
  if (job.runId !== undefined) {
    const run = await ctx.db.get("interactions", job.runId);
    if (run !== null) return run;
  }
  const origin = job.interactionId !== undefined ? await ctx.db.get("interactions", job.interactionId) : null;
  const runId = await ctx.db.insert("interactions", runFieldsOf(job, origin));
  await ctx.db.patch("jobs", job._id, { runId });
  const old = await ctx.db
    .query("jobSteps")
    .withIndex("by_jobId_index", (q) => q.eq("jobId", job._id))
    .take(MAX_STEPS_MOVED);
  for (const step of old) {
    const { _id, _creationTime, jobId: _jobId, ...fields } = step;
    await ctx.db.insert("steps", { ...fields, interactionId: runId });
    await ctx.db.delete("jobSteps", _id);
  }
  return (await ctx.db.get("interactions", runId))!;
}

/**
 * Move a job to `to`: the job row (with `patch`) and its run (with
 * `runPatch`), in one place, checked by the run kernel's status machine: a
 * move forward by `transition`, a resume or restart of an ended job (`reopenBy`) by `reopen`.
 */
export async function moveJob(
  ctx: MutationCtx,
  job: Doc<"jobs">,
  to: JobState,
  patch: Partial<Omit<Doc<"jobs">, "_id" | "_creationTime" | "state">> = {},
  runPatch: RunPatch = {},
  reopenBy?: "resume" | "restart",
): Promise<void> {
  const run = await ensureJobRun(ctx, job);
  const status = RUN_STATUS_OF[to];
  if (reopenBy === undefined) transition(run.status, status);
  else if (status === "running" || status === "queued") reopen(run.status, reopenBy, status);
  else throw new Error(`A job is reopened as pending or running, not ${to}`);
  await ctx.db.patch("jobs", job._id, { ...patch, state: to });
  await ctx.db.patch("interactions", run._id, { ...runPatch, status });
  await recordJobState(ctx, job.state, to);
  await emitJobStateChanged(ctx, job._id, job.state);
}

/** What a job's step shows, wherever it is stored. */
export type JobStepRow = Pick<Doc<"steps">, "key" | "name" | "kind" | "status" | "attempt" | "startedAt" | "endedAt" | "durationMs" | "error" | "detail" | "input" | "output">;

/**
 * A job's steps in order (at most `limit`): from the step ledger, or, for a
 * job stored before runs and not migrated yet, from its old `jobSteps` rows.
 */
export async function jobStepsOf(ctx: QueryCtx, job: Doc<"jobs">, limit: number): Promise<JobStepRow[]> {
  const runId = job.runId;
  if (runId !== undefined) {
    return await ctx.db
      .query("steps")
      .withIndex("by_interactionId_index", (q) => q.eq("interactionId", runId))
      .take(limit);
  }
  return await ctx.db
    .query("jobSteps")
    .withIndex("by_jobId_index", (q) => q.eq("jobId", job._id))
    .take(limit);
}

/** The job a run belongs to (null for a chat run). */
export async function jobOfRun(ctx: QueryCtx, runId: Id<"interactions">): Promise<Doc<"jobs"> | null> {
  return await ctx.db
    .query("jobs")
    .withIndex("by_runId", (q) => q.eq("runId", runId))
    .unique();
}
