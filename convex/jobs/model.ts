/**
 * Jobs as plain functions taking `ctx`: creating a job, its step rows,
 * ending it (exactly one terminal write, observers told once), cancelling
 * (with its children), the kill switches and the audit trail. The public API
 * (jobs.ts), the workflow (workflow.ts), callbacks, the cron and the tool all
 * go through these.
 */
import { saveMessage } from "@convex-dev/agent";
import { components, internal } from "../_generated/api";
import type { Doc, Id } from "../_generated/dataModel";
import type { MutationCtx, QueryCtx } from "../_generated/server";
import { fail } from "../lib/errors";
import { writeAudit } from "../audit/write";
import { recordJobState } from "../ops/metrics";
import { emitJobStateChanged } from "../outbound/events";
import { jobLogFields, treeOf } from "../ops/runLog";
import { isPlatformPaused } from "../ops/paused";
import { workflow } from "../lib/workflow";
import { startFollowUp, wantsFollowUp } from "./followUp";
import { releaseJobReservation } from "./modelWork";
import { versionAtStart } from "./pinnedAgent";
import { jobType } from "./types";
import { isEnded, type JobError, type JobState } from "./validators";
import { insertJobAndRun, jobOf, runIdOfJob, jobOfRun, loadJob, moveJob, type Job, type JobRow } from "./jobRun";

export { loadJob };
import { beginStepRow, endStepRow, stepByKey as stepRowByKey } from "../runs/stepRows";

// --- loading and logging -----------------------------------------------------

/** Log line about a job: structured, always with the job id (and its run with the run's tree, when an agent started it). */
export function logJob(job: Parameters<typeof jobLogFields>[0], event: string, fields: Record<string, unknown> = {}): void {
  console.log(JSON.stringify({ ...jobLogFields(job), event, ...fields }));
}

export function labelOf(type: string): string {
  return jobType(type)?.label ?? type;
}

// --- kill switches -----------------------------------------------------------

/** Why a job for this agent may not start now, or null. */
export async function startRefusal(ctx: QueryCtx, agentId: Id<"agents"> | undefined): Promise<string | null> {
  if (await isPlatformPaused(ctx)) return "The platform is paused; no new jobs can start.";
  if (agentId === undefined) return null;
  const agent = await ctx.db.get("agents", agentId);
  if (agent === null || agent.status === "archived") return "The agent that asked for this job no longer exists.";
  if (agent.status === "paused") return `${agent.name} is paused; its jobs cannot start.`;
  return null;
}

// --- audit trail ---------------------------------------------------------------

export type Actor =
  | { kind: "user"; userId: Id<"userProfiles">; role: string }
  | { kind: "agent"; userId: Id<"userProfiles"> }
  | { kind: "system" }
  | { kind: "service" };

/** The audit log's target kind for jobs. */
export const JOB_TARGET = "job";

/**
 * Who did what to the job, when and why: an entry in the audit log
 * (convex/audit), written in the same transaction as the action. Actions are
 * `job.start`, `job.cancel`, `job.cancel.platform_paused`, `job.resume`, ...
 */
export async function recordJobEvent(
  ctx: MutationCtx,
  job: Pick<Doc<"jobs">, "_id" | "accountId">,
  entry: { actor: Actor; action: string; reason: string; detail?: string },
): Promise<void> {
  const actor = entry.actor;
  await writeAudit(ctx, {
    accountId: job.accountId,
    ...(actor.kind === "user" || actor.kind === "agent" ? { actorUserId: actor.userId } : {}),
    actorRole: actor.kind === "user" ? actor.role : actor.kind,
    action: `job.${entry.action}`,
    targetKind: JOB_TARGET,
    targetId: job._id,
    reason: entry.reason,
    ...(entry.detail !== undefined ? { details: { detail: entry.detail } } : {}),
  });
}

// --- creating ------------------------------------------------------------------

export type NewJob = {
  accountId: Id<"accounts">;
  userId: Id<"userProfiles">;
  type: string;
  input?: string;
  source: Doc<"jobs">["source"];
  agentId?: Id<"agents">;
  threadId?: Id<"threads">;
  interactionId?: Id<"interactions">;
  parentJobId?: Id<"jobs">;
  idempotencyKey?: string;
  runAt: number;
  timeoutMs: number;
  schedule?: { everyMs: number; times?: number };
};

/**
 * Insert the job and schedule its start: `launch` at `runAt` (a one-off), or
 * the first `tick` of a schedule. Callers check the kill switches first.
 */
