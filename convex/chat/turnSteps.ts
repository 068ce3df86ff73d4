/**
 * The transactional steps of a chat turn, called by the turn workflow
 * (convex/chat/turn.ts) and by its LLM and tool actions. Each is an internal
 * mutation: exactly-once, and fenced so a late write after a cancel changes nothing.
 */
import { saveMessage } from "@convex-dev/agent";
import { v } from "convex/values";
import { components } from "../_generated/api";
import type { Doc, Id } from "../_generated/dataModel";
import { internalMutation, type MutationCtx, type QueryCtx } from "../_generated/server";
import { budget } from "../lib/budget";
import { workflow } from "../lib/workflow";
import { costOfUsage } from "../models/prices";
import { recordRunEnded } from "../ops/metrics";
import { emitRunEnded } from "../outbound/events";
import { answersDirectly, triage } from "./triage";
import { beginStepRow, endStepRow, insertEndedStepRow, logRun, logRunById, stepByKey, type RunPatch } from "../runs/stepRows";
import { vContextEntry, vErrorInfo, vProviderRetry, vStepKind } from "../runs/validators";
import { scheduleFactExtraction } from "../knowledge/conversationFacts";
import { notifyParent } from "./parentNotice";
import { flushRunTally, withModelCall } from "./runTally";
import { teamLink } from "../teams/budgets";
import { type ChatRun, getChatRun, isChatRun, loadChatRun } from "../runs/records";
import { isEnded, transition } from "../runs/status";

/** Upper bound of output tokens per model call; reservations use it. */
export const MAX_OUTPUT_TOKENS = 1_024;
/** Allowance for the context window when estimating a call's input. */
const CONTEXT_TOKEN_ALLOWANCE = 2_000;

export async function loadInteraction(ctx: QueryCtx, interactionId: Id<"interactions">): Promise<ChatRun> {
  return await loadChatRun(ctx, interactionId);
}

/** Saves the agent's reply directly (triage) at the prompt's order. */
async function saveAssistantText(ctx: MutationCtx, interaction: ChatRun, thread: Doc<"threads">, text: string) {
  const agent = await ctx.db.get("agents", interaction.agentId);
  await saveMessage(ctx, components.agent, {
    threadId: thread.agentThreadId,
    userId: interaction.userId,
    promptMessageId: interaction.promptMessageId,
    agentName: agent?.name,
    message: { role: "assistant", content: text },
  });
}

/**
 * The turn's first move, in `turn.start`'s transaction before any workflow
 * exists: triage answers what it is sure of (then no workflow starts at all);
 * otherwise the fields that mark the run started come back for the caller's
 * one patch of the run. An external agent's run skips triage: its endpoint
 * answers everything.
 */
export async function beginTurn(
  ctx: MutationCtx,
  interaction: ChatRun,
): Promise<{ handled: true } | { handled: false; external: boolean; runPatch: RunPatch }> {
  if (isEnded(interaction)) return { handled: true };
  const started = { status: transition(interaction.status, "running"), startedAt: interaction.startedAt ?? Date.now() };
  if ((await ctx.db.get("agents", interaction.agentId))?.external !== undefined) return { handled: false, external: true, runPatch: started };
  const result = triage(interaction.promptText);
  // Counted in /metrics when the run ends (ops/metrics.ts `recordRunEnded`), from the run's `triage`.
  logRun(interaction, "triage", { intent: result.intent, confidence: result.confidence });
  const direct = answersDirectly(result);
  await insertEndedStepRow(ctx, interaction, {
    key: "triage",
    kind: "triage",
    name: "Triage",
    detail: direct ? `answered directly: ${result.intent} (${result.confidence})` : `intent ${result.intent} (${result.confidence}); to the model`,
  });
  const runPatch = { ...started, triage: { intent: result.intent, confidence: result.confidence } };
  if (!direct) return { handled: false, external: false, runPatch };
  const thread = (await ctx.db.get("threads", interaction.threadId))!;
  await saveAssistantText(ctx, interaction, thread, result.reply);
  const endedAt = Date.now();
  await ctx.db.patch("interactions", interaction._id, { ...runPatch, status: transition(runPatch.status, "completed"), endedAt });
  await recordRunEnded(ctx, interaction._id, "completed", endedAt);
  await emitRunEnded(ctx, interaction._id);
  return { handled: true };
}

