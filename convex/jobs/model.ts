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
import { jobLogFields, treeOf } from "../ops/runLog";
import { isPlatformPaused } from "../ops/paused";
import { emitJobStateChanged } from "../outbound/events";
import { workflow } from "../lib/workflow";
import { startFollowUp, wantsFollowUp } from "./followUp";
import { releaseJobReservation } from "./modelWork";
import { versionAtStart } from "./pinnedAgent";
import { jobType } from "./types";
import { isEnded, type JobError, type JobState } from "./validators";

// --- loading and logging -----------------------------------------------------

export async function loadJob(ctx: QueryCtx, jobId: Id<"jobs">): Promise<Doc<"jobs">> {
  const job = await ctx.db.get("jobs", jobId);
  if (job === null) throw new Error(`Job ${jobId} not found`);
  return job;
}

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
  const jobId = await ctx.db.insert("jobs", {
    ...fields,
    ...(agentVersion !== undefined ? { agentVersion } : {}),
    ...(origin !== null ? treeOf(origin) : {}),
    runAt,
    state: "pending",
    createdAt: now,
    attempts: 0,
    hasUsefulOutput: false,
    generation: 0,
    stepCount: 0,
    stepsDone: 0,
    ...(schedule ? { schedule: { ...schedule, started: 0 } } : {}),
  });
  await recordJobState(ctx, null, "pending");
  await emitJobStateChanged(ctx, jobId, null);
  if (schedule) {
    await ctx.scheduler.runAt(runAt, internal.jobs.schedule.tick, { jobId, occurrence: 0 });
  } else {
    await ctx.scheduler.runAt(runAt, internal.jobs.workflow.launch, { jobId, generation: 0 });
  }
  const job = (await ctx.db.get("jobs", jobId))!;
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

export async function stepByKey(ctx: QueryCtx, jobId: Id<"jobs">, key: string) {
  return await ctx.db
    .query("jobSteps")
    .withIndex("by_jobId_key", (q) => q.eq("jobId", jobId).eq("key", key))
    .unique();
}

/** Start (or start again) a step: a new row, or the same row with attempt + 1. */
export async function beginJobStep(
  ctx: MutationCtx,
  job: Doc<"jobs">,
  step: { key: string; name: string; kind: Doc<"jobSteps">["kind"]; status?: "running" | "waiting" },
): Promise<Doc<"jobSteps">> {
  const now = Date.now();
  const existing = await stepByKey(ctx, job._id, step.key);
  if (existing) {
    await ctx.db.patch("jobSteps", existing._id, {
      status: step.status ?? "running",
      attempt: existing.attempt + 1,
      startedAt: now,
      endedAt: undefined,
      durationMs: undefined,
      error: undefined,
    });
    return (await ctx.db.get("jobSteps", existing._id))!;
  }
  const stepId = await ctx.db.insert("jobSteps", {
    jobId: job._id,
    index: job.stepCount,
    key: step.key,
    name: step.name,
    kind: step.kind,
    status: step.status ?? "running",
    attempt: 1,
    startedAt: now,
  });
  await ctx.db.patch("jobs", job._id, { stepCount: job.stepCount + 1 });
  return (await ctx.db.get("jobSteps", stepId))!;
}

export async function endJobStep(
  ctx: MutationCtx,
  step: Doc<"jobSteps">,
  outcome: { status: "succeeded"; detail?: string } | { status: "failed" | "cancelled"; error: { code: string; message: string } },
): Promise<void> {
  const now = Date.now();
  await ctx.db.patch("jobSteps", step._id, { ...outcome, endedAt: now, durationMs: now - step.startedAt });
  if (outcome.status === "succeeded" && step.status !== "succeeded") {
    const job = await loadJob(ctx, step.jobId);
    await ctx.db.patch("jobs", job._id, { stepsDone: job.stepsDone + 1 });
  }
}

