import { listUIMessages, syncStreams, vStreamArgs } from "@convex-dev/agent";
import { paginationOptsValidator } from "convex/server";
import { v } from "convex/values";
import { components } from "../_generated/api";
import { accountMutation, accountQuery } from "../lib/functions";
import { ownThread } from "./access";
import { startTurn } from "./startTurn";

/** Per-user send rate: a burst of 10, then 20 a minute (the Usage page shows what is left). */
export const SEND_RATE = { rate: 20, periodMs: 60_000, capacity: 10 };

/**
 * Send a message: saves it and starts the turn's workflow. Returns at once;
 * the reply streams into the thread.
 */
export const send = accountMutation({
  args: { threadId: v.id("threads"), text: v.string() },
  returns: v.object({ interactionId: v.id("interactions"), messageId: v.string() }),
  handler: async (ctx, { accountId, threadId, text }) => {
    const thread = await ownThread(ctx, { accountId, userId: ctx.user._id }, threadId);
    return startTurn(ctx, {
      accountId,
      userId: ctx.user._id,
      thread,
      text,
      rate: { name: "send", key: ctx.user._id, ...SEND_RATE, message: "You are sending messages too quickly; wait a moment." },
    });
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
