/**
 * Jobs for account members: start one (now, later, or on a schedule), list
 * and read your own, cancel, resume from the failed step, restart from the
 * beginning. Account admins may read and act on every job of the account.
 * Every action is recorded in the audit log (convex/audit: who, when, what, why).
 */
import { pick } from "convex-helpers";
import { paginationOptsValidator, paginationResultValidator } from "convex/server";
import { v, type Infer } from "convex/values";
import type { Doc } from "../_generated/dataModel";
import type { QueryCtx } from "../_generated/server";
import { ownThread } from "../chat/access";
import { fail } from "../lib/errors";
import { accountMutation, accountQuery } from "../lib/functions";
import { jobForCaller } from "./access";
import { createJob, JOB_TARGET, labelOf, startRefusal, type Actor } from "./model";
import { cancelRun, memberActor, reopenRun } from "../control/runControl";
import { jobTables } from "./schema";
import { runTables } from "../runs/schema";
import { jobOf, jobStepsOf, runOfJob, type Job } from "./jobRun";
import { JOB_TYPE_NAMES, jobType } from "./types";
import { requireAvailableAgent } from "../teams/availability";
import {
  isEnded,
  vJobError,
  vJobState,
  MAX_INPUT_CHARS,
  MAX_REASON_CHARS,
  MAX_SCHEDULE_TIMES,
  MAX_TIMEOUT_MS,
  MIN_EVERY_MS,
  MIN_TIMEOUT_MS,
} from "./validators";

const jobFields = jobTables.jobs.validator.fields;

export const vJobView = v.object({
  jobId: v.id("jobs"),
  /** As the job row has them (jobs/schema.ts says what each means). */
  ...pick(jobFields, [
    "runId",
    "type",
    "source",
    "input",
    "agentId",
    "agentVersion",
    "threadId",
    "interactionId",
    "parentJobId",
    "createdAt",
    "runAt",
    "timeoutMs",
    "result",
    "hasUsefulOutput",
    "schedule",
  ]),
  /** As its run has them (jobs/jobRun.ts): the run's status under the job's name for it, timing, attempts, why it failed. */
  state: vJobState,
  ...pick(runTables.interactions.validator.fields, ["startedAt", "endedAt"]),
  attempts: v.number(),
  error: v.optional(vJobError),
  label: v.string(),
  ownerId: jobFields.userId,
  progress: v.object({ done: v.number(), total: v.number() }),
  canCancel: v.boolean(),
  canResume: v.boolean(),
  canRestart: v.boolean(),
});
export type JobView = Infer<typeof vJobView>;

export function jobView(job: Job): JobView {
  const total = job.schedule ? (job.schedule.times ?? 0) : (jobType(job.type)?.steps.length ?? 0);
  const done = job.schedule ? job.schedule.started : Math.min(job.stepsDone, total);
  return {
    jobId: job._id,
    ...(job.runId !== undefined ? { runId: job.runId } : {}),
    type: job.type,
    label: labelOf(job.type),
    state: job.state,
    source: job.source,
    ...(job.input !== undefined ? { input: job.input } : {}),
    ownerId: job.userId,
    ...(job.agentId ? { agentId: job.agentId } : {}),
    ...(job.agentVersion !== undefined ? { agentVersion: job.agentVersion } : {}),
    ...(job.threadId ? { threadId: job.threadId } : {}),
    ...(job.interactionId ? { interactionId: job.interactionId } : {}),
    ...(job.parentJobId ? { parentJobId: job.parentJobId } : {}),
    createdAt: job.createdAt,
    runAt: job.runAt,
    ...(job.startedAt !== undefined ? { startedAt: job.startedAt } : {}),
    ...(job.endedAt !== undefined ? { endedAt: job.endedAt } : {}),
    attempts: job.attempts,
    timeoutMs: job.timeoutMs,
    ...(job.result !== undefined ? { result: job.result } : {}),
    hasUsefulOutput: job.hasUsefulOutput,
    ...(job.error ? { error: job.error } : {}),
    progress: { done, total },
    ...(job.schedule ? { schedule: job.schedule } : {}),
    canCancel: !isEnded(job),
    canResume: (job.state === "failed" || job.state === "timed_out") && job.failedStepKey !== undefined && job.workflowId !== undefined,
    canRestart: (job.state === "failed" || job.state === "timed_out" || job.state === "cancelled") && job.schedule === undefined,
  };
}

function reasonOf(reason: string | undefined, fallback: string): string {
  const trimmed = reason?.trim() ?? "";
  if (trimmed.length > MAX_REASON_CHARS) fail("bad_request", `A reason is at most ${MAX_REASON_CHARS} characters.`);
  return trimmed === "" ? fallback : trimmed;
}

