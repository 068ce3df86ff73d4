/**
 * What support staff can do to a run: cancel it, resume it from its failed
 * step, restart it from the beginning. Each takes a required `reason` and
 * writes an audit entry (who, when, why) in the same transaction as the
 * change; a request that changes nothing writes none.
 *
 * Each goes through the one cancel / reopen of any run
 * (control/runControl.ts), the same the chat, the jobs page, the API and the
 * kill switches use. For a background job's run that is the jobs module's own
 * cancel, resume and restart, so its callbacks and observers change with it,
 * and the job's audit entry (`job.cancel`, ...) names the staff member and the reason.
 */
import { v } from "convex/values";
import type { Doc } from "../_generated/dataModel";
import type { MutationCtx } from "../_generated/server";
import { actorOf } from "../audit/log";
import { requireReason, writeAudit } from "../audit/write";
import * as runControl from "../control/runControl";
import { vErrorInfo, vStepKind, vStepStatus } from "../runs/validators";
import { fail } from "../lib/errors";
import { Names } from "./names";
import { failedStepCosts, nextCallHoldUsd, recoveryState } from "./recovery";
import { MICRO, publicRun, runInAccount } from "./runRows";
import { inspectorMutation, inspectorQuery, type Caller } from "./staff";
import { vRunRow, vRunStatus } from "./validators";

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
    const cancelled = await runControl.cancelRun(ctx, run, { actor: runControl.memberActor(ctx.caller.user, ctx.caller.role), reason: why });
    // A job's cancel is in the job's own audit trail (`job.cancel`, naming staff and reason); a chat run's is here.
    if (cancelled && run.kind !== "job") await audit(ctx, ctx.caller, run, "run.cancel", why, {});
    return { cancelled, status: (await ctx.db.get("interactions", run._id))!.status };
  },
});

/**
 * Resume or restart a run as its recovery plan (recovery.ts) allows, through
 * the one reopen every surface uses (control/runControl.ts). A job's is
 * audited by the jobs module (`job.resume`, ...), a chat run's here.
 */
async function recover(ctx: MutationCtx & { caller: Caller }, run: Doc<"interactions">, how: "resume" | "restart", reason: string) {
  const state = await recoveryState(ctx, run);
  const plan = how === "resume" ? state.resume : state.restart;
  if (!plan.allowed) fail("conflict", plan.reason);
  await runControl.reopenRun(ctx, run, how, { actor: runControl.memberActor(ctx.caller.user, ctx.caller.role), reason, from: plan.from });
  if (run.kind !== "job") {
    await audit(ctx, ctx.caller, run, `run.${how}`, reason, {
      from: how === "resume" ? String(plan.from) : 0,
      generation: run.generation + 1,
      error: run.error?.message ?? null,
    });
  }
  return { from: plan.from, rerun: plan.rerun, generation: run.generation + 1 };
}

const vRecoveryResult = v.object({ from: v.union(v.string(), v.number()), rerun: v.array(v.string()), generation: v.number() });

/** Resume a failed run from its failed step: nothing before it runs again. */
export const resumeRun = inspectorMutation({
  args: { interactionId: v.id("interactions"), reason: v.string() },
  returns: vRecoveryResult,
  handler: async (ctx, { accountId, interactionId, reason }) => {
    const why = requireReason(reason);
    return await recover(ctx, await runInAccount(ctx, accountId, interactionId), "resume", why);
  },
});

/** Restart a failed run from its first step (refused when an earlier step cannot be repeated safely; see recovery.ts). */
export const restartRun = inspectorMutation({
  args: { interactionId: v.id("interactions"), reason: v.string() },
  returns: vRecoveryResult,
  handler: async (ctx, { accountId, interactionId, reason }) => {
    const why = requireReason(reason);
    return await recover(ctx, await runInAccount(ctx, accountId, interactionId), "restart", why);
  },
});
