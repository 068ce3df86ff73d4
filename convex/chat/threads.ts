import { updateThreadMetadata } from "@convex-dev/agent";
import { paginationOptsValidator, paginationResultValidator } from "convex/server";
import { v, type Infer } from "convex/values";
import { components } from "../_generated/api";
import type { Doc } from "../_generated/dataModel";
import { accountMutation, accountQuery } from "../lib/functions";
import { fail } from "../lib/errors";
import { manageableThread, participantThread, usableAgent } from "./access";
import { userSendRate } from "./messages";
import { startTurn } from "./startTurn";
import { requireAvailableAgent } from "../teams/availability";
import { insertThread } from "./threadRows";
import { titleFromMessage } from "./title";

export const vPublicThread = v.object({
  threadId: v.id("threads"),
  title: v.string(),
  agentId: v.id("agents"),
  status: v.union(v.literal("active"), v.literal("archived"), v.literal("delegation")),
  lastMessageAt: v.number(),
  createdAt: v.number(),
  /** `api`: started through the platform HTTP API (POST /v1/channels/...). */
  source: v.optional(v.union(v.literal("api"), v.literal("telegram"), v.literal("email"))),
  /** A shared conversation: `account` (every member) or `members` (chosen people); absent = the caller's own. */
  sharing: v.optional(v.union(v.literal("account"), v.literal("members"))),
  /** The account's General conversation. */
  general: v.optional(v.boolean()),
  /** Who started it (for a shared conversation, not necessarily the caller). */
  startedBy: v.id("userProfiles"),
});
export type PublicThread = Infer<typeof vPublicThread>;

export function publicThread(thread: Doc<"threads">): PublicThread {
  return {
    threadId: thread._id,
    title: thread.title,
    agentId: thread.agentId,
    status: thread.status,
    lastMessageAt: thread.lastMessageAt,
    createdAt: thread._creationTime,
    ...(thread.source !== undefined ? { source: thread.source } : {}),
    ...(thread.sharing !== undefined ? { sharing: thread.sharing } : {}),
    ...(thread.general === true ? { general: true } : {}),
    startedBy: thread.userId,
  };
}

const MAX_TITLE_LENGTH = 120;

export function cleanTitle(title: string): string {
  const trimmed = title.trim();
  if (trimmed === "" || trimmed.length > MAX_TITLE_LENGTH) {
    fail("bad_request", `A thread title must be 1 to ${MAX_TITLE_LENGTH} characters.`);
  }
  return trimmed;
}

/** Start an empty conversation with one of the account's agents. */
export const create = accountMutation({
  args: { agentId: v.id("agents"), title: v.optional(v.string()) },
  returns: vPublicThread,
  handler: async (ctx, { accountId, agentId, title }) => {
    const agent = await usableAgent(ctx, accountId, agentId);
    await requireAvailableAgent(ctx, agent, ctx.user._id, ctx.membership.role);
    const finalTitle = title === undefined ? `Chat with ${agent.name}` : cleanTitle(title);
    return publicThread(await insertThread(ctx, { accountId, userId: ctx.user._id }, agentId, finalTitle));
  },
});

/**
 * The first message of a new conversation: creates the thread (titled from
 * the message) with `agentId` and starts its first turn, in one transaction —
 * a refused message (empty, too long, rate limited, paused agent) leaves no
 * empty thread behind.
 */
export const start = accountMutation({
  args: { agentId: v.id("agents"), text: v.string() },
  returns: v.object({ thread: vPublicThread, interactionId: v.id("interactions"), messageId: v.string() }),
  handler: async (ctx, { accountId, agentId, text }) => {
    await usableAgent(ctx, accountId, agentId);
    const thread = await insertThread(ctx, { accountId, userId: ctx.user._id }, agentId, titleFromMessage(text));
    const turn = await startTurn(ctx, {
      accountId,
      userId: ctx.user._id,
      thread,
      text,
      rate: userSendRate(ctx.user._id),
    });
    return { thread: publicThread((await ctx.db.get("threads", thread._id))!), ...turn };
  },
});

/** The caller's own threads in this account, most recently active first (shared ones: conversations.list). */
export const list = accountQuery({
  args: {
    paginationOpts: paginationOptsValidator,
    archived: v.optional(v.boolean()),
  },
  returns: paginationResultValidator(vPublicThread),
  handler: async (ctx, { accountId, paginationOpts, archived }) => {
    const status = archived ? "archived" : "active";
    const page = await ctx.db
      .query("threads")
      .withIndex("by_accountId_userId_status_lastMessageAt", (q) =>
        q.eq("accountId", accountId).eq("userId", ctx.user._id).eq("status", status),
      )
      .order("desc")
      // Shared conversations the caller started are listed by conversations.list; they are few, so pages stay full enough.
      // eslint-disable-next-line @convex-dev/no-filter-in-query
      .filter((q) => q.eq(q.field("sharing"), undefined))
      .paginate(paginationOpts);
    return { ...page, page: page.page.map(publicThread) };
  },
});

export const get = accountQuery({
  args: { threadId: v.id("threads") },
  returns: vPublicThread,
  handler: async (ctx, { accountId, threadId }) =>
    publicThread(await participantThread(ctx, { accountId, userId: ctx.user._id }, threadId)),
});

