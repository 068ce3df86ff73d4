/**
 * Answers out: every message the bot sends is a `telegramReplies` row,
 * delivered by `deliver` on the webhook pool.
 *
 * A short reply (link confirmations, refusals) is one `sendMessage`. A
 * turn's reply streams: `sendChatAction` typing while the model works, the
 * first text as a message, then `editMessageText` at most once per
 * `EDIT_INTERVAL_MS` (Telegram allows about one message a second in a chat,
 * twenty a minute in a group); when the turn ends the text is rendered as
 * MarkdownV2 and split at 4,096 characters. The row remembers which messages
 * hold the reply, so a retried delivery (Bot API down, a crash) edits them
 * instead of sending the reply again. A 401 marks the bot revoked and stops.
 */
import { listStreams, syncStreams } from "@convex-dev/agent";
import { v, type Infer } from "convex/values";
import { components, internal } from "../../_generated/api";
import type { Doc, Id } from "../../_generated/dataModel";
import { internalAction, internalMutation, internalQuery, type MutationCtx, type QueryCtx } from "../../_generated/server";
import { finalReply } from "../../outbound/events";
import { channelPool } from "../pool";
import { botApi, classifyBotApiError, isNotModified, isParseError } from "./botApi";
import { plainPreview, splitForTelegram, toMarkdownV2 } from "./format";
import type { Sender } from "./updates";
import { getChatRun, type ChatRun } from "../../runs/records";
import { isEnded } from "../../runs/status";

/** Between two edits of a streaming reply, in a private chat and in a group. */
export const EDIT_INTERVAL_MS = { private: 1_200, group: 3_000 };
/** Telegram shows "typing…" for about five seconds per chat action. */
const TYPING_EVERY_MS = 4_500;
/** One delivery action runs at most this long, then queues its continuation (actions have a time limit). */
const SLICE_MS = 8 * 60_000;
/** A delivery that has waited this long for its turn gives up and says so. */
const MAX_WAIT_MS = 30 * 60_000;
export const DELIVERY_RETRY = { maxAttempts: 6, initialBackoffMs: 1_000, base: 3 } as const;


/** Queue a reply to `to`'s message: fixed text, or the reply of a turn. Delivered by `deliver`. */
export async function queueReply(
  ctx: MutationCtx,
  bot: Doc<"telegramBots">,
  to: { chatId: number; messageId: number; from: Sender },
  what: { text: string } | { interactionId: Id<"interactions"> },
): Promise<void> {
  const replyId = await ctx.db.insert("telegramReplies", {
    botId: bot._id,
    chatId: to.chatId,
    replyToMessageId: to.messageId,
    ...("text" in what ? { fixedText: what.text } : { interactionId: what.interactionId }),
    messageIds: [],
    shownText: "",
    done: false,
    startedAt: Date.now(),
  });
  await enqueueDelivery(ctx, replyId);
}

async function enqueueDelivery(ctx: MutationCtx, replyId: Id<"telegramReplies">) {
  await channelPool.enqueueAction(ctx, internal.channels.telegram.replies.deliver, { replyId }, { retry: DELIVERY_RETRY });
}

/** The text of a turn's reply so far: the newest stream's text while it runs, the saved reply once it ended. */
async function turnText(ctx: QueryCtx, run: ChatRun, thread: Doc<"threads">): Promise<string> {
  if (isEnded(run)) {
    if (run.status !== "completed") return "";
    return (await finalReply(ctx, run, thread))?.text ?? "";
  }
  const streams = await listStreams(ctx, components.agent, { threadId: thread.agentThreadId, startOrder: run.promptOrder, includeStatuses: ["streaming"] });
  const newest = streams.filter((s) => s.order === run.promptOrder).sort((a, b) => b.stepOrder - a.stepOrder)[0];
  if (newest === undefined) return "";
  const synced = await syncStreams(ctx, components.agent, { threadId: thread.agentThreadId, streamArgs: { kind: "deltas", cursors: [{ streamId: newest.streamId, cursor: 0 }] } });
  if (synced?.kind !== "deltas") return "";
  let text = "";
  for (const delta of synced.deltas) {
    for (const part of delta.parts as { type?: string; delta?: string; text?: string }[]) {
      if (part.type === "text-delta") text += part.delta ?? part.text ?? "";
    }
  }
  return text;
}

