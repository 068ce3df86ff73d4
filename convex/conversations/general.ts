/**
 * The account's General conversation and what joining or leaving the account
 * does to shared conversations. Called when tenancy announces a member
 * joining or leaving (accountLifecycle/reactions.ts: Clerk's membership
 * events, a token first naming an organisation, an admin removing a member)
 * and lazily from the SPA for accounts that existed before General did
 * (`conversations.openGeneral`).
 */
import { v } from "convex/values";
import { internal } from "../_generated/api";
import type { Doc, Id } from "../_generated/dataModel";
import { internalMutation, type MutationCtx, type QueryCtx } from "../_generated/server";
import { agentBySlug } from "../agents/builder";
import { DEFAULT_TEMPLATE_SLUG } from "../agents/templateCatalogue";
import { insertThread } from "../chat/threadRows";
import { membershipOf } from "../tenancy/memberships";

export const GENERAL_TITLE = "General";

export async function generalOf(ctx: QueryCtx, accountId: Id<"accounts">): Promise<Doc<"threads"> | null> {
  return await ctx.db
    .query("threads")
    .withIndex("by_accountId_general", (q) => q.eq("accountId", accountId).eq("general", true))
    .first();
}

/**
 * The organisation's General conversation, created on first need with the
 * Assistant as its default agent; `startedBy` is the member whose arrival
 * created it. Personal accounts (one member) have none: returns null.
 */
export async function ensureGeneral(ctx: MutationCtx, accountId: Id<"accounts">, startedBy: Id<"userProfiles">): Promise<Doc<"threads"> | null> {
  const existing = await generalOf(ctx, accountId);
  if (existing !== null) return existing;
  const account = await ctx.db.get("accounts", accountId);
  if (account === null || account.kind !== "organization" || account.deletedAt !== undefined) return null;
  const agent = await agentBySlug(ctx, accountId, DEFAULT_TEMPLATE_SLUG);
  if (agent === null || agent.status === "archived") return null;
  return await insertThread(ctx, { accountId, userId: startedBy }, agent._id, GENERAL_TITLE, { sharing: "account", general: true });
}

/**
 * A member joined the account: they are in every account-wide conversation
 * from now on (access follows the active membership), and General exists.
 */
export async function onMemberJoined(ctx: MutationCtx, accountId: Id<"accounts">, userId: Id<"userProfiles">): Promise<void> {
  await ensureGeneral(ctx, accountId, userId);
}

const ROWS_PER_PAGE = 100;

/**
 * A member left the account: their account-wide access ended with the
 * membership; here they are also taken out of the private conversations they
 * were in, so that joining again later does not bring those back.
 */
export async function onMemberLeft(ctx: MutationCtx, accountId: Id<"accounts">, userId: Id<"userProfiles">): Promise<void> {
  const rows = await ctx.db
    .query("conversationMembers")
    .withIndex("by_accountId_userId", (q) => q.eq("accountId", accountId).eq("userId", userId))
    .take(ROWS_PER_PAGE);
  for (const row of rows) await ctx.db.delete("conversationMembers", row._id);
  if (rows.length === ROWS_PER_PAGE) {
    await ctx.scheduler.runAfter(0, internal.conversations.general.removeLeaver, { accountId, userId });
  }
}

export const removeLeaver = internalMutation({
  args: { accountId: v.id("accounts"), userId: v.id("userProfiles") },
  returns: v.null(),
  handler: async (ctx, { accountId, userId }) => {
    // Back in the account since: conversations they were added to meanwhile are theirs to keep.
    if ((await membershipOf(ctx, userId, accountId))?.status === "active") return null;
    await onMemberLeft(ctx, accountId, userId);
    return null;
  },
});
