/**
 * One model call of a turn, as one workflow action step. The model sees the
 * agent's allowed tools but cannot run them: tools have no `execute` here, so
 * the call ends when the model asks for one, and the workflow runs each tool
 * as its own step. No single action runs the whole tool loop.
 */
import { Agent, listMessages, stepCountIs } from "@convex-dev/agent";
import { jsonSchema, tool, type ToolSet } from "ai";
import { v } from "convex/values";
import { components, internal } from "../_generated/api";
import type { Id } from "../_generated/dataModel";
import { internalAction, internalQuery, type ActionCtx } from "../_generated/server";
import { retrieveContext } from "../knowledge/retrieval";
import { crashPoint, InjectedCrash } from "../lib/crashPoints";
import { errorCode, isHarnessError } from "../lib/errors";
import { resolveModel } from "../models/registry";
import { modelStepCrashes } from "../models/testHooks";
import { delegateMayCall } from "../agents/runtime";
import { findAccountTool } from "../tools/catalogue";
import { findTool } from "../tools/registry";
import { permits } from "../tools/validators";
import { MAX_OUTPUT_TOKENS } from "./turnSteps";

export const vToolCallRequest = v.object({ toolCallId: v.string(), toolName: v.string(), input: v.string() });
export type ToolCallRequest = { toolCallId: string; toolName: string; input: string };

export const vModelCallResult = v.union(
  v.object({ kind: v.literal("ok"), toolCalls: v.array(vToolCallRequest) }),
  v.object({ kind: v.literal("failed"), code: v.string(), message: v.string() }),
  v.object({ kind: v.literal("ended") }),
);
type ModelCallResult =
  | { kind: "ok"; toolCalls: ToolCallRequest[] }
  | { kind: "failed"; code: string; message: string }
  | { kind: "ended" };

/** What a model call needs to know, read in one query. */
export const callContext = internalQuery({
  args: { interactionId: v.id("interactions") },
  returns: v.any(),
  handler: async (ctx, { interactionId }) => {
    const interaction = await ctx.db.get("interactions", interactionId);
    if (interaction === null) return null;
    const thread = await ctx.db.get("threads", interaction.threadId);
    const agent = await ctx.db.get("agents", interaction.agentId);
    if (thread === null || agent === null) return null;
    const assignments = await ctx.db
      .query("toolAssignments")
      .withIndex("by_agentId_toolSlug", (q) => q.eq("agentId", agent._id))
      .take(50);
    // Only tools the assignment's permission level covers (and, for a delegate,
    // what its composition lends) are offered at all.
    const limits = interaction.delegationLimits;
    const tools: CallContext["tools"] = [];
    for (const assignment of assignments) {
      if (assignment.delegateToAgentId !== undefined) {
        const agentTool = await findAccountTool(ctx, interaction.accountId, assignment.toolSlug);
        if (agentTool?.kind !== "agent" || agentTool.status !== "active") continue;
        if (limits && !delegateMayCall(limits, assignment.toolSlug, agentTool.trustLevel)) continue;
        tools.push({ slug: agentTool.slug, description: agentTool.description, parameters: agentTool.parameters as never });
        continue;
      }
      const definition = findTool(assignment.toolSlug);
      if (!definition || !permits(assignment.permission, definition.trustLevel)) continue;
      if (limits && !delegateMayCall(limits, definition.slug, definition.trustLevel)) continue;
      tools.push({ slug: definition.slug, description: definition.description, parameters: definition.parameters });
    }
    return {
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
    };
  },
});

