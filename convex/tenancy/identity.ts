import { withSystemFields } from "convex-helpers/validators";
import type { UserIdentity } from "convex/server";
import { v } from "convex/values";
import type { Doc, Id } from "../_generated/dataModel";
import type { MutationCtx, QueryCtx } from "../_generated/server";
import { installDefaultAgents } from "../agents/defaults";
import { claimOrCreateProfile } from "./profiles";
import { membershipOf } from "./memberships";
import { tenancyTables } from "./schema";
import { fail } from "../lib/errors";
import { roleAtLeast, type Role } from "../lib/validators";
import { onMemberJoined } from "../conversations/general";
import { auditChange, type ChangeActor } from "../audit/changes";

/** A role change the organisation claims of a sign-in token made (before Clerk's webhook said anything). */
const CLERK_TOKEN_ACTOR: ChangeActor = { surface: "system", label: "Clerk sign-in token" };

export { membershipOf };

/** The organisation claims Clerk's Convex JWT template adds to a token. */
export type OrgClaims = { orgId: string; orgRole: Role; orgSlug?: string };

/** Clerk roles look like `org:admin`; anything that is not admin or member is read-only. */
export function roleFromClerk(orgRole: unknown): Role {
  const role = typeof orgRole === "string" ? orgRole.toLowerCase() : "";
  if (role.endsWith("admin")) return "admin";
  if (role.endsWith("member")) return "member";
  return "readonly";
}

export function orgClaims(identity: UserIdentity): OrgClaims | null {
  const orgId = identity["org_id"];
  if (typeof orgId !== "string" || orgId === "") return null;
  const slug = identity["org_slug"];
  return {
    orgId,
    orgRole: roleFromClerk(identity["org_role"]),
    ...(typeof slug === "string" && slug !== "" ? { orgSlug: slug } : {}),
  };
}

export async function profileByToken(ctx: QueryCtx, tokenIdentifier: string) {
  return await ctx.db
    .query("userProfiles")
    .withIndex("by_tokenIdentifier", (q) => q.eq("tokenIdentifier", tokenIdentifier))
    .unique();
}

/** Throws unless the profile may act at all. */
export function assertActive(user: Doc<"userProfiles">): void {
  if (user.status !== "active") fail("forbidden", "This user is suspended or deleted.");
}

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
  identity: UserIdentity,
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
  let account = await ctx.db
    .query("accounts")
    .withIndex("by_clerkOrgId", (q) => q.eq("clerkOrgId", claims.orgId))
    .unique();
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
    await installDefaultAgents(ctx, accountId);
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
    await onMemberJoined(ctx, account._id, user._id);
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

async function provisionPersonalAccount(ctx: MutationCtx, user: Doc<"userProfiles">, identity: UserIdentity) {
  const existing = await ctx.db
    .query("accounts")
    .withIndex("by_personalOwnerId", (q) => q.eq("personalOwnerId", user._id))
    .unique();
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
  await installDefaultAgents(ctx, accountId);
  return accountId;
}

/**
 * The one account-scoping check. A caller with no active membership gets
 * `not_found`, exactly as if the account did not exist; a member whose role is
 * too weak gets `forbidden`.
 */
export async function requireMembership(
  ctx: QueryCtx,
  user: Doc<"userProfiles">,
  accountId: Id<"accounts">,
  minRole: Role,
): Promise<{ account: Doc<"accounts">; membership: Doc<"memberships"> }> {
  const membership = await membershipOf(ctx, user._id, accountId);
  const account = membership?.status === "active" ? await ctx.db.get("accounts", accountId) : null;
  // A deleted organisation's account is a tombstone: as absent as any other.
  if (membership === null || membership.status !== "active" || account === null || account.deletedAt !== undefined) {
    fail("not_found", "Account not found.");
  }
  if (account.status !== "active") fail("forbidden", "This account is suspended.");
  if (!roleAtLeast(membership.role, minRole)) {
    fail("forbidden", `This needs the ${minRole} role in the account; you are ${membership.role}.`);
  }
  return { account, membership };
}

/** What `requireMembership` finds, with the user, as it crosses from a query into an action (lib/functions.ts). */
export const vUserDoc = v.object(withSystemFields("userProfiles", tenancyTables.userProfiles.validator.fields));
export const vMemberCaller = v.object({
  user: vUserDoc,
  account: v.object(withSystemFields("accounts", tenancyTables.accounts.validator.fields)),
  membership: v.object(withSystemFields("memberships", tenancyTables.memberships.validator.fields)),
});