export function budgetChain(interaction: ChatRun) {
  return [
    { scope: "account", scopeId: interaction.accountId },
    ...teamLink(interaction.teamId),
    { scope: "user", scopeId: interaction.userId },
    { scope: "agent", scopeId: interaction.agentId },
  ];
}

/** An upper bound of one model call's cost: the prompt, a context allowance, the output cap. */
export function callEstimate(modelId: string, promptChars: number) {
  const tokens = Math.ceil(promptChars / 4) + CONTEXT_TOKEN_ALLOWANCE + MAX_OUTPUT_TOKENS;
  return {
    tokens,
    microUsd: costOfUsage(modelId, { inputTokens: tokens - MAX_OUTPUT_TOKENS, outputTokens: MAX_OUTPUT_TOKENS }).microUsd,
  };
}

export function reservationKey(interaction: ChatRun, call: number) {
  return `${interaction._id}:llm#${call}:g${interaction.generation}`;
}

/**
 * Before a model call: reserve an upper bound of its cost against every
 * budget in the chain (idempotent by key, so a retried call reuses its hold).
 * A run that cannot reserve fails fast, spending nothing.
 */
async function reserveCall(ctx: MutationCtx, interaction: ChatRun, call: number) {
  const key = reservationKey(interaction, call);
  const estimate = callEstimate(interaction.modelId, interaction.promptText.length);
  // A delegate spends out of the slice its parent reserved for it.
  const outcome = await budget.reserve(ctx, {
    key,
    chain: budgetChain(interaction),
    estimate,
    ...(interaction.budgetSliceKey ? { parentKey: interaction.budgetSliceKey } : {}),
  });
  if (!outcome.ok) logRun(interaction, "budget_refused", { call, scope: outcome.scope });
  return outcome.ok ? { ok: true as const, key } : { ok: false as const, message: outcome.message };
}

/**
 * A model call begins (or begins again): its budget is reserved and its step
 * row written in one transaction. `refused`: the budget said no; nothing was
 * written but the refusal, and the model must not be called. `finished`: the
 * call already finished in this generation (its reservation is committed —
 * the fast turn died after it, fastTurn.ts): nothing is written, and its saved
 * reply stands.
 */
export const beginModelCall = internalMutation({
  /** `input`: what the model is given (runs/stepIo.ts `modelCallInput`), kept on the step row. */
  args: { interactionId: v.id("interactions"), call: v.number(), baselineStepOrder: v.number(), input: v.optional(v.string()) },
  returns: v.union(
    v.null(),
    v.object({ kind: v.literal("refused"), message: v.string() }),
    v.object({ kind: v.literal("finished"), baselineStepOrder: v.number() }),
    v.object({ kind: v.literal("started"), stepId: v.id("steps"), attempt: v.number(), baselineStepOrder: v.number() }),
  ),
  handler: async (ctx, { interactionId, call, baselineStepOrder, input }) => {
    const interaction = await loadInteraction(ctx, interactionId);
    if (isEnded(interaction)) return null;
    if ((await budget.getReservation(ctx, { key: reservationKey(interaction, call) }))?.status === "committed") {
      const row = await stepByKey(ctx, interactionId, `llm#${call}`);
      return { kind: "finished" as const, baselineStepOrder: row?.baselineStepOrder ?? baselineStepOrder };
    }
    const reserved = await reserveCall(ctx, interaction, call);
    if (!reserved.ok) return { kind: "refused" as const, message: reserved.message };
    const step = await beginStepRow(
      ctx,
      interaction,
      { key: `llm#${call}`, kind: "llm", name: `Model call ${call + 1}`, baselineStepOrder, ...(input !== undefined ? { input } : {}) },
      // No run write for the reservation: an ending run finds it from this step row (`releaseOpenCall`).
      interaction.providerRetry !== undefined ? { providerRetry: undefined } : {},
    );
    return { kind: "started" as const, stepId: step._id, attempt: step.attempt, baselineStepOrder: step.baselineStepOrder ?? baselineStepOrder };
  },
});

