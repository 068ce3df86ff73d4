/**
 * Updates in: `receive` stores a verified update once per (bot, update_id)
 * and queues `apply`, which decides what it asks (updates.ts) and does it in
 * one transaction — link a user, start a turn as the linked member, or queue
 * a short reply. Every answer leaves through `telegramReplies` (replies.ts),
 * so nothing is sent from inside a transaction and nothing is sent twice.
 */
import { vOnCompleteArgs } from "@convex-dev/workpool";
import { createThread } from "@convex-dev/agent";
import { ConvexError, v } from "convex/values";
import type { Update } from "grammy/types";
import { components, internal } from "../../_generated/api";
import type { Doc, Id } from "../../_generated/dataModel";
import { internalMutation, type MutationCtx } from "../../_generated/server";
import { budget } from "../../lib/budget";
import { isHarnessError } from "../../lib/errors";
import { requireMembership } from "../../tenancy/identity";
import { startTurn } from "../../chat/startTurn";
import { SEND_RATE } from "../../usage/rates";
import { channelPool } from "../pool";
import { sameSecret } from "../../lib/secrets";
import { queueReply } from "./replies";
import { auditChange } from "../../audit/changes";
import { linkFields, TELEGRAM_LINK_TARGET } from "./connections";
import { decideUpdate, type Sender } from "./updates";

const MAX_OUTCOME_LENGTH = 500;
const MAX_TITLE_LENGTH = 60;
/** Someone who is not linked hears how to link at most three times an hour. */
const UNLINKED_REPLY_RATE = { rate: 3, periodMs: 60 * 60_000, capacity: 3 };

/**
 * Store a delivered update. `refused` (the route answers 401) for an unknown
 * or disconnected bot or a wrong secret token, before anything is written;
 * `duplicate` for an update_id already stored (Telegram redelivers when it
 * did not see our 200).
 */
export const receive = internalMutation({
  args: { telegramBotId: v.number(), secretToken: v.union(v.string(), v.null()), updateId: v.number(), body: v.string() },
  returns: v.union(v.literal("stored"), v.literal("duplicate"), v.literal("refused")),
  handler: async (ctx, { telegramBotId, secretToken, updateId, body }) => {
    const bots = await ctx.db
      .query("telegramBots")
      .withIndex("by_telegramBotId", (q) => q.eq("telegramBotId", telegramBotId))
      .take(10);
    const bot = bots.find((b) => b.status === "active");
    if (bot === undefined || secretToken === null || !sameSecret(secretToken, bot.webhookSecret)) return "refused";
    const existing = await ctx.db
      .query("telegramUpdates")
      .withIndex("by_botId_updateId", (q) => q.eq("botId", bot._id).eq("updateId", updateId))
      .first();
    if (existing !== null) return "duplicate";
    const rowId = await ctx.db.insert("telegramUpdates", { botId: bot._id, updateId, body, status: "pending", attempts: 0, receivedAt: Date.now() });
    await channelPool.enqueueMutation(ctx, internal.channels.telegram.inbox.apply, { updateRowId: rowId }, {
      onComplete: internal.channels.telegram.inbox.applyDone,
      context: { updateRowId: rowId },
    });
    return "stored";
  },
});

async function settle(ctx: MutationCtx, row: Doc<"telegramUpdates">, status: "processed" | "ignored", outcome: string) {
  await ctx.db.patch("telegramUpdates", row._id, { status, outcome: outcome.slice(0, MAX_OUTCOME_LENGTH), attempts: row.attempts + 1, processedAt: Date.now() });
}

async function linkOf(ctx: MutationCtx, botId: Id<"telegramBots">, telegramUserId: number) {
  return await ctx.db
    .query("telegramLinks")
    .withIndex("by_botId_telegramUserId", (q) => q.eq("botId", botId).eq("telegramUserId", telegramUserId))
    .first();
}

/** The "link first" answer, unless this sender has had it often enough lately. */
async function replyUnlinked(ctx: MutationCtx, bot: Doc<"telegramBots">, to: { chatId: number; messageId: number; from: Sender }): Promise<string> {
  const rate = await budget.consumeRate(ctx, { name: "telegramUnlinked", key: `${bot._id}:${to.from.telegramUserId}`, ...UNLINKED_REPLY_RATE });
  if (!rate.ok) return "ignored: not linked (reply already sent recently)";
  await queueReply(ctx, bot, to, {
    text: `Hi ${to.from.name}! This bot answers members of its workspace only. To link your Telegram account, open Settings → Telegram in the app, create a link code and send it here as /start <code>.`,
  });
  return "replied: not linked";
}

