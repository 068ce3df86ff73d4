/**
 * A background job as a thin kind of run. Its run row (`interactions`, kind
 * "job") carries the lifecycle the run kernel keeps for every run: status,
 * timing, attempts, deadline, error, failed step, workflow, generation,
 * tokens and cost. Its steps are rows of the one step ledger (`steps`). The
 * job row keeps only what is a job's own: type, input, schedule, result,
 * callbacks' owner, follow-up.
 *
 * Readers get a `Job`: the row with its run's lifecycle under the names the
 * jobs API has always used (`jobOf`, one read of the run). A job's state is
 * its run's status by another name (pending = queued, resolved = completed).
 * `moveJob` is the one writer of a job's lifecycle, and runs/status.ts decides
 * whether the move is allowed.
 */
import type { WorkflowId } from "@convex-dev/workflow";
import type { Doc, Id } from "../_generated/dataModel";
import type { MutationCtx, QueryCtx } from "../_generated/server";
import { recordJobState } from "../ops/metrics";
import { emitJobStateChanged } from "../outbound/events";
import { freshRun } from "../runs/records";
import { reopen, transition, type RunStatus } from "../runs/status";
import type { RunPatch } from "../runs/stepRows";
import type { JobError, JobState } from "./validators";

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

/** The job state each run status is. */
export const JOB_STATE_OF: Record<RunStatus, JobState> = {
  queued: "pending",
  running: "running",
  waiting: "waiting",
  completed: "resolved",
  failed: "failed",
  cancelled: "cancelled",
  timed_out: "timed_out",
};

/** The fields of a job's lifecycle: its run's (rows written before thin jobs still carry them too). */
type LifecycleKey =
  | "state"
  | "startedAt"
  | "endedAt"
  | "deadlineAt"
  | "attempts"
  | "error"
  | "failedStepKey"
  | "workflowId"
  | "generation"
  | "tokens"
  | "costMicroUsd"
  | "stepCount";

/** What the job row itself keeps. */
export type JobRow = Omit<Doc<"jobs">, LifecycleKey>;

/** A job's lifecycle, read from its run. */
export type JobLifecycle = {
  state: JobState;
  startedAt?: number;
  endedAt?: number;
  deadlineAt?: number;
  attempts: number;
  /** Why it did not resolve; `step` is the failed step a resume starts from. */
  error?: JobError;
  failedStepKey?: string;
  workflowId?: WorkflowId;
  /** Bumped by resume and restart; observers post once per generation. */
  generation: number;
};

/** A job as every reader sees it: its own row and its run's lifecycle. */
export type Job = JobRow & JobLifecycle;

/** The lifecycle of a row written before thin jobs, as it stored it itself. */
function storedLifecycle(row: StoredJob): JobLifecycle {
  return {
    state: row.state ?? "pending",
    ...(row.startedAt !== undefined ? { startedAt: row.startedAt } : {}),
    ...(row.endedAt !== undefined ? { endedAt: row.endedAt } : {}),
    ...(row.deadlineAt !== undefined ? { deadlineAt: row.deadlineAt } : {}),
    attempts: row.attempts ?? 0,
    ...(row.error !== undefined ? { error: row.error } : {}),
    ...(row.failedStepKey !== undefined ? { failedStepKey: row.failedStepKey } : {}),
    ...(row.workflowId !== undefined ? { workflowId: row.workflowId } : {}),
    generation: row.generation ?? 0,
  };
}