/** An action step begins (or begins again): its row, attempt + 1. */
export const beginStep = internalMutation({
  args: {
    interactionId: v.id("interactions"),
    key: v.string(),
    kind: vStepKind,
    name: v.string(),
    baselineStepOrder: v.optional(v.number()),
    /** What the step is given (kept redacted and bounded on its row). */
    input: v.optional(v.string()),
  },
  returns: v.union(
    v.null(),
    v.object({ stepId: v.id("steps"), attempt: v.number(), baselineStepOrder: v.union(v.number(), v.null()) }),
  ),
  handler: async (ctx, args) => {
    const interaction = await loadInteraction(ctx, args.interactionId);
    if (isEnded(interaction)) return null;
    const step = await beginStepRow(ctx, interaction, args, interaction.providerRetry !== undefined ? { providerRetry: undefined } : {});
    return { stepId: step._id, attempt: step.attempt, baselineStepOrder: step.baselineStepOrder ?? args.baselineStepOrder ?? null };
  },
});

/**
 * After a model call: commit its real usage (releasing the rest of the
 * reservation), close the step and add tokens and cost to the run — and, when
 * the model asked for no tool, complete the run in the same transaction (no
 * separate completion step). Idempotent: a second call for the same step
 * changes nothing.
 */
export const finishModelCall = internalMutation({
  args: {
    interactionId: v.id("interactions"),
    stepId: v.id("steps"),
    call: v.number(),
    usage: v.object({ inputTokens: v.number(), outputTokens: v.number() }),
    /** The provider reported no usage; `usage` was counted by the harness. */
    usageEstimated: v.optional(v.boolean()),
    toolCalls: v.number(),
    contextEntries: v.optional(v.array(vContextEntry)),
    /** What the model was given (with the context it got) and gave back: runs/stepIo.ts. */
    input: v.optional(v.string()),
    output: v.optional(v.string()),
  },
  returns: v.null(),
  handler: async (ctx, { interactionId, stepId, call, usage, usageEstimated, toolCalls, contextEntries, input, output }) => {
    const interaction = await loadInteraction(ctx, interactionId);
    const step = await ctx.db.get("steps", stepId);
    if (step === null || step.status === "succeeded") return null;
    const cost = costOfUsage(interaction.modelId, usage);
    const key = reservationKey(interaction, call);
    // The usage totals get the whole turn when it ends (runTally.ts), not each call.
    await budget.commit(ctx, { key, actual: { microUsd: cost.microUsd, tokens: usage.inputTokens + usage.outputTokens }, countsUsage: false });
    await endStepRow(ctx, step, {
      status: "succeeded",
      tokensIn: usage.inputTokens,
      tokensOut: usage.outputTokens,
      costMicroUsd: cost.microUsd,
      ...(usageEstimated ? { usageEstimated: true } : {}),
      ...(contextEntries && contextEntries.length > 0 ? { contextEntries } : {}),
      detail: toolCalls > 0 ? `asked for ${toolCalls} tool call(s)` : "answered",
      ...(input !== undefined ? { input } : {}),
      ...(output !== undefined ? { output } : {}),
    });
    const estimatedTokens = usageEstimated ? usage.inputTokens + usage.outputTokens : 0;
    const spent = {
      tokensIn: interaction.tokensIn + usage.inputTokens,
      tokensOut: interaction.tokensOut + usage.outputTokens,
      costMicroUsd: interaction.costMicroUsd + cost.microUsd,
      treeCostMicroUsd: interaction.treeCostMicroUsd + cost.microUsd,
      llmCalls: interaction.llmCalls + 1,
      ...(estimatedTokens > 0 ? { tokensEstimated: (interaction.tokensEstimated ?? 0) + estimatedTokens } : {}),
      unflushed: withModelCall(interaction.unflushed, {
        index: call,
        ...usage,
        estimated: usageEstimated ?? false,
        microUsd: cost.microUsd,
        durationMs: Date.now() - step.startedAt,
      }),
      openReservationKey: undefined,
      providerRetry: undefined,
    };
    logRun(interaction, "llm_done", { call, ...usage, ...(usageEstimated ? { usageEstimated } : {}), microUsd: cost.microUsd, toolCalls });
    if (toolCalls === 0 && !isEnded(interaction)) await completeRun(ctx, interaction, spent);
    else await ctx.db.patch("interactions", interactionId, spent);
    return null;
  },
});

