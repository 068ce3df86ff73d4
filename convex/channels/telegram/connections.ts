/**
 * Telegram bots per account (Settings → Telegram).
 *
 * An account admin connects a bot by its BotFather token and the agent it
 * speaks for: the harness checks the token with `getMe`, registers its
 * webhook (`setWebhook` with a random `secret_token`, which Telegram sends
 * back on every update) and stores the token apart from the row the page
 * reads; the token is never returned. Members link their Telegram user with
 * a one-time code (`/start <code>`); only linked users reach the agent, as
 * themselves (their permissions, budgets and rates). Connecting and
 * disconnecting are audited, never with the token.
 */
import { v } from "convex/values";
import { internal } from "../../_generated/api";
import type { Doc, Id } from "../../_generated/dataModel";
import { internalMutation, internalQuery, type QueryCtx } from "../../_generated/server";
import { auditChange, spaActor } from "../../audit/changes";
import { fieldChanges } from "../../audit/diff";
import { writeAudit } from "../../audit/write";
import { env } from "../../lib/env";
import { fail } from "../../lib/errors";
import { accountAction, accountMutation, accountQuery } from "../../lib/functions";
import { vRole } from "../../lib/validators";
import { botApi, classifyBotApiError } from "./botApi";
import { vTelegramBotView } from "./validators";

export const TELEGRAM_BOT_TARGET = "telegram_bot";
/** An account connects a handful of bots at most. */
export const MAX_BOTS_PER_ACCOUNT = 5;
/** How long a link code may be used. */
export const LINK_CODE_TTL_MS = 15 * 60_000;
/** BotFather's token shape: `<bot id>:<35 characters>`. */
const TOKEN_SHAPE = /^(\d{5,15}):[A-Za-z0-9_-]{30,64}$/;
/** Only the updates the bot handles are delivered. */
export const ALLOWED_UPDATES = ["message", "edited_message"] as const;

const vActor = v.object({ userId: v.id("userProfiles"), role: vRole });

function randomToken(bytes: number): string {
  const buffer = new Uint8Array(bytes);
  crypto.getRandomValues(buffer);
  return Array.from(buffer, (b) => b.toString(16).padStart(2, "0")).join("");
}

/** A link code people can type: 10 characters without look-alikes. */
function linkCode(): string {
  const alphabet = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789";
  const buffer = new Uint8Array(10);
  crypto.getRandomValues(buffer);
  return Array.from(buffer, (b) => alphabet[b % alphabet.length]).join("");
}

/** The webhook Telegram posts to: this deployment's HTTP actions URL. */
export function webhookUrl(telegramBotId: number): string {
  const site = (env.siteUrl() ?? "").replace(/\/+$/, "");
  if (site === "") fail("internal_error", "CONVEX_SITE_URL is not set, so no webhook address can be given to Telegram.");
  return `${site}/telegram/${telegramBotId}`;
}

async function accountBots(ctx: QueryCtx, accountId: Id<"accounts">): Promise<Doc<"telegramBots">[]> {
  return await ctx.db
    .query("telegramBots")
    .withIndex("by_accountId", (q) => q.eq("accountId", accountId))
    .take(MAX_BOTS_PER_ACCOUNT * 4);
}

/** A bot of this account, or `not_found` (another account's answers the same). */
async function accountBot(ctx: QueryCtx, accountId: Id<"accounts">, botId: string): Promise<Doc<"telegramBots">> {
  const id = ctx.db.normalizeId("telegramBots", botId);
  const bot = id === null ? null : await ctx.db.get("telegramBots", id);
  if (bot === null || bot.accountId !== accountId) fail("not_found", "Telegram bot not found.");
  return bot;
}

export const list = accountQuery({
  args: {},
  returns: v.array(vTelegramBotView),
  handler: async (ctx, { accountId }) => {
    const bots = (await accountBots(ctx, accountId)).filter((b) => b.status !== "disconnected");
    return await Promise.all(
      bots.map(async (bot) => {
        const agent = await ctx.db.get("agents", bot.agentId);
        const link = await ctx.db
          .query("telegramLinks")
          .withIndex("by_botId_userId", (q) => q.eq("botId", bot._id).eq("userId", ctx.user._id))
          .first();
        return {
          botId: bot._id,
          username: bot.username,
          agentId: bot.agentId,
          agentName: agent?.name ?? "(deleted agent)",
          status: bot.status,
          ...(bot.lastError !== undefined ? { lastError: bot.lastError } : {}),
          linked: link !== null,
          createdAt: bot.createdAt,
        };
      }),
    );
  },
});

/**
 * Connect a bot: `getMe` with the token (a refused token is `bad_request` on
 * `token`, nothing stored), then `setWebhook`, then store. Connecting a bot
 * this account had connected before replaces its token and agent; a bot
 * connected to another account is refused.
 */