/** A valid code links the sender to the member who created it (replacing an earlier link of this Telegram user). */
async function applyStart(ctx: MutationCtx, bot: Doc<"telegramBots">, decision: { chatId: number; messageId: number; from: Sender; code: string | null }): Promise<string> {
  const to = { chatId: decision.chatId, messageId: decision.messageId, from: decision.from };
  const agent = await ctx.db.get("agents", bot.agentId);
  const agentName = agent?.name ?? "the agent";
  if (decision.code === null) {
    const link = await linkOf(ctx, bot._id, decision.from.telegramUserId);
    if (link === null) return await replyUnlinked(ctx, bot, to);
    await queueReply(ctx, bot, to, { text: `You are linked. Send a message and ${agentName} will answer.` });
    return "replied: already linked";
  }
  const code = await ctx.db
    .query("telegramLinkCodes")
    .withIndex("by_code", (q) => q.eq("code", decision.code!.toUpperCase()))
    .first();
  if (code === null || code.botId !== bot._id || code.expiresAt < Date.now()) {
    await queueReply(ctx, bot, to, { text: "That link code is not valid or has expired. Create a new one in Settings → Telegram." });
    return "replied: bad link code";
  }
  await ctx.db.delete("telegramLinkCodes", code._id);
  const previous = await linkOf(ctx, bot._id, decision.from.telegramUserId);
  if (previous !== null) await ctx.db.delete("telegramLinks", previous._id);
  const linkId = await ctx.db.insert("telegramLinks", {
    botId: bot._id,
    accountId: bot.accountId,
    telegramUserId: decision.from.telegramUserId,
    userId: code.userId,
    telegramName: decision.from.name,
    linkedAt: Date.now(),
  });
  // Who may now act as this member from Telegram: a change of the account's channels, made by the code's holder.
  await auditChange(ctx, { surface: "webhook", label: `Telegram @${bot.username}` }, {
    accountId: bot.accountId,
    action: "telegram_link.link",
    targetKind: TELEGRAM_LINK_TARGET,
    targetId: linkId,
    before: previous === null ? null : linkFields(previous),
    after: { userId: code.userId, telegramUserId: decision.from.telegramUserId },
  });
  const user = await ctx.db.get("userProfiles", code.userId);
  await queueReply(ctx, bot, to, { text: `Linked to ${user?.name ?? "your account"}. Send a message and ${agentName} will answer.` });
  return `linked to ${code.userId}`;
}

function titleOf(text: string): string {
  const line = text.trim().split("\n")[0] ?? "";
  return line.length > MAX_TITLE_LENGTH ? `${line.slice(0, MAX_TITLE_LENGTH - 1)}…` : line || "Telegram conversation";
}

/** The linked member's conversation in this chat, created on their first message. */
async function chatThread(ctx: MutationCtx, bot: Doc<"telegramBots">, chatId: number, userId: Id<"userProfiles">, text: string): Promise<Doc<"threads">> {
  const existing = await ctx.db
    .query("telegramChats")
    .withIndex("by_botId_chatId_userId", (q) => q.eq("botId", bot._id).eq("chatId", chatId).eq("userId", userId))
    .first();
  const thread = existing === null ? null : await ctx.db.get("threads", existing.threadId);
  if (thread !== null && thread.status === "active") return thread;
  const title = titleOf(text);
  const agentThreadId = await createThread(ctx, components.agent, { userId, title });
  const threadId = await ctx.db.insert("threads", {
    accountId: bot.accountId,
    userId,
    agentId: bot.agentId,
    agentThreadId,
    title,
    status: "active",
    lastMessageAt: Date.now(),
    source: "telegram",
  });
  if (existing !== null) await ctx.db.patch("telegramChats", existing._id, { threadId });
  else await ctx.db.insert("telegramChats", { botId: bot._id, chatId, userId, threadId });
  return (await ctx.db.get("threads", threadId))!;
}