/** The lifecycle a job's run holds (a row not yet folded lends the deadline and attempts its run never had). */
function runLifecycle(run: Doc<"interactions">, row: Doc<"jobs">): JobLifecycle {
  const deadlineAt = run.deadlineAt ?? row.deadlineAt;
  const error: JobError | undefined =
    run.error === undefined
      ? undefined
      : { ...run.error, ...(run.failedStepKey !== undefined && run.status !== "cancelled" ? { step: run.failedStepKey } : {}) };
  return {
    state: JOB_STATE_OF[run.status],
    ...(run.startedAt !== undefined ? { startedAt: run.startedAt } : {}),
    ...(run.endedAt !== undefined ? { endedAt: run.endedAt } : {}),
    ...(deadlineAt !== undefined ? { deadlineAt } : {}),
    attempts: run.attempts ?? row.attempts ?? 0,
    ...(error !== undefined ? { error } : {}),
    ...(run.failedStepKey !== undefined ? { failedStepKey: run.failedStepKey } : {}),
    ...(run.workflowId !== undefined ? { workflowId: run.workflowId } : {}),
    generation: run.generation,
  };
}

function ownFields(row: Doc<"jobs">): JobRow {
  const {
    state: _state,
    startedAt: _startedAt,
    endedAt: _endedAt,
    deadlineAt: _deadlineAt,
    attempts: _attempts,
    error: _error,
    failedStepKey: _failedStepKey,
    workflowId: _workflowId,
    generation: _generation,
    tokens: _tokens,
    costMicroUsd: _costMicroUsd,
    stepCount: _stepCount,
    ...own
  } = row;
  return own;
}

/** The job a stored row is: its own fields and its run's lifecycle (one read of the run). */
export async function jobOf(ctx: QueryCtx, row: Doc<"jobs">): Promise<Job> {
  const run = row.runId !== undefined ? await ctx.db.get("interactions", row.runId) : null;
  return { ...ownFields(row), ...(run !== null ? runLifecycle(run, row) : storedLifecycle(row)) };
}

/** The job, or null when there is none. */
export async function getJob(ctx: QueryCtx, jobId: Id<"jobs">): Promise<Job | null> {
  const row = await ctx.db.get("jobs", jobId);
  return row === null ? null : await jobOf(ctx, row);
}

/** The job; throws when there is none (a caller holding its id has a bug). */
export async function loadJob(ctx: QueryCtx, jobId: Id<"jobs">): Promise<Job> {
  const job = await getJob(ctx, jobId);
  if (job === null) throw new Error(`Job ${jobId} not found`);
  return job;
}

/** The most step rows one job has (bounded: a job type's steps, a handful); moved over in one transaction. */
const MAX_STEPS_MOVED = 100;

/** A job row's fields, stored or about to be. */
type StoredJob = Omit<Doc<"jobs">, "_id" | "_creationTime">;

/** The run row of a job: a new one (queued), or one for a job stored before runs, from what its row says. */
function runFieldsOf(row: StoredJob, origin: Doc<"interactions"> | null) {
  const life = storedLifecycle(row);
  return {
    ...freshRun(row.createdAt),
    kind: "job" as const,
    accountId: row.accountId,
    userId: row.userId,
    ...(row.agentId !== undefined ? { agentId: row.agentId } : {}),
    ...(row.agentVersion !== undefined ? { agentVersion: row.agentVersion } : {}),
    ...(row.threadId !== undefined ? { threadId: row.threadId } : {}),
    // Started by a chat run: the job is a child of that run in its tree (the inspector shows it there).
    ...(origin !== null
      ? { parentInteractionId: origin._id, rootInteractionId: origin.rootInteractionId ?? origin._id, depth: origin.depth + 1, lineage: origin.lineage }
      : { depth: 0, lineage: [] }),
    ...(row.input !== undefined ? { promptText: row.input } : {}),
    status: RUN_STATUS_OF[life.state],
    ...(life.startedAt !== undefined ? { startedAt: life.startedAt } : {}),
    ...(life.endedAt !== undefined ? { endedAt: life.endedAt } : {}),
    ...(life.deadlineAt !== undefined ? { deadlineAt: life.deadlineAt } : {}),
    attempts: life.attempts,
    ...(life.error !== undefined ? { error: { code: life.error.code, message: life.error.message } } : {}),
    ...(life.failedStepKey !== undefined ? { failedStepKey: life.failedStepKey } : {}),
    ...(life.workflowId !== undefined ? { workflowId: life.workflowId } : {}),
    generation: life.generation,
    tokensOut: row.tokens ?? 0,
    costMicroUsd: row.costMicroUsd ?? 0,
    treeCostMicroUsd: row.costMicroUsd ?? 0,
  };
}

