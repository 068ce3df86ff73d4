import { listUIMessages, saveMessage, syncStreams, vStreamArgs } from "@convex-dev/agent";
import { paginationOptsValidator } from "convex/server";
import { v } from "convex/values";
import { components, internal } from "../_generated/api";
import { budget } from "../lib/budget";
import { fail } from "../lib/errors";
import { accountMutation, accountQuery } from "../lib/functions";
import { defaultModelId, resolveModel } from "../models/registry";
import { isPlatformPaused } from "../jobs/model";
import { ownThread, usableAgent } from "./access";
import { freshRun } from "./turnSteps";
import { MAX_MESSAGE_LENGTH } from "./validators";

/** Per-user send rate: a burst of 10, then 20 a minute. */
const SEND_RATE = { rate: 20, periodMs: 60_000, capacity: 10 };

/**
 * Send a message: saves it and starts the turn's workflow. Returns at once;
 * the reply streams into the thread.
 */
export const send = accountMutation({
  args: { threadId: v.id("threads"), text: v.string() },
  returns: v.object({ interactionId: v.id("interactions"), messageId: v.string() }),
  handler: async (ctx, { accountId, threadId, text }) => {
    const prompt = text.trim();
    if (prompt === "") fail("bad_request", "A message cannot be empty.");
    if (prompt.length > MAX_MESSAGE_LENGTH) fail("bad_request", `A message is at most ${MAX_MESSAGE_LENGTH} characters.`);
    const thread = await ownThread(ctx, { accountId, userId: ctx.user._id }, threadId);
    if (thread.status !== "active") fail("conflict", "This thread is archived; restore it to continue.");
    if (await isPlatformPaused(ctx)) fail("policy_denied", "The platform is paused for maintenance; try again later.");
    const agent = await usableAgent(ctx, accountId, thread.agentId);
    const modelId = agent.modelId ?? defaultModelId();
    const model = resolveModel(modelId); // a model no provider serves: bad_request, nothing written
    const rate = await budget.consumeRate(ctx, { name: "send", key: ctx.user._id, ...SEND_RATE });
    if (!rate.ok) fail("rate_limited", "You are sending messages too quickly; wait a moment.", { retryAfterMs: rate.retryAfterMs });

    const { messageId, message } = await saveMessage(ctx, components.agent, {
      threadId: thread.agentThreadId,
      userId: ctx.user._id,
      prompt,
    });
    const now = Date.now();
    const interactionId = await ctx.db.insert("interactions", {
      kind: "turn",
      accountId,
      userId: ctx.user._id,
      agentId: agent._id,
      agentVersion: agent.version,
      threadId,
      depth: 0,
      lineage: [agent._id],
      promptMessageId: messageId,
      promptText: prompt,
      promptOrder: message.order,
      modelId: model.modelId,
      modelLabel: model.label,
      ...freshRun(now),
    });
    // The workflow starts in its own transaction: starting one writes about
    // nine documents, and the send mutation stays small (fast acknowledgement).
    await ctx.scheduler.runAfter(0, internal.chat.turn.start, { interactionId });
    await ctx.db.patch("threads", threadId, { lastMessageAt: now });
    return { interactionId, messageId };
  },
});

/**
 * The thread's messages as UI messages, newest page first, plus the deltas of
 * replies still streaming (for `useUIMessages(..., { stream: true })`).
 */
export const list = accountQuery({
  args: { threadId: v.id("threads"), paginationOpts: paginationOptsValidator, streamArgs: v.optional(vStreamArgs) },
  returns: v.any(),
  handler: async (ctx, { accountId, threadId, paginationOpts, streamArgs }) => {
    const thread = await ownThread(ctx, { accountId, userId: ctx.user._id }, threadId);
    const paginated = await listUIMessages(ctx, components.agent, { threadId: thread.agentThreadId, paginationOpts });
    const streams = await syncStreams(ctx, components.agent, { threadId: thread.agentThreadId, streamArgs });
    return { ...paginated, streams };
  },
});
