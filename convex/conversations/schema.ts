import { defineTable } from "convex/server";
import { v } from "convex/values";

export const conversationTables = {
  /**
   * Who is in a private shared conversation (`threads.sharing === "members"`).
   * Account-wide conversations have no rows here: every active member of the
   * account is in them, so joining or leaving the account is joining or leaving them.
   * Written by: conversation create / add / remove, a member leaving the account
   * (tenancy/lifecycle.ts). Read by: conversation access, the shared list, the member list.
   */
  conversationMembers: defineTable({
    accountId: v.id("accounts"),
    threadId: v.id("threads"),
    userId: v.id("userProfiles"),
    addedBy: v.id("userProfiles"),
  })
    // Access checks and the member list of one conversation.
    .index("by_threadId_userId", ["threadId", "userId"])
    // A member's private conversations in an account (the shared list; removal when they leave).
    .index("by_accountId_userId", ["accountId", "userId"]),
};
