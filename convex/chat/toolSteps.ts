/**
 * Tool calls of a turn. Each call: a policy check (assignment, trust level,
 * approval), then one action step that runs the tool with an idempotency key
 * (interaction:toolCallId). Its intent is written before it runs and its
 * result committed once, together with the tool-result message.
 */
import { saveMessage } from "@convex-dev/agent";
import { vWorkflowId, type WorkflowId } from "@convex-dev/workflow";
import { v, type Infer } from "convex/values";
import { components, internal } from "../_generated/api";
import type { Id } from "../_generated/dataModel";
import { internalAction, internalMutation, internalQuery, type ActionCtx, type MutationCtx, type QueryCtx } from "../_generated/server";
import { argumentProblems } from "../tools/argumentCheck";
import { externalHttpTool } from "../tools/http/lookup";
import { findTool, ToolInputError } from "../tools/registry";
import { mcpToolDefinition, mcpToolFor } from "../mcp/runtime";
import { crashPoint, faultAt, InjectedCrash } from "../lib/faults";
import { permits } from "../tools/validators";
import { delegateMayCall } from "../agents/runtime";
import { pinnedAssignment, pinnedDelegation } from "../agents/pinned";
import { beginStepRow, endStepRow, insertFinishedStepRow, logRun, logRunById, stepByKey, type StepOutcome } from "../runs/stepRows";
import { loadInteraction } from "./turnSteps";
import { isEnded, transition } from "../runs/status";
import { vToolCallRequest, type ToolCallRequest } from "./llm";
import { type ChatRun, getChatRun } from "../runs/records";

const MAX_RESULT_CHARS = 20_000;

export function toolCallKey(interactionId: Id<"interactions">, toolCallId: string) {
  return `${interactionId}:tool#${toolCallId}`;
}

/** Saves the tool-result message the model will read next. */
export async function saveToolResult(
  ctx: MutationCtx,
  interaction: ChatRun,
  call: { toolCallId: string; toolName: string },
  output: { type: "json"; value: unknown } | { type: "error-text"; value: string },
) {
  const thread = (await ctx.db.get("threads", interaction.threadId))!;
  await saveMessage(ctx, components.agent, {
    threadId: thread.agentThreadId,
    userId: interaction.userId,
    promptMessageId: interaction.promptMessageId,
    message: {
      role: "tool",
      content: [{ type: "tool-result", toolCallId: call.toolCallId, toolName: call.toolName, output: output as never }],
    },
  });
}

type ToolRoute = "run" | "delegate" | "http";

/** What the agent's assignment says about a requested tool call; reads only. */
export type ToolDecision =
  | { decision: "refused"; code: "policy_denied" | "bad_request"; message: string }
  | { decision: ToolRoute; needsApproval: boolean; builtin: boolean };

/**
 * Decide a requested tool call without writing anything: refused (and why),
 * or how it runs and whether it waits for approval. `prepare` acts on it in
 * the workflow; the fast turn (fastTools.ts) uses it to keep simple calls out
 * of the workflow.
 */
export async function decideToolCall(ctx: QueryCtx, interaction: ChatRun, toolCall: ToolCallRequest): Promise<ToolDecision> {
  // As of the agent version the run pinned (agents/pinned.ts): an edit during the run does not change it.
  const assignment = await pinnedAssignment(ctx, interaction, toolCall.toolName);
  const delegation = assignment?.delegateToAgentId !== undefined ? await pinnedDelegation(ctx, interaction, toolCall.toolName) : null;
  const builtin = delegation ? undefined : findTool(toolCall.toolName);
  // An external HTTP tool (convex/tools/http): its account row stands in for a code definition.
  const external = !assignment || delegation || builtin ? null : await externalHttpTool(ctx, interaction.accountId, toolCall.toolName);
  // kind "mcp" (convex/mcp/runtime.ts): a tool of one of the account's MCP servers, checked like a built-in.
  const mcp = !assignment || delegation || builtin || external ? null : await mcpToolFor(ctx, interaction.accountId, toolCall.toolName);
  const definition = builtin ?? external ?? mcp ?? undefined;
  const limits = interaction.delegationLimits;
  const refuse = (message: string, code: "policy_denied" | "bad_request" = "policy_denied") => ({ decision: "refused" as const, code, message });
  if (!assignment || (!delegation && !definition)) return refuse(`The tool "${toolCall.toolName}" is not available to this agent.`);
  if (delegation && !delegation.toolActive) return refuse(`Delegating with "${toolCall.toolName}" is disabled.`);
  if (external && external.status !== "active") return refuse(`The tool "${toolCall.toolName}" is disabled.`);
  if (definition && !permits(assignment.permission, definition.trustLevel)) {
    return refuse(`The tool "${toolCall.toolName}" needs ${definition.trustLevel} permission; this agent has ${assignment.permission}.`);
  }
  if (limits && !delegateMayCall(limits, toolCall.toolName, definition?.trustLevel ?? "read")) {
    return refuse(`The tool "${toolCall.toolName}" is not allowed in this delegation (it lends ${limits.permission} permission).`);
  }
  if (definition) {
    const problems = argumentProblems(definition.parameters, toolCall.input);
    if (problems !== null) return refuse(`The arguments do not fit ${toolCall.toolName}'s parameters: ${problems}`, "bad_request");
  }
  const route: ToolRoute = delegation ? "delegate" : external ? "http" : "run";
  return { decision: route, needsApproval: assignment.needsApproval, builtin: builtin !== undefined };
}

