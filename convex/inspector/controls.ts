/**
 * What support staff can do to a run: cancel it, resume it from its failed
 * step, restart it from the beginning. Each takes a required `reason` and
 * writes an audit entry (who, when, why) in the same transaction as the
 * change; a request that changes nothing writes none.
 *
 * Cancel and resume reuse the chat runtime's own pieces (`endRun`, the
 * workflow's cancel / restart), exactly as `chat/runs:cancel` and `retry` do.
 * A background job's run goes through the jobs module's own cancel, resume
 * and restart — the ones the jobs page and the API use — so its state,
 * deadline, callbacks and observers change with it; the job's audit entry
 * (`job.cancel`, ...) names the staff member and the reason.
 */
import { v } from "convex/values";
import type { Doc } from "../_generated/dataModel";
import type { MutationCtx } from "../_generated/server";
import { actorOf } from "../audit/log";
import { requireReason, writeAudit } from "../audit/write";
import { endRun } from "../chat/turnSteps";
import { isEnded, reopen } from "../runs/status";
import { vErrorInfo, vStepKind, vStepStatus } from "../runs/validators";
import { fail } from "../lib/errors";
import { workflow } from "../lib/workflow";
import { Names } from "./names";
import { failedStepCosts, nextCallHoldUsd, recoveryState, type Plan } from "./recovery";
import { cancelJob, restartJob, resumeJob, type Actor } from "../jobs/model";
import { jobOfRun } from "../jobs/jobRun";
import { MICRO, publicRun, runInAccount } from "./runRows";
import { inspectorMutation, inspectorQuery, type Caller } from "./staff";
import { vRunRow, vRunStatus } from "./validators";
import { isChatRun } from "../runs/records";

const vPlan = v.union(
  v.object({ allowed: v.literal(true), from: v.union(v.string(), v.number()), rerun: v.array(v.string()), kept: v.array(v.string()) }),
  v.object({ allowed: v.literal(false), reason: v.string() }),
);

export const vResumePreview = v.object({
  run: vRunRow,
  spent: v.object({ tokensIn: v.number(), tokensOut: v.number(), llmCalls: v.number(), costUsd: v.number(), treeCostUsd: v.number() }),
  failedSteps: v.array(
    v.object({
      key: v.string(),
      name: v.string(),
      kind: vStepKind,
      status: vStepStatus,
      attempts: v.number(),
      failedAttempts: v.number(),
      error: v.optional(vErrorInfo),
      /** What the step itself was charged (a failed model call: nothing). */
      chargedUsd: v.number(),
      /** Model calls: the budget hold of each generation (each resume is one) and what it was charged. */
      reservations: v.array(v.object({ generation: v.number(), status: v.string(), heldUsd: v.number(), chargedUsd: v.number() })),
    }),
  ),
  /** What the next model call will hold against the budgets (released if unspent). */
  nextCallHoldUsd: v.number(),
  /** `rerun`: journal steps dropped and run again; `kept`: replayed from the journal, not run again. */
  resume: vPlan,
  restart: vPlan,
});

/** Before an operator confirms: what the run has spent, what each failed attempt cost, which steps would run again. */
export const resumePreview = inspectorQuery({
  args: { interactionId: v.id("interactions") },
  returns: vResumePreview,
  handler: async (ctx, { accountId, interactionId }) => {
    const run = await runInAccount(ctx, accountId, interactionId);
    const state = await recoveryState(ctx, run);
    return {
      run: await publicRun(run, new Names(ctx)),
      spent: {
        tokensIn: run.tokensIn,
        tokensOut: run.tokensOut,
        llmCalls: run.llmCalls,
        costUsd: run.costMicroUsd / MICRO,
        treeCostUsd: run.treeCostMicroUsd / MICRO,
      },
      failedSteps: await failedStepCosts(ctx, run),
      nextCallHoldUsd: nextCallHoldUsd(run),
      resume: state.resume,
      restart: state.restart,
    };
  },
});

async function audit(ctx: MutationCtx, caller: Caller, run: Doc<"interactions">, action: string, reason: string, details: Record<string, string | number | boolean | null>) {
  await writeAudit(ctx, {
    accountId: run.accountId,
    ...actorOf(caller),
    action,
    targetKind: "interaction",
    targetId: run._id,
    reason,
    details: { kind: run.kind, statusBefore: run.status, costUsd: run.costMicroUsd / MICRO, treeCostUsd: run.treeCostMicroUsd / MICRO, ...details },
  });
}

