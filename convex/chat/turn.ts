/**
 * A chat turn's durable workflow. `start` (scheduled by send) triages the
 * message first: a greeting or the time is answered there and no workflow
 * starts. Then the fast turn (fastTurn.ts) makes the model calls and runs the
 * simple tool calls in one action; the workflow takes the turn over only when
 * it needs one (approvals, delegations, external tools, retries, a crash),
 * at the model call it had reached. The workflow's steps, each journaled:
 *
 *   external agent? one signed POST to its endpoint (externalAgent.ts) ─► complete
 *   [ model call (reserves its budget, and completes the run when it asks for
 *     no tool) ─► tool calls (parallel; approval waits are workflow events) ]
 *     × up to MAX_LLM_CALLS_PER_TURN
 *
 * Few steps on purpose: every workflow step is journal and workpool writes
 * (scripts/bench/turn.run.ts prints where a turn's writes go), so budget
 * reservation and completion ride inside the model call's own mutations.
 * A crash or a thrown error between steps re-runs nothing that finished: the
 * workflow replays its journal and continues at the next step. Failures and
 * cancels end in `onComplete`, which releases held budget and aborts streams.
 */
import { vResultValidator, type RetryBehavior } from "@convex-dev/workpool";
import { vWorkflowId, type WorkflowCtx } from "@convex-dev/workflow";
import { v, type Infer } from "convex/values";
import { internal } from "../_generated/api";
import type { Id } from "../_generated/dataModel";
import { internalMutation, type MutationCtx } from "../_generated/server";
import { PROVIDER_RETRY, TOOL_RETRY, workflow } from "../lib/workflow";
import type { ToolCallRequest } from "./llm";
import { startFirstCall } from "./fastTurn";
import { startTurnWorkflow, vHandover } from "./turnWorkflow";
import { childEventName, vChildOutcome } from "./parentNotice";
import { runHttpToolCall } from "../tools/http/workflowStep";
import { runExternalAgent } from "./externalAgent";
import { beginTurn, endRun, loadInteraction } from "./turnSteps";
import { isEnded } from "../runs/status";
import { MAX_LLM_CALLS_PER_TURN } from "./validators";
import { holdWhilePaused } from "../ops/hold";

export const vApprovalDecision = v.object({ approved: v.boolean(), reason: v.optional(v.string()) });

export function approvalEventName(approvalId: string) {
  return `approval:${approvalId}`;
}

/** The child runs on its own (fast path or its own workflow); its end sends this event. */
async function awaitChild(step: WorkflowCtx, id: Id<"interactions">, toolCall: ToolCallRequest, childId: Id<"interactions">): Promise<void> {
  await step.awaitEvent({ name: childEventName(toolCall.toolCallId), validator: vChildOutcome });
  await step.runMutation(internal.chat.delegation.finishChild, { interactionId: id, toolCall, childId }, { name: `childDone#${toolCall.toolCallId}`, inline: true });
}

async function runToolCall(step: WorkflowCtx, id: Id<"interactions">, toolCall: ToolCallRequest, retry: RetryBehavior = TOOL_RETRY): Promise<void> {
  // A delegation that needs no approval starts its child in this same step.
  const policy = await step.runMutation(
    internal.chat.delegation.prepareOrStart,
    { interactionId: id, toolCall, workflowId: step.workflowId },
    { name: `policy#${toolCall.toolCallId}`, inline: true },
  );
  if (policy.decision === "refused") return;
  if (policy.decision === "delegated") {
    await awaitChild(step, id, toolCall, policy.childId);
    return;
  }
  const action = policy.decision === "approval" ? policy.then : policy.decision;
  if (policy.decision === "approval") {
    const decision = await step.awaitEvent({ name: approvalEventName(policy.approvalId), validator: vApprovalDecision });
    await step.runMutation(
      internal.chat.toolSteps.settleApproval,
      { interactionId: id, toolCall, approved: decision.approved, ...(decision.reason ? { reason: decision.reason } : {}) },
      { name: `settle#${toolCall.toolCallId}`, inline: true },
    );
    if (!decision.approved) return;
  }
  if (action === "delegate") {
    // Approved (or journaled before delegations started in the policy step): start the child now.
    const started = await step.runMutation(internal.chat.delegation.startChild, { interactionId: id, toolCall }, { name: `delegate#${toolCall.toolCallId}`, inline: true });
    if (started.ok) await awaitChild(step, id, toolCall, started.childId);
    return;
  }
  if (action === "http") {
    // An external HTTP tool: the request goes through `toolPool`; the turn waits for its outcome.
    await runHttpToolCall(step, id, toolCall);
    return;
  }
  try {
    await step.runAction(internal.chat.toolSteps.execute, { interactionId: id, toolCall }, { retry, name: `tool#${toolCall.toolCallId}` });
  } catch (error) {
    // Retries exhausted: the model hears about it and decides what to say.
    await step.runMutation(
      internal.chat.toolSteps.giveUp,
      { interactionId: id, toolCall, error: error instanceof Error ? error.message : String(error) },
      { name: `giveUp#${toolCall.toolCallId}`, inline: true },
    );
  }
}


