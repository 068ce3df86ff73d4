/**
 * Shared conversations in an account: General (every member), further
 * account-wide ones, and private ones for chosen members. A shared
 * conversation is a thread (convex/chat) with `sharing` set; sending,
 * reading and streaming go through the chat functions, which admit its
 * participants (chat/access.ts `participantThread`). Here: the list, creating
 * one, who is in it, and its default agent.
 */
import { v } from "convex/values";
import type { Doc, Id } from "../_generated/dataModel";
import type { MutationCtx, QueryCtx } from "../_generated/server";
import { agentBySlug } from "../agents/builder";
import { DEFAULT_TEMPLATE_SLUG } from "../agents/templateCatalogue";
import { manageableThread, participantThread, usableAgent } from "../chat/access";
import { cleanTitle, publicThread, vPublicThread } from "../chat/threads";
import { insertThread } from "../chat/threadRows";
import { fail } from "../lib/errors";
import { accountMutation, accountQuery } from "../lib/functions";
import { membershipOf } from "../tenancy/identity";
import { ensureGeneral } from "./general";

/** Bounds: conversations listed, people in one private conversation, members shown. */
export const CONVERSATION_LIMITS = { listed: 50, members: 100 } as const;

const vSharing = v.union(v.literal("account"), v.literal("members"));

/** The shared conversations the caller takes part in, most recently active first (General included). */
export const list = accountQuery({
  args: {},
  returns: v.array(vPublicThread),
  handler: async (ctx, { accountId }) => {
    const accountWide = await ctx.db
      .query("threads")
      .withIndex("by_accountId_sharing_status_lastMessageAt", (q) => q.eq("accountId", accountId).eq("sharing", "account").eq("status", "active"))
      .order("desc")
      .take(CONVERSATION_LIMITS.listed);
    const rows = await ctx.db
      .query("conversationMembers")
      .withIndex("by_accountId_userId", (q) => q.eq("accountId", accountId).eq("userId", ctx.user._id))
      .take(CONVERSATION_LIMITS.listed);
    const privateOnes = (await Promise.all(rows.map((row) => ctx.db.get("threads", row.threadId)))).filter(
      (thread): thread is Doc<"threads"> => thread !== null && thread.status === "active",
    );
    return [...accountWide, ...privateOnes]
      .sort((a, b) => b.lastMessageAt - a.lastMessageAt)
      .slice(0, CONVERSATION_LIMITS.listed)
      .map(publicThread);
  },
});

/**
 * The account's General conversation, created now if the account predates it
 * (the SPA calls this once when the list has none). Personal accounts have none: null.
 */
export const openGeneral = accountMutation({
  minRole: "readonly",
  args: {},
  returns: v.union(vPublicThread, v.null()),
  handler: async (ctx, { accountId }) => {
    const general = await ensureGeneral(ctx, accountId, ctx.user._id);
    return general === null ? null : publicThread(general);
  },
});

/** Active members of the account among `userIds` (deduplicated), or `bad_request` on `memberIds`. */
async function accountMembers(ctx: QueryCtx, accountId: Id<"accounts">, userIds: Id<"userProfiles">[]): Promise<Id<"userProfiles">[]> {
  const unique = [...new Set(userIds)];
  if (unique.length > CONVERSATION_LIMITS.members) {
    fail("bad_request", `A conversation has at most ${CONVERSATION_LIMITS.members} members.`, { field: "memberIds" });
  }
  for (const userId of unique) {
    if ((await membershipOf(ctx, userId, accountId))?.status !== "active") {
      fail("bad_request", "Everyone added must be a member of this account.", { field: "memberIds" });
    }
  }
  return unique;
}

async function addRows(ctx: MutationCtx, thread: Doc<"threads">, userIds: Id<"userProfiles">[], addedBy: Id<"userProfiles">): Promise<void> {
  for (const userId of userIds) {
    const existing = await ctx.db
      .query("conversationMembers")
      .withIndex("by_threadId_userId", (q) => q.eq("threadId", thread._id).eq("userId", userId))
      .unique();
    if (existing === null) await ctx.db.insert("conversationMembers", { accountId: thread.accountId, threadId: thread._id, userId, addedBy });
  }
}

/**
 * Start a shared conversation: `account` (every member of the account, now
 * and later) or `members` (the caller plus `memberIds`). Its default agent is
 * `agentId`, else the Assistant. (Team-wide: a `team` sharing, once teams exist.)
 */
