/**
 * A job is one durable workflow: `launch` (scheduled at the job's `runAt`)
 * starts it; `begin` marks it running; then the steps of its type run, each
 * journaled, so a crash or a failed step re-runs nothing that finished.
 * Action steps retry with the type's backoff; when a step keeps failing the
 * job fails naming it, and `jobs.resume` restarts the workflow from there.
 * `onComplete` runs once per completion and settles anything not settled yet.
 */
import { vResultValidator } from "@convex-dev/workpool";
import { vWorkflowId, type WorkflowCtx } from "@convex-dev/workflow";
import { v } from "convex/values";
import { internal } from "../_generated/api";
import type { Id } from "../_generated/dataModel";
import { internalMutation } from "../_generated/server";
import { workflow } from "../lib/workflow";
import { cancelJob, endJob, loadJob, notifyObservers, openStep, startRefusal, stepByKey } from "./model";
import { getJob, moveJob, runIdOfJob } from "./jobRun";
import { jobType, type JobTypeSpec } from "./types";
import { isEnded, vCallbackOutcome } from "./validators";

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** `summarize`: prepare (mutation) → work (action, retried per policy) → finish (mutation). */
async function summarize(step: WorkflowCtx, jobId: Id<"jobs">, spec: JobTypeSpec): Promise<void> {
  const prepared = await step.runMutation(internal.jobs.steps.prepare, { jobId }, { name: "prepare", inline: true });
  if (!prepared.ok) return;
  let work: { summary: string } | null;
  try {
    work = await step.runAction(internal.jobs.steps.work, { jobId }, { name: "work", retry: spec.retry });
  } catch (error) {
    // Retries used up: the job fails naming the step, and can be resumed from it.
    await step.runMutation(internal.jobs.workflow.fail, { jobId, stepKey: "work", message: messageOf(error) }, { name: "fail", inline: true });
    return;
  }
  if (work === null) return; // The job ended meanwhile (cancelled).
  await step.runMutation(internal.jobs.steps.finish, { jobId, summary: work.summary }, { name: "finish", inline: true });
}

/**
 * `wait_for_callback`: register a call id (and its timeout), wait for the
 * event `resolveCallback` or the timeout sends, settle. A timed-out wait is
 * tried again while the type's policy allows, then the job ends `timed_out`.
 */
async function waitForCallback(step: WorkflowCtx, jobId: Id<"jobs">, spec: JobTypeSpec): Promise<void> {
  const retries = spec.wait?.retries ?? 0;
  for (let wait = 0; wait <= retries; wait++) {
    const key = wait === 0 ? "callback" : `callback#${wait + 1}`;
    const registered = await step.runMutation(
      internal.jobs.callbacks.register,
      { jobId, stepKey: key, workflowId: step.workflowId },
      { name: key, inline: true },
    );
    if (!registered.ok) return;
    const outcome = await step.awaitEvent({ id: registered.eventId, name: `${key}:event`, validator: vCallbackOutcome });
    const settled = await step.runMutation(
      internal.jobs.callbacks.settleWait,
      { jobId, stepKey: key, outcome, final: wait === retries },
      { name: `${key}:settle`, inline: true },
    );
    if (settled.next === "stop") return;
  }
}

export const run = workflow
  .define({ args: { jobId: v.id("jobs") }, returns: v.null() })
  .handler(async (step, { jobId }): Promise<null> => {
    const begun = await step.runMutation(internal.jobs.workflow.begin, { jobId, workflowId: step.workflowId }, { name: "begin", inline: true });
    if (!begun.ok) return null;
    const spec = jobType(begun.type);
    if (spec?.type === "summarize") await summarize(step, jobId, spec);
    else if (spec?.type === "wait_for_callback") await waitForCallback(step, jobId, spec);
    else {
      await step.runMutation(
        internal.jobs.workflow.fail,
        { jobId, stepKey: "begin", message: `Unknown job type "${begun.type}".` },
        { name: "fail", inline: true },
      );
    }
    return null;
  });

/** Scheduled at the job's `runAt`: starts its workflow, unless it was cancelled or a kill switch is on. */
export const launch = internalMutation({
  args: { jobId: v.id("jobs"), generation: v.number() },
  returns: v.null(),
  handler: async (ctx, { jobId, generation }) => {
    const job = await getJob(ctx, jobId);
    if (job === null || job.state !== "pending" || job.generation !== generation || job.schedule !== undefined) return null;
    const refusal = await startRefusal(ctx, job.agentId);
    if (refusal !== null) {
      await cancelJob(ctx, job, { kind: "system" }, refusal, "cancel.policy");
      return null;
    }
    const workflowId = await workflow.start(ctx, internal.jobs.workflow.run, { jobId }, {
      onComplete: internal.jobs.workflow.onComplete,
      context: { jobId },
    });
    await ctx.db.patch("interactions", await runIdOfJob(ctx, job), {
      attempts: job.attempts + 1,
      workflowId,
    });
    return null;
  },
});

/** First step: the job runs (its deadline counts from now). */
export const begin = internalMutation({
  args: { jobId: v.id("jobs"), workflowId: vWorkflowId },
  returns: v.union(v.object({ ok: v.literal(false) }), v.object({ ok: v.literal(true), type: v.string() })),
  handler: async (ctx, { jobId, workflowId }) => {
    const job = await loadJob(ctx, jobId);
    if (isEnded(job)) return { ok: false as const };
    const now = Date.now();
    await moveJob(ctx, job, "running", { run: { workflowId, startedAt: job.startedAt ?? now, deadlineAt: now + job.timeoutMs } });
    return { ok: true as const, type: job.type };
  },
});

/** A step kept failing (its retries used up): the job fails, naming the step and why. */
export const fail = internalMutation({
  args: { jobId: v.id("jobs"), stepKey: v.string(), message: v.string() },
  returns: v.null(),
  handler: async (ctx, { jobId, stepKey, message }) => {
    const job = await loadJob(ctx, jobId);
    if (isEnded(job)) return null;
    const step = await stepByKey(ctx, job, stepKey);
    const reason = step?.error?.message ?? message;
    const attempts = step ? ` after ${step.attempt} attempt${step.attempt === 1 ? "" : "s"}` : "";
    await endJob(ctx, job, { state: "failed", error: { code: "step_failed", message: `Step “${stepKey}” failed${attempts}: ${reason}`, step: stepKey } });
    return null;
  },
});

/** Runs once per completion of the job's workflow, however it ended. */
export const onComplete = internalMutation({
  args: { workflowId: vWorkflowId, result: vResultValidator, context: v.object({ jobId: v.id("jobs") }) },
  returns: v.null(),
  handler: async (ctx, { workflowId, result, context }) => {
    const job = await getJob(ctx, context.jobId);
    if (job === null || job.workflowId !== workflowId) return null;
    if (isEnded(job)) {
      await notifyObservers(ctx, job); // No-op when already told.
      return null;
    }
    if (result.kind === "canceled") {
      await endJob(ctx, job, { state: "cancelled", reason: "its workflow was cancelled" });
    } else if (result.kind === "failed") {
      const open = await openStep(ctx, job);
      await endJob(ctx, job, {
        state: "failed",
        error: { code: "internal_error", message: result.error, ...(open ? { step: open.key } : {}) },
      });
    } else {
      await endJob(ctx, job, { state: "failed", error: { code: "internal_error", message: "The job stopped without finishing." } });
    }
    return null;
  },
});