/** A linked member's message: a turn of the bot's agent, as that member; a refusal is answered in words. */
async function applyText(ctx: MutationCtx, bot: Doc<"telegramBots">, decision: { chatId: number; messageId: number; from: Sender; text: string }): Promise<string> {
  const to = { chatId: decision.chatId, messageId: decision.messageId, from: decision.from };
  const link = await linkOf(ctx, bot._id, decision.from.telegramUserId);
  if (link === null) return await replyUnlinked(ctx, bot, to);
  const user = await ctx.db.get("userProfiles", link.userId);
  try {
    if (user === null) throw new ConvexError({ code: "not_found", message: "Account not found." });
    await requireMembership(ctx, user, bot.accountId, "member");
  } catch (error) {
    // Left the account (or was removed): the link goes with the membership.
    if (!isHarnessError(error)) throw error;
    await ctx.db.delete("telegramLinks", link._id);
    await queueReply(ctx, bot, to, { text: "You are no longer a member of this bot's workspace, so it cannot answer you." });
    return `refused: ${error.data.code} (link removed)`;
  }
  const thread = await chatThread(ctx, bot, decision.chatId, link.userId, decision.text);
  let interactionId: Id<"interactions">;
  try {
    ({ interactionId } = await startTurn(ctx, { accountId: bot.accountId, userId: link.userId, thread, text: decision.text, rate: { name: "send", key: link.userId, ...SEND_RATE, message: "You are sending messages too quickly; wait a moment." } }));
  } catch (error) {
    // startTurn refuses before its first write: say why, on Telegram.
    if (!isHarnessError(error)) throw error;
    await queueReply(ctx, bot, to, { text: `Sorry — ${error.data.message}` });
    return `refused: ${error.data.code}`;
  }
  await queueReply(ctx, bot, to, { interactionId });
  return `turn ${interactionId}`;
}

/** Apply one stored update (queued by `receive`); an update no longer pending is left alone. */
export const apply = internalMutation({
  args: { updateRowId: v.id("telegramUpdates") },
  returns: v.null(),
  handler: async (ctx, { updateRowId }) => {
    const row = await ctx.db.get("telegramUpdates", updateRowId);
    if (row === null || row.status !== "pending") return null;
    const bot = await ctx.db.get("telegramBots", row.botId);
    if (bot === null || bot.status !== "active") {
      await settle(ctx, row, "ignored", "bot no longer connected");
      return null;
    }
    const decision = decideUpdate(JSON.parse(row.body) as Update, bot);
    switch (decision.kind) {
      case "ignore":
        await settle(ctx, row, "ignored", decision.reason);
        return null;
      case "start":
        await settle(ctx, row, "processed", await applyStart(ctx, bot, decision));
        return null;
      case "unsupported": {
        const to = { chatId: decision.chatId, messageId: decision.messageId, from: decision.from };
        if ((await linkOf(ctx, bot._id, decision.from.telegramUserId)) === null) {
          await settle(ctx, row, "processed", await replyUnlinked(ctx, bot, to));
          return null;
        }
        await queueReply(ctx, bot, to, { text: `I can only read text messages for now, so I can't open ${decision.what}. Could you describe it in words?` });
        await settle(ctx, row, "processed", `replied: unsupported (${decision.what})`);
        return null;
      }
      case "text":
        await settle(ctx, row, "processed", await applyText(ctx, bot, decision));
        return null;
    }
  },
});

/** An apply that threw (a bug, or a limit): the update is `failed` with the reason, for support staff. */
export const applyDone = internalMutation({
  args: vOnCompleteArgs(v.object({ updateRowId: v.id("telegramUpdates") })),
  returns: v.null(),
  handler: async (ctx, { context: { updateRowId }, result }) => {
    if (result.kind === "success") return null;
    const row = await ctx.db.get("telegramUpdates", updateRowId);
    if (row === null || row.status !== "pending") return null;
    const lastError = result.kind === "failed" ? result.error.slice(0, MAX_OUTCOME_LENGTH) : "Processing was canceled.";
    await ctx.db.patch("telegramUpdates", updateRowId, { status: "failed", lastError, attempts: row.attempts + 1 });
    console.error(JSON.stringify({ event: "telegram.update_failed", botId: row.botId, updateId: row.updateId, error: lastError }));
    return null;
  },
});