export const run = workflow
  .define({ args: { interactionId: v.id("interactions"), external: v.optional(v.boolean()), handover: v.optional(vHandover) }, returns: v.null() })
  .handler(async (step, { interactionId, external, handover }): Promise<null> => {
    if (external) {
      // An external agent (or a delegation to one): its endpoint answers, no model is called.
      await runExternalAgent(step, interactionId);
      return null;
    }
    const atCall = handover?.atCall ?? 0;
    let first = atCall;
    if (handover?.firstToolCalls) {
      const retry = handover.toolsAttempted ? { ...TOOL_RETRY, maxAttempts: TOOL_RETRY.maxAttempts - 1 } : TOOL_RETRY;
      await Promise.all(handover.firstToolCalls.map((toolCall) => runToolCall(step, interactionId, toolCall, retry)));
      first = atCall + 1;
    }
    for (let call = first; call < MAX_LLM_CALLS_PER_TURN; call++) {
      // Kill switches (#15): a platform or agent pause holds the turn here, between model calls, until resumed.
      if (call > 0) await holdWhilePaused(step, interactionId, call);
      const resumed = call === atCall ? handover : undefined;
      let result = await step.runAction(
        internal.chat.llm.call,
        { interactionId, call, ...(resumed?.prior ? { prior: resumed.prior } : {}) },
        { retry: PROVIDER_RETRY, name: `llm#${call}`, ...(resumed?.firstDelayMs !== undefined ? { runAfter: resumed.firstDelayMs } : {}) },
      );
      // A provider that may heal (rate limit, overload, a dropped stream) is called
      // again after the delay the call decided on; the call itself counts attempts.
      while (result.kind === "retry") {
        result = await step.runAction(internal.chat.llm.call, { interactionId, call }, { retry: PROVIDER_RETRY, name: `llm#${call}`, runAfter: result.delayMs });
      }
      if (result.kind === "ended") return null;
      if (result.kind === "refused") {
        await step.runMutation(internal.chat.turnSteps.fail, { interactionId, error: { code: "budget_exceeded", message: result.message } }, { name: "fail", inline: true });
        return null;
      }
      if (result.kind === "failed") {
        await step.runMutation(
          internal.chat.turnSteps.fail,
          { interactionId, error: { code: result.code, message: result.message }, failedStepKey: `llm#${call}` },
          { name: "fail", inline: true },
        );
        return null;
      }
      // No tool asked for: the call's own finishing mutation completed the run.
      if (result.toolCalls.length === 0) return null;
      await Promise.all(result.toolCalls.map((toolCall) => runToolCall(step, interactionId, toolCall)));
    }
    await step.runMutation(
      internal.chat.turnSteps.fail,
      { interactionId, error: { code: "policy_denied", message: `The agent kept asking for tools; stopped after ${MAX_LLM_CALLS_PER_TURN} model calls.` } },
      { name: "fail", inline: true },
    );
    return null;
  });

/**
 * Scheduled by `send`: triage, then the first model call (fastTurn.ts) — or,
 * for an external agent, the workflow — unless triage answered or the turn
 * was cancelled meanwhile. One patch marks the run started.
 */
export const start = internalMutation({
  args: { interactionId: v.id("interactions") },
  returns: v.null(),
  handler: async (ctx, { interactionId }) => {
    const interaction = await loadInteraction(ctx, interactionId);
    if (interaction.status !== "queued" || interaction.workflowId !== undefined) return null;
    const begun = await beginTurn(ctx, interaction);
    if (begun.handled) return null;
    if (!begun.external) {
      // The first model call runs before any workflow; the workflow starts only if the turn needs it.
      await ctx.db.patch("interactions", interactionId, begun.runPatch);
      await startFirstCall(ctx, interactionId);
      return null;
    }
    const workflowId = await startTurnWorkflow(ctx, interactionId, { external: true });
    await ctx.db.patch("interactions", interactionId, { ...begun.runPatch, workflowId });
    return null;
  },
});

/** Runs once when the workflow ends, however it ends. */
export const onComplete = internalMutation({
  args: { workflowId: vWorkflowId, result: vResultValidator, context: v.object({ interactionId: v.id("interactions") }) },
  returns: v.null(),
  handler: async (ctx, { result, context }) => {
    // Ending the run wakes a delegate's parent (endRun); a run already ended did so when it ended.
    await settleRun(ctx, context.interactionId, result);
    return null;
  },
});

async function settleRun(ctx: MutationCtx, interactionId: Id<"interactions">, result: Infer<typeof vResultValidator>) {
  {
    const interaction = await loadInteraction(ctx, interactionId);
    if (isEnded(interaction)) return null;
    if (result.kind === "canceled") {
      await endRun(ctx, interaction, { status: "cancelled" });
    } else if (result.kind === "failed") {
      // A step kept failing (after its retries): find which, so it can be resumed from there.
      // A run has tens of steps; the newest 50 always include the one that failed.
      const recent = await ctx.db
        .query("steps")
        .withIndex("by_interactionId_index", (q) => q.eq("interactionId", interaction._id))
        .order("desc")
        .take(50);
      const failedStep = recent.find((s) => s.status === "failed");
      await endRun(ctx, interaction, {
        status: "failed",
        error: failedStep?.error ?? { code: "internal_error", message: result.error },
        ...(failedStep ? { failedStepKey: failedStep.key } : {}),
      });
    } else {
      await endRun(ctx, interaction, { status: "failed", error: { code: "internal_error", message: "The run stopped without finishing." } });
    }
    return null;
  }
}
