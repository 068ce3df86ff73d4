import { v } from "convex/values";

/** `revoked`: Telegram answered 401 (token revoked or wrong): nothing is sent until it is connected again. */
export const vTelegramBotStatus = v.union(v.literal("active"), v.literal("revoked"), v.literal("disconnected"));

export const vTelegramUpdateStatus = v.union(v.literal("pending"), v.literal("processed"), v.literal("ignored"), v.literal("failed"));

export const vTelegramBotView = v.object({
  botId: v.id("telegramBots"),
  username: v.string(),
  agentId: v.id("agents"),
  agentName: v.string(),
  status: vTelegramBotStatus,
  lastError: v.optional(v.object({ message: v.string(), at: v.number() })),
  /** Whether the caller has linked their Telegram user to this bot. */
  linked: v.boolean(),
  createdAt: v.number(),
});