export const rename = accountMutation({
  args: { threadId: v.id("threads"), title: v.string() },
  returns: v.null(),
  handler: async (ctx, { accountId, threadId, title }) => {
    const thread = await manageableThread(ctx, { accountId, userId: ctx.user._id, role: ctx.membership.role }, threadId);
    const finalTitle = cleanTitle(title);
    await ctx.db.patch("threads", thread._id, { title: finalTitle });
    await updateThreadMetadata(ctx, components.agent, { threadId: thread.agentThreadId, patch: { title: finalTitle } });
    return null;
  },
});

/** Archive (or restore) a thread. Archived threads take no new messages. */
export const setArchived = accountMutation({
  args: { threadId: v.id("threads"), archived: v.boolean() },
  returns: v.null(),
  handler: async (ctx, { accountId, threadId, archived }) => {
    const thread = await manageableThread(ctx, { accountId, userId: ctx.user._id, role: ctx.membership.role }, threadId);
    if (thread.general === true) fail("conflict", "The General conversation cannot be archived.");
    await ctx.db.patch("threads", thread._id, { status: archived ? "archived" : "active" });
    return null;
  },
});

const MAX_SEARCH_RESULTS = 20;
const MAX_QUERY_LENGTH = 200;

function searchText(query: string): string {
  const text = query.trim();
  if (text.length > MAX_QUERY_LENGTH) fail("bad_request", `A search is at most ${MAX_QUERY_LENGTH} characters.`);
  return text;
}

/** Search the caller's thread titles (full-text, best matches first). */
export const searchTitles = accountQuery({
  args: { query: v.string(), archived: v.optional(v.boolean()) },
  returns: v.array(vPublicThread),
  handler: async (ctx, { accountId, query, archived }) => {
    const text = searchText(query);
    if (text === "") return [];
    const hits = await ctx.db
      .query("threads")
      .withSearchIndex("search_title", (q) =>
        q
          .search("title", text)
          .eq("accountId", accountId)
          .eq("userId", ctx.user._id)
          .eq("status", archived ? "archived" : "active"),
      )
      .take(MAX_SEARCH_RESULTS);
    return hits.map(publicThread);
  },
});

export const vThreadHit = v.object({
  thread: vPublicThread,
  /** Where the words were found: the title, or a message (with the words around them). */
  match: v.union(v.object({ in: v.literal("title") }), v.object({ in: v.literal("message"), messageId: v.string(), snippet: v.string() })),
});

const SNIPPET_CHARS = 140;

/** The words around the first query term found in `text`, on one line. */
export function snippetAround(text: string, query: string): string {
  const flat = text.replace(/\s+/g, " ").trim();
  const lower = flat.toLowerCase();
  const at = Math.max(0, Math.min(...query.toLowerCase().split(/\s+/).map((term) => lower.indexOf(term)).filter((i) => i >= 0), flat.length));
  const start = at >= flat.length ? 0 : Math.max(0, at - SNIPPET_CHARS / 3);
  const piece = flat.slice(start, start + SNIPPET_CHARS).trim();
  return `${start > 0 ? "…" : ""}${piece}${start + SNIPPET_CHARS < flat.length ? "…" : ""}`;
}

/**
 * Find the caller's conversations by title and by what was said in them
 * (the agent component's full-text index over messages), titles first.
 * Message hits are the caller's own across all their threads; each is kept
 * only when its thread is theirs in this account with the asked status.
 */
export const search = accountQuery({
  args: { query: v.string(), archived: v.optional(v.boolean()) },
  returns: v.array(vThreadHit),
  handler: async (ctx, { accountId, query, archived }) => {
    const text = searchText(query);
    if (text === "") return [];
    const status = archived ? "archived" : "active";
    const byTitle = await ctx.db
      .query("threads")
      .withSearchIndex("search_title", (q) => q.search("title", text).eq("accountId", accountId).eq("userId", ctx.user._id).eq("status", status))
      .take(MAX_SEARCH_RESULTS);
    const hits: Infer<typeof vThreadHit>[] = byTitle.map((thread) => ({ thread: publicThread(thread), match: { in: "title" } }));
    const seen = new Set<string>(byTitle.map((thread) => thread._id));
    const messages = await ctx.runQuery(components.agent.messages.textSearch, {
      searchAllMessagesForUserId: ctx.user._id,
      text,
      limit: MAX_SEARCH_RESULTS * 2,
    });
    for (const message of messages) {
      if (hits.length >= MAX_SEARCH_RESULTS) break;
      const thread = await ctx.db
        .query("threads")
        .withIndex("by_agentThreadId", (q) => q.eq("agentThreadId", message.threadId))
        .unique();
      if (thread === null || seen.has(thread._id)) continue;
      if (thread.accountId !== accountId || thread.userId !== ctx.user._id || thread.status !== status) continue;
      seen.add(thread._id);
      hits.push({ thread: publicThread(thread), match: { in: "message", messageId: message._id, snippet: snippetAround(message.text ?? "", text) } });
    }
    return hits;
  },
});
