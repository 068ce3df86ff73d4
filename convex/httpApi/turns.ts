/**
 * Turns started from outside: a message on a channel, or an agent event.
 *
 * A channel is an agent of the key's account, named by its id or its slug
 * (`/v1/channels/researcher/messages`). A conversation is a thread the API
 * created (tagged `source: "api"`), owned by the key's creator: the key acts
 * as that user, so their budgets and rates apply, and keys made by the same
 * admin can continue each other's conversations. Without `conversation_id`
 * each message starts a new conversation. The turn itself is the chat's
 * (`startTurn`), charged against the key's own turn bucket.
 */
import { createThread } from "@convex-dev/agent";
import { v } from "convex/values";
import { components } from "../_generated/api";
import type { Doc } from "../_generated/dataModel";
import { internalMutation, type MutationCtx, type QueryCtx } from "../_generated/server";
import { startTurn } from "../chat/startTurn";
import { fail } from "../lib/errors";
import { loadKeyScope, type KeyScope } from "./auth";

const MAX_TITLE_LENGTH = 60;

/** The agent `channel` names (id or slug) within the key's reach; anything else is `not_found`. */
export async function channelAgent(ctx: QueryCtx, scope: KeyScope, channel: string): Promise<Doc<"agents">> {
  const id = ctx.db.normalizeId("agents", channel);
  const agent = id
    ? await ctx.db.get("agents", id)
    : await ctx.db
        .query("agents")
        .withIndex("by_accountId_slug", (q) => q.eq("accountId", scope.accountId).eq("slug", channel))
        .unique();
  if (agent === null || agent.accountId !== scope.accountId || agent.status === "archived" || (scope.agentId !== undefined && scope.agentId !== agent._id)) {
    fail("not_found", `No channel "${channel}".`);
  }
  return agent;
}

/** An API conversation this key may continue with `agent`. */
async function conversation(ctx: QueryCtx, scope: KeyScope, agent: Doc<"agents">, conversationId: string): Promise<Doc<"threads">> {
  const id = ctx.db.normalizeId("threads", conversationId);
  const thread = id === null ? null : await ctx.db.get("threads", id);
  if (
    thread === null ||
    thread.accountId !== scope.accountId ||
    thread.userId !== scope.userId ||
    thread.source !== "api" ||
    thread.agentId !== agent._id
  ) {
    fail("not_found", "Conversation not found.");
  }
  return thread;
}

async function newConversation(ctx: MutationCtx, scope: KeyScope, agent: Doc<"agents">, title: string): Promise<Doc<"threads">> {
  const agentThreadId = await createThread(ctx, components.agent, { userId: scope.userId, title });
  const threadId = await ctx.db.insert("threads", {
    accountId: scope.accountId,
    userId: scope.userId,
    agentId: agent._id,
    agentThreadId,
    title,
    status: "active",
    lastMessageAt: Date.now(),
    source: "api",
  });
  return (await ctx.db.get("threads", threadId))!;
}

function titleOf(text: string): string {
  const line = text.trim().split("\n")[0] ?? "";
  return line.length > MAX_TITLE_LENGTH ? `${line.slice(0, MAX_TITLE_LENGTH - 1)}…` : line || "API conversation";
}

/** Start a turn on `channel`; every refusal happens before the first write (one transaction). */
async function startApiTurn(
  ctx: MutationCtx,
  scope: KeyScope,
  args: { channel: string; text: string; conversationId?: string; title: string },
) {
  const agent = await channelAgent(ctx, scope, args.channel);
  const thread =
    args.conversationId !== undefined
      ? await conversation(ctx, scope, agent, args.conversationId)
      : await newConversation(ctx, scope, agent, args.title);
  const { interactionId } = await startTurn(ctx, {
    accountId: scope.accountId,
    userId: scope.userId,
    thread,
    text: args.text,
    rate: {
      name: "apiTurn",
      key: scope.keyId,
      rate: scope.rateLimit.requests,
      periodMs: scope.rateLimit.periodMs,
      capacity: scope.rateLimit.requests,
      message: "This key is starting turns too quickly; wait a moment.",
    },
  });
  return { interactionId, conversationId: thread._id };
}

const vStarted = { interactionId: v.id("interactions"), conversationId: v.id("threads") };

export const sendMessage = internalMutation({
  args: { keyId: v.id("apiKeys"), channel: v.string(), text: v.string(), conversationId: v.optional(v.string()) },
  returns: v.object(vStarted),
  handler: async (ctx, { keyId, ...args }) => {
    const scope = await loadKeyScope(ctx, keyId);
    return await startApiTurn(ctx, scope, { ...args, title: titleOf(args.text) });
  },
});

/**
 * An external event for an agent: starts a turn whose message describes the
 * event. With `eventId`, a redelivery answers the first delivery's ids and
 * starts nothing.
 */
export const pushEvent = internalMutation({
  args: {
    keyId: v.id("apiKeys"),
    agent: v.string(),
    eventType: v.string(),
    text: v.string(),
    eventId: v.optional(v.string()),
    conversationId: v.optional(v.string()),
  },
  returns: v.object({ ...vStarted, duplicate: v.boolean() }),
  handler: async (ctx, { keyId, agent, eventType, text, eventId, conversationId }) => {
    const scope = await loadKeyScope(ctx, keyId);
    if (eventId !== undefined) {
      const seen = await ctx.db
        .query("apiAgentEvents")
        .withIndex("by_accountId_eventId", (q) => q.eq("accountId", scope.accountId).eq("eventId", eventId))
        .unique();
      if (seen !== null) {
        // Only the agent it went to tells its ids; to any other key's view it does not exist.
        const target = await ctx.db.get("interactions", seen.interactionId);
        if (target === null || (scope.agentId !== undefined && target.agentId !== scope.agentId)) fail("conflict", "This event_id was already used.");
        return { interactionId: seen.interactionId, conversationId: seen.threadId, duplicate: true };
      }
    }
    const started = await startApiTurn(ctx, scope, {
      channel: agent,
      text,
      ...(conversationId !== undefined ? { conversationId } : {}),
      title: titleOf(`Event: ${eventType}`),
    });
    if (eventId !== undefined) {
      await ctx.db.insert("apiAgentEvents", {
        accountId: scope.accountId,
        eventId,
        keyId,
        interactionId: started.interactionId,
        threadId: started.conversationId,
        createdAt: Date.now(),
      });
    }
    return { ...started, duplicate: false };
  },
});
