/**
 * Feedback on agent replies: thumbs up or down with an optional comment, one
 * per user per message (changeable), given by the conversation's owner and
 * read by support staff on the run it rates.
 */
import { v, type Infer } from "convex/values";
import { components } from "../_generated/api";
import type { Doc, Id } from "../_generated/dataModel";
import type { QueryCtx } from "../_generated/server";
import { participantThread } from "../chat/access";
import { Names } from "../inspector/names";
import { runInAccount } from "../inspector/runRows";
import { inspectorQuery } from "../inspector/staff";
import { fail } from "../lib/errors";
import { accountMutation, accountQuery } from "../lib/functions";
import { vRating } from "./schema";

export const MAX_COMMENT_LENGTH = 1_000;
/** The most ratings one thread or run lists (a thread shows at most this many replies' ratings). */
const MAX_LISTED = 200;

export const vFeedback = v.object({
  messageId: v.string(),
  interactionId: v.id("interactions"),
  rating: vRating,
  comment: v.optional(v.string()),
  updatedAt: v.number(),
});
export type Feedback = Infer<typeof vFeedback>;

function publicFeedback(row: Doc<"messageFeedback">): Feedback {
  return {
    messageId: row.messageId,
    interactionId: row.interactionId,
    rating: row.rating,
    ...(row.comment !== undefined ? { comment: row.comment } : {}),
    updatedAt: row.updatedAt,
  };
}

/** The agent message, or null when the id is not one (a malformed id is just not found). */
async function agentMessage(ctx: QueryCtx, messageId: string) {
  try {
    const [message] = await ctx.runQuery(components.agent.messages.getMessagesByIds, { messageIds: [messageId] });
    return message ?? null;
  } catch {
    return null;
  }
}

/**
 * The reply being rated, checked all the way down: the caller takes part in the thread,
 * the run is a turn of that thread, and the message is an agent reply of that
 * run (same thread, same order as the run's prompt). Anything else: not found.
 */
async function ratedReply(
  ctx: QueryCtx,
  caller: { accountId: Id<"accounts">; userId: Id<"userProfiles"> },
  args: { threadId: Id<"threads">; interactionId: Id<"interactions">; messageId: string },
) {
  const thread = await participantThread(ctx, caller, args.threadId);
  const run = await ctx.db.get("interactions", args.interactionId);
  if (run === null || run.threadId !== thread._id || run.kind !== "turn") fail("not_found", "Run not found.");
  const message = await agentMessage(ctx, args.messageId);
  if (message === null || message.threadId !== thread.agentThreadId || message.order !== run.promptOrder || message.message?.role !== "assistant") {
    fail("not_found", "Message not found.");
  }
  return { thread, run };
}

/** The one row of `userId`'s feedback on a message, if any. */
function feedbackOf(ctx: QueryCtx, messageId: string, userId: Id<"userProfiles">) {
  return ctx.db
    .query("messageFeedback")
    .withIndex("by_messageId_userId", (q) => q.eq("messageId", messageId).eq("userId", userId))
    .unique();
}

function cleanComment(comment: string | undefined): string | undefined {
  const trimmed = comment?.trim();
  if (trimmed === undefined || trimmed === "") return undefined;
  if (trimmed.length > MAX_COMMENT_LENGTH) fail("bad_request", `A comment is at most ${MAX_COMMENT_LENGTH} characters.`, { field: "comment" });
  return trimmed;
}

const vTarget = { threadId: v.id("threads"), interactionId: v.id("interactions"), messageId: v.string() };

/** Rate a reply (or change your rating of it). The comment replaces any earlier one. */
export const set = accountMutation({
  args: { ...vTarget, rating: vRating, comment: v.optional(v.string()) },
  returns: vFeedback,
  handler: async (ctx, { accountId, rating, comment, ...target }) => {
    const caller = { accountId, userId: ctx.user._id };
    const text = cleanComment(comment);
    const { thread, run } = await ratedReply(ctx, caller, target);
    const existing = await feedbackOf(ctx, target.messageId, ctx.user._id);
    const fields = { rating, comment: text, updatedAt: Date.now() };
    if (existing !== null) {
      await ctx.db.patch("messageFeedback", existing._id, fields);
      return publicFeedback((await ctx.db.get("messageFeedback", existing._id))!);
    }
    const id = await ctx.db.insert("messageFeedback", {
      accountId,
      threadId: thread._id,
      interactionId: run._id,
      messageId: target.messageId,
      userId: ctx.user._id,
      ...fields,
    });
    return publicFeedback((await ctx.db.get("messageFeedback", id))!);
  },
});

/** Take back your rating of a reply; a second call is a no-op. */
export const remove = accountMutation({
  args: vTarget,
  returns: v.null(),
  handler: async (ctx, { accountId, ...target }) => {
    await ratedReply(ctx, { accountId, userId: ctx.user._id }, target);
    const existing = await feedbackOf(ctx, target.messageId, ctx.user._id);
    if (existing !== null) await ctx.db.delete("messageFeedback", existing._id);
    return null;
  },
});

/** The caller's ratings in one of their threads (to show which thumbs are pressed). */
export const forThread = accountQuery({
  args: { threadId: v.id("threads") },
  returns: v.array(vFeedback),
  handler: async (ctx, { accountId, threadId }) => {
    await participantThread(ctx, { accountId, userId: ctx.user._id }, threadId);
    const rows = await ctx.db
      .query("messageFeedback")
      .withIndex("by_threadId_userId", (q) => q.eq("threadId", threadId).eq("userId", ctx.user._id))
      .order("desc")
      .take(MAX_LISTED);
    return rows.map(publicFeedback);
  },
});

/** For support staff on the run page: what users said about this run's replies, newest first. */
export const forRun = inspectorQuery({
  args: { interactionId: v.id("interactions") },
  returns: v.array(v.object({ ...vFeedback.fields, userName: v.string() })),
  handler: async (ctx, { accountId, interactionId }) => {
    const run = await runInAccount(ctx, accountId, interactionId);
    const rows = await ctx.db
      .query("messageFeedback")
      .withIndex("by_interactionId", (q) => q.eq("interactionId", run._id))
      .order("desc")
      .take(MAX_LISTED);
    const names = new Names(ctx);
    const result = [];
    for (const row of rows) result.push({ ...publicFeedback(row), userName: await names.user(row.userId) });
    return result;
  },
});
