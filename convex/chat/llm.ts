/**
 * One model call of a turn, as one workflow action step. The model sees the
 * agent's allowed tools but cannot run them: tools have no `execute` here, so
 * the call ends when the model asks for one, and the workflow runs each tool
 * as its own step. No single action runs the whole tool loop.
 */
import { Agent, listMessages, saveMessage, stepCountIs } from "@convex-dev/agent";
import { jsonSchema, tool, type ToolSet } from "ai";
import { pick } from "convex-helpers";
import { v } from "convex/values";
import { components, internal } from "../_generated/api";
import type { Id } from "../_generated/dataModel";
import { internalAction, internalQuery, type ActionCtx, type QueryCtx } from "../_generated/server";
import { retrieveContext } from "../knowledge/retrieval";
import { crashPoint, faultAt, InjectedCrash } from "../lib/faults";
import { env } from "../lib/env";
import { classifyProviderError, ProviderStallError } from "../models/providerErrors";
import { connectionForModel } from "../models/connectionStore";
import { vConnectionConfig } from "../models/connectionRules";
import { OFFLINE_MODEL_ID } from "../models/offline";
import { defaultModelId, resolveModel, type ConnectionConfig } from "../models/registry";
import { decideRetry, type RetrySettings } from "../models/retryPolicy";
import { estimateCallUsage, usageLooksMissing } from "../models/tokenCount";
import { pinnedAgent } from "../agents/pinned";
import { delegateMayCall } from "../agents/runtime";
import { findAccountTool } from "../tools/catalogue";
import { findTool } from "../tools/registry";
import { externalHttpTool } from "../tools/http/lookup";
import { permits } from "../tools/validators";
import { mcpOfferedTool } from "../mcp/runtime";
import { outputCap, OutputCapReached } from "./outputCap";
import { runTables } from "../runs/schema";
import { logRun } from "../runs/stepRows";
import { modelCallInput, modelCallOutput } from "../runs/stepIo";
import { callEstimate, MAX_OUTPUT_TOKENS } from "./turnSteps";
import { getChatRun } from "../runs/records";
import { isEnded, type RunStatus } from "../runs/status";

export const vToolCallRequest = v.object({ toolCallId: v.string(), toolName: v.string(), input: v.string() });
export type ToolCallRequest = { toolCallId: string; toolName: string; input: string };

export const vModelCallResult = v.union(
  v.object({ kind: v.literal("ok"), toolCalls: v.array(vToolCallRequest) }),
  v.object({ kind: v.literal("failed"), code: v.string(), message: v.string() }),
  v.object({ kind: v.literal("ended") }),
  /** The budget refused the call's reservation: the model was not called. */
  v.object({ kind: v.literal("refused"), message: v.string() }),
  /** The provider failed in a way that may heal: the workflow calls again after `delayMs`. */
  v.object({ kind: v.literal("retry"), delayMs: v.number() }),
);
export type ModelCallResult =
  | { kind: "ok"; toolCalls: ToolCallRequest[] }
  | { kind: "failed"; code: string; message: string }
  | { kind: "ended" }
  | { kind: "refused"; message: string }
  | { kind: "retry"; delayMs: number };

/** `CallContext` as it crosses from the query into the action; the run's own fields are the schema's. */
const vCallContext = v.object({
  interactionId: v.id("interactions"),
  ...pick(runTables.interactions.validator.fields, ["status", "accountId", "rootInteractionId", "parentInteractionId", "userId"]),
  // What a chat run always has (runs/records.ts ChatRun); optional on the table only for a job's run.
  agentId: v.id("agents"),
  promptText: v.string(),
  modelId: v.string(),
  promptMessageId: v.string(),
  promptOrder: v.number(),
  sharedConversation: v.boolean(),
  agentThreadId: v.string(),
  agentName: v.string(),
  instructions: v.string(),
  /** `parameters` is the tool's JSON Schema: arbitrary JSON by nature, handed to the model as is. */
  tools: v.array(v.object({ slug: v.string(), description: v.string(), parameters: v.any() })),
  connection: v.optional(vConnectionConfig),
});