export async function createJob(ctx: MutationCtx, spec: NewJob, actor: Actor): Promise<Id<"jobs">> {
  const now = Date.now();
  const runAt = Math.max(spec.runAt, now);
  const { schedule, ...fields } = spec;
  // The run that started it: the version the job pins and the tree its log lines name.
  const origin = spec.interactionId ? await ctx.db.get("interactions", spec.interactionId) : null;
  const agentVersion = await versionAtStart(ctx, spec.agentId, origin);
  const jobId = await insertJobAndRun(ctx, {
    ...fields,
    ...(agentVersion !== undefined ? { agentVersion } : {}),
    ...(origin !== null ? treeOf(origin) : {}),
    runAt,
    createdAt: now,
    hasUsefulOutput: false,
    stepsDone: 0,
    ...(schedule ? { schedule: { ...schedule, started: 0 } } : {}),
  }, origin);
  const job = await loadJob(ctx, jobId);
  await recordJobState(ctx, null, "pending");
  await emitJobStateChanged(ctx, job, null);
  if (schedule) {
    await ctx.scheduler.runAt(runAt, internal.jobs.schedule.tick, { jobId, occurrence: 0 });
  } else {
    await ctx.scheduler.runAt(runAt, internal.jobs.workflow.launch, { jobId, generation: 0 });
  }
  await recordJobEvent(ctx, job, {
    actor,
    action: "start",
    reason: spec.source === "schedule" ? "scheduled occurrence" : `started from the ${spec.source === "agent" ? "agent" : "API"}`,
    detail: schedule ? `every ${schedule.everyMs} ms` : runAt > now ? `runs at ${new Date(runAt).toISOString()}` : undefined,
  });
  logJob(job, "job_created", { type: spec.type, runAt, source: spec.source });
  return jobId;
}

// --- step rows -------------------------------------------------------------------
// A job's steps are rows of the run kernel's one step ledger, under the job's run (jobRun.ts).

export async function stepByKey(ctx: MutationCtx, job: JobRow, key: string): Promise<Doc<"steps"> | null> {
  return await stepRowByKey(ctx, await runIdOfJob(ctx, job), key);
}

/** Start (or start again) a step: a new row, or the same row with attempt + 1. */
export async function beginJobStep(
  ctx: MutationCtx,
  job: JobRow,
  step: { key: string; name: string; kind: "mutation" | "action" | "wait"; status?: "running" | "waiting"; input?: string },
): Promise<Doc<"steps">> {
  return await beginStepRow(ctx, { _id: await runIdOfJob(ctx, job) }, step);
}

export async function endJobStep(
  ctx: MutationCtx,
  step: Doc<"steps">,
  outcome: { status: "succeeded"; detail?: string; output?: string } | { status: "failed" | "cancelled"; error: { code: string; message: string } },
): Promise<void> {
  await endStepRow(ctx, step, outcome);
  if (outcome.status === "succeeded" && step.status !== "succeeded") {
    const job = await jobOfRun(ctx, step.interactionId);
    if (job !== null) await ctx.db.patch("jobs", job._id, { stepsDone: job.stepsDone + 1 });
  }
}

/** The newest step still running or waiting (what a stuck job was doing). */
export async function openStep(ctx: QueryCtx, job: JobRow): Promise<Doc<"steps"> | null> {
  if (job.runId === undefined) return null;
  const runId = job.runId;
  const recent = await ctx.db
    .query("steps")
    .withIndex("by_interactionId_index", (q) => q.eq("interactionId", runId))
    .order("desc")
    .take(20);
  return recent.find((s) => s.status === "running" || s.status === "waiting") ?? null;
}

// --- ending ----------------------------------------------------------------------

export type JobOutcome =
  | { state: "resolved"; result: string }
  | { state: "failed" | "timed_out"; error: JobError }
  | { state: "cancelled"; reason: string };

/**
 * The one terminal write of a job (per generation): its state, its open
 * callbacks withdrawn, its open steps closed, and its thread told. A job
 * already ended is left alone. The caller cancels the workflow if it still runs.
 */