type CallContext = {
  status: string;
  accountId: Id<"accounts">;
  agentId: Id<"agents">;
  promptText: string;
  userId: Id<"userProfiles">;
  modelId: string;
  promptMessageId: string;
  promptOrder: number;
  agentThreadId: string;
  agentName: string;
  instructions: string;
  tools: { slug: string; description: string; parameters: Parameters<typeof jsonSchema>[0] }[];
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

export const call = internalAction({
  args: { interactionId: v.id("interactions"), call: v.number() },
  returns: vModelCallResult,
  handler: async (ctx, { interactionId, call: callIndex }): Promise<ModelCallResult> => {
    const context = (await ctx.runQuery(internal.chat.llm.callContext, { interactionId })) as CallContext | null;
    if (context === null || ["completed", "failed", "cancelled"].includes(context.status)) return { kind: "ended" };
    crashPoint("llm:before");

    const before = await turnMessages(ctx, context);
    const latestStepOrder = before.reduce((max, m) => Math.max(max, m.stepOrder), 0);
    const started = await ctx.runMutation(internal.chat.turnSteps.beginStep, {
      interactionId,
      key: `llm#${callIndex}`,
      kind: "llm",
      name: `Model call ${callIndex + 1}`,
      baselineStepOrder: latestStepOrder,
    });
    if (started === null) return { kind: "ended" };
    const baseline = started.baselineStepOrder ?? latestStepOrder;

    // Replay: an earlier attempt may have saved its reply and then died before
    // recording it. Reuse that reply instead of calling the model again.
    if (started.attempt > 1) {
      const earlier = before.filter((m) => m.stepOrder > baseline);
      const saved = earlier.find((m) => m.message?.role === "assistant" && m.status === "success");
      // What failed attempts left behind (a failed or interrupted partial reply) is
      // removed: the user sees one reply; the step row keeps the attempt count.
      const leftovers = earlier.filter((m) => m.status !== "success").map((m) => m._id);
      if (leftovers.length > 0) await ctx.runMutation(components.agent.messages.deleteByIds, { messageIds: leftovers });
      if (saved) {
        const toolCalls = toolCallsOf(saved.message?.content);
        await ctx.runMutation(internal.chat.turnSteps.finishModelCall, {
          interactionId,
          stepId: started.stepId,
          call: callIndex,
          usage: { inputTokens: saved.usage?.promptTokens ?? 0, outputTokens: saved.usage?.completionTokens ?? 0 },
          toolCalls: toolCalls.length,
        });
        return { kind: "ok", toolCalls };
      }
    }

    try {
      const resolved = resolveModel(context.modelId);
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
      });
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
        { promptMessageId: context.promptMessageId, tools, stopWhen: stepCountIs(1), maxOutputTokens: MAX_OUTPUT_TOKENS, maxRetries: 0 },
        { saveStreamDeltas: { chunking: "word", throttleMs: 100 } },
      );
      let streamError: unknown;
      for await (const part of result.fullStream) {
        if (part.type === "error") streamError ??= part.error;
      }
      if (streamError !== undefined) throw streamError;
      crashPoint("llm:after-reply-saved");
      if (modelStepCrashes.afterReplySaved > 0) {
        modelStepCrashes.afterReplySaved--;
        throw new Error("Injected crash after the reply was saved");
      }
      const toolCalls = (await result.toolCalls).map((c) => ({
        toolCallId: c.toolCallId,
        toolName: c.toolName,
        input: JSON.stringify(c.input ?? {}),
      }));
      const usage = await result.totalUsage;
      await ctx.runMutation(internal.chat.turnSteps.finishModelCall, {
        interactionId,
        stepId: started.stepId,
        call: callIndex,
        usage: { inputTokens: usage.inputTokens ?? 0, outputTokens: usage.outputTokens ?? 0 },
        toolCalls: toolCalls.length,
        contextEntries,
      });
      return { kind: "ok", toolCalls };
    } catch (error) {
      if (error instanceof InjectedCrash) throw error; // a simulated process death records nothing
      const info = describeProviderError(error);
      await ctx.runMutation(internal.chat.turnSteps.failStep, { stepId: started.stepId, error: info });
      // Our own refusals (bad model id...) will not get better by retrying.
      if (isHarnessError(error)) return { kind: "failed", code: errorCode(error)!, message: info.message };
      throw error; // Provider trouble: the workflow retries with backoff.
    }
  },
});

/** A provider error in words, keeping the provider's reason. */
export function describeProviderError(error: unknown): { code: string; message: string } {
  if (isHarnessError(error)) return { code: error.data.code, message: error.data.message };
  const e = error as { statusCode?: number; message?: string; name?: string };
  const status = typeof e.statusCode === "number" ? ` (HTTP ${e.statusCode})` : "";
  const reason = e.message ?? String(error);
  return { code: e.statusCode === 429 ? "rate_limited" : "internal_error", message: `The model provider failed${status}: ${reason}` };
}
