import { defineTable } from "convex/server";
import { v } from "convex/values";

export const vRating = v.union(v.literal("up"), v.literal("down"));

export const feedbackTables = {
  /**
   * A user's thumbs up/down (and optional comment) on one agent reply; one row
   * per user per message, changed in place.
   * Written by: feedback.set / feedback.remove (the thread's owner).
   * Read by: the chat (`by_threadId_userId`: the caller's ratings in a thread),
   * the run inspector (`by_interactionId`: what users said about a run),
   * set/remove (`by_messageId_userId`: the one row to change).
   */
  messageFeedback: defineTable({
    accountId: v.id("accounts"),
    threadId: v.id("threads"),
    /** The turn whose reply was rated. */
    interactionId: v.id("interactions"),
    /** The @convex-dev/agent message id of the reply. */
    messageId: v.string(),
    userId: v.id("userProfiles"),
    rating: vRating,
    comment: v.optional(v.string()),
    updatedAt: v.number(),
  })
    .index("by_messageId_userId", ["messageId", "userId"])
    .index("by_threadId_userId", ["threadId", "userId"])
    .index("by_interactionId", ["interactionId"]),
};