const vState = v.union(
  v.null(),
  v.object({
    token: v.string(),
    chatId: v.number(),
    group: v.boolean(),
    replyToMessageId: v.number(),
    messageIds: v.array(v.number()),
    shownText: v.string(),
    startedAt: v.number(),
    fixedText: v.optional(v.string()),
    run: v.optional(v.object({ ended: v.boolean(), text: v.string(), failure: v.optional(v.string()) })),
  }),
);

/** What `deliver` needs next; null when there is nothing to do (done, or the bot cannot send). */
export const state = internalQuery({
  args: { replyId: v.id("telegramReplies") },
  returns: vState,
  handler: async (ctx, { replyId }) => {
    const reply = await ctx.db.get("telegramReplies", replyId);
    if (reply === null || reply.done) return null;
    const bot = await ctx.db.get("telegramBots", reply.botId);
    if (bot === null || bot.status !== "active") return null;
    const tokenRow = await ctx.db
      .query("telegramBotTokens")
      .withIndex("by_botId", (q) => q.eq("botId", bot._id))
      .unique();
    if (tokenRow === null) return null;
    const base = {
      token: tokenRow.token,
      chatId: reply.chatId,
      group: reply.chatId < 0,
      replyToMessageId: reply.replyToMessageId,
      messageIds: reply.messageIds,
      shownText: reply.shownText,
      startedAt: reply.startedAt,
    };
    if (reply.fixedText !== undefined) return { ...base, fixedText: reply.fixedText };
    const run = reply.interactionId === undefined ? null : await getChatRun(ctx, reply.interactionId);
    const thread = run === null ? null : await ctx.db.get("threads", run.threadId);
    if (run === null || thread === null) return { ...base, run: { ended: true, text: "", failure: "The conversation was deleted." } };
    const ended = isEnded(run);
    const text = await turnText(ctx, run, thread);
    const failure =
      run.status === "failed" ? `Sorry — the agent could not answer: ${run.error?.message ?? "the run failed."}`
      : run.status === "cancelled" ? "The reply was stopped."
      : ended && text === "" ? "The agent finished without a reply."
      : undefined;
    return { ...base, run: { ended, text, ...(failure !== undefined ? { failure } : {}) } };
  },
});

/** Remember what the reply's messages show now (after each successful send or edit). */
export const record = internalMutation({
  args: { replyId: v.id("telegramReplies"), messageIds: v.array(v.number()), shownText: v.string(), done: v.boolean() },
  returns: v.null(),
  handler: async (ctx, { replyId, ...fields }) => {
    await ctx.db.patch("telegramReplies", replyId, fields);
    return null;
  },
});

/** Telegram refused the token: the bot stops sending until an admin connects it again (Settings shows why). */
export const markRevoked = internalMutation({
  args: { replyId: v.id("telegramReplies"), message: v.string() },
  returns: v.null(),
  handler: async (ctx, { replyId, message }) => {
    const reply = await ctx.db.get("telegramReplies", replyId);
    if (reply === null) return null;
    await ctx.db.patch("telegramReplies", replyId, { done: true, error: message });
    await ctx.db.patch("telegramBots", reply.botId, { status: "revoked", lastError: { message, at: Date.now() }, updatedAt: Date.now() });
    return null;
  },
});

/** A reply Telegram will not take (the user blocked the bot, the chat is gone): stop, keep the reason. */
export const markRefused = internalMutation({
  args: { replyId: v.id("telegramReplies"), message: v.string() },
  returns: v.null(),
  handler: async (ctx, { replyId, message }) => {
    await ctx.db.patch("telegramReplies", replyId, { done: true, error: message });
    return null;
  },
});

export const continueLater = internalMutation({
  args: { replyId: v.id("telegramReplies") },
  returns: v.null(),
  handler: async (ctx, { replyId }) => {
    await enqueueDelivery(ctx, replyId);
    return null;
  },
});

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Thrown to end the delivery without a retry (revoked token, refused message). */
class Stop extends Error {}