/** What a model call needs to know, read in one query. */
export const callContext = internalQuery({
  args: { interactionId: v.id("interactions") },
  returns: v.union(v.null(), vCallContext),
  handler: async (ctx, { interactionId }) => {
    const interaction = await getChatRun(ctx, interactionId);
    if (interaction === null) return null;
    const thread = await ctx.db.get("threads", interaction.threadId);
    // The agent version the run pinned at its start (agents/pinned.ts), not the agent as edited since.
    const agent = await pinnedAgent(ctx, interaction);
    if (thread === null || agent === null) return null;
    const assignments = agent.tools;
    // Only tools the assignment's permission level covers (and, for a delegate,
    // what its composition lends) are offered at all.
    const limits = interaction.delegationLimits;
    const tools: CallContext["tools"] = [];
    for (const assignment of assignments) {
      if (assignment.delegateToAgentId !== undefined) {
        const agentTool = await findAccountTool(ctx, interaction.accountId, assignment.toolSlug);
        if (agentTool?.kind !== "agent" || agentTool.status !== "active") continue;
        if (limits && !delegateMayCall(limits, assignment.toolSlug, agentTool.trustLevel)) continue;
        tools.push({ slug: agentTool.slug, description: agentTool.description, parameters: agentTool.parameters });
        continue;
      }
      // kind "mcp" (convex/mcp/runtime.ts): a tool of one of the account's MCP servers, offered when usable.
      const mcpTool = findTool(assignment.toolSlug) ? null : await mcpOfferedTool(ctx, interaction.accountId, assignment, limits);
      if (mcpTool) {
        tools.push(mcpTool);
        continue;
      }
      // A built-in, else an external HTTP tool of the account (convex/tools/http), offered alike when active.
      const definition = findTool(assignment.toolSlug) ?? (await activeExternalHttpTool(ctx, interaction.accountId, assignment.toolSlug));
      if (!definition || !permits(assignment.permission, definition.trustLevel)) continue;
      if (limits && !delegateMayCall(limits, definition.slug, definition.trustLevel)) continue;
      tools.push({ slug: definition.slug, description: definition.description, parameters: definition.parameters });
    }
    // A turn in a shared conversation, or a delegate working for one, answers where other members read.
    const rootThread =
      interaction.rootInteractionId === undefined
        ? thread
        : await ctx.db.get("threads", (await getChatRun(ctx, interaction.rootInteractionId))?.threadId ?? thread._id);
    return {
      interactionId,
      sharedConversation: rootThread?.sharing !== undefined,
      // Its delegation tree, for the log lines the call writes (ops/runLog.ts).
      ...(interaction.rootInteractionId !== undefined ? { rootInteractionId: interaction.rootInteractionId } : {}),
      ...(interaction.parentInteractionId !== undefined ? { parentInteractionId: interaction.parentInteractionId } : {}),
      status: interaction.status,
      accountId: interaction.accountId,
      agentId: interaction.agentId,
      promptText: interaction.promptText,
      userId: interaction.userId,
      modelId: interaction.modelId,
      promptMessageId: interaction.promptMessageId,
      promptOrder: interaction.promptOrder,
      agentThreadId: thread.agentThreadId,
      agentName: agent.name,
      instructions: agent.instructions,
      tools,
      // The account's provider connection, key included: this query is internal and its result stays in the action.
      connection: await connectionForModel(ctx, interaction.accountId, interaction.modelId),
    };
  },
});

async function activeExternalHttpTool(ctx: QueryCtx, accountId: Id<"accounts">, slug: string) {
  const tool = await externalHttpTool(ctx, accountId, slug);
  return tool?.status === "active" ? tool : null;
}

type CallContext = {
  interactionId: Id<"interactions">;
  status: RunStatus;
  accountId: Id<"accounts">;
  agentId: Id<"agents">;
  /** Other members read this conversation: knowledge private to the sender stays out of the prompt. */
  sharedConversation: boolean;
  rootInteractionId?: Id<"interactions">;
  parentInteractionId?: Id<"interactions">;
  promptText: string;
  userId: Id<"userProfiles">;
  modelId: string;
  promptMessageId: string;
  promptOrder: number;
  agentThreadId: string;
  agentName: string;
  instructions: string;
  tools: { slug: string; description: string; parameters: Parameters<typeof jsonSchema>[0] }[];
  /** The account's provider connection when the model is `@<connection>/<model>` (with its key: server-side only). */
  connection?: ConnectionConfig;
};

