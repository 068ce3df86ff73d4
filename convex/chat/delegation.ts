/**
 * Delegation at run time: when a model calls an agent-type tool, the delegate
 * runs as a child run — its own interaction (lineage, depth, root), its own
 * sub-thread, spending from a budget slice reserved in the same transaction
 * that starts it. The child runs like any turn: its model calls on the fast
 * path (fastTurn.ts), handed to its own workflow only when it needs one. The
 * parent's workflow waits for the child's completion event (parentNotice.ts),
 * sent by whichever transaction ends the child; the child's result comes back
 * as the tool result.
 *
 * Why a separate child run (not `step.runWorkflow`): the child gets the same
 * bookkeeping as any run, cancelling a parent cancels its children (their
 * workflows too, when they have one), and the parent waits on an event — the
 * same durable wait as an approval.
 */
import { createThread, listMessages, saveMessage } from "@convex-dev/agent";
import { v, type Infer } from "convex/values";
import { components } from "../_generated/api";
import type { Doc, Id } from "../_generated/dataModel";
import { internalMutation, type MutationCtx } from "../_generated/server";
import { checkDelegationAtRunTime } from "../agents/runtime";
import { pinnedDelegation } from "../agents/pinned";
import { budget } from "../lib/budget";
import { isHarnessError } from "../lib/errors";
import { resolveAccountModel } from "../models/connectionStore";
import { defaultModelId } from "../models/registry";
import { vToolCallRequest, type ToolCallRequest } from "./llm";
import { beginStepRow, endStepRow, logRun, stepByKey } from "../runs/stepRows";
import { prepareToolCall, saveToolResult, vPolicy, vPrepareArgs } from "./toolSteps";
import { startFirstCall } from "./fastTurn";
import { startTurnWorkflow } from "./turnWorkflow";
import { callEstimate, loadInteraction } from "./turnSteps";
import { freshRun } from "../runs/records";
import { isEnded } from "../runs/status";
import { MAX_LLM_CALLS_PER_TURN } from "./validators";
import { teamLink } from "../teams/budgets";
import type { ChatRun } from "../runs/records";

const MAX_TASK_CHARS = 4_000;

function sliceKey(parent: ChatRun, toolCallId: string) {
  return `${parent._id}:delegate#${toolCallId}:g${parent.generation}`;
}

async function refuse(ctx: MutationCtx, parent: ChatRun, step: Doc<"steps">, toolCall: { toolCallId: string; toolName: string }, code: string, message: string) {
  await endStepRow(ctx, step, { status: "failed", error: { code, message } });
  await saveToolResult(ctx, parent, toolCall, { type: "error-text", value: message });
  logRun(parent, "delegation_refused", { tool: toolCall.toolName, code, message });
  return { ok: false as const };
}

/**
 * Start the delegate: re-check cycle and depth (data may have changed since
 * composition), reserve its budget slice, create its run and sub-thread, and
 * start it: its model calls on the fast path (fastTurn.ts) like any turn's,
 * an external agent as a workflow. Refusals go back to the parent model as a tool error.
 */
export const vChildStart = v.union(v.object({ ok: v.literal(false) }), v.object({ ok: v.literal(true), childId: v.id("interactions") }));

export const startChild = internalMutation({
  args: { interactionId: v.id("interactions"), toolCall: vToolCallRequest },
  returns: vChildStart,
  handler: async (ctx, args) => await startChildRun(ctx, args),
});