function userActor(ctx: { user: Doc<"userProfiles">; membership: Doc<"memberships"> }): Actor {
  return memberActor(ctx.user, ctx.membership.role);
}

/**
 * Start a job: now, at `runAt`, or every `everyMs` (at most `times` runs).
 * With `threadId` (one of the caller's threads) its ending is posted there
 * by the thread's agent. Refused with `policy_denied` while the platform or
 * the agent is paused.
 */
export const start = accountMutation({
  args: {
    type: v.string(),
    input: v.optional(v.string()),
    agentId: v.optional(v.id("agents")),
    threadId: v.optional(v.id("threads")),
    runAt: v.optional(v.number()),
    everyMs: v.optional(v.number()),
    times: v.optional(v.number()),
    timeoutMs: v.optional(v.number()),
  },
  returns: v.object({ jobId: v.id("jobs") }),
  handler: async (ctx, args) => {
    const { accountId } = args;
    const spec = jobType(args.type);
    if (!spec) fail("bad_request", `Unknown job type "${args.type}". Known types: ${JOB_TYPE_NAMES.join(", ")}.`);
    const input = args.input?.trim();
    if (input !== undefined && input.length > MAX_INPUT_CHARS) fail("bad_request", `A job's input is at most ${MAX_INPUT_CHARS} characters.`);
    const timeoutMs = args.timeoutMs ?? spec.defaultTimeoutMs;
    if (!Number.isFinite(timeoutMs) || timeoutMs < MIN_TIMEOUT_MS || timeoutMs > MAX_TIMEOUT_MS) {
      fail("bad_request", `timeoutMs must be between ${MIN_TIMEOUT_MS} and ${MAX_TIMEOUT_MS}.`);
    }
    if (args.runAt !== undefined && !Number.isFinite(args.runAt)) fail("bad_request", "runAt must be a time in milliseconds.");
    if (args.everyMs !== undefined && (!Number.isFinite(args.everyMs) || args.everyMs < MIN_EVERY_MS)) {
      fail("bad_request", `everyMs must be at least ${MIN_EVERY_MS}.`);
    }
    if (args.times !== undefined) {
      if (args.everyMs === undefined) fail("bad_request", "times applies only to a schedule (everyMs).");
      if (!Number.isInteger(args.times) || args.times < 1 || args.times > MAX_SCHEDULE_TIMES) {
        fail("bad_request", `times must be a whole number from 1 to ${MAX_SCHEDULE_TIMES}.`);
      }
    }
    let agentId = args.agentId;
    if (args.threadId !== undefined) {
      const thread = await ownThread(ctx, { accountId, userId: ctx.user._id }, args.threadId);
      if (thread.status !== "active") fail("conflict", "This thread is archived.");
      if (agentId !== undefined && agentId !== thread.agentId) fail("bad_request", "agentId must be the thread's agent.");
      agentId = thread.agentId;
    }
    if (agentId !== undefined) {
      const agent = await ctx.db.get("agents", agentId);
      if (agent === null || agent.accountId !== accountId || agent.status === "archived") fail("not_found", "Agent not found.");
      await requireAvailableAgent(ctx, agent, ctx.user._id, ctx.membership.role);
    }
    const refusal = await startRefusal(ctx, agentId);
    if (refusal !== null) fail("policy_denied", refusal);
    const jobId = await createJob(
      ctx,
      {
        accountId,
        userId: ctx.user._id,
        type: spec.type,
        ...(input ? { input } : {}),
        source: "api",
        ...(agentId ? { agentId } : {}),
        ...(args.threadId ? { threadId: args.threadId } : {}),
        runAt: args.runAt ?? Date.now(),
        timeoutMs,
        ...(args.everyMs !== undefined ? { schedule: { everyMs: args.everyMs, ...(args.times !== undefined ? { times: args.times } : {}) } } : {}),
      },
      userActor(ctx),
    );
    return { jobId };
  },
});

/** The caller's jobs in the account, newest first. */
export const list = accountQuery({
  args: { paginationOpts: paginationOptsValidator },
  returns: paginationResultValidator(vJobView),
  handler: async (ctx, { accountId, paginationOpts }) => {
    const numItems = Math.min(Math.max(paginationOpts.numItems, 1), 100);
    const result = await ctx.db
      .query("jobs")
      .withIndex("by_accountId_userId_createdAt", (q) => q.eq("accountId", accountId).eq("userId", ctx.user._id))
      .order("desc")
      .paginate({ ...paginationOpts, numItems });
    const page: JobView[] = [];
    for (const row of result.page) page.push(jobView(await jobOf(ctx, row)));
    return { page, isDone: result.isDone, continueCursor: result.continueCursor };
  },
});