export const vPrepareArgs = {
  interactionId: v.id("interactions"),
  toolCall: vToolCallRequest,
  /** The calling workflow's own id (the run row may not carry it yet in the transaction that started it). */
  workflowId: v.optional(vWorkflowId),
};
const vRoute = v.union(v.literal("run"), v.literal("delegate"), v.literal("http"));
export const vPolicy = v.union(
  v.object({ decision: v.literal("refused") }),
  v.object({ decision: vRoute }),
  v.object({ decision: v.literal("approval"), approvalId: v.id("approvals"), then: vRoute }),
);

/**
 * Decide what happens to a requested tool call: refused (tool error to the
 * model), run now, or wait for the thread user's approval.
 */
export const prepare = internalMutation({
  args: vPrepareArgs,
  returns: vPolicy,
  handler: async (ctx, args) => await prepareToolCall(ctx, args),
});

export async function prepareToolCall(
  ctx: MutationCtx,
  { interactionId, toolCall, workflowId }: { interactionId: Id<"interactions">; toolCall: ToolCallRequest; workflowId?: WorkflowId },
): Promise<Infer<typeof vPolicy>> {
  const interaction = await loadInteraction(ctx, interactionId);
  if (isEnded(interaction)) return { decision: "refused" as const };
  const decided = await decideToolCall(ctx, interaction, toolCall);
  if (decided.decision === "refused") {
    // The model asked for something this agent may not do (G2): refuse, no side effect.
    const step = await beginStepRow(ctx, interaction, { key: `tool#${toolCall.toolCallId}`, kind: "tool", name: toolCall.toolName, input: toolCall.input });
    await endStepRow(ctx, step, { status: "failed", error: { code: decided.code, message: decided.message }, output: decided.message });
    await saveToolResult(ctx, interaction, toolCall, { type: "error-text", value: decided.message });
    logRun(interaction, "tool_refused", { tool: toolCall.toolName, code: decided.code });
    return { decision: "refused" as const };
  }
  const then = decided.decision;
  if (!decided.needsApproval) return { decision: then };
  const existing = await ctx.db
    .query("approvals")
    .withIndex("by_interactionId_toolCallId", (q) => q.eq("interactionId", interactionId).eq("toolCallId", toolCall.toolCallId))
    .unique();
  if (existing) return { decision: "approval" as const, approvalId: existing._id, then };
  // Approvals show in the thread the person is watching: the root run's.
  const root = interaction.rootInteractionId ? await getChatRun(ctx, interaction.rootInteractionId) : null;
  const approvalId = await ctx.db.insert("approvals", {
    accountId: interaction.accountId,
    threadId: root?.threadId ?? interaction.threadId,
    userId: interaction.userId,
    interactionId,
    workflowId: workflowId ?? interaction.workflowId!,
    toolCallId: toolCall.toolCallId,
    toolSlug: toolCall.toolName,
    args: toolCall.input.slice(0, MAX_RESULT_CHARS),
    status: "pending",
  });
  await beginStepRow(ctx, interaction, { key: `approval#${toolCall.toolCallId}`, kind: "wait", name: `Approval: ${toolCall.toolName}`, status: "waiting" });
  await ctx.db.patch("interactions", interactionId, { status: transition(interaction.status, "waiting") });
  logRun(interaction, "approval_requested", { tool: toolCall.toolName, approvalId });
  return { decision: "approval" as const, approvalId, then };
}