/** A tool the model may ask for but cannot run (no `execute`). */
function declaredTool(description: string, parameters: Parameters<typeof jsonSchema>[0]): ToolSet[string] {
  const inputSchema = jsonSchema<Record<string, unknown>>(parameters);
  return tool<Record<string, unknown>, never>({ description, inputSchema }) as ToolSet[string];
}

/** The messages of this turn so far (same order as the prompt), newest first. */
async function turnMessages(ctx: ActionCtx, call: CallContext) {
  const page = await listMessages(ctx, components.agent, {
    threadId: call.agentThreadId,
    paginationOpts: { numItems: 50, cursor: null },
    excludeToolMessages: false,
  });
  return page.page.filter((m) => m.order === call.promptOrder);
}

function toolCallsOf(content: unknown): ToolCallRequest[] {
  if (!Array.isArray(content)) return [];
  return content
    .filter((part): part is { type: "tool-call"; toolCallId: string; toolName: string; input?: unknown; args?: unknown } =>
      typeof part === "object" && part !== null && (part as { type?: unknown }).type === "tool-call")
    .map((part) => ({ toolCallId: part.toolCallId, toolName: part.toolName, input: JSON.stringify(part.input ?? part.args ?? {}) }));
}

/** What a call reports about its usage: the provider's figures, or our own count when it sent none. */
type CountedUsage = { inputTokens: number; outputTokens: number; estimated: boolean };

function retrySettings(): RetrySettings {
  return {
    maxAttempts: env.modelMaxAttempts(),
    backoffMs: env.modelBackoffMs(),
    maxAdvisedMs: env.modelMaxRetryAfterMs(),
    unreachableRetryMs: env.modelUnreachableRetryMs(),
  };
}

/**
 * Aborts the call when its stream has been silent for `stallMs`. A provider
 * that accepts the request and then sends nothing would otherwise hold the
 * action until the platform kills it, with nothing on screen.
 */
function stallWatchdog(abort: AbortController, stallMs: number) {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const state = { fired: false };
  const arm = () => {
    if (timer !== undefined) clearTimeout(timer);
    timer = setTimeout(() => {
      state.fired = true;
      abort.abort(new ProviderStallError(stallMs));
    }, stallMs);
  };
  arm();
  return {
    touch: arm,
    stop: () => {
      if (timer !== undefined) clearTimeout(timer);
    },
    get fired() {
      return state.fired;
    },
  };
}

function idleWatchdog(): ReturnType<typeof stallWatchdog> {
  return { touch: () => {}, stop: () => {}, fired: false };
}

function isOffline(modelId: string): boolean {
  const id = modelId.trim() === "" ? defaultModelId() : modelId.trim();
  return id === OFFLINE_MODEL_ID;
}

/**
 * What a turn's first model call already got before the workflow existed
 * (convex/chat/fastTurn.ts), for the workflow's `llm#0` step to journal
 * instead of calling the model again. Only for the generation it was made in:
 * a resume (generation + 1) calls the model afresh.
 */
export const vPriorOutcome = v.object({ generation: v.number(), outcome: vModelCallResult });

/** One model call as a workflow step. */
export const call = internalAction({
  args: { interactionId: v.id("interactions"), call: v.number(), prior: v.optional(vPriorOutcome) },
  returns: vModelCallResult,
  handler: async (ctx, { interactionId, call: callIndex, prior }): Promise<ModelCallResult> => {
    if (prior !== undefined) {
      const generation = await ctx.runQuery(internal.chat.llm.generationOf, { interactionId });
      if (generation === prior.generation) return prior.outcome;
    }
    return await callModel(ctx, interactionId, callIndex);
  },
});

export const generationOf = internalQuery({
  args: { interactionId: v.id("interactions") },
  returns: v.union(v.number(), v.null()),
  handler: async (ctx, { interactionId }) => (await getChatRun(ctx, interactionId))?.generation ?? null,
});

/**
 * One model call: reserve its budget, stream the reply with deltas, commit
 * its usage. Provider failures come back classified (`retry` after a delay,
 * or `failed`); only a crash throws.
 */
