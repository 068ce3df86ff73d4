import { defineTable } from "convex/server";
import { vWorkflowId } from "@convex-dev/workflow";
import { v } from "convex/values";
import { vToolCallStatus } from "./validators";

export const chatTables = {
  /**
   * A conversation: the agent component's thread plus who owns it.
   * Written by: thread functions, send (lastMessageAt). Read by: thread list, every chat function (ownership).
   * `by_accountId_userId_status_lastMessageAt` serves the sidebar (newest first);
   * the search index serves title search.
   */
  threads: defineTable({
    accountId: v.id("accounts"),
    userId: v.id("userProfiles"),
    agentId: v.id("agents"),
    /** The @convex-dev/agent thread id. */
    agentThreadId: v.string(),
    title: v.string(),
    /** `delegation`: a child run's sub-thread, never listed in the sidebar. */
    status: v.union(v.literal("active"), v.literal("archived"), v.literal("delegation")),
    lastMessageAt: v.number(),
    /** For a delegation's sub-thread: the thread of the run that delegated. */
    parentThreadId: v.optional(v.id("threads")),
    /** `api`: a conversation started through the HTTP API (convex/httpApi), owned by the key's creator; `telegram`: a linked member's chat with a Telegram bot; `email`: a member's mail conversation with an agent (convex/channels). */
    source: v.optional(v.union(v.literal("api"), v.literal("telegram"), v.literal("email"))),
    /**
     * A shared conversation (convex/conversations): `account` admits every active member of the
     * account, `members` the people listed in `conversationMembers`. Absent: the owner's alone.
     * `userId` is then who started it; `agentId` its default agent. (Teams: a `team` audience goes here.)
     */
    sharing: v.optional(v.union(v.literal("account"), v.literal("members"))),
    /** The account's General conversation: one per organisation account, account-wide. */
    general: v.optional(v.boolean()),
  })
    .index("by_accountId_userId_status_lastMessageAt", ["accountId", "userId", "status", "lastMessageAt"])
    // The shared-conversation list (account-wide ones, newest first) and the one General per account.
    .index("by_accountId_sharing_status_lastMessageAt", ["accountId", "sharing", "status", "lastMessageAt"])
    .index("by_accountId_general", ["accountId", "general"])
    .index("by_agentThreadId", ["agentThreadId"])
    .searchIndex("search_title", { searchField: "title", filterFields: ["accountId", "userId", "status"] }),

  /**
   * The idempotency record of a tool call (key = interaction:step:toolCallId):
   * intent written before it runs, result committed once.
   * Written by: tool execution. Read by: tool execution (replays), the inspector.
   */
  toolCalls: defineTable({
    key: v.string(),
    interactionId: v.id("interactions"),
    toolCallId: v.string(),
    toolSlug: v.string(),
    args: v.string(),
    status: vToolCallStatus,
    attempts: v.number(),
    result: v.optional(v.string()),
    error: v.optional(v.string()),
  }).index("by_key", ["key"]),

  /**
   * A tool call waiting for a person. Written by: the turn (request), approve/deny.
   * Read by: the chat (prompt), the approval inbox.
   */
  approvals: defineTable({
    accountId: v.id("accounts"),
    threadId: v.id("threads"),
    /** Whose decision it is: the thread's user. */
    userId: v.id("userProfiles"),
    interactionId: v.id("interactions"),
    workflowId: vWorkflowId,
    toolCallId: v.string(),
    toolSlug: v.string(),
    args: v.string(),
    status: v.union(v.literal("pending"), v.literal("approved"), v.literal("denied"), v.literal("cancelled")),
    reason: v.optional(v.string()),
    decidedBy: v.optional(v.id("userProfiles")),
    decidedAt: v.optional(v.number()),
  })
    .index("by_threadId_status", ["threadId", "status"])
    .index("by_interactionId_toolCallId", ["interactionId", "toolCallId"])
    .index("by_accountId_status", ["accountId", "status"])
    // The approval inbox for a plain member (their own pending approvals across runs and depths).
    .index("by_accountId_userId_status", ["accountId", "userId", "status"]),

  /** Side effects of the demo `notes` tool (a write-level tool), keyed for exactly-once. */
  notes: defineTable({
    accountId: v.id("accounts"),
    userId: v.id("userProfiles"),
    idempotencyKey: v.string(),
    text: v.string(),
  })
    .index("by_idempotencyKey", ["idempotencyKey"])
    .index("by_accountId_userId", ["accountId", "userId"]),
};