/** The newest step still running or waiting (what a stuck job was doing). */
export async function openStep(ctx: QueryCtx, jobId: Id<"jobs">): Promise<Doc<"jobSteps"> | null> {
  const recent = await ctx.db
    .query("jobSteps")
    .withIndex("by_jobId_index", (q) => q.eq("jobId", jobId))
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
export async function endJob(ctx: MutationCtx, job: Doc<"jobs">, outcome: JobOutcome): Promise<Doc<"jobs">> {
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
  const open = await ctx.db
    .query("jobSteps")
    .withIndex("by_jobId_index", (q) => q.eq("jobId", job._id))
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
  await ctx.db.patch("jobs", job._id, {
    state,
    endedAt: now,
    ...(outcome.state === "resolved"
      ? { result: outcome.result, hasUsefulOutput: outcome.result.trim() !== "", error: undefined, failedStepKey: undefined }
      : outcome.state === "cancelled"
        ? { error: { code: "cancelled", message: outcome.reason } }
        : { error: outcome.error, ...(outcome.error.step !== undefined ? { failedStepKey: outcome.error.step } : {}) }),
  });
  await recordJobState(ctx, current.state, state);
  await emitJobStateChanged(ctx, job._id, current.state);
  const ended = (await ctx.db.get("jobs", current._id))!;
  logJob(ended, `job_${state}`, outcome.state === "resolved" ? {} : { error: ended.error });
  await notifyObservers(ctx, ended);
  return ended;
}

/** What the thread is told when the job ends. */
export function followUpText(job: Doc<"jobs">): string | null {
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
export async function notifyObservers(ctx: MutationCtx, job: Doc<"jobs">): Promise<boolean> {
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
export async function stopWorkflow(ctx: MutationCtx, job: Pick<Doc<"jobs">, "workflowId">): Promise<void> {
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
  job: Doc<"jobs">,
  actor: Actor,
  reason: string,
  action = "cancel",
  depth = 0,
): Promise<boolean> {
  const children = await ctx.db
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
    for (const child of children) {
      if (!isEnded(child)) {
        changed = (await cancelJob(ctx, child, actor, `its parent job was cancelled: ${reason}`, action, depth + 1)) || changed;
      }
    }
  }
  return changed;
}

/** Jobs a kill switch cancels per transaction; more continue in a scheduled batch. */
export const KILL_BATCH = 25;

/**
 * Agent pause: cancel the agent's pending and waiting jobs (a bounded batch;
 * the rest continue in `jobs/platform:cancelForAgent`). Call it from the
 * mutation that pauses the agent. Returns how many were cancelled here.
 */
export async function cancelPendingJobsForAgent(ctx: MutationCtx, agentId: Id<"agents">): Promise<number> {
  let cancelled = 0;
  let more = false;
  for (const state of ["pending", "waiting"] as const) {
    const batch = await ctx.db
      .query("jobs")
      .withIndex("by_agentId_state", (q) => q.eq("agentId", agentId).eq("state", state))
      .take(KILL_BATCH);
    for (const job of batch) {
      if (await cancelJob(ctx, job, { kind: "system" }, "the agent was paused", "cancel.agent_paused")) cancelled++;
    }
    if (batch.length === KILL_BATCH) more = true;
  }
  if (more) await ctx.scheduler.runAfter(0, internal.jobs.platform.cancelForAgent, { agentId });
  return cancelled;
}

// --- resume and restart ------------------------------------------------------------

async function assertWorkflowSettled(ctx: QueryCtx, job: Doc<"jobs">) {
  if (job.workflowId === undefined) return;
  const status = await workflow.status(ctx, job.workflowId);
  if (status.type === "inProgress") fail("conflict", "The job's workflow is still winding down; try again in a moment.");
}

/**
 * Resume a failed (or timed-out) job from the step that failed: the steps
 * before it are not run again (their results are in the workflow's journal).
 * Refused while a kill switch is on. Audited as `job.resume`.
 */
export async function resumeJob(ctx: MutationCtx, job: Doc<"jobs">, actor: Actor, reason: string): Promise<{ fromStep: string }> {
  if ((job.state !== "failed" && job.state !== "timed_out") || job.failedStepKey === undefined || job.workflowId === undefined) {
    fail("conflict", "Only a failed or timed-out job can be resumed from its failed step.");
  }
  const refusal = await startRefusal(ctx, job.agentId);
  if (refusal !== null) fail("policy_denied", refusal);
  await assertWorkflowSettled(ctx, job);
  const fromStep = job.failedStepKey;
  const now = Date.now();
  await ctx.db.patch("jobs", job._id, {
    state: "running",
    error: undefined,
    endedAt: undefined,
    failedStepKey: undefined,
    result: undefined,
    hasUsefulOutput: false,
    generation: job.generation + 1,
    attempts: job.attempts + 1,
    deadlineAt: now + job.timeoutMs,
  });
  await recordJobState(ctx, job.state, "running");
  await emitJobStateChanged(ctx, job._id, job.state);
  await workflow.restart(ctx, job.workflowId, { from: fromStep, startAsync: true });
  await recordJobEvent(ctx, job, { actor, action: "resume", reason, detail: `from step ${fromStep}` });
  logJob(job, "job_resumed", { fromStep });
  return { fromStep };
}

/** Run a failed, timed-out or cancelled job again from the beginning. Audited as `job.restart`. */
export async function restartJob(ctx: MutationCtx, job: Doc<"jobs">, actor: Actor, reason: string): Promise<void> {
  if (job.state !== "failed" && job.state !== "timed_out" && job.state !== "cancelled") {
    fail("conflict", "Only a job that failed, timed out or was cancelled can be restarted.");
  }
  if (job.schedule !== undefined) fail("conflict", "A schedule cannot be restarted; start a new one.");
  const refusal = await startRefusal(ctx, job.agentId);
  if (refusal !== null) fail("policy_denied", refusal);
  await assertWorkflowSettled(ctx, job);
  const generation = job.generation + 1;
  await ctx.db.patch("jobs", job._id, {
    state: "pending",
    error: undefined,
    endedAt: undefined,
    failedStepKey: undefined,
    result: undefined,
    hasUsefulOutput: false,
    generation,
    stepsDone: 0,
    runAt: Date.now(),
    ...(job.workflowId !== undefined ? { attempts: job.attempts + 1 } : {}),
  });
  await recordJobState(ctx, job.state, "pending");
  await emitJobStateChanged(ctx, job._id, job.state);
  if (job.workflowId !== undefined) {
    await workflow.restart(ctx, job.workflowId, { from: 0, startAsync: true });
  } else {
    // Cancelled before it ever started: start it as new.
    await ctx.scheduler.runAfter(0, internal.jobs.workflow.launch, { jobId: job._id, generation });
  }
  await recordJobEvent(ctx, job, { actor, action: "restart", reason });
  logJob(job, "job_restarted");
}
