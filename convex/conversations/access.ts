/**
 * Who may read and write in a shared conversation. The caller has already
 * passed the account builder, so they are an active member of the thread's
 * account right now: leaving the account (membership revoked) refuses them
 * before this runs, on their next call and in every live subscription.
 */
import type { Doc, Id } from "../_generated/dataModel";
import type { QueryCtx } from "../_generated/server";

export async function isConversationMember(ctx: QueryCtx, threadId: Id<"threads">, userId: Id<"userProfiles">): Promise<boolean> {
  const row = await ctx.db
    .query("conversationMembers")
    .withIndex("by_threadId_userId", (q) => q.eq("threadId", threadId).eq("userId", userId))
    .unique();
  return row !== null;
}

/** Whether `userId` (an active member of the thread's account) takes part in `thread`. */
export async function takesPart(ctx: QueryCtx, thread: Doc<"threads">, userId: Id<"userProfiles">): Promise<boolean> {
  if (thread.userId === userId) return true;
  switch (thread.sharing) {
    case "account":
      return true;
    case "members":
      return await isConversationMember(ctx, thread._id, userId);
    default:
      // A personal thread (and a delegation's sub-thread) is its owner's alone.
      return false;
  }
}
