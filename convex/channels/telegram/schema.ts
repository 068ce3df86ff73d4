import { defineTable } from "convex/server";
import { v } from "convex/values";
import { vTelegramBotStatus, vTelegramUpdateStatus } from "./validators";

export const telegramTables = {
  /**
   * A Telegram bot connected to an account (Settings → Telegram): messages to
   * it reach `agentId`. The token lives in `telegramBotTokens`, never returned.
   * `webhookSecret` is the `secret_token` given to setWebhook; Telegram sends it
   * back in `X-Telegram-Bot-Api-Secret-Token` on every update.
   */
  telegramBots: defineTable({
    accountId: v.id("accounts"),
    agentId: v.id("agents"),
    /** From getMe: the bot's user id and @username. */
    telegramBotId: v.number(),
    username: v.string(),
    webhookSecret: v.string(),
    status: vTelegramBotStatus,
    lastError: v.optional(v.object({ message: v.string(), at: v.number() })),
    createdBy: v.id("userProfiles"),
    createdAt: v.number(),
    updatedAt: v.number(),
  })
    .index("by_accountId", ["accountId"])
    .index("by_telegramBotId", ["telegramBotId"]),

  /** The bot token, apart from the row the Settings page reads. */
  telegramBotTokens: defineTable({
    botId: v.id("telegramBots"),
    token: v.string(),
  }).index("by_botId", ["botId"]),

  /** A Telegram user linked to a member of the bot's account (by a one-time code). */
  telegramLinks: defineTable({
    botId: v.id("telegramBots"),
    accountId: v.id("accounts"),
    telegramUserId: v.number(),
    userId: v.id("userProfiles"),
    telegramName: v.string(),
    linkedAt: v.number(),
  })
    .index("by_botId_telegramUserId", ["botId", "telegramUserId"])
    .index("by_botId_userId", ["botId", "userId"]),

  /** A one-time code a member sends as `/start <code>` to link their Telegram user. */
  telegramLinkCodes: defineTable({
    botId: v.id("telegramBots"),
    userId: v.id("userProfiles"),
    code: v.string(),
    expiresAt: v.number(),
  })
    .index("by_code", ["code"])
    .index("by_botId_userId", ["botId", "userId"]),

  /**
   * Every update Telegram delivered, stored before it is processed, once per
   * (bot, update_id): a redelivery finds the row and changes nothing.
   */
  telegramUpdates: defineTable({
    botId: v.id("telegramBots"),
    updateId: v.number(),
    /** The update as received (JSON), for processing and for support staff. */
    body: v.string(),
    status: vTelegramUpdateStatus,
    attempts: v.number(),
    outcome: v.optional(v.string()),
    lastError: v.optional(v.string()),
    receivedAt: v.number(),
    processedAt: v.optional(v.number()),
  }).index("by_botId_updateId", ["botId", "updateId"]),

  /** The conversation of one linked user in one Telegram chat (a private chat, or a group). */
  telegramChats: defineTable({
    botId: v.id("telegramBots"),
    chatId: v.number(),
    userId: v.id("userProfiles"),
    threadId: v.id("threads"),
  }).index("by_botId_chatId_userId", ["botId", "chatId", "userId"]),

  /**
   * The reply to one turn, as sent so far: which Telegram messages hold it, so
   * a retried delivery edits them instead of sending the reply twice.
   */
  telegramReplies: defineTable({
    botId: v.id("telegramBots"),
    /** The turn whose reply this is; absent for a fixed reply (`fixedText`). */
    interactionId: v.optional(v.id("interactions")),
    fixedText: v.optional(v.string()),
    chatId: v.number(),
    replyToMessageId: v.number(),
    /** Telegram message ids, in order; the first is edited while the reply streams. */
    messageIds: v.array(v.number()),
    /** The text those messages show (plain while streaming), to skip edits that change nothing. */
    shownText: v.string(),
    done: v.boolean(),
    /** Why delivery stopped short (token revoked, message refused). */
    error: v.optional(v.string()),
    startedAt: v.number(),
  }).index("by_interactionId", ["interactionId"]),
};