/** A step attempt failed (it may be retried). */
export const failStep = internalMutation({
  args: { stepId: v.id("steps"), error: vErrorInfo },
  returns: v.null(),
  handler: async (ctx, { stepId, error }) => {
    const step = await ctx.db.get("steps", stepId);
    if (step === null || step.status === "succeeded") return null;
    await endStepRow(ctx, step, { status: "failed", error });
    await logRunById(ctx, step.interactionId, "step_failed", { step: step.key, attempt: step.attempt, ...error });
    return null;
  },
});

/**
 * A model call attempt failed. With `retry`, the workflow calls again at
 * `retry.at`, and until then the run says so (chat: "retrying in 8 s —
 * attempt 2 of 4"); without, the run is about to fail with this error.
 */
export const failModelAttempt = internalMutation({
  args: { stepId: v.id("steps"), error: vErrorInfo, retry: v.optional(vProviderRetry) },
  returns: v.null(),
  handler: async (ctx, { stepId, error, retry }) => {
    const step = await ctx.db.get("steps", stepId);
    if (step === null || step.status === "succeeded") return null;
    await endStepRow(ctx, step, { status: "failed", error });
    // Set, or cleared: an earlier attempt's retry must not show on a final failure.
    await ctx.db.patch("steps", stepId, { retry });
    const interaction = await loadInteraction(ctx, step.interactionId);
    if (retry && !isEnded(interaction)) await ctx.db.patch("interactions", interaction._id, { providerRetry: retry });
    logRun(interaction, "model_attempt_failed", { step: step.key, attempt: step.attempt, ...error, ...(retry ? { retryAt: retry.at, maxAttempts: retry.maxAttempts } : {}) });
    return null;
  },
});

/**
 * The run ended normally: one patch of the run (with `also`, what the caller
 * had to write to it anyway), its duration metric, its outbound event.
 * Every normal end goes through here (a model call that asked for no tool,
 * an external agent's reply): post-turn hooks belong in this function.
 */
export async function completeRun(ctx: MutationCtx, interaction: ChatRun, also: RunPatch = {}): Promise<void> {
  const endedAt = Date.now();
  await ctx.db.patch("interactions", interaction._id, { ...also, status: transition(interaction.status, "completed"), endedAt, error: undefined, unflushed: undefined });
  await flushRunTally(ctx, interaction, { status: "completed", endedAt }, "unflushed" in also ? also.unflushed : interaction.unflushed, budgetChain(interaction));
  await emitRunEnded(ctx, interaction._id);
  // Facts the user stated are read afterwards, as separate work (one scheduled function; nothing waits for it).
  await scheduleFactExtraction(ctx, interaction);
  await notifyParent(ctx, interaction);
  logRun(interaction, "completed", { tokensIn: also.tokensIn ?? interaction.tokensIn, tokensOut: also.tokensOut ?? interaction.tokensOut });
}

/** The run ended normally (an external agent replied). */
export const complete = internalMutation({
  args: { interactionId: v.id("interactions") },
  returns: v.null(),
  handler: async (ctx, { interactionId }) => {
    const interaction = await loadInteraction(ctx, interactionId);
    if (isEnded(interaction)) return null;
    await completeRun(ctx, interaction);
    return null;
  },
});

/**
 * The run ended early (failure or cancel): release any reservation still
 * held, abort a stream still open, cancel pending approvals, record why.
 */