/** Cancel a run (and, through `endRun`, the runs below it). A run that already ended is left as it is. */
export const cancelRun = inspectorMutation({
  args: { interactionId: v.id("interactions"), reason: v.string() },
  returns: v.object({ cancelled: v.boolean(), status: vRunStatus }),
  handler: async (ctx, { accountId, interactionId, reason }) => {
    const why = requireReason(reason);
    const run = await runInAccount(ctx, accountId, interactionId);
    if (run.kind === "job") {
      const job = await jobOf(ctx, run);
      const cancelled = await cancelJob(ctx, job, staffActor(ctx.caller), why);
      return { cancelled, status: (await ctx.db.get("interactions", run._id))!.status };
    }
    if (!isChatRun(run)) fail("conflict", "This run has no chat turn to cancel.");
    if (isEnded(run)) return { cancelled: false, status: run.status };
    // The workflow may have finished a moment ago (its onComplete not yet run): cancel only what still runs.
    if (run.workflowId && (await workflow.status(ctx, run.workflowId)).type === "inProgress") {
      await workflow.cancel(ctx, run.workflowId);
    }
    await endRun(ctx, run, { status: "cancelled" });
    await audit(ctx, ctx.caller, run, "run.cancel", why, {});
    return { cancelled: true, status: "cancelled" as const };
  },
});

/** The job whose run this is (every job's run has one). */
async function jobOf(ctx: MutationCtx, run: Doc<"interactions">): Promise<Doc<"jobs">> {
  const job = await jobOfRun(ctx, run._id);
  if (job === null) fail("not_found", "This job no longer exists.");
  return job;
}

function staffActor(caller: Caller): Actor {
  return { kind: "user", userId: caller.user._id, role: caller.role };
}

/** A job's run resumed or restarted by the jobs module (which checks what it may do and audits it). */
async function recoverJob(ctx: MutationCtx & { caller: Caller }, run: Doc<"interactions">, how: "resume" | "restart", reason: string) {
  const state = await recoveryState(ctx, run);
  const plan = how === "resume" ? state.resume : state.restart;
  if (!plan.allowed) fail("conflict", plan.reason);
  const job = await jobOf(ctx, run);
  if (how === "resume") await resumeJob(ctx, job, staffActor(ctx.caller), reason);
  else await restartJob(ctx, job, staffActor(ctx.caller), reason);
  return { from: plan.from, rerun: plan.rerun, generation: run.generation + 1 };
}

async function restartFrom(ctx: MutationCtx, run: Doc<"interactions">, plan: Plan): Promise<Extract<Plan, { allowed: true }>> {
  if (!plan.allowed) fail("conflict", plan.reason);
  // Already refused by the plan (recovery.ts); checked again so the id is known to be there.
  if (run.workflowId === undefined) fail("conflict", "This run never started a workflow.");
  await ctx.db.patch("interactions", run._id, {
    status: reopen(run.status, "resume"),
    error: undefined,
    endedAt: undefined,
    failedStepKey: undefined,
    // Reservations are keyed by generation: the re-run reserves afresh.
    generation: run.generation + 1,
  });
  await workflow.restart(ctx, run.workflowId, { from: plan.from, startAsync: true });
  return plan;
}

const vRecoveryResult = v.object({ from: v.union(v.string(), v.number()), rerun: v.array(v.string()), generation: v.number() });

/** Resume a failed run from its failed step: nothing before it runs again. */
export const resumeRun = inspectorMutation({
  args: { interactionId: v.id("interactions"), reason: v.string() },
  returns: vRecoveryResult,
  handler: async (ctx, { accountId, interactionId, reason }) => {
    const why = requireReason(reason);
    const run = await runInAccount(ctx, accountId, interactionId);
    if (run.kind === "job") return await recoverJob(ctx, run, "resume", why);
    const plan = await restartFrom(ctx, run, (await recoveryState(ctx, run)).resume);
    await audit(ctx, ctx.caller, run, "run.resume", why, { from: String(plan.from), generation: run.generation + 1, error: run.error?.message ?? null });
    return { from: plan.from, rerun: plan.rerun, generation: run.generation + 1 };
  },
});

/** Restart a failed run from its first step (refused when an earlier step cannot be repeated safely; see recovery.ts). */
export const restartRun = inspectorMutation({
  args: { interactionId: v.id("interactions"), reason: v.string() },
  returns: vRecoveryResult,
  handler: async (ctx, { accountId, interactionId, reason }) => {
    const why = requireReason(reason);
    const run = await runInAccount(ctx, accountId, interactionId);
    if (run.kind === "job") return await recoverJob(ctx, run, "restart", why);
    const plan = await restartFrom(ctx, run, (await recoveryState(ctx, run)).restart);
    await audit(ctx, ctx.caller, run, "run.restart", why, { from: 0, generation: run.generation + 1, error: run.error?.message ?? null });
    return { from: plan.from, rerun: plan.rerun, generation: run.generation + 1 };
  },
});