export async function endJob(ctx: MutationCtx, job: Job, outcome: JobOutcome): Promise<Job> {
  if (isEnded(job)) return job;
  const now = Date.now();
  const callbacks = await ctx.db
    .query("jobCallbacks")
    .withIndex("by_jobId_status", (q) => q.eq("jobId", job._id).eq("status", "pending"))
    .take(20);
  for (const callback of callbacks) await ctx.db.patch("jobCallbacks", callback._id, { status: "cancelled", resolvedAt: now });

  const stepError =
    outcome.state === "cancelled"
      ? { code: "cancelled", message: outcome.reason }
      : outcome.state === "resolved"
        ? null
        : { code: outcome.error.code, message: outcome.error.message };
  const runId = await runIdOfJob(ctx, job);
  const open = await ctx.db
    .query("steps")
    .withIndex("by_interactionId_index", (q) => q.eq("interactionId", runId))
    .order("desc")
    .take(20);
  for (const step of open) {
    if ((step.status === "running" || step.status === "waiting") && stepError) {
      await endJobStep(ctx, step, { status: outcome.state === "cancelled" ? "cancelled" : "failed", error: stepError });
    }
  }

  const current = await loadJob(ctx, job._id);
  const state: JobState = outcome.state;
  if (outcome.state !== "resolved") await releaseJobReservation(ctx, current);
  const failedStepKey = outcome.state === "failed" || outcome.state === "timed_out" ? outcome.error.step : undefined;
  const error =
    outcome.state === "resolved"
      ? undefined
      : outcome.state === "cancelled"
        ? { code: "cancelled", message: outcome.reason }
        : { code: outcome.error.code, message: outcome.error.message };
  const ended = await moveJob(ctx, current, state, {
    ...(outcome.state === "resolved" ? { job: { result: outcome.result, hasUsefulOutput: outcome.result.trim() !== "" } } : {}),
    run: {
      endedAt: now,
      error,
      ...(outcome.state === "resolved" ? { failedStepKey: undefined } : failedStepKey !== undefined ? { failedStepKey } : {}),
    },
  });
  logJob(ended, `job_${state}`, outcome.state === "resolved" ? {} : { error: ended.error });
  await notifyObservers(ctx, ended);
  return ended;
}

/** What the thread is told when the job ends. */
export function followUpText(job: Job): string | null {
  const label = labelOf(job.type);
  const what = job.input ? ` (“${job.input.length > 120 ? `${job.input.slice(0, 117)}…` : job.input}”)` : "";
  switch (job.state) {
    case "resolved":
      if (job.schedule) return null; // A schedule's occurrences report for themselves.
      return job.hasUsefulOutput
        ? `The background job “${label}”${what} has finished.\n\n${job.result ?? ""}`
        : `The background job “${label}”${what} has finished; it produced no output.`;
    case "failed":
      return `The background job “${label}”${what} failed${job.error?.step ? ` at its “${job.error.step}” step` : ""}: ${job.error?.message ?? "unknown error"}. It can be resumed from that step or restarted.`;
    case "timed_out":
      return `The background job “${label}”${what} timed out: ${job.error?.message ?? "it took too long"}.`;
    case "cancelled":
      return `The background job “${label}”${what} was cancelled: ${job.error?.message ?? "no reason given"}.`;
    default:
      return null;
  }
}

/**
 * Post the job's ending to the thread it came from, as the agent. Exactly
 * once per generation (a resumed job that ends again reports again): keyed
 * by `notifiedGeneration` on the job, written in the same transaction.
 */
export async function notifyObservers(ctx: MutationCtx, job: Job): Promise<boolean> {
  if (!isEnded(job) || job.threadId === undefined || job.notifiedGeneration === job.generation) return false;
  await ctx.db.patch("jobs", job._id, { notifiedGeneration: job.generation });
  const text = followUpText(job);
  const thread = await ctx.db.get("threads", job.threadId);
  if (text === null || thread === null || thread.accountId !== job.accountId) return false;
  if (await wantsFollowUp(ctx, job)) {
    const followUpInteractionId = await startFollowUp(ctx, job, thread, labelOf(job.type));
    if (followUpInteractionId !== null) {
      await ctx.db.patch("jobs", job._id, { followUpInteractionId });
      logJob(job, "job_follow_up_started", { threadId: thread._id, followUpInteractionId });
      return true;
    }
  }
  const agent = await ctx.db.get("agents", job.agentId ?? thread.agentId);
  await saveMessage(ctx, components.agent, {
    threadId: thread.agentThreadId,
    userId: job.userId,
    agentName: agent?.name,
    message: { role: "assistant", content: text },
  });
  await ctx.db.patch("threads", thread._id, { lastMessageAt: Date.now() });
  logJob(job, "job_observers_notified", { threadId: thread._id, state: job.state });
  return true;
}

/** Cancel the job's workflow if it is still going (a finished one is left as it is). */
export async function stopWorkflow(ctx: MutationCtx, job: Pick<Job, "workflowId">): Promise<void> {
  if (job.workflowId === undefined) return;
  const status = await workflow.status(ctx, job.workflowId);
  if (status.type === "inProgress") await workflow.cancel(ctx, job.workflowId);
}

const MAX_CASCADE_DEPTH = 3;
const MAX_CHILDREN_PER_CANCEL = 50;