export const create = accountMutation({
  args: {
    title: v.string(),
    sharing: vSharing,
    memberIds: v.optional(v.array(v.id("userProfiles"))),
    agentId: v.optional(v.id("agents")),
  },
  returns: vPublicThread,
  handler: async (ctx, { accountId, title, sharing, memberIds, agentId }) => {
    const finalTitle = cleanTitle(title);
    if (sharing === "account" && memberIds !== undefined && memberIds.length > 0) {
      fail("bad_request", "An account-wide conversation includes every member; leave memberIds out.", { field: "memberIds" });
    }
    const members = sharing === "members" ? await accountMembers(ctx, accountId, [ctx.user._id, ...(memberIds ?? [])]) : [];
    const defaultAgentId = agentId ?? (await agentBySlug(ctx, accountId, DEFAULT_TEMPLATE_SLUG))?._id;
    if (defaultAgentId === undefined) fail("bad_request", "Choose the conversation's agent.", { field: "agentId" });
    await usableAgent(ctx, accountId, defaultAgentId);
    const thread = await insertThread(ctx, { accountId, userId: ctx.user._id }, defaultAgentId, finalTitle, { sharing });
    await addRows(ctx, thread, members, ctx.user._id);
    return publicThread(thread);
  },
});

const vParticipant = v.object({ userId: v.id("userProfiles"), name: v.union(v.string(), v.null()), startedIt: v.boolean() });

/**
 * Who is in a conversation the caller takes part in: every active member of
 * the account for an account-wide one, the listed people for a private one.
 * Also what the chat needs to show who sent each message.
 */
export const participants = accountQuery({
  args: { threadId: v.id("threads") },
  returns: v.array(vParticipant),
  handler: async (ctx, { accountId, threadId }) => {
    const thread = await participantThread(ctx, { accountId, userId: ctx.user._id }, threadId);
    let userIds: Id<"userProfiles">[];
    if (thread.sharing === "account") {
      const memberships = await ctx.db
        .query("memberships")
        .withIndex("by_accountId_userId", (q) => q.eq("accountId", accountId))
        .take(CONVERSATION_LIMITS.members);
      userIds = memberships.filter((m) => m.status === "active").map((m) => m.userId);
    } else if (thread.sharing === "members") {
      const rows = await ctx.db
        .query("conversationMembers")
        .withIndex("by_threadId_userId", (q) => q.eq("threadId", threadId))
        .take(CONVERSATION_LIMITS.members);
      userIds = rows.map((row) => row.userId);
    } else {
      userIds = [thread.userId];
    }
    return await Promise.all(
      userIds.map(async (userId) => ({
        userId,
        name: (await ctx.db.get("userProfiles", userId))?.name ?? null,
        startedIt: userId === thread.userId,
      })),
    );
  },
});

function privateConversation(thread: Doc<"threads">): Doc<"threads"> {
  if (thread.sharing !== "members") fail("bad_request", "Only a private conversation has a member list to change.", { field: "threadId" });
  return thread;
}

/** Add members of the account to a private conversation (whoever started it, or an admin). */
export const addMembers = accountMutation({
  args: { threadId: v.id("threads"), userIds: v.array(v.id("userProfiles")) },
  returns: v.null(),
  handler: async (ctx, { accountId, threadId, userIds }) => {
    const thread = privateConversation(await manageableThread(ctx, { accountId, userId: ctx.user._id, role: ctx.membership.role }, threadId));
    const members = await accountMembers(ctx, accountId, userIds);
    await addRows(ctx, thread, members, ctx.user._id);
    return null;
  },
});

/** Take someone out of a private conversation: themselves (leaving), or anyone if the caller may manage it. */
export const removeMember = accountMutation({
  args: { threadId: v.id("threads"), userId: v.id("userProfiles") },
  returns: v.null(),
  handler: async (ctx, { accountId, threadId, userId }) => {
    const caller = { accountId, userId: ctx.user._id, role: ctx.membership.role };
    const thread = privateConversation(
      userId === ctx.user._id ? await participantThread(ctx, caller, threadId) : await manageableThread(ctx, caller, threadId),
    );
    const row = await ctx.db
      .query("conversationMembers")
      .withIndex("by_threadId_userId", (q) => q.eq("threadId", thread._id).eq("userId", userId))
      .unique();
    if (row !== null) await ctx.db.delete("conversationMembers", row._id);
    return null;
  },
});

/** The agent that answers messages with no @mention (whoever started the conversation, or an admin). */
export const setDefaultAgent = accountMutation({
  args: { threadId: v.id("threads"), agentId: v.id("agents") },
  returns: vPublicThread,
  handler: async (ctx, { accountId, threadId, agentId }) => {
    const thread = await manageableThread(ctx, { accountId, userId: ctx.user._id, role: ctx.membership.role }, threadId);
    if (thread.sharing === undefined) fail("bad_request", "Only a shared conversation has a default agent to change.", { field: "threadId" });
    await usableAgent(ctx, accountId, agentId);
    await ctx.db.patch("threads", thread._id, { agentId });
    return publicThread((await ctx.db.get("threads", thread._id))!);
  },
});