export async function startChildRun(
  ctx: MutationCtx,
  { interactionId, toolCall }: { interactionId: Id<"interactions">; toolCall: ToolCallRequest },
): Promise<Infer<typeof vChildStart>> {
  const parent = await loadInteraction(ctx, interactionId);
  if (isEnded(parent)) return { ok: false as const };
  const existing = await stepByKey(ctx, interactionId, `delegate#${toolCall.toolCallId}`);
  if (existing?.detail?.startsWith("child ")) {
    return { ok: true as const, childId: existing.detail.slice("child ".length) as ChatRun["_id"] };
  }
  // Refused before (the fast turn starts delegations ahead of the workflow, fastTools.ts): the model already has the error.
  if (existing?.status === "failed") return { ok: false as const };
  // The parent's pinned version says to whom and under which limits (agents/pinned.ts).
  const delegation = await pinnedDelegation(ctx, parent, toolCall.toolName);
  const target = delegation ? await ctx.db.get("agents", delegation.toAgentId) : null;
  // The step row is written once: ended at once when refused, naming the child when started.
  const beginStep = (detail?: string) =>
    beginStepRow(ctx, parent, {
      key: `delegate#${toolCall.toolCallId}`,
      kind: "delegation",
      name: `Delegate to ${target?.name ?? toolCall.toolName}`,
      ...(detail !== undefined ? { detail } : {}),
      input: toolCall.input, // the handover: task and context, as the parent model gave them
    });
  if (!delegation || !target) return await refuse(ctx, parent, await beginStep(), toolCall, "not_found", "That agent is not available to delegate to.");
  const check = await checkDelegationAtRunTime(ctx, parent.accountId, parent.lineage, delegation.toAgentId);
  if (!check.ok) return await refuse(ctx, parent, await beginStep(), toolCall, check.code, check.message);

  let args: { task?: unknown; context?: unknown };
  try {
    args = JSON.parse(toolCall.input) as typeof args;
  } catch {
    args = {};
  }
  const task = typeof args.task === "string" ? args.task.trim() : "";
  const context = typeof args.context === "string" ? args.context.trim() : "";
  if (task === "" || task.length > MAX_TASK_CHARS) {
    return await refuse(ctx, parent, await beginStep(), toolCall, "bad_request", `A delegation needs a task of 1 to ${MAX_TASK_CHARS} characters.`);
  }
  let model;
  try {
    model = await resolveAccountModel(ctx, parent.accountId, target.modelId ?? defaultModelId());
  } catch (error) {
    return await refuse(ctx, parent, await beginStep(), toolCall, "bad_request", isHarnessError(error) ? error.data.message : "No model serves this agent.");
  }

  // The slice: enough for the child's whole run, out of the parent's slice
  // when the parent is itself a delegate, else out of the budgets.
  const prompt = context ? `${task}\n\nContext: ${context}` : task;
  const perCall = callEstimate(model.modelId, prompt.length);
  let estimate = { tokens: perCall.tokens * MAX_LLM_CALLS_PER_TURN, microUsd: perCall.microUsd * MAX_LLM_CALLS_PER_TURN };
  if (parent.budgetSliceKey) {
    // A delegate delegating: at most half of what its own slice has left, so it can still answer.
    const parentSlice = await budget.getReservation(ctx, { key: parent.budgetSliceKey });
    if (parentSlice) {
      estimate = {
        tokens: Math.min(estimate.tokens, Math.floor(parentSlice.remaining.tokens / 2)),
        microUsd: Math.min(estimate.microUsd, Math.floor(parentSlice.remaining.microUsd / 2)),
      };
    }
  }
  const key = sliceKey(parent, toolCall.toolCallId);
  const held = await budget.reserve(ctx, {
    key,
    chain: [
      { scope: "account", scopeId: parent.accountId },
      ...teamLink(parent.teamId),
      { scope: "user", scopeId: parent.userId },
      { scope: "agent", scopeId: target._id },
    ],
    estimate,
    ...(parent.budgetSliceKey ? { parentKey: parent.budgetSliceKey } : {}),
  });
  if (!held.ok) return await refuse(ctx, parent, await beginStep(), toolCall, "budget_exceeded", `Not enough budget left to ask ${target.name}: ${held.message}`);

  const parentThread = (await ctx.db.get("threads", parent.threadId))!;
  const title = `${target.name}: ${task.slice(0, 60)}`;
  const agentThreadId = await createThread(ctx, components.agent, { userId: parent.userId, title });
  const now = Date.now();
  const threadId = await ctx.db.insert("threads", {
    accountId: parent.accountId,
    userId: parent.userId,
    agentId: target._id,
    agentThreadId,
    title,
    status: "delegation",
    lastMessageAt: now,
    parentThreadId: parentThread._id,
  });
  const { messageId, message } = await saveMessage(ctx, components.agent, { threadId: agentThreadId, userId: parent.userId, prompt });
  const childId = await ctx.db.insert("interactions", {
    kind: "delegation",
    accountId: parent.accountId,
    userId: parent.userId,
    agentId: target._id,
    agentVersion: target.version,
    ...(parent.teamId !== undefined ? { teamId: parent.teamId } : {}),
    threadId,
    parentInteractionId: parent._id,
    rootInteractionId: parent.rootInteractionId ?? parent._id,
    depth: parent.depth + 1,
    lineage: [...parent.lineage, target._id],
    parentToolCallId: toolCall.toolCallId,
    budgetSliceKey: key,
    delegationLimits: {
      permission: delegation.permission,
      ...(delegation.allowedToolSlugs ? { allowedToolSlugs: delegation.allowedToolSlugs } : {}),
    },
    promptMessageId: messageId,
    promptText: prompt,
    promptOrder: message.order,
    modelId: model.modelId,
    modelLabel: model.label,
    ...freshRun(now),
    // A delegate's task goes straight to its model (no triage): it runs from here.
    status: "running",
    startedAt: now,
  });
  if (target.external !== undefined) {
    const workflowId = await startTurnWorkflow(ctx, childId, { external: true });
    await ctx.db.patch("interactions", childId, { workflowId });
  } else {
    // Like a turn: the workflow starts only if the child needs it; its end wakes the parent either way.
    await startFirstCall(ctx, childId);
  }
  await beginStep(`child ${childId}`);
  logRun(parent, "delegation_started", { childId, agent: target.slug, depth: parent.depth + 1 });
  return { ok: true as const, childId };
}

