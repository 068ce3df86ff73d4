/**
 * One profile per Clerk user, whoever sees the user first: the Clerk webhook
 * (which knows the Clerk user id but not the token identifier) or the first
 * sign-in (which knows both: the token's subject is the Clerk user id).
 *
 * A profile the webhook created carries a placeholder token identifier until
 * its user signs in; the sign-in then claims it instead of creating a second
 * row. Placeholders have no `issuer|` URL prefix, so no real token matches one.
 */
import type { UserIdentity } from "convex/server";
import type { Doc } from "../_generated/dataModel";
import type { MutationCtx, QueryCtx } from "../_generated/server";

const PENDING_PREFIX = "clerk-pending|";

/** The token identifier of a profile whose user has not signed in yet. */
export function pendingTokenIdentifier(clerkUserId: string): string {
  return `${PENDING_PREFIX}${clerkUserId}`;
}

export async function profileByClerkUserId(ctx: QueryCtx, clerkUserId: string) {
  return await ctx.db
    .query("userProfiles")
    .withIndex("by_clerkUserId", (q) => q.eq("clerkUserId", clerkUserId))
    .unique();
}

/**
 * First sign-in of `identity` (no profile has its token identifier yet):
 * claim the profile the webhook created for this Clerk user, or create one.
 * A claimed profile keeps its status, so a user the webhook deleted or an
 * admin suspended stays refused.
 */
export async function claimOrCreateProfile(ctx: MutationCtx, identity: Pick<UserIdentity, "tokenIdentifier" | "subject" | "name" | "email">): Promise<Doc<"userProfiles">> {
  const waiting = await profileByClerkUserId(ctx, identity.subject);
  if (waiting !== null && waiting.tokenIdentifier === pendingTokenIdentifier(identity.subject)) {
    await ctx.db.patch("userProfiles", waiting._id, { tokenIdentifier: identity.tokenIdentifier });
    return (await ctx.db.get("userProfiles", waiting._id))!;
  }
  const userId = await ctx.db.insert("userProfiles", {
    tokenIdentifier: identity.tokenIdentifier,
    subject: identity.subject,
    // Another issuer's subject already holds this Clerk id (development only): keep the index unique.
    ...(waiting === null ? { clerkUserId: identity.subject } : {}),
    ...(identity.email !== undefined ? { email: identity.email } : {}),
    ...(identity.name !== undefined ? { name: identity.name } : {}),
    isPlatformAdmin: false,
    status: "active",
  });
  return (await ctx.db.get("userProfiles", userId))!;
}