export async function endRun(
  ctx: MutationCtx,
  given: ChatRun,
  outcome: { status: "failed"; error: { code: string; message: string }; failedStepKey?: string } | { status: "cancelled" },
  /** False when the parent itself is ending (the cancel cascading down): nobody waits. */
  wakeParent = true,
): Promise<void> {
  // Read again: a cancel may have ended the run already in this transaction (the workflow's
  // `onComplete` runs inside `workflow.cancel`), and its spending must be counted once.
  const interaction = await getChatRun(ctx, given._id);
  if (interaction === null || isEnded(interaction)) return;
  if (interaction.openReservationKey) await budget.release(ctx, { key: interaction.openReservationKey }); // rows written before runTally
  const thread = await ctx.db.get("threads", interaction.threadId);
  if (thread) {
    const reason = outcome.status === "cancelled" ? "cancelled" : outcome.error.message;
    await ctx.runMutation(components.agent.streams.abortByOrder, {
      threadId: thread.agentThreadId,
      order: interaction.promptOrder,
      reason,
    });
  }
  const approvals = await ctx.db
    .query("approvals")
    .withIndex("by_interactionId_toolCallId", (q) => q.eq("interactionId", interaction._id))
    .take(50);
  for (const approval of approvals) {
    if (approval.status === "pending") await ctx.db.patch("approvals", approval._id, { status: "cancelled", decidedAt: Date.now() });
  }
  // Children still running end with their parent (cancel cascades down the tree).
  const children = await ctx.db
    .query("interactions")
    .withIndex("by_parentInteractionId", (q) => q.eq("parentInteractionId", interaction._id))
    .take(50);
  for (const child of children) {
    // A background job the turn started is a child run too, but outlives the turn.
    if (!isChatRun(child) || isEnded(child)) continue;
    if (child.workflowId) await workflow.cancel(ctx, child.workflowId);
    await endRun(ctx, child, { status: "cancelled" }, false);
  }
  if (interaction.budgetSliceKey) await budget.release(ctx, { key: interaction.budgetSliceKey });
  // A step still running or waiting ends with the run.
  const open = await ctx.db
    .query("steps")
    .withIndex("by_interactionId_index", (q) => q.eq("interactionId", interaction._id))
    .order("desc")
    .take(20);
  for (const step of open) {
    await releaseOpenCall(ctx, interaction, step);
    if (step.status === "running" || step.status === "waiting") {
      await endStepRow(ctx, step, outcome.status === "cancelled"
        ? { status: "cancelled", error: { code: "cancelled", message: "The run was cancelled." } }
        : { status: "failed", error: outcome.error });
    }
  }
  const endedAt = Date.now();
  await ctx.db.patch("interactions", interaction._id, {
    status: transition(interaction.status, outcome.status),
    endedAt,
    openReservationKey: undefined,
    providerRetry: undefined,
    unflushed: undefined,
    ...(outcome.status === "failed" ? { error: outcome.error, failedStepKey: outcome.failedStepKey } : {}),
  });
  await flushRunTally(ctx, interaction, { status: outcome.status, endedAt }, interaction.unflushed, budgetChain(interaction));
  await emitRunEnded(ctx, interaction._id);
  if (wakeParent) await notifyParent(ctx, interaction);
  logRun(interaction, outcome.status, outcome.status === "failed" ? outcome.error : {});
}

/**
 * A model call of this generation that began and did not finish holds its
 * reservation (keyed like its step row, `llm#k`): the ending run gives it back.
 * Releasing one already committed or released changes nothing.
 */
async function releaseOpenCall(ctx: MutationCtx, interaction: ChatRun, step: Doc<"steps">): Promise<void> {
  const call = /^llm#(\d+)$/.exec(step.key)?.[1];
  if (step.kind !== "llm" || step.status === "succeeded" || call === undefined) return;
  await budget.release(ctx, { key: reservationKey(interaction, Number(call)) });
}

/** Used by the workflow when it decides to stop (budget refused, step cap). */
export const fail = internalMutation({
  args: { interactionId: v.id("interactions"), error: vErrorInfo, failedStepKey: v.optional(v.string()) },
  returns: v.null(),
  handler: async (ctx, { interactionId, error, failedStepKey }) => {
    const interaction = await loadInteraction(ctx, interactionId);
    if (isEnded(interaction)) return null;
    await endRun(ctx, interaction, { status: "failed", error, ...(failedStepKey ? { failedStepKey } : {}) });
    return null;
  },
});