export async function callModel(ctx: ActionCtx, interactionId: Id<"interactions">, callIndex: number): Promise<ModelCallResult> {
  const context: CallContext | null = await ctx.runQuery(internal.chat.llm.callContext, { interactionId });
  if (context === null || isEnded(context)) return { kind: "ended" };
  crashPoint("llm:before");

  const before = await turnMessages(ctx, context);
  const latestStepOrder = before.reduce((max, m) => Math.max(max, m.stepOrder), 0);
  // Reserves the call's budget (idempotent: a retried attempt reuses the hold) and writes its step row.
  const started = await ctx.runMutation(internal.chat.turnSteps.beginModelCall, {
    interactionId,
    call: callIndex,
    baselineStepOrder: latestStepOrder,
    input: modelCallInput(context, callIndex),
  });
  if (started === null) return { kind: "ended" };
  if (started.kind === "refused") return { kind: "refused", message: started.message };
  if (started.kind === "finished") return finishedCall(before, started.baselineStepOrder);
  const baseline = started.baselineStepOrder;

  // Replay: an earlier attempt may have saved its reply and then died before
  // recording it. Reuse that reply instead of calling the model again.
  if (started.attempt > 1) {
    const earlier = before.filter((m) => m.stepOrder > baseline);
    const saved = earlier.find((m) => m.message?.role === "assistant" && m.status === "success");
    // What failed attempts left behind (a failed or interrupted partial reply) is
    // removed: the user sees one reply; the step row keeps the attempt count.
    await removeLeftovers(ctx, earlier);
    if (saved) {
      const toolCalls = toolCallsOf(saved.message?.content);
      const usage = replayedUsage(context, saved, toolCalls);
      await ctx.runMutation(internal.chat.turnSteps.finishModelCall, {
        interactionId,
        stepId: started.stepId,
        call: callIndex,
        usage: { inputTokens: usage.inputTokens, outputTokens: usage.outputTokens },
        ...(usage.estimated ? { usageEstimated: true } : {}),
        toolCalls: toolCalls.length,
        output: modelCallOutput(saved.text ?? "", toolCalls),
      });
      return { kind: "ok", toolCalls };
    }
  }

  const abort = new AbortController();
  // Only a provider across the network can go silent; the built-in model runs in
  // this process (and its tests run on fake clocks, where a timer would fire early).
  const watchdog = isOffline(context.modelId) ? idleWatchdog() : stallWatchdog(abort, env.modelStallMs());
  // The first error the provider sent. The agent aborts its stream on an error
  // event, so reading the stream may throw an AbortError before the error part
  // arrives: the provider's own error, kept here, is the one to classify.
  let streamError: unknown;
  try {
    const resolved = resolveModel(context.modelId, context.connection ? { connection: context.connection } : {});
    const tools: ToolSet = {};
    for (const t of context.tools) {
      tools[t.slug] = declaredTool(t.description, t.parameters);
    }
    // Context assembly: what the caller's and the agent's knowledge says about the message.
    const knowledge = await retrieveContext(ctx, {
      accountId: context.accountId,
      userId: context.userId,
      agentId: context.agentId,
      query: context.promptText,
      shared: context.sharedConversation,
    });
    watchdog.touch();
    const contextEntries = knowledge.entries.map((e) => ({
      entryId: e.entryId,
      title: e.title,
      score: e.score,
      ...(e.documentId ? { documentId: e.documentId } : {}),
    }));
    const config = {
      name: context.agentName,
      languageModel: resolved.model,
      instructions: knowledge.promptSection ? `${context.instructions}\n\n${knowledge.promptSection}` : context.instructions,
      contextOptions: { recentMessages: 30, excludeToolMessages: false },
    };
    // `as never`: TypeScript 5.9 cannot check the agent's Config type ("union type too complex").
    const agent = new Agent(components.agent, config as never);
    const result = await agent.streamText(
      ctx,
      { threadId: context.agentThreadId, userId: context.userId },
      // maxRetries 0: provider retries are the workflow's, journaled and visible as step attempts.
      {
        promptMessageId: context.promptMessageId,
        tools,
        stopWhen: stepCountIs(1),
        maxOutputTokens: MAX_OUTPUT_TOKENS,
        maxRetries: 0,
        abortSignal: abort.signal,
        // Kept so usage can be counted from what was really sent when a provider reports none.
        include: { requestBody: true },
        onError: ({ error }: { error: unknown }) => {
          streamError ??= error;
        },
      },
      { saveStreamDeltas: { chunking: "word", throttleMs: 100 } },
    );
    const cap = outputCap(resolved.modelId, MAX_OUTPUT_TOKENS);
    for await (const part of result.fullStream) {
      watchdog.touch();
      if (part.type === "error") streamError ??= part.error;
      if (part.type === "text-delta" && cap.add(part.text)) {
        abort.abort(new OutputCapReached(MAX_OUTPUT_TOKENS));
        break;
      }
    }
    watchdog.stop();
    if (cap.reached) {
      await saveCutOffReply(ctx, context, { stepId: started.stepId, callIndex, baseline, text: cap.text, modelId: resolved.modelId, contextEntries });
      return { kind: "ok", toolCalls: [] };
    }
    if (watchdog.fired) throw new ProviderStallError(env.modelStallMs());
    if (streamError !== undefined) throw streamError;
    crashPoint("llm:after-reply-saved");
    if (faultAt("model.afterReplySaved")) throw new Error("Injected crash after the reply was saved");
    const toolCalls = (await result.toolCalls).map((c) => ({
      toolCallId: c.toolCallId,
      toolName: c.toolName,
      input: JSON.stringify(c.input ?? {}),
    }));
    if ((await result.finishReason) === "content-filter" && toolCalls.length === 0 && (await result.text).trim() === "") {
      throw { type: "content_filter", code: "content_filter", message: "the reply was withheld (finish reason content_filter)" };
    }
    const usage = await countUsage(result, resolved.modelId, toolCalls);
    await ctx.runMutation(internal.chat.turnSteps.finishModelCall, {
      interactionId,
      stepId: started.stepId,
      call: callIndex,
      usage: { inputTokens: usage.inputTokens, outputTokens: usage.outputTokens },
      ...(usage.estimated ? { usageEstimated: true } : {}),
      toolCalls: toolCalls.length,
      contextEntries,
      input: modelCallInput(context, callIndex, contextEntries.length),
      output: modelCallOutput(await result.text, toolCalls),
    });
    return { kind: "ok", toolCalls };
  } catch (thrown) {
    watchdog.stop();
    if (thrown instanceof InjectedCrash) throw thrown; // a simulated process death records nothing
    const error = watchdog.fired ? new ProviderStallError(env.modelStallMs()) : (streamError ?? thrown);
    const failure = classifyProviderError(error);
    const decision = decideRetry(failure, started.attempt, retrySettings());
    const message = decision.retry || decision.why === undefined ? failure.message : `${failure.message} (${decision.why})`;
    await ctx.runMutation(internal.chat.turnSteps.failModelAttempt, {
      stepId: started.stepId,
      error: { code: failure.code, message },
      ...(decision.retry
        ? { retry: { at: Date.now() + decision.delayMs, attempt: started.attempt, maxAttempts: decision.maxAttempts, reason: failure.category } }
        : {}),
    });
    if (decision.retry) {
      // The attempt's failed reply would show as "No reply." while the retry waits: the retry notice says it all.
      await removeLeftovers(ctx, (await turnMessages(ctx, context)).filter((m) => m.stepOrder > baseline));
      return { kind: "retry", delayMs: decision.delayMs };
    }
    return { kind: "failed", code: failure.code, message };
  }
}

