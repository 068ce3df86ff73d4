import { withSystemFields } from "convex-helpers/validators";
import type { UserIdentity } from "convex/server";
import { v } from "convex/values";
import type { Doc, Id } from "../_generated/dataModel";
import type { MutationCtx } from "../_generated/server";
import { claimOrCreateProfile } from "./profiles";
import { announce } from "./events";
import { tenancyTables } from "./schema";
import {
  accountByClerkOrgId,
  assertActive,
  membershipOf,
  orgClaims,
  personalAccountOf,
  profileByToken,
  type CallerIdentity,
  type OrgClaims,
} from "../lib/caller";
import { auditChange, type ChangeActor } from "../audit/changes";

/** A role change the organisation claims of a sign-in token made (before Clerk's webhook said anything). */
const CLERK_TOKEN_ACTOR: ChangeActor = { surface: "system", label: "Clerk sign-in token" };

// The read-only lookups live beside the function builders (lib/caller.ts); tenancy's callers import them from here.
export { assertActive, membershipOf, orgClaims, profileByToken, requireMembership, roleFromClerk, type OrgClaims } from "../lib/caller";

export function slugify(text: string): string {
  const slug = text.toLowerCase().replace(/[^a-z0-9]+/g, "-").replace(/^-+|-+$/g, "");
  return slug === "" ? "account" : slug.slice(0, 48);
}

/**
 * Create on first use: the profile for this identity, the account its org
 * claims name (or a personal account), and the membership between them.
 * Writes only what is missing or changed, so repeated calls are cheap.
 * Returns the profile and the account the token points at.
 */
export async function provisionViewer(
  ctx: MutationCtx,
  identity: CallerIdentity | UserIdentity,
): Promise<{ user: Doc<"userProfiles">; accountId: Id<"accounts"> }> {
  let user = await profileByToken(ctx, identity.tokenIdentifier);
  if (user === null) {
    // The Clerk webhook may have created this user's profile already.
    user = await claimOrCreateProfile(ctx, identity);
  } else if (
    (identity.email !== undefined && identity.email !== user.email) ||
    (identity.name !== undefined && identity.name !== user.name)
  ) {
    await ctx.db.patch("userProfiles", user._id, {
      ...(identity.email !== undefined ? { email: identity.email } : {}),
      ...(identity.name !== undefined ? { name: identity.name } : {}),
    });
  }
  assertActive(user);

  const claims = orgClaims(identity);
  const accountId = claims
    ? await provisionOrgAccount(ctx, user, claims)
    : await provisionPersonalAccount(ctx, user, identity);
  return { user, accountId };
}

async function provisionOrgAccount(ctx: MutationCtx, user: Doc<"userProfiles">, claims: OrgClaims) {
  let account = await accountByClerkOrgId(ctx, claims.orgId);
  if (account === null) {
    const name = claims.orgSlug ?? claims.orgId;
    const accountId = await ctx.db.insert("accounts", {
      name,
      slug: slugify(name),
      kind: "organization",
      status: "active",
      clerkOrgId: claims.orgId,
      maxDelegationDepth: 3,
    });
    await announce(ctx, { kind: "account.created", accountId });
    account = (await ctx.db.get("accounts", accountId))!;
  }
  const membership = await membershipOf(ctx, user._id, account._id);
  if (membership === null) {
    await ctx.db.insert("memberships", {
      accountId: account._id,
      userId: user._id,
      role: claims.orgRole,
      status: "active",
    });
    await announce(ctx, { kind: "member.joined", accountId: account._id, userId: user._id });
  } else if (membership.status === "active" && membership.role !== claims.orgRole && membership.clerkUpdatedAt === undefined) {
    // The identity provider is the authority on org roles; once its webhook
    // has set the membership, a token minted earlier cannot change the role back.
    await ctx.db.patch("memberships", membership._id, { role: claims.orgRole });
    await auditChange(ctx, CLERK_TOKEN_ACTOR, { accountId: account._id, action: "membership.role", targetKind: "membership", targetId: membership._id, before: { role: membership.role }, after: { role: claims.orgRole } });
  }
  // A revoked membership stays revoked: a token minted before the revocation
  // must not bring it back.
  return account._id;
}

async function provisionPersonalAccount(ctx: MutationCtx, user: Doc<"userProfiles">, identity: CallerIdentity | UserIdentity) {
  const existing = await personalAccountOf(ctx, user._id);
  if (existing !== null) return existing._id;
  const name = identity.name ?? identity.email ?? "Personal";
  const accountId = await ctx.db.insert("accounts", {
    name,
    slug: slugify(`${name}-personal`),
    kind: "personal",
    status: "active",
    personalOwnerId: user._id,
    maxDelegationDepth: 3,
  });
  await ctx.db.insert("memberships", { accountId, userId: user._id, role: "admin", status: "active" });
  await announce(ctx, { kind: "account.created", accountId });
  return accountId;
}

/** What `requireMembership` finds, with the user, as it crosses from a query into an action (callers.ts, for lib/functions.ts). */
export const vUserDoc = v.object(withSystemFields("userProfiles", tenancyTables.userProfiles.validator.fields));
export const vMemberCaller = v.object({
  user: vUserDoc,
  account: v.object(withSystemFields("accounts", tenancyTables.accounts.validator.fields)),
  membership: v.object(withSystemFields("memberships", tenancyTables.memberships.validator.fields)),
});
