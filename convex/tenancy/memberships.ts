/**
 * The membership lookup on its own: a leaf that domains reacting to the
 * membership lifecycle (conversations/general.ts) can import without
 * importing identity.ts, which calls them back when a member joins.
 */
import type { Id } from "../_generated/dataModel";
import type { QueryCtx } from "../_generated/server";

/** The user's membership row in the account (any status), or null. */
export async function membershipOf(ctx: QueryCtx, userId: Id<"userProfiles">, accountId: Id<"accounts">) {
  return await ctx.db
    .query("memberships")
    .withIndex("by_userId_accountId", (q) => q.eq("userId", userId).eq("accountId", accountId))
    .unique();
}