/**
 * Insert a new job and its run (queued, never started; the child of the run
 * that started it, `origin`), the run first so the job row is written once.
 */
export async function insertJobAndRun(
  ctx: MutationCtx,
  fields: Omit<JobRow, "_id" | "_creationTime" | "runId">,
  origin: Doc<"interactions"> | null,
): Promise<Id<"jobs">> {
  const runId = await ctx.db.insert("interactions", runFieldsOf(fields, origin));
  return await ctx.db.insert("jobs", { ...fields, runId });
}

/** The lifecycle fields a row written before thin jobs still carries, cleared. */
const CLEARED_LIFECYCLE = {
  state: undefined,
  startedAt: undefined,
  endedAt: undefined,
  deadlineAt: undefined,
  attempts: undefined,
  error: undefined,
  failedStepKey: undefined,
  workflowId: undefined,
  generation: undefined,
  tokens: undefined,
  costMicroUsd: undefined,
  stepCount: undefined,
} satisfies Partial<Doc<"jobs">>;

function carriesLifecycle(row: Doc<"jobs">): boolean {
  return (Object.keys(CLEARED_LIFECYCLE) as (keyof typeof CLEARED_LIFECYCLE)[]).some((key) => row[key] !== undefined);
}

/**
 * The job's run, made whole: created for a job stored before runs (its
 * `jobSteps` rows move to the step ledger), given the deadline and attempts
 * a run made before thin jobs lacks, and the row's own copy of the lifecycle
 * cleared. Called at the job's creation, by the migrations and by the job's
 * next move, whichever comes first; the second finds it done.
 */
export async function ensureJobRun(ctx: MutationCtx, row: Doc<"jobs">): Promise<Doc<"interactions">> {
  let run = row.runId !== undefined ? await ctx.db.get("interactions", row.runId) : null;
  if (run === null) {
    const origin = row.interactionId !== undefined ? await ctx.db.get("interactions", row.interactionId) : null;
    const runId = await ctx.db.insert("interactions", runFieldsOf(row, origin));
    await ctx.db.patch("jobs", row._id, { runId, ...CLEARED_LIFECYCLE });
    const old = await ctx.db
      .query("jobSteps")
      .withIndex("by_jobId_index", (q) => q.eq("jobId", row._id))
      .take(MAX_STEPS_MOVED);
    for (const step of old) {
      const { _id, _creationTime, jobId: _jobId, ...fields } = step;
      await ctx.db.insert("steps", { ...fields, interactionId: runId });
      await ctx.db.delete("jobSteps", _id);
    }
    return (await ctx.db.get("interactions", runId))!;
  }
  if (carriesLifecycle(row)) {
    // A run made while the row still mirrored its lifecycle: the run had all of it but these two.
    const fold = {
      ...(run.deadlineAt === undefined && row.deadlineAt !== undefined ? { deadlineAt: row.deadlineAt } : {}),
      ...(run.attempts === undefined ? { attempts: row.attempts ?? 0 } : {}),
    };
    if (Object.keys(fold).length > 0) await ctx.db.patch("interactions", run._id, fold);
    await ctx.db.patch("jobs", row._id, CLEARED_LIFECYCLE);
    run = { ...run, ...fold };
  }
  return run;
}

/** What a move writes: to the job row (its own fields) and to its run (the lifecycle). */
export type JobMove = {
  job?: Partial<Omit<JobRow, "_id" | "_creationTime">>;
  run?: RunPatch;
};

/**
 * Move a job to `to`: its run's status (with `move.run`) and its own row
 * (with `move.job`), in one place, checked by the run kernel's status
 * machine: a move forward by `transition`, a resume or restart of an ended
 * job (`reopenBy`) by `reopen`. Returns the job as it now is, built from
 * what was written (no second read).
 */