/**
 * Cancel a job that has not ended, and its children: state first (so the
 * workflow's onComplete finds it settled), then the workflow. Returns
 * whether anything changed; cancelling twice is a no-op.
 */
export async function cancelJob(
  ctx: MutationCtx,
  job: Job,
  actor: Actor,
  reason: string,
  action = "cancel",
  depth = 0,
): Promise<boolean> {
  const childRows = await ctx.db
    .query("jobs")
    .withIndex("by_parentJobId", (q) => q.eq("parentJobId", job._id))
    .order("desc")
    .take(MAX_CHILDREN_PER_CANCEL);
  let changed = false;
  if (!isEnded(job)) {
    await endJob(ctx, job, { state: "cancelled", reason });
    await stopWorkflow(ctx, job);
    await recordJobEvent(ctx, job, { actor, action, reason });
    changed = true;
  }
  if (depth < MAX_CASCADE_DEPTH) {
    for (const row of childRows) {
      const child = await jobOf(ctx, row);
      if (!isEnded(child)) {
        changed = (await cancelJob(ctx, child, actor, `its parent job was cancelled: ${reason}`, action, depth + 1)) || changed;
      }
    }
  }
  return changed;
}

// --- resume and restart ------------------------------------------------------------

async function assertWorkflowSettled(ctx: QueryCtx, job: Job) {
  if (job.workflowId === undefined) return;
  const status = await workflow.status(ctx, job.workflowId);
  if (status.type === "inProgress") fail("conflict", "The job's workflow is still winding down; try again in a moment.");
}

/**
 * Resume a failed (or timed-out) job from the step that failed: the steps
 * before it are not run again (their results are in the workflow's journal).
 * Refused while a kill switch is on. Audited as `job.resume`.
 */
export async function resumeJob(ctx: MutationCtx, job: Job, actor: Actor, reason: string): Promise<{ fromStep: string }> {
  if ((job.state !== "failed" && job.state !== "timed_out") || job.failedStepKey === undefined || job.workflowId === undefined) {
    fail("conflict", "Only a failed or timed-out job can be resumed from its failed step.");
  }
  const refusal = await startRefusal(ctx, job.agentId);
  if (refusal !== null) fail("policy_denied", refusal);
  await assertWorkflowSettled(ctx, job);
  const fromStep = job.failedStepKey;
  const now = Date.now();
  await moveJob(
    ctx,
    job,
    "running",
    {
      job: { result: undefined, hasUsefulOutput: false },
      run: {
        error: undefined,
        endedAt: undefined,
        failedStepKey: undefined,
        generation: job.generation + 1,
        attempts: job.attempts + 1,
        deadlineAt: now + job.timeoutMs,
      },
    },
    "resume",
  );
  await workflow.restart(ctx, job.workflowId, { from: fromStep, startAsync: true });
  await recordJobEvent(ctx, job, { actor, action: "resume", reason, detail: `from step ${fromStep}` });
  logJob(job, "job_resumed", { fromStep });
  return { fromStep };
}

/** Run a failed, timed-out or cancelled job again from the beginning. Audited as `job.restart`. */
export async function restartJob(ctx: MutationCtx, job: Job, actor: Actor, reason: string): Promise<void> {
  if (job.state !== "failed" && job.state !== "timed_out" && job.state !== "cancelled") {
    fail("conflict", "Only a job that failed, timed out or was cancelled can be restarted.");
  }
  if (job.schedule !== undefined) fail("conflict", "A schedule cannot be restarted; start a new one.");
  const refusal = await startRefusal(ctx, job.agentId);
  if (refusal !== null) fail("policy_denied", refusal);
  await assertWorkflowSettled(ctx, job);
  const generation = job.generation + 1;
  await moveJob(
    ctx,
    job,
    "pending",
    {
      job: { result: undefined, hasUsefulOutput: false, stepsDone: 0, runAt: Date.now() },
      run: {
        error: undefined,
        endedAt: undefined,
        failedStepKey: undefined,
        deadlineAt: undefined,
        generation,
        ...(job.workflowId !== undefined ? { attempts: job.attempts + 1 } : {}),
      },
    },
    "restart",
  );
  if (job.workflowId !== undefined) {
    await workflow.restart(ctx, job.workflowId, { from: 0, startAsync: true });
  } else {
    // Cancelled before it ever started: start it as new.
    await ctx.scheduler.runAfter(0, internal.jobs.workflow.launch, { jobId: job._id, generation });
  }
  await recordJobEvent(ctx, job, { actor, action: "restart", reason });
  logJob(job, "job_restarted");
}