/** After the approval event: close the wait step; a denial goes to the model as the tool's result. */
export const settleApproval = internalMutation({
  args: { interactionId: v.id("interactions"), toolCall: vToolCallRequest, approved: v.boolean(), reason: v.optional(v.string()) },
  returns: v.null(),
  handler: async (ctx, { interactionId, toolCall, approved, reason }) => {
    const interaction = await loadInteraction(ctx, interactionId);
    if (isEnded(interaction)) return null;
    const step = await stepByKey(ctx, interactionId, `approval#${toolCall.toolCallId}`);
    if (step && step.status === "waiting") {
      await endStepRow(ctx, step, { status: "succeeded", detail: approved ? "approved" : `denied${reason ? `: ${reason}` : ""}` });
    }
    await ctx.db.patch("interactions", interactionId, { status: transition(interaction.status, "running") });
    if (!approved) {
      await saveToolResult(ctx, interaction, toolCall, {
        type: "error-text",
        value: `The user denied this call to ${toolCall.toolName}${reason ? `: ${reason}` : "."}`,
      });
    }
    return null;
  },
});

/** A call's record as first written (its status is the writer's). */
function newRecord(interactionId: Id<"interactions">, toolCall: ToolCallRequest) {
  return {
    key: toolCallKey(interactionId, toolCall.toolCallId),
    interactionId,
    toolCallId: toolCall.toolCallId,
    toolSlug: toolCall.toolName,
    args: toolCall.input.slice(0, MAX_RESULT_CHARS),
    attempts: 1,
  };
}

/** Write the intent of a call before running it. Returns what to do. */
export const beginCall = internalMutation({
  args: { interactionId: v.id("interactions"), toolCall: vToolCallRequest },
  returns: v.union(
    v.object({ kind: v.literal("run"), stepId: v.id("steps"), key: v.string(), attempt: v.number() }),
    v.object({ kind: v.literal("done") }),
  ),
  handler: async (ctx, { interactionId, toolCall }) => {
    const interaction = await loadInteraction(ctx, interactionId);
    if (isEnded(interaction)) return { kind: "done" as const };
    const key = toolCallKey(interactionId, toolCall.toolCallId);
    const record = await ctx.db.query("toolCalls").withIndex("by_key", (q) => q.eq("key", key)).unique();
    if (record?.status === "committed" || record?.status === "unknown") return { kind: "done" as const };
    // kind "mcp" (convex/mcp/runtime.ts): idempotent when its annotations say so.
    const definition = findTool(toolCall.toolName) ?? (await mcpToolFor(ctx, interaction.accountId, toolCall.toolName));
    const step = await beginStepRow(ctx, interaction, { key: `tool#${toolCall.toolCallId}`, kind: "tool", name: toolCall.toolName, input: toolCall.input });
    if (record?.status === "started" && !definition?.idempotent) {
      // An earlier attempt died mid-call: its effect may or may not have happened. Don't repeat it blindly.
      const message = `The earlier call to ${toolCall.toolName} was interrupted and its outcome is unknown; it was not repeated.`;
      await ctx.db.patch("toolCalls", record._id, { status: "unknown", error: message });
      await endStepRow(ctx, step, { status: "failed", error: { code: "internal_error", message } });
      await saveToolResult(ctx, interaction, toolCall, { type: "error-text", value: message });
      return { kind: "done" as const };
    }
    if (record) {
      await ctx.db.patch("toolCalls", record._id, { status: "started", attempts: record.attempts + 1 });
    } else {
      await ctx.db.insert("toolCalls", { ...newRecord(interactionId, toolCall), status: "started" });
    }
    return { kind: "run" as const, stepId: step._id, key, attempt: step.attempt };
  },
});

/**
 * Where a call was begun: its intent's step row (`beginCall`), or — a quick
 * call run without an intent record (`executeToolCall`) — when it started:
 * its rows are then written once, by the mutation that records its end.
 */
const vBegun = v.union(v.object({ stepId: v.id("steps") }), v.object({ startedAt: v.number() }));
type Begun = Infer<typeof vBegun>;

/** The call's step row, ended with `outcome`: the intent's row, or a new one already ended. */
async function endCallStep(ctx: MutationCtx, interaction: ChatRun, toolCall: ToolCallRequest, begun: Begun, outcome: StepOutcome) {
  if ("stepId" in begun) {
    const step = (await ctx.db.get("steps", begun.stepId))!;
    await endStepRow(ctx, step, outcome);
  } else {
    await insertFinishedStepRow(ctx, interaction, { key: `tool#${toolCall.toolCallId}`, kind: "tool", name: toolCall.toolName, startedAt: begun.startedAt, input: toolCall.input }, outcome);
  }
}