/**
 * A tool call's policy step in the workflow (turn.ts): what `prepare`
 * decides — and for a delegation that needs no approval, the child started
 * in the same transaction: one journaled step instead of two.
 */
export const prepareOrStart = internalMutation({
  args: vPrepareArgs,
  returns: v.union(vPolicy, v.object({ decision: v.literal("delegated"), childId: v.id("interactions") })),
  handler: async (ctx, args) => {
    const policy = await prepareToolCall(ctx, args);
    if (policy.decision !== "delegate") return policy;
    const started = await startChildRun(ctx, args);
    return started.ok ? { decision: "delegated" as const, childId: started.childId } : { decision: "refused" as const };
  },
});

/** The text of the child's last successful assistant message. */
async function childAnswer(ctx: MutationCtx, child: ChatRun): Promise<string> {
  const thread = await ctx.db.get("threads", child.threadId);
  if (!thread) return "";
  const page = await listMessages(ctx, components.agent, {
    threadId: thread.agentThreadId,
    paginationOpts: { numItems: 20, cursor: null },
    excludeToolMessages: true,
  });
  const last = page.page.find((m) => m.message?.role === "assistant" && m.status === "success" && (m.text ?? "") !== "");
  return last?.text ?? "";
}

/**
 * The child ended (its completion event arrived): settle its budget slice
 * (what it did not spend returns), roll its cost up into the parent, and hand
 * its answer — or its failure — to the parent model as the tool result.
 */
export const finishChild = internalMutation({
  args: { interactionId: v.id("interactions"), toolCall: vToolCallRequest, childId: v.id("interactions") },
  returns: v.null(),
  handler: async (ctx, { interactionId, toolCall, childId }) => {
    const parent = await loadInteraction(ctx, interactionId);
    const child = await loadInteraction(ctx, childId);
    const step = await stepByKey(ctx, interactionId, `delegate#${toolCall.toolCallId}`);
    if (isEnded(parent) || !step || step.status !== "running") return null;
    if (child.budgetSliceKey) await budget.commit(ctx, { key: child.budgetSliceKey, actual: { microUsd: 0, tokens: 0 }, countsAsTurn: false });
    await ctx.db.patch("interactions", parent._id, { treeCostMicroUsd: parent.treeCostMicroUsd + child.treeCostMicroUsd });
    const agent = await ctx.db.get("agents", child.agentId);
    const name = agent?.name ?? "The delegate";
    const costUsd = child.treeCostMicroUsd / 1_000_000;
    if (child.status === "completed") {
      const answer = await childAnswer(ctx, child);
      await saveToolResult(ctx, parent, toolCall, {
        type: "json",
        value: { agent: name, status: "completed", result: answer, costUsd, interactionId: child._id },
      });
      await endStepRow(ctx, step, { status: "succeeded", detail: `child ${child._id}`, costMicroUsd: child.treeCostMicroUsd, output: answer });
    } else {
      const reason = child.error?.message ?? `the run was ${child.status}`;
      await saveToolResult(ctx, parent, toolCall, { type: "error-text", value: `${name} could not finish: ${reason}` });
      await endStepRow(ctx, step, { status: "failed", error: { code: child.error?.code ?? "internal_error", message: `${name}: ${reason}` }, detail: `child ${child._id}` });
    }
    logRun(parent, "delegation_done", { childId, status: child.status, microUsd: child.treeCostMicroUsd });
    return null;
  },
});