/**
 * A call that already finished (and was charged) before the workflow took
 * the turn over: its saved reply's tool calls, so the workflow runs them
 * without calling the model again.
 */
function finishedCall(messages: Awaited<ReturnType<typeof turnMessages>>, baseline: number): ModelCallResult {
  const replies = messages.filter((m) => m.stepOrder > baseline && m.message?.role === "assistant" && m.status === "success");
  const reply = replies.reduce<(typeof replies)[number] | undefined>((first, m) => (first === undefined || m.stepOrder < first.stepOrder ? m : first), undefined);
  if (reply === undefined) return { kind: "failed", code: "internal_error", message: "The model call finished but its reply is missing." };
  return { kind: "ok", toolCalls: toolCallsOf(reply.message?.content) };
}

/**
 * The usage of a reply an earlier attempt saved: what the provider reported
 * then, or — when it reported none — the reply's tokens and the reservation's
 * bound for the input (the request it was sent with is gone).
 */
function replayedUsage(
  context: CallContext,
  saved: { usage?: { promptTokens?: number; completionTokens?: number }; text?: string },
  toolCalls: ToolCallRequest[],
): CountedUsage {
  const reported = { inputTokens: saved.usage?.promptTokens, outputTokens: saved.usage?.completionTokens };
  const outputText = saved.text ?? "";
  if (!usageLooksMissing(reported, { outputText, toolCallCount: toolCalls.length })) {
    return { inputTokens: reported.inputTokens ?? 0, outputTokens: reported.outputTokens ?? 0, estimated: false };
  }
  const output = estimateCallUsage({ modelId: context.modelId, request: {}, outputText, toolCalls });
  return { inputTokens: callEstimate(context.modelId, context.promptText.length).tokens - MAX_OUTPUT_TOKENS, outputTokens: output.outputTokens, estimated: true };
}

