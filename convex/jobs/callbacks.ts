/**
 * Waiting for the outside world. A wait step registers a call id (a
 * `jobCallbacks` row and a workflow event) and schedules its timeout; the
 * outside world answers through `resolveCallback` (the HTTP route
 * `POST /v1/callbacks/{callId}` will call it). The first answer — a result,
 * an error, or the timeout — sends the event; anything after changes nothing
 * and says so.
 */
import { vEventId, vWorkflowId } from "@convex-dev/workflow";
import { v } from "convex/values";
import { internal } from "../_generated/api";
import type { Doc } from "../_generated/dataModel";
import { internalMutation, type MutationCtx } from "../_generated/server";
import { fail } from "../lib/errors";
import { serviceMutation } from "../lib/functions";
import { workflow } from "../lib/workflow";
import { beginJobStep, endJob, endJobStep, loadJob, logJob, stepByKey } from "./model";
import { moveJob } from "./jobRun";
import { jobType } from "./types";
import {
  isEnded,
  MAX_CALLBACK_CHARS,
  MAX_RESULT_CHARS,
  vCallbackOutcome,
  vCallbackStatus,
  type CallbackOutcome,
} from "./validators";

const DEFAULT_WAIT_MS = 3_600_000;
const MIN_WAIT_MS = 1_000;

function newCallId(): string {
  return `call_${crypto.randomUUID().replace(/-/g, "")}`;
}

async function sendOutcome(ctx: MutationCtx, callback: Doc<"jobCallbacks">, outcome: CallbackOutcome) {
  await workflow.sendEvent(ctx, { id: callback.eventId, validator: vCallbackOutcome, value: outcome });
}

/** The wait begins: a fresh call id, its event, its timeout; the job is `waiting`. */
export const register = internalMutation({
  args: { jobId: v.id("jobs"), stepKey: v.string(), workflowId: vWorkflowId },
  returns: v.union(v.object({ ok: v.literal(false) }), v.object({ ok: v.literal(true), eventId: vEventId(), callId: v.string() })),
  handler: async (ctx, { jobId, stepKey, workflowId }) => {
    const job = await loadJob(ctx, jobId);
    if (isEnded(job)) return { ok: false as const };
    const now = Date.now();
    const policyMs = jobType(job.type)?.wait?.timeoutMs ?? DEFAULT_WAIT_MS;
    const leftMs = (job.deadlineAt ?? now + job.timeoutMs) - now;
    const timeoutMs = Math.max(MIN_WAIT_MS, Math.min(policyMs, leftMs));
    const callId = newCallId();
    const eventId = await workflow.createEvent(ctx, { name: `callback:${callId}`, workflowId });
    await beginJobStep(ctx, job, { key: stepKey, name: "Wait for callback", kind: "wait", status: "waiting" });
    const callbackId = await ctx.db.insert("jobCallbacks", {
      callId,
      jobId,
      accountId: job.accountId,
      stepKey,
      workflowId,
      eventId,
      status: "pending",
      createdAt: now,
      timeoutAt: now + timeoutMs,
    });
    await ctx.scheduler.runAfter(timeoutMs, internal.jobs.callbacks.expire, { callbackId });
    await moveJob(ctx, job, "waiting");
    logJob(job, "callback_registered", { callId, timeoutMs });
    return { ok: true as const, eventId, callId };
  },
});