export const deliver = internalAction({
  args: { replyId: v.id("telegramReplies") },
  returns: v.null(),
  handler: async (ctx, { replyId }) => {
    const sliceEnds = Date.now() + SLICE_MS;
    let lastTyping = 0;
    /** One Bot API call: a 429 waits and tries again; a 401 revokes; a refusal stops; anything else throws for the pool to retry. */
    async function call<T>(run: () => Promise<T>, tolerate?: (error: unknown) => boolean): Promise<T | undefined> {
      for (;;) {
        try {
          return await run();
        } catch (error) {
          if (tolerate?.(error)) return undefined;
          const failure = classifyBotApiError(error);
          if (failure.kind === "rate_limited") {
            await sleep(Math.min(failure.retryAfterMs, 60_000));
            continue;
          }
          if (failure.kind === "unauthorized") {
            await ctx.runMutation(internal.channels.telegram.replies.markRevoked, { replyId, message: failure.message });
            throw new Stop(failure.message);
          }
          if (failure.kind === "refused") {
            await ctx.runMutation(internal.channels.telegram.replies.markRefused, { replyId, message: failure.message });
            throw new Stop(failure.message);
          }
          throw new Error(failure.message);
        }
      }
    }
    try {
      for (;;) {
        const now: Infer<typeof vState> = await ctx.runQuery(internal.channels.telegram.replies.state, { replyId });
        if (now === null) return null;
        const api = botApi(now.token);
        const replyTo = { reply_parameters: { message_id: now.replyToMessageId, allow_sending_without_reply: true } };
        if (now.fixedText !== undefined) {
          if (now.messageIds.length === 0) {
            const sent = await call(() => api.sendMessage(now.chatId, now.fixedText!, replyTo));
            await ctx.runMutation(internal.channels.telegram.replies.record, { replyId, messageIds: [sent!.message_id], shownText: now.fixedText, done: true });
          } else {
            await ctx.runMutation(internal.channels.telegram.replies.record, { replyId, messageIds: now.messageIds, shownText: now.shownText, done: true });
          }
          return null;
        }
        const run = now.run!;
        if (run.ended) {
          await finish(now, run.failure ?? run.text);
          return null;
        }
        if (run.text === "" || now.messageIds.length === 0) {
          if (Date.now() - lastTyping >= TYPING_EVERY_MS) {
            await call(() => api.sendChatAction(now.chatId, "typing"));
            lastTyping = Date.now();
          }
        }
        const preview = plainPreview(run.text);
        if (preview !== "" && preview !== now.shownText) {
          if (now.messageIds.length === 0) {
            const sent = await call(() => api.sendMessage(now.chatId, preview, replyTo));
            await ctx.runMutation(internal.channels.telegram.replies.record, { replyId, messageIds: [sent!.message_id], shownText: preview, done: false });
          } else {
            await call(() => api.editMessageText(now.chatId, now.messageIds[0]!, preview), isNotModified);
            await ctx.runMutation(internal.channels.telegram.replies.record, { replyId, messageIds: now.messageIds, shownText: preview, done: false });
          }
        }
        if (Date.now() - now.startedAt > MAX_WAIT_MS) {
          await finish(now, "Sorry — the reply took too long.");
          return null;
        }
        if (Date.now() > sliceEnds) {
          await ctx.runMutation(internal.channels.telegram.replies.continueLater, { replyId });
          return null;
        }
        await sleep(now.group ? EDIT_INTERVAL_MS.group : EDIT_INTERVAL_MS.private);
      }
    } catch (error) {
      if (error instanceof Stop) return null;
      throw error;
    }

    /** The whole reply, as MarkdownV2 pieces: the first into the message already shown (if any), the rest sent after it. */
    async function finish(now: NonNullable<Infer<typeof vState>>, text: string) {
      const api = botApi(now.token);
      const pieces = splitForTelegram(text);
      if (pieces.length === 0) pieces.push("(no reply)");
      const ids = [...now.messageIds];
      for (let i = 0; i < pieces.length; i++) {
        const rich = toMarkdownV2(pieces[i]!);
        if (i < ids.length) {
          await call(
            () => api.editMessageText(now.chatId, ids[i]!, rich, { parse_mode: "MarkdownV2" }).catch((error) => {
              if (isParseError(error)) return api.editMessageText(now.chatId, ids[i]!, plainPreview(pieces[i]!));
              throw error;
            }),
            isNotModified,
          );
        } else {
          const options = i === 0 ? { reply_parameters: { message_id: now.replyToMessageId, allow_sending_without_reply: true } } : {};
          const sent = await call(() =>
            api.sendMessage(now.chatId, rich, { ...options, parse_mode: "MarkdownV2" }).catch((error) => {
              if (isParseError(error)) return api.sendMessage(now.chatId, plainPreview(pieces[i]!), options);
              throw error;
            }),
          );
          ids.push(sent!.message_id);
        }
        // After each piece, so a retry resumes at the next one.
        await ctx.runMutation(internal.channels.telegram.replies.record, { replyId, messageIds: ids, shownText: pieces.slice(0, i + 1).join("\n\n"), done: i === pieces.length - 1 });
      }
    }
  },
});