/** Commit a call's outcome once, with the tool-result message, in one transaction. */
export const commitCall = internalMutation({
  args: {
    interactionId: v.id("interactions"),
    toolCall: vToolCallRequest,
    begun: vBegun,
    outcome: v.union(v.object({ ok: v.literal(true), result: v.string() }), v.object({ ok: v.literal(false), error: v.string() })),
  },
  returns: v.null(),
  handler: async (ctx, { interactionId, toolCall, begun, outcome }) => {
    const interaction = await loadInteraction(ctx, interactionId);
    const key = toolCallKey(interactionId, toolCall.toolCallId);
    const record = await ctx.db.query("toolCalls").withIndex("by_key", (q) => q.eq("key", key)).unique();
    // Late or repeated: ignore. (A quick call has no record until this commit writes it.)
    if (("stepId" in begun && record === null) || record?.status === "committed" || isEnded(interaction)) return null;
    const fields = outcome.ok ? { status: "committed" as const, result: outcome.result } : { status: "committed" as const, error: outcome.error };
    if (record) await ctx.db.patch("toolCalls", record._id, fields);
    else await ctx.db.insert("toolCalls", { ...newRecord(interactionId, toolCall), ...fields });
    if (outcome.ok) {
      await endCallStep(ctx, interaction, toolCall, begun, { status: "succeeded", detail: outcome.result.slice(0, 500), output: outcome.result });
      await saveToolResult(ctx, interaction, toolCall, { type: "json", value: JSON.parse(outcome.result) as unknown });
    } else {
      await endCallStep(ctx, interaction, toolCall, begun, { status: "failed", error: { code: "bad_request", message: outcome.error }, output: outcome.error });
      await saveToolResult(ctx, interaction, toolCall, { type: "error-text", value: outcome.error });
    }
    logRun(interaction, "tool_done", { tool: toolCall.toolName, ok: outcome.ok });
    return null;
  },
});

/** An attempt threw (known failure): the call may be retried. */
export const attemptFailed = internalMutation({
  args: { interactionId: v.id("interactions"), toolCall: vToolCallRequest, begun: vBegun, error: v.string() },
  returns: v.null(),
  handler: async (ctx, { interactionId, toolCall, begun, error }) => {
    const record = await ctx.db
      .query("toolCalls")
      .withIndex("by_key", (q) => q.eq("key", toolCallKey(interactionId, toolCall.toolCallId)))
      .unique();
    const failed = { status: "failed" as const, error: { code: "internal_error", message: error } };
    if ("stepId" in begun) {
      if (record?.status === "started") await ctx.db.patch("toolCalls", record._id, { status: "failed", error });
      const step = await ctx.db.get("steps", begun.stepId);
      if (step && step.status === "running") await endStepRow(ctx, step, failed);
    } else if (record === null) {
      // A quick call's first attempt: recorded now, so the retry (the workflow's) counts as attempt 2.
      const interaction = await loadInteraction(ctx, interactionId);
      await ctx.db.insert("toolCalls", { ...newRecord(interactionId, toolCall), status: "failed", error });
      await endCallStep(ctx, interaction, toolCall, begun, failed);
    }
    await logRunById(ctx, interactionId, "tool_attempt_failed", { tool: toolCall.toolName, error });
    return null;
  },
});

/** Retries exhausted: the model gets the failure as the tool's result and decides what to say. */
export const giveUp = internalMutation({
  args: { interactionId: v.id("interactions"), toolCall: vToolCallRequest, error: v.string() },
  returns: v.null(),
  handler: async (ctx, { interactionId, toolCall, error }) => {
    const interaction = await loadInteraction(ctx, interactionId);
    const key = toolCallKey(interactionId, toolCall.toolCallId);
    const record = await ctx.db.query("toolCalls").withIndex("by_key", (q) => q.eq("key", key)).unique();
    if (isEnded(interaction) || record?.status === "committed" || record?.status === "unknown") return null;
    if (record) await ctx.db.patch("toolCalls", record._id, { status: "committed", error });
    await saveToolResult(ctx, interaction, toolCall, { type: "error-text", value: `${toolCall.toolName} failed: ${error}` });
    return null;
  },
});

const vOwner = v.object({ accountId: v.id("accounts"), userId: v.id("userProfiles"), agentId: v.id("agents") });
type Owner = Infer<typeof vOwner>;

function ownerOf(interaction: ChatRun): Owner {
  return { accountId: interaction.accountId, userId: interaction.userId, agentId: interaction.agentId };
}

/**
 * A quick call's start, reading only: `run` (with its owner) when the call
 * has no record yet; `done` when the run is over or the call was committed;
 * `intent` when an earlier attempt left a record (then it runs the usual way).
 */