export async function moveJob(
  ctx: MutationCtx,
  job: Job,
  to: JobState,
  move: JobMove = {},
  reopenBy?: "resume" | "restart",
): Promise<Job> {
  const row = (await ctx.db.get("jobs", job._id))!;
  const run = await ensureJobRun(ctx, row);
  const status = RUN_STATUS_OF[to];
  if (reopenBy === undefined) transition(run.status, status);
  else if (status === "running" || status === "queued") reopen(run.status, reopenBy, status);
  else throw new Error(`A job is reopened as pending or running, not ${to}`);
  if (move.job !== undefined && Object.keys(move.job).length > 0) await ctx.db.patch("jobs", job._id, move.job);
  await ctx.db.patch("interactions", run._id, { ...move.run, status });
  await recordJobState(ctx, job.state, to);
  const movedRow = { ...row, ...CLEARED_LIFECYCLE, ...move.job };
  const moved: Job = { ...ownFields(movedRow), ...runLifecycle({ ...run, ...move.run, status }, movedRow) };
  await emitJobStateChanged(ctx, moved, job.state);
  return moved;
}

/** The job's run (made whole first: `ensureJobRun`), for a caller holding the job. */
export async function runOfJob(ctx: MutationCtx, jobId: Id<"jobs">): Promise<Doc<"interactions">> {
  const row = await ctx.db.get("jobs", jobId);
  if (row === null) throw new Error(`Job ${jobId} not found`);
  return await ensureJobRun(ctx, row);
}

/**
 * The id of the job's run, for a caller writing its steps or one run field:
 * no read when the row already names it (the row's own copy of the
 * lifecycle, if it still has one, is folded by the job's next move).
 */
export async function runIdOfJob(ctx: MutationCtx, job: JobRow): Promise<Id<"interactions">> {
  return job.runId ?? (await runOfJob(ctx, job._id))._id;
}

/** What a job's step shows, wherever it is stored. */
export type JobStepRow = Pick<Doc<"steps">, "key" | "name" | "kind" | "status" | "attempt" | "startedAt" | "endedAt" | "durationMs" | "error" | "detail" | "input" | "output">;

/**
 * A job's steps in order (at most `limit`): from the step ledger, or, for a
 * job stored before runs and not migrated yet, from its old `jobSteps` rows.
 */
export async function jobStepsOf(ctx: QueryCtx, job: JobRow, limit: number): Promise<JobStepRow[]> {
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
export async function jobOfRun(ctx: QueryCtx, runId: Id<"interactions">): Promise<Job | null> {
  const row = await ctx.db
    .query("jobs")
    .withIndex("by_runId", (q) => q.eq("runId", runId))
    .unique();
  return row === null ? null : await jobOf(ctx, row);
}

/** Job runs of one status, oldest deadline first (the stuck-job sweep): their jobs. */
export async function jobsByStatus(
  ctx: QueryCtx,
  state: JobState,
  limit: number,
  deadlineBefore?: number,
): Promise<Job[]> {
  const runs = await ctx.db
    .query("interactions")
    .withIndex("by_kind_status_deadlineAt", (q) => {
      const same = q.eq("kind", "job").eq("status", RUN_STATUS_OF[state]);
      return deadlineBefore === undefined ? same : same.gte("deadlineAt", 0).lt("deadlineAt", deadlineBefore);
    })
    .take(limit);
  return await jobsOfRuns(ctx, runs);
}

async function jobsOfRuns(ctx: QueryCtx, runs: Doc<"interactions">[]): Promise<Job[]> {
  const jobs: Job[] = [];
  for (const run of runs) {
    const row = await ctx.db
      .query("jobs")
      .withIndex("by_runId", (q) => q.eq("runId", run._id))
      .unique();
    if (row !== null) jobs.push({ ...ownFields(row), ...runLifecycle(run, row) });
  }
  return jobs;
}