/** The wait ended (result, error or timeout): settle the step and decide what the workflow does next. */
export const settleWait = internalMutation({
  args: { jobId: v.id("jobs"), stepKey: v.string(), outcome: vCallbackOutcome, final: v.boolean() },
  returns: v.object({ next: v.union(v.literal("stop"), v.literal("retry")) }),
  handler: async (ctx, { jobId, stepKey, outcome, final }) => {
    const job = await loadJob(ctx, jobId);
    if (isEnded(job)) return { next: "stop" as const };
    const step = await stepByKey(ctx, job, stepKey);
    if (outcome.kind === "result") {
      if (step) await endJobStep(ctx, step, { status: "succeeded", detail: outcome.result.slice(0, 200), output: outcome.result });
      await endJob(ctx, await loadJob(ctx, jobId), { state: "resolved", result: outcome.result.slice(0, MAX_RESULT_CHARS) });
      return { next: "stop" as const };
    }
    if (outcome.kind === "error") {
      const message = `The callback reported an error: ${outcome.error.slice(0, 500)}`;
      if (step) await endJobStep(ctx, step, { status: "failed", error: { code: "callback_error", message } });
      await endJob(ctx, await loadJob(ctx, jobId), { state: "failed", error: { code: "callback_error", message, step: stepKey } });
      return { next: "stop" as const };
    }
    const expired = await ctx.db
      .query("jobCallbacks")
      .withIndex("by_jobId_status", (q) => q.eq("jobId", jobId).eq("status", "timed_out"))
      .order("desc")
      .first();
    const waitedMs = expired ? expired.timeoutAt - expired.createdAt : step ? Date.now() - step.startedAt : 0;
    const message = `No callback arrived within ${Math.round(waitedMs / 1000)} s.`;
    if (step) await endJobStep(ctx, step, { status: "failed", error: { code: "timeout", message } });
    if (final) {
      await endJob(ctx, await loadJob(ctx, jobId), { state: "timed_out", error: { code: "timeout", message, step: stepKey } });
      return { next: "stop" as const };
    }
    await moveJob(ctx, await loadJob(ctx, jobId), "running");
    logJob(job, "callback_timed_out_retrying", { stepKey });
    return { next: "retry" as const };
  },
});

/** Scheduled by `register`: a wait still pending at its timeout is answered "timed out". */
export const expire = internalMutation({
  args: { callbackId: v.id("jobCallbacks") },
  returns: v.null(),
  handler: async (ctx, { callbackId }) => {
    const callback = await ctx.db.get("jobCallbacks", callbackId);
    if (callback === null || callback.status !== "pending") return null;
    await ctx.db.patch("jobCallbacks", callbackId, { status: "timed_out", resolvedAt: Date.now() });
    await sendOutcome(ctx, callback, { kind: "timeout" });
    return null;
  },
});

/**
 * Deliver an external callback: a result or an error, once. A second
 * delivery (or one after the wait timed out or the job was cancelled)
 * changes nothing and says so: `accepted: false`, with the callback's status.
 */
export const resolveCallback = serviceMutation({
  args: { callId: v.string(), result: v.optional(v.string()), error: v.optional(v.string()) },
  returns: v.object({
    accepted: v.boolean(),
    alreadyResolved: v.boolean(),
    status: vCallbackStatus,
    jobId: v.id("jobs"),
  }),
  handler: async (ctx, { callId, result, error }) => await deliverCallback(ctx, { callId, result, error }),
});

/**
 * `resolveCallback`'s logic, shared with the HTTP API (`POST /v1/callbacks/{callId}`).
 * `visible` hides callbacks the caller may not reach (another account): they
 * answer `not_found` exactly like unknown call ids.
 */
export async function deliverCallback(
  ctx: MutationCtx,
  { callId, result, error }: { callId: string; result?: string; error?: string },
  visible: (callback: Doc<"jobCallbacks">) => Promise<boolean> = async () => true,
) {
  if ((result === undefined) === (error === undefined)) fail("bad_request", "Send exactly one of result or error.");
  const payload = result ?? error ?? "";
  if (payload.length > MAX_CALLBACK_CHARS) fail("bad_request", `A callback carries at most ${MAX_CALLBACK_CHARS} characters.`);
  const callback = await ctx.db
    .query("jobCallbacks")
    .withIndex("by_callId", (q) => q.eq("callId", callId))
    .unique();
  if (callback === null || !(await visible(callback))) fail("not_found", "No such callback.");
  if (callback.status !== "pending") {
    return { accepted: false, alreadyResolved: callback.status === "resolved", status: callback.status, jobId: callback.jobId };
  }
  await ctx.db.patch("jobCallbacks", callback._id, {
    status: "resolved",
    resolvedAt: Date.now(),
    ...(result !== undefined ? { result } : { error }),
  });
  await sendOutcome(ctx, callback, result !== undefined ? { kind: "result", result } : { kind: "error", error: error ?? "" });
  logJob({ _id: callback.jobId, interactionId: undefined }, "callback_resolved", { callId, ok: result !== undefined });
  return { accepted: true, alreadyResolved: false, status: "resolved" as const, jobId: callback.jobId };
}