export const quickStart = internalQuery({
  args: { interactionId: v.id("interactions"), toolCall: vToolCallRequest },
  returns: v.union(v.object({ kind: v.union(v.literal("done"), v.literal("intent")) }), v.object({ kind: v.literal("run"), owner: vOwner })),
  handler: async (ctx, { interactionId, toolCall }) => {
    const interaction = await loadInteraction(ctx, interactionId);
    const key = toolCallKey(interactionId, toolCall.toolCallId);
    const record = await ctx.db.query("toolCalls").withIndex("by_key", (q) => q.eq("key", key)).unique();
    if (isEnded(interaction) || record?.status === "committed" || record?.status === "unknown") return { kind: "done" as const };
    if (record !== null) return { kind: "intent" as const };
    return { kind: "run" as const, owner: ownerOf(interaction) };
  },
});

/**
 * Begin a call: with its intent recorded first (`beginCall`), or — `quick`,
 * for an idempotent built-in — with nothing written until it ends: running
 * it again after a crash is harmless, and its rows are written once, with
 * its outcome (two documents fewer per call).
 */
async function beginToolCall(ctx: ActionCtx, interactionId: Id<"interactions">, toolCall: ToolCallRequest, quick: boolean) {
  if (quick && findTool(toolCall.toolName)?.idempotent) {
    const startedAt = Date.now();
    const state = await ctx.runQuery(internal.chat.toolSteps.quickStart, { interactionId, toolCall });
    if (state.kind === "done") return null;
    if (state.kind === "run") return { begun: { startedAt }, owner: state.owner };
  }
  const begun = await ctx.runMutation(internal.chat.toolSteps.beginCall, { interactionId, toolCall });
  if (begun.kind === "done") return null;
  const owner: Owner = await ctx.runQuery(internal.chat.toolSteps.runOwner, { interactionId });
  return { begun: { stepId: begun.stepId }, owner };
}

/**
 * Run one tool call: its intent recorded (unless `quick`, above), the tool
 * run with its idempotency key, its outcome committed with the tool-result
 * message. A call already committed is not run again. Throws when the tool
 * failed in a way a retry may fix (the caller retries, or gives up).
 */
export async function executeToolCall(ctx: ActionCtx, interactionId: Id<"interactions">, toolCall: ToolCallRequest, quick = false): Promise<void> {
  const started = await beginToolCall(ctx, interactionId, toolCall, quick);
  if (started === null) return;
  const { begun, owner } = started;
  const key = toolCallKey(interactionId, toolCall.toolCallId);
  // kind "mcp" (convex/mcp/runtime.ts): a tool of one of the account's MCP servers; its execute calls the server.
  const definition = findTool(toolCall.toolName) ?? (await mcpToolDefinition(ctx, owner.accountId, toolCall.toolName));
  let outcome: { ok: true; result: string } | { ok: false; error: string };
  try {
    const args = JSON.parse(toolCall.input) as Record<string, unknown>;
    crashPoint("tool:before");
    if (faultAt("tool.execute", definition.slug)) throw new Error(`Injected fault before ${definition.slug}`);
    const result = await definition.execute({ ctx, ...owner, interactionId, idempotencyKey: key }, args);
    if (faultAt("tool.afterEffect", definition.slug)) throw new Error(`Injected fault after ${definition.slug}`);
    crashPoint("tool:after-effect");
    const text = JSON.stringify(result ?? null);
    outcome = text.length > MAX_RESULT_CHARS
      ? { ok: false, error: `The result was larger than ${MAX_RESULT_CHARS} characters.` }
      : { ok: true, result: text };
  } catch (error) {
    if (error instanceof InjectedCrash) throw error; // a simulated process death records nothing
    if (!(error instanceof ToolInputError) && !(error instanceof SyntaxError)) {
      await ctx.runMutation(internal.chat.toolSteps.attemptFailed, {
        interactionId,
        toolCall,
        begun,
        error: error instanceof Error ? error.message : String(error),
      });
      throw error;
    }
    outcome = { ok: false, error: error.message };
  }
  await ctx.runMutation(internal.chat.toolSteps.commitCall, { interactionId, toolCall, begun, outcome });
}

/** Run one tool call as a workflow action step (the workflow retries it on throw). */
export const execute = internalAction({
  args: { interactionId: v.id("interactions"), toolCall: vToolCallRequest },
  returns: v.null(),
  handler: async (ctx, { interactionId, toolCall }) => {
    await executeToolCall(ctx, interactionId, toolCall);
    return null;
  },
});

export const runOwner = internalQuery({
  args: { interactionId: v.id("interactions") },
  returns: vOwner,
  handler: async (ctx, { interactionId }) => ownerOf(await loadInteraction(ctx, interactionId)),
});
