import { createThread, updateThreadMetadata } from "@convex-dev/agent";
import { paginationOptsValidator, paginationResultValidator } from "convex/server";
import { v, type Infer } from "convex/values";
import { components } from "../_generated/api";
import type { Doc } from "../_generated/dataModel";
import { accountMutation, accountQuery } from "../lib/functions";
import { fail } from "../lib/errors";
import { ownThread, usableAgent } from "./access";

export const vPublicThread = v.object({
  threadId: v.id("threads"),
  title: v.string(),
  agentId: v.id("agents"),
  status: v.union(v.literal("active"), v.literal("archived"), v.literal("delegation")),
  lastMessageAt: v.number(),
  createdAt: v.number(),
  /** `api`: started through the platform HTTP API (POST /v1/channels/...). */
  source: v.optional(v.union(v.literal("api"), v.literal("telegram"), v.literal("email"))),
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
  };
}

const MAX_TITLE_LENGTH = 120;

function cleanTitle(title: string): string {
  const trimmed = title.trim();
  if (trimmed === "" || trimmed.length > MAX_TITLE_LENGTH) {
    fail("bad_request", `A thread title must be 1 to ${MAX_TITLE_LENGTH} characters.`);
  }
  return trimmed;
}

/** Start a conversation with one of the account's agents. */
export const create = accountMutation({
  args: { agentId: v.id("agents"), title: v.optional(v.string()) },
  returns: vPublicThread,
  handler: async (ctx, { accountId, agentId, title }) => {
    const agent = await usableAgent(ctx, accountId, agentId);
    const finalTitle = title === undefined ? `Chat with ${agent.name}` : cleanTitle(title);
    const agentThreadId = await createThread(ctx, components.agent, { userId: ctx.user._id, title: finalTitle });
    const threadId = await ctx.db.insert("threads", {
      accountId,
      userId: ctx.user._id,
      agentId,
      agentThreadId,
      title: finalTitle,
      status: "active",
      lastMessageAt: Date.now(),
    });
    return publicThread((await ctx.db.get("threads", threadId))!);
  },
});

/** The caller's threads in this account, most recently active first. */
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
      .paginate(paginationOpts);
    return { ...page, page: page.page.map(publicThread) };
  },
});

export const get = accountQuery({
  args: { threadId: v.id("threads") },
  returns: vPublicThread,
  handler: async (ctx, { accountId, threadId }) =>
    publicThread(await ownThread(ctx, { accountId, userId: ctx.user._id }, threadId)),
});

export const rename = accountMutation({
  args: { threadId: v.id("threads"), title: v.string() },
  returns: v.null(),
  handler: async (ctx, { accountId, threadId, title }) => {
    const thread = await ownThread(ctx, { accountId, userId: ctx.user._id }, threadId);
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
    const thread = await ownThread(ctx, { accountId, userId: ctx.user._id }, threadId);
    await ctx.db.patch("threads", thread._id, { status: archived ? "archived" : "active" });
    return null;
  },
});

const MAX_SEARCH_RESULTS = 20;

/** Search the caller's thread titles (full-text, best matches first). */
export const searchTitles = accountQuery({
  args: { query: v.string(), archived: v.optional(v.boolean()) },
  returns: v.array(vPublicThread),
  handler: async (ctx, { accountId, query, archived }) => {
    const text = query.trim();
    if (text === "") return [];
    if (text.length > 200) fail("bad_request", "A search is at most 200 characters.");
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