export const connect = accountAction({
  minRole: "admin",
  args: { token: v.string(), agentId: v.string() },
  returns: v.object({ botId: v.id("telegramBots"), username: v.string() }),
  handler: async (ctx, { accountId, token, agentId }): Promise<{ botId: Id<"telegramBots">; username: string }> => {
    const trimmed = token.trim();
    if (!TOKEN_SHAPE.test(trimmed)) fail("bad_request", "That is not a bot token: BotFather's tokens look like 123456789:AA… .", { field: "token" });
    const agent: Id<"agents"> = await ctx.runQuery(internal.channels.telegram.connections.checkConnectable, { accountId, agentId, tokenBotId: Number(trimmed.split(":")[0]) });
    const api = botApi(trimmed);
    let me;
    try {
      me = await api.getMe();
    } catch (error) {
      const failure = classifyBotApiError(error);
      if (failure.kind === "unauthorized") fail("bad_request", "Telegram does not accept this token (revoked or mistyped).", { field: "token" });
      fail("bad_request", `Could not reach Telegram to check the token: ${failure.message}`, { field: "token" });
    }
    if (!me.username) fail("bad_request", "This bot has no username.", { field: "token" });
    const webhookSecret = randomToken(24);
    try {
      await api.setWebhook(webhookUrl(me.id), { secret_token: webhookSecret, allowed_updates: [...ALLOWED_UPDATES] });
    } catch (error) {
      fail("bad_request", `Telegram refused the webhook: ${classifyBotApiError(error).message}`, { field: "token" });
    }
    const botId: Id<"telegramBots"> = await ctx.runMutation(internal.channels.telegram.connections.store, {
      accountId,
      actor: { userId: ctx.user._id, role: ctx.membership.role },
      agentId: agent,
      token: trimmed,
      telegramBotId: me.id,
      username: me.username,
      webhookSecret,
    });
    console.log(JSON.stringify({ event: "telegram_connect", accountId, botId, username: me.username }));
    return { botId, username: me.username };
  },
});

/** Before any request: the agent is this account's, there is room, and the bot is not another account's. */
export const checkConnectable = internalQuery({
  args: { accountId: v.id("accounts"), agentId: v.string(), tokenBotId: v.number() },
  returns: v.id("agents"),
  handler: async (ctx, { accountId, agentId, tokenBotId }) => {
    const id = ctx.db.normalizeId("agents", agentId);
    const agent = id === null ? null : await ctx.db.get("agents", id);
    if (agent === null || agent.accountId !== accountId || agent.status === "archived") fail("not_found", "Agent not found.", { field: "agentId" });
    const elsewhere = await ctx.db
      .query("telegramBots")
      .withIndex("by_telegramBotId", (q) => q.eq("telegramBotId", tokenBotId))
      .first();
    if (elsewhere !== null && elsewhere.accountId !== accountId && elsewhere.status !== "disconnected") {
      fail("conflict", "This bot is connected to another account; disconnect it there first.", { field: "token" });
    }
    const active = (await accountBots(ctx, accountId)).filter((b) => b.status !== "disconnected" && b.telegramBotId !== tokenBotId);
    if (active.length >= MAX_BOTS_PER_ACCOUNT) fail("conflict", `An account connects at most ${MAX_BOTS_PER_ACCOUNT} Telegram bots.`);
    return agent._id;
  },
});

export const store = internalMutation({
  args: {
    accountId: v.id("accounts"),
    actor: vActor,
    agentId: v.id("agents"),
    token: v.string(),
    telegramBotId: v.number(),
    username: v.string(),
    webhookSecret: v.string(),
  },
  returns: v.id("telegramBots"),
  handler: async (ctx, args) => {
    const now = Date.now();
    const existing = await ctx.db
      .query("telegramBots")
      .withIndex("by_telegramBotId", (q) => q.eq("telegramBotId", args.telegramBotId))
      .first();
    if (existing !== null && existing.accountId !== args.accountId && existing.status !== "disconnected") {
      fail("conflict", "This bot is connected to another account; disconnect it there first.", { field: "token" });
    }
    const fields = {
      accountId: args.accountId,
      agentId: args.agentId,
      telegramBotId: args.telegramBotId,
      username: args.username,
      webhookSecret: args.webhookSecret,
      status: "active" as const,
      updatedAt: now,
    };
    let botId: Id<"telegramBots">;
    if (existing !== null) {
      botId = existing._id;
      await ctx.db.patch("telegramBots", botId, { ...fields, lastError: undefined });
    } else {
      botId = await ctx.db.insert("telegramBots", { ...fields, createdBy: args.actor.userId, createdAt: now });
    }
    const tokenRow = await ctx.db
      .query("telegramBotTokens")
      .withIndex("by_botId", (q) => q.eq("botId", botId))
      .unique();
    if (tokenRow === null) await ctx.db.insert("telegramBotTokens", { botId, token: args.token });
    else await ctx.db.patch("telegramBotTokens", tokenRow._id, { token: args.token });
    await writeAudit(ctx, {
      accountId: args.accountId,
      actorUserId: args.actor.userId,
      actorRole: args.actor.role,
      action: existing !== null ? "telegram_bot.reconnect" : "telegram_bot.connect",
      targetKind: TELEGRAM_BOT_TARGET,
      targetId: botId,
      reason: `@${args.username} answers for an agent`,
      details: { username: args.username, agentId: args.agentId },
      surface: "spa",
      changes: fieldChanges(
        existing === null ? null : { ...existing, token: tokenRow?.token ?? null },
        { ...(await ctx.db.get("telegramBots", botId))!, token: args.token },
      ),
    });
    return botId;
  },
});