/** What failed or interrupted attempts left in the thread (a failed or half-streamed reply): removed, so the user sees one reply. */
async function removeLeftovers(ctx: ActionCtx, messages: Awaited<ReturnType<typeof turnMessages>>) {
  const leftovers = messages.filter((m) => m.status !== "success").map((m) => m._id);
  if (leftovers.length > 0) await ctx.runMutation(components.agent.messages.deleteByIds, { messageIds: leftovers });
}

/**
 * A reply cut off at the output limit (outputCap.ts): the text up to the cut
 * is kept as the reply, saying so, and the call is charged as much as its
 * reservation allowed — counted here, since a provider that ignores the limit
 * cannot be trusted to report what it sent.
 */
async function saveCutOffReply(
  ctx: ActionCtx,
  context: CallContext,
  cut: { stepId: Id<"steps">; callIndex: number; baseline: number; text: string; modelId: string; contextEntries: { entryId: string; title: string; score: number; documentId?: string }[] },
) {
  const interactionId = context.interactionId;
  await removeLeftovers(ctx, (await turnMessages(ctx, context)).filter((m) => m.stepOrder > cut.baseline));
  await saveMessage(ctx, components.agent, {
    threadId: context.agentThreadId,
    userId: context.userId,
    promptMessageId: context.promptMessageId,
    agentName: context.agentName,
    message: { role: "assistant", content: `${cut.text.trimEnd()}\n\n*[Cut off: the reply reached this turn's limit of ${MAX_OUTPUT_TOKENS} tokens.]*` },
  });
  const bound = callEstimate(cut.modelId, context.promptText.length);
  const run = { _id: interactionId, rootInteractionId: context.rootInteractionId, parentInteractionId: context.parentInteractionId };
  logRun(run, "output_cut_off", { call: cut.callIndex, limitTokens: MAX_OUTPUT_TOKENS });
  await ctx.runMutation(internal.chat.turnSteps.finishModelCall, {
    interactionId,
    stepId: cut.stepId,
    call: cut.callIndex,
    usage: { inputTokens: bound.tokens - MAX_OUTPUT_TOKENS, outputTokens: MAX_OUTPUT_TOKENS },
    usageEstimated: true,
    toolCalls: 0,
    contextEntries: cut.contextEntries,
    output: modelCallOutput(cut.text, []),
  });
}

type StreamResult = {
  totalUsage: PromiseLike<{ inputTokens?: number; outputTokens?: number }>;
  text: PromiseLike<string>;
  request: PromiseLike<{ body?: unknown }>;
};

/**
 * The call's usage as the provider reported it — or, when it reported none
 * (many OpenAI-compatible servers ignore `stream_options.include_usage`), as
 * counted here from the request that was sent and the reply that came back,
 * marked estimated. A call is never free because a server kept quiet.
 */
async function countUsage(result: StreamResult, modelId: string, toolCalls: ToolCallRequest[]): Promise<CountedUsage> {
  const usage = await result.totalUsage;
  const outputText = await result.text;
  if (!usageLooksMissing(usage, { outputText, toolCallCount: toolCalls.length })) {
    return { inputTokens: usage.inputTokens ?? 0, outputTokens: usage.outputTokens ?? 0, estimated: false };
  }
  const request = await result.request;
  const estimate = estimateCallUsage({
    modelId,
    request: request.body,
    outputText,
    toolCalls: toolCalls.map((c) => ({ toolName: c.toolName, input: c.input })),
  });
  return { inputTokens: estimate.inputTokens, outputTokens: estimate.outputTokens, estimated: true };
}

/** A provider error in words, keeping the provider's reason. */
export function describeProviderError(error: unknown): { code: string; message: string } {
  const failure = classifyProviderError(error);
  return { code: failure.code, message: failure.message };
}
