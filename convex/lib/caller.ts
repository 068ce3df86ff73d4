/**
 * Who is calling, read from the database: the lookups the function builders
 * (functions.ts) make on every call. They read the tenancy tables and write
 * nothing, so they sit in the base layer beside the builders; creating what
 * is missing is tenancy's job (tenancy/identity.ts `provisionViewer`).
 */
import type { UserIdentity } from "convex/server";
import { v, type Infer } from "convex/values";
import type { Doc, Id } from "../_generated/dataModel";
import type { QueryCtx } from "../_generated/server";
import { fail } from "./errors";
import { roleAtLeast, type Role } from "./validators";

/** The organisation claims Clerk's Convex JWT template adds to a token. */
export type OrgClaims = { orgId: string; orgRole: Role; orgSlug?: string };

/** Clerk roles look like `org:admin`; anything that is not admin or member is read-only. */
export function roleFromClerk(orgRole: unknown): Role {
  const role = typeof orgRole === "string" ? orgRole.toLowerCase() : "";
  if (role.endsWith("admin")) return "admin";
  if (role.endsWith("member")) return "member";
  return "readonly";
}

export function orgClaims(identity: CallerIdentity | UserIdentity): OrgClaims | null {
  const orgId = identity["org_id"];
  if (typeof orgId !== "string" || orgId === "") return null;
  const slug = identity["org_slug"];
  return {
    orgId,
    orgRole: roleFromClerk(identity["org_role"]),
    ...(typeof slug === "string" && slug !== "" ? { orgSlug: slug } : {}),
  };
}

/**
 * The part of a token that provisioning reads, as it crosses into tenancy's
 * provisioning mutation (a token's other claims are not needed there).
 */
export const vCallerIdentity = v.object({
  tokenIdentifier: v.string(),
  subject: v.string(),
  name: v.optional(v.string()),
  email: v.optional(v.string()),
  org_id: v.optional(v.string()),
  org_role: v.optional(v.string()),
  org_slug: v.optional(v.string()),
});
export type CallerIdentity = Infer<typeof vCallerIdentity>;

export function callerIdentity(identity: UserIdentity): CallerIdentity {
  const claim = (name: string) => (typeof identity[name] === "string" ? { [name]: identity[name] } : {});
  return {
    tokenIdentifier: identity.tokenIdentifier,
    subject: identity.subject,
    ...(identity.name !== undefined ? { name: identity.name } : {}),
    ...(identity.email !== undefined ? { email: identity.email } : {}),
    ...claim("org_id"),
    ...claim("org_role"),
    ...claim("org_slug"),
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

/** The user's membership row in the account (any status), or null. */
export async function membershipOf(ctx: QueryCtx, userId: Id<"userProfiles">, accountId: Id<"accounts">) {
  return await ctx.db
    .query("memberships")
    .withIndex("by_userId_accountId", (q) => q.eq("userId", userId).eq("accountId", accountId))
    .unique();
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

export async function accountByClerkOrgId(ctx: QueryCtx, clerkOrgId: string) {
  return await ctx.db
    .query("accounts")
    .withIndex("by_clerkOrgId", (q) => q.eq("clerkOrgId", clerkOrgId))
    .unique();
}

export async function personalAccountOf(ctx: QueryCtx, userId: Id<"userProfiles">) {
  return await ctx.db
    .query("accounts")
    .withIndex("by_personalOwnerId", (q) => q.eq("personalOwnerId", userId))
    .unique();
}

/**
 * The caller's profile and the account its token points at, when they are
 * already as the token says: `provisionViewer` would write nothing. Null
 * when something is missing or out of date (then provisioning runs). The
 * conditions mirror `provisionViewer`'s writes one for one.
 */
export async function currentViewer(
  ctx: QueryCtx,
  identity: CallerIdentity,
): Promise<{ user: Doc<"userProfiles">; accountId: Id<"accounts"> } | null> {
  const user = await profileByToken(ctx, identity.tokenIdentifier);
  if (user === null) return null;
  assertActive(user);
  if ((identity.email !== undefined && identity.email !== user.email) || (identity.name !== undefined && identity.name !== user.name)) {
    return null;
  }
  const claims = orgClaims(identity);
  if (claims === null) {
    const personal = await personalAccountOf(ctx, user._id);
    return personal === null ? null : { user, accountId: personal._id };
  }
  const account = await accountByClerkOrgId(ctx, claims.orgId);
  if (account === null) return null;
  const membership = await membershipOf(ctx, user._id, account._id);
  if (membership === null) return null;
  if (membership.status === "active" && membership.role !== claims.orgRole && membership.clerkUpdatedAt === undefined) return null;
  return { user, accountId: account._id };
}
