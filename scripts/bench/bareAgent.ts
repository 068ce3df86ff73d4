/**
 * The baseline for the turn benchmark: the agent component's own chat flow
 * with no harness around it (no workflow, no budget, no run rows): a mutation
 * saves the prompt and schedules an action that streams the reply with deltas.
 * Registered only inside the benchmark's convex-test instance.
 */
import { Agent, saveMessage, saveMessages, stepCountIs } from "@convex-dev/agent";
import { makeFunctionReference } from "convex/server";
import { v } from "convex/values";
import { components } from "../../convex/_generated/api";
import { internalAction, internalMutation } from "../../convex/_generated/server";
import { offlineModel } from "../../convex/models/offline";

export const send = internalMutation({
  args: { threadId: v.string(), prompt: v.string() },
  returns: v.null(),
  handler: async (ctx, { threadId, prompt }) => {
    const { messageId } = await saveMessage(ctx, components.agent, { threadId, prompt });
    await ctx.scheduler.runAfter(0, makeFunctionReference<"action">("bench/bare:reply"), { threadId, promptMessageId: messageId });
    return null;
  },
});

export const reply = internalAction({
  args: { threadId: v.string(), promptMessageId: v.string() },
  returns: v.null(),
  handler: async (ctx, { threadId, promptMessageId }) => {
    const agent = new Agent(components.agent, { name: "Bare", languageModel: offlineModel(), instructions: "Be helpful." } as never);
    const result = await agent.streamText(
      ctx,
      { threadId },
      { promptMessageId, stopWhen: stepCountIs(1), maxRetries: 0 },
      { saveStreamDeltas: { chunking: "word", throttleMs: 100 }, contextOptions: { recentMessages: 30 } } as never,
    );
    await result.consumeStream();
    return null;
  },
});

/** Fill a thread with `count` alternating user / assistant messages, in batches. */
export const seed = internalMutation({
  args: { threadId: v.string(), count: v.number() },
  returns: v.null(),
  handler: async (ctx, { threadId, count }) => {
    const messages = Array.from({ length: count }, (_, i) =>
      i % 2 === 0
        ? { role: "user" as const, content: `Earlier question number ${i}` }
        : { role: "assistant" as const, content: `Earlier answer number ${i}, with a little detail.` },
    );
    await saveMessages(ctx, components.agent, { threadId, messages });
    return null;
  },
});