const vJobStepView = v.object(
  pick(runTables.steps.validator.fields, ["key", "name", "kind", "status", "attempt", "startedAt", "endedAt", "durationMs", "error", "detail", "input", "output"]),
);

/** An entry of the job's audit trail (from the audit log). */
const vJobEventView = v.object({
  action: v.string(),
  actorRole: v.string(),
  actorUserId: v.optional(v.id("userProfiles")),
  reason: v.string(),
  detail: v.optional(v.string()),
  at: v.number(),
});

async function jobDetail(ctx: QueryCtx, job: Job) {
  const steps = await jobStepsOf(ctx, job, 50);
  const events = await ctx.db
    .query("auditLog")
    .withIndex("by_accountId_targetKind_targetId_at", (q) =>
      q.eq("accountId", job.accountId).eq("targetKind", JOB_TARGET).eq("targetId", job._id),
    )
    .order("desc")
    .take(50);
  const waiting = await ctx.db
    .query("jobCallbacks")
    .withIndex("by_jobId_status", (q) => q.eq("jobId", job._id).eq("status", "pending"))
    .first();
  return {
    job: jobView(job),
    steps: steps.map((s) => ({
      key: s.key,
      name: s.name,
      kind: s.kind,
      status: s.status,
      attempt: s.attempt,
      startedAt: s.startedAt,
      ...(s.endedAt !== undefined ? { endedAt: s.endedAt } : {}),
      ...(s.durationMs !== undefined ? { durationMs: s.durationMs } : {}),
      ...(s.error ? { error: s.error } : {}),
      ...(s.detail !== undefined ? { detail: s.detail } : {}),
      ...(s.input !== undefined ? { input: s.input } : {}),
      ...(s.output !== undefined ? { output: s.output } : {}),
    })),
    events: events.map((e) => ({
      action: e.action,
      actorRole: e.actorRole,
      ...(e.actorUserId ? { actorUserId: e.actorUserId } : {}),
      reason: e.reason,
      ...(typeof e.details?.detail === "string" ? { detail: e.details.detail } : {}),
      at: e.at,
    })),
    ...(waiting ? { waitingFor: { callId: waiting.callId, timeoutAt: waiting.timeoutAt } } : {}),
  };
}

/** One job: its state, steps (attempts, errors), audit trail, and the call id it waits for. */
export const get = accountQuery({
  args: { jobId: v.id("jobs") },
  returns: v.object({
    job: vJobView,
    steps: v.array(vJobStepView),
    events: v.array(vJobEventView),
    waitingFor: v.optional(v.object({ callId: v.string(), timeoutAt: v.number() })),
  }),
  handler: async (ctx, { accountId, jobId }) => await jobDetail(ctx, await jobForCaller(ctx, { accountId, user: ctx.user, membership: ctx.membership }, jobId)),
});

/** Cancel a job that has not ended, and the jobs it started. A second cancel is a no-op. */
export const cancel = accountMutation({
  args: { jobId: v.id("jobs"), reason: v.optional(v.string()) },
  returns: v.object({ cancelled: v.boolean() }),
  handler: async (ctx, { accountId, jobId, reason }) => {
    const job = await jobForCaller(ctx, { accountId, user: ctx.user, membership: ctx.membership }, jobId);
    const why = reasonOf(reason, "cancelled by the user");
    return { cancelled: await cancelRun(ctx, await runOfJob(ctx, job._id), { actor: userActor(ctx), reason: why }) };
  },
});

/**
 * Resume a failed (or timed-out) job from the step that failed: the steps
 * before it are not run again (their results are in the workflow's journal).
 */
export const resume = accountMutation({
  args: { jobId: v.id("jobs"), reason: v.optional(v.string()) },
  returns: v.object({ fromStep: v.string() }),
  handler: async (ctx, { accountId, jobId, reason }) => {
    const job = await jobForCaller(ctx, { accountId, user: ctx.user, membership: ctx.membership }, jobId);
    const reopened = await reopenRun(ctx, await runOfJob(ctx, job._id), "resume", { actor: userActor(ctx), reason: reasonOf(reason, "resumed by the user") });
    return { fromStep: String(reopened.from) };
  },
});

/** Run a failed, timed-out or cancelled job again from the beginning. */
export const restart = accountMutation({
  args: { jobId: v.id("jobs"), reason: v.optional(v.string()) },
  returns: v.null(),
  handler: async (ctx, { accountId, jobId, reason }) => {
    const job = await jobForCaller(ctx, { accountId, user: ctx.user, membership: ctx.membership }, jobId);
    await reopenRun(ctx, await runOfJob(ctx, job._id), "restart", { actor: userActor(ctx), reason: reasonOf(reason, "restarted by the user") });
    return null;
  },
});