/**
 * Disconnect a bot: its webhook is removed at Telegram (best effort: a
 * revoked token cannot), the token deleted, updates for it refused from now on.
 */
export const disconnect = accountAction({
  minRole: "admin",
  args: { botId: v.string() },
  returns: v.null(),
  handler: async (ctx, { accountId, botId }) => {
    const token: string | null = await ctx.runMutation(internal.channels.telegram.connections.markDisconnected, {
      accountId,
      botId,
      actor: { userId: ctx.user._id, role: ctx.membership.role },
    });
    if (token !== null) {
      try {
        await botApi(token).deleteWebhook();
      } catch (error) {
        console.log(JSON.stringify({ event: "telegram_disconnect_webhook", botId, error: classifyBotApiError(error).message }));
      }
    }
    return null;
  },
});

/** Returns the token it deleted (for deleteWebhook), or null when there was none. */
export const markDisconnected = internalMutation({
  args: { accountId: v.id("accounts"), botId: v.string(), actor: vActor },
  returns: v.union(v.string(), v.null()),
  handler: async (ctx, { accountId, botId, actor }) => {
    const bot = await accountBot(ctx, accountId, botId);
    if (bot.status === "disconnected") return null;
    await ctx.db.patch("telegramBots", bot._id, { status: "disconnected", updatedAt: Date.now() });
    const tokenRow = await ctx.db
      .query("telegramBotTokens")
      .withIndex("by_botId", (q) => q.eq("botId", bot._id))
      .unique();
    if (tokenRow !== null) await ctx.db.delete("telegramBotTokens", tokenRow._id);
    await writeAudit(ctx, {
      accountId,
      actorUserId: actor.userId,
      actorRole: actor.role,
      action: "telegram_bot.disconnect",
      targetKind: TELEGRAM_BOT_TARGET,
      targetId: bot._id,
      reason: `@${bot.username} disconnected`,
      surface: "spa",
      changes: fieldChanges(bot, (await ctx.db.get("telegramBots", bot._id))!),
    });
    return tokenRow?.token ?? null;
  },
});

/**
 * A one-time code for the caller to send as `/start <code>` (valid 15 min);
 * a new code replaces the caller's previous one for this bot.
 */
export const createLinkCode = accountMutation({
  args: { botId: v.string() },
  returns: v.object({ code: v.string(), deepLink: v.string(), expiresAt: v.number() }),
  handler: async (ctx, { accountId, botId }) => {
    const bot = await accountBot(ctx, accountId, botId);
    if (bot.status !== "active") fail("conflict", `@${bot.username} is not connected; an admin must connect it again.`);
    const previous = await ctx.db
      .query("telegramLinkCodes")
      .withIndex("by_botId_userId", (q) => q.eq("botId", bot._id).eq("userId", ctx.user._id))
      .take(10);
    for (const row of previous) await ctx.db.delete("telegramLinkCodes", row._id);
    const code = linkCode();
    const expiresAt = Date.now() + LINK_CODE_TTL_MS;
    await ctx.db.insert("telegramLinkCodes", { botId: bot._id, userId: ctx.user._id, code, expiresAt });
    return { code, deepLink: `https://t.me/${bot.username}?start=${code}`, expiresAt };
  },
});

/** The audit log's target kind for a member's Telegram link, and the fields it records (never the Telegram name). */
export const TELEGRAM_LINK_TARGET = "telegram_link";
export function linkFields(link: Pick<Doc<"telegramLinks">, "userId" | "telegramUserId">) {
  return { userId: link.userId, telegramUserId: link.telegramUserId };
}

/** Forget the caller's Telegram link with this bot: their messages get the "not linked" reply again. */
export const unlink = accountMutation({
  args: { botId: v.string() },
  returns: v.null(),
  handler: async (ctx, { accountId, botId }) => {
    const bot = await accountBot(ctx, accountId, botId);
    const links = await ctx.db
      .query("telegramLinks")
      .withIndex("by_botId_userId", (q) => q.eq("botId", bot._id).eq("userId", ctx.user._id))
      .take(10);
    for (const link of links) {
      await ctx.db.delete("telegramLinks", link._id);
      await auditChange(ctx, spaActor(ctx), { accountId, action: "telegram_link.unlink", targetKind: TELEGRAM_LINK_TARGET, targetId: link._id, before: linkFields(link), after: null });
    }
    return null;
  },
});
