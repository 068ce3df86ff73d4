import { listUIMessages, syncStreams, vStreamArgs } from "@convex-dev/agent";
import { paginationOptsValidator } from "convex/server";
import { v } from "convex/values";
import { components } from "../_generated/api";
import type { Doc, Id } from "../_generated/dataModel";
import type { QueryCtx } from "../_generated/server";
import { fail } from "../lib/errors";
import { accountMutation, accountQuery } from "../lib/functions";
import { vUIMessagesPage } from "../lib/threadMessages";
import { addressedAgent } from "../conversations/mentions";
import { SEND_RATE } from "../usage/rates";
import { participantThread } from "./access";
import { startTurn, type SendRate } from "./startTurn";
import { isChatRun, type ChatRun } from "../runs/records";

/** The bucket every message a user sends from the SPA is charged against. */
export function userSendRate(userId: Id<"userProfiles">): SendRate {
  return { name: "send", key: userId, ...SEND_RATE, message: "You are sending messages too quickly; wait a moment." };
}

const vTurnStarted = v.object({ interactionId: v.id("interactions"), messageId: v.string() });

/**
 * Send a message: saves it and starts the turn's workflow. Returns at once;
 * the reply streams into the thread. In a shared conversation a message
 * starting with `@agent` is answered by that agent (else the default one);
 * the turn is always the sender's: their permissions, budget and send rate.
 */
export const send = accountMutation({
  args: { threadId: v.id("threads"), text: v.string() },
  returns: vTurnStarted,
  handler: async (ctx, { accountId, threadId, text }) => {
    const thread = await participantThread(ctx, { accountId, userId: ctx.user._id }, threadId);
    const mentioned = thread.sharing !== undefined ? await addressedAgent(ctx, accountId, text) : null;
    return startTurn(ctx, {
      accountId,
      userId: ctx.user._id,
      thread,
      text,
      rate: userSendRate(ctx.user._id),
      ...(mentioned !== null ? { agentId: mentioned._id } : {}),
    });
  },
});

/**
 * The thread's latest turn, which regenerate and edit act on: only its sender
 * may (in a shared conversation, someone else's turn is theirs). It must have
 * ended: a reply still coming is stopped first (Esc / Cancel).
 */
async function lastEndedTurn(ctx: QueryCtx, thread: Doc<"threads">, userId: Id<"userProfiles">): Promise<ChatRun> {
  const recent = await ctx.db
    .query("interactions")
    .withIndex("by_threadId", (q) => q.eq("threadId", thread._id))
    .order("desc")
    .take(10);
  const latest = recent.filter(isChatRun).find((run) => run.kind === "turn");
  if (latest === undefined) fail("conflict", "There is no reply to redo in this conversation yet.");
  if (latest.status === "queued" || latest.status === "running" || latest.status === "waiting") {
    fail("conflict", "The agent is still replying; stop the reply first.");
  }
  if (latest.userId !== userId) fail("conflict", "The last message is someone else's; only its sender can redo it.");
  return latest;
}

/**
 * Ask again: the last message is sent once more as a new turn. The earlier
 * turn and its reply stay as they were (in the thread and in the run history).
 * `interactionId` names the turn the caller saw as the last one; when another
 * turn has started since, the request is refused rather than redo the wrong one.
 */
export const regenerate = accountMutation({
  args: { threadId: v.id("threads"), interactionId: v.id("interactions") },
  returns: vTurnStarted,
  handler: async (ctx, { accountId, threadId, interactionId }) => {
    const thread = await participantThread(ctx, { accountId, userId: ctx.user._id }, threadId);
    const last = await lastEndedTurn(ctx, thread, ctx.user._id);
    if (last._id !== interactionId) fail("conflict", "Only the last reply can be regenerated.");
    return startTurn(ctx, { accountId, userId: ctx.user._id, thread, text: last.promptText, rate: userSendRate(ctx.user._id), agentId: last.agentId });
  },
});

/**
 * Edit the last message and send it again: a new turn with the edited text.
 * The original message, its reply and its run are kept.
 */
export const editLast = accountMutation({
  args: { threadId: v.id("threads"), interactionId: v.id("interactions"), text: v.string() },
  returns: vTurnStarted,
  handler: async (ctx, { accountId, threadId, interactionId, text }) => {
    const thread = await participantThread(ctx, { accountId, userId: ctx.user._id }, threadId);
    const last = await lastEndedTurn(ctx, thread, ctx.user._id);
    if (last._id !== interactionId) fail("conflict", "Only the last message can be edited.");
    if (text.trim() === last.promptText) fail("bad_request", "The edited message is the same as before; change it or regenerate the reply.");
    return startTurn(ctx, { accountId, userId: ctx.user._id, thread, text, rate: userSendRate(ctx.user._id), agentId: last.agentId });
  },
});

/**
 * The thread's messages as UI messages, newest page first, plus the deltas of
 * replies still streaming (for `useUIMessages(..., { stream: true })`).
 */
export const list = accountQuery({
  args: { threadId: v.id("threads"), paginationOpts: paginationOptsValidator, streamArgs: v.optional(vStreamArgs) },
  returns: vUIMessagesPage,
  handler: async (ctx, { accountId, threadId, paginationOpts, streamArgs }) => {
    const thread = await participantThread(ctx, { accountId, userId: ctx.user._id }, threadId);
    const paginated = await listUIMessages(ctx, components.agent, { threadId: thread.agentThreadId, paginationOpts });
    const streams = await syncStreams(ctx, components.agent, { threadId: thread.agentThreadId, streamArgs });
    return { ...paginated, streams };
  },
});
