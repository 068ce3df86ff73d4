/**
 * Users, accounts and memberships as the identity provider (Clerk) reports
 * them: create, update, delete. The webhook (convex/clerk/) turns each event
 * into one of these calls; each is idempotent (a second call with the same
 * facts writes nothing) and order-proof:
 *
 * - every row remembers the Clerk time of the last change applied to it
 *   (`clerkUpdatedAt`) and an older change is ignored;
 * - deletion leaves a tombstone (a `deleted` profile, an account with
 *   `deletedAt`) that no later event revives; a delete that arrives before
 *   its create makes the tombstone first;
 * - a change that names a user or an organisation not seen yet creates it
 *   (an update before its create, a membership before its organisation).
 *
 * Each function returns a short outcome (`user.created`, `ignored: stale`…)
 * that the webhook records on the event row.
 */
import { v } from "convex/values";
import { internal } from "../_generated/api";
import type { Doc, Id } from "../_generated/dataModel";
import { internalMutation, type MutationCtx } from "../_generated/server";
import { fieldChanges } from "../audit/diff";
import { writeAudit, type AuditEntry } from "../audit/write";
import { accountByClerkOrgId } from "../lib/caller";
import type { Role } from "../lib/validators";
import { announce } from "./events";
import { membershipOf, slugify } from "./identity";
import { pendingTokenIdentifier, profileByClerkUserId } from "./profiles";

/** Who made a change, for the audit log. */
export type Actor = Pick<AuditEntry, "actorUserId" | "actorRole">;

/** The identity provider acting through its webhook. */
export const CLERK_ACTOR: Actor = { actorRole: "service" };

export type ClerkUserFacts = { clerkUserId: string; name?: string; email?: string; updatedAt: number };
export type ClerkOrgFacts = { clerkOrgId: string; name: string; slug?: string; updatedAt: number };
export type ClerkMembershipFacts = {
  org: ClerkOrgFacts;
  /** From the membership's `public_user_data`: enough to create the profile if the user is new. */
  user: { clerkUserId: string; name?: string; email?: string };
  role: Role;
  active: boolean;
  /** When this membership change happened (Clerk time). */
  at: number;
};

/** Why a change was made, for the audit log (e.g. the webhook's event id). */
export type Provenance = { reason: string; details?: AuditEntry["details"] };

// --- users -----------------------------------------------------------------

async function insertWaitingProfile(
  ctx: MutationCtx,
  user: { clerkUserId: string; name?: string; email?: string },
  extra: Partial<Pick<Doc<"userProfiles">, "status" | "clerkUpdatedAt">> = {},
): Promise<Doc<"userProfiles">> {
  const userId = await ctx.db.insert("userProfiles", {
    tokenIdentifier: pendingTokenIdentifier(user.clerkUserId),
    subject: user.clerkUserId,
    clerkUserId: user.clerkUserId,
    ...(user.name !== undefined ? { name: user.name } : {}),
    ...(user.email !== undefined ? { email: user.email } : {}),
    isPlatformAdmin: false,
    status: "active",
    ...extra,
  });
  return (await ctx.db.get("userProfiles", userId))!;
}

/** `user.created` / `user.updated`: create the profile or bring it up to date. */
export async function upsertClerkUser(ctx: MutationCtx, facts: ClerkUserFacts): Promise<string> {
  const user = await profileByClerkUserId(ctx, facts.clerkUserId);
  if (user === null) {
    await insertWaitingProfile(ctx, facts, { clerkUpdatedAt: facts.updatedAt });
    return "user.created";
  }
  if (user.status === "deleted") return "ignored: the user was deleted";
  if (user.clerkUpdatedAt !== undefined && facts.updatedAt < user.clerkUpdatedAt) return "ignored: stale update";
  if (user.name === facts.name && user.email === facts.email && user.clerkUpdatedAt === facts.updatedAt) return "unchanged";
  // Clerk is the authority: a field it no longer has is removed here too.
  await ctx.db.patch("userProfiles", user._id, { name: facts.name, email: facts.email, clerkUpdatedAt: facts.updatedAt });
  return "user.updated";
}

/**
 * `user.deleted`: the deletion path. The profile is anonymised and marked
 * deleted at once (every builder refuses it from now on); its memberships
 * are then revoked, its user-scoped knowledge hard-deleted and an audit
 * entry written in each of its accounts, a page at a time.
 */
export async function deleteClerkUser(ctx: MutationCtx, clerkUserId: string, at: number, provenance: Provenance): Promise<string> {
  const user = await profileByClerkUserId(ctx, clerkUserId);
  if (user === null) {
    // Deleted before we ever saw it: a tombstone, so a late `user.created` cannot bring it to life.
    await insertWaitingProfile(ctx, { clerkUserId }, { status: "deleted", clerkUpdatedAt: at });
    return "user.tombstoned";
  }
  if (user.status === "deleted") return "unchanged";
  await eraseUser(ctx, user, CLERK_ACTOR, provenance);
  return "user.deleted";
}

/** Anonymise and refuse the user now; revoke, delete knowledge and audit per account in the background. */
export async function eraseUser(ctx: MutationCtx, user: Doc<"userProfiles">, actor: Actor, provenance: Provenance): Promise<void> {
  // Their authored rows (documents, audit entries, runs) keep the profile id and now show no name.
  await ctx.db.patch("userProfiles", user._id, {
    status: "deleted",
    name: undefined,
    email: undefined,
    isPlatformAdmin: false,
    lastAccountId: undefined,
  });
  await eraseMembershipsPage(ctx, { userId: user._id, cursor: null, actor, provenance });
}

const MEMBERSHIPS_PER_PAGE = 20;

const vActor = v.object({ actorUserId: v.optional(v.id("userProfiles")), actorRole: v.string() });
const vProvenance = v.object({
  reason: v.string(),
  details: v.optional(v.record(v.string(), v.union(v.string(), v.number(), v.boolean(), v.null()))),
});

type ErasePage = { userId: Id<"userProfiles">; cursor: string | null; actor: Actor; provenance: Provenance };

async function eraseMembershipsPage(ctx: MutationCtx, args: ErasePage): Promise<void> {
  const page = await ctx.db
    .query("memberships")
    .withIndex("by_userId_accountId", (q) => q.eq("userId", args.userId))
    .paginate({ cursor: args.cursor, numItems: MEMBERSHIPS_PER_PAGE });
  for (const membership of page.page) {
    if (membership.status === "active") await ctx.db.patch("memberships", membership._id, { status: "revoked" });
    // Also in accounts they had left: their user scope there is theirs alone.
    await announce(ctx, { kind: "user.erased", accountId: membership.accountId, userId: args.userId });
    await writeAudit(ctx, {
      accountId: membership.accountId,
      ...args.actor,
      action: "user.delete",
      targetKind: "user",
      targetId: args.userId,
      reason: args.provenance.reason,
      ...(args.provenance.details ? { details: args.provenance.details } : {}),
    });
  }
  if (!page.isDone) {
    await ctx.scheduler.runAfter(0, internal.tenancy.lifecycle.eraseMemberships, { ...args, cursor: page.continueCursor });
  }
}

export const eraseMemberships = internalMutation({
  args: { userId: v.id("userProfiles"), cursor: v.union(v.string(), v.null()), actor: vActor, provenance: vProvenance },
  returns: v.null(),
  handler: async (ctx, args) => {
    await eraseMembershipsPage(ctx, args);
    return null;
  },
});

// --- organisations -----------------------------------------------------------

/**
 * `organization.created` / `organization.updated` (and the organisation a
 * membership event names): create the account with the Assistant installed,
 * or bring its name up to date. Returns the account and what happened.
 */
export async function upsertClerkOrg(ctx: MutationCtx, facts: ClerkOrgFacts): Promise<{ account: Doc<"accounts">; outcome: string }> {
  const account = await accountByClerkOrgId(ctx, facts.clerkOrgId);
  const slug = slugify(facts.slug ?? facts.name);
  if (account === null) {
    const accountId = await ctx.db.insert("accounts", {
      name: facts.name,
      slug,
      kind: "organization",
      status: "active",
      clerkOrgId: facts.clerkOrgId,
      maxDelegationDepth: 3,
      clerkUpdatedAt: facts.updatedAt,
    });
    await announce(ctx, { kind: "account.created", accountId });
    return { account: (await ctx.db.get("accounts", accountId))!, outcome: "account.created" };
  }
  if (account.deletedAt !== undefined) return { account, outcome: "ignored: the organisation was deleted" };
  if (account.clerkUpdatedAt !== undefined && facts.updatedAt < account.clerkUpdatedAt) return { account, outcome: "ignored: stale update" };
  if (account.name === facts.name && account.slug === slug && account.clerkUpdatedAt === facts.updatedAt) {
    return { account, outcome: "unchanged" };
  }
  await ctx.db.patch("accounts", account._id, { name: facts.name, slug, clerkUpdatedAt: facts.updatedAt });
  return { account: (await ctx.db.get("accounts", account._id))!, outcome: "account.updated" };
}

/**
 * `organization.deleted`: the account becomes a tombstone (suspended, with
 * `deletedAt`): its members are refused as if it did not exist, and no later
 * event or admin can resume it. Its data stays until a purge (not built).
 */
export async function deleteClerkOrg(ctx: MutationCtx, clerkOrgId: string, at: number, provenance: Provenance): Promise<string> {
  const account = await accountByClerkOrgId(ctx, clerkOrgId);
  if (account === null) {
    await ctx.db.insert("accounts", {
      name: clerkOrgId,
      slug: slugify(clerkOrgId),
      kind: "organization",
      status: "suspended",
      clerkOrgId,
      maxDelegationDepth: 3,
      clerkUpdatedAt: at,
      deletedAt: at,
    });
    return "account.tombstoned";
  }
  if (account.deletedAt !== undefined) return "unchanged";
  await ctx.db.patch("accounts", account._id, { status: "suspended", deletedAt: at, clerkUpdatedAt: at });
  await writeAudit(ctx, {
    accountId: account._id,
    ...CLERK_ACTOR,
    action: "account.delete",
    targetKind: "account",
    targetId: account._id,
    reason: provenance.reason,
    ...(provenance.details ? { details: provenance.details } : {}),
  });
  return "account.deleted";
}

// --- memberships -------------------------------------------------------------

/**
 * `organizationMembership.created / updated / deleted`: make the membership
 * active with the role Clerk gives, or revoke it. Creates the account and the
 * profile when this event is the first to name them.
 */
export async function applyClerkMembership(ctx: MutationCtx, facts: ClerkMembershipFacts, provenance: Provenance): Promise<string> {
  const { account } = await upsertClerkOrg(ctx, facts.org);
  if (account.deletedAt !== undefined) return "ignored: the organisation was deleted";
  const user = (await profileByClerkUserId(ctx, facts.user.clerkUserId)) ?? (await insertWaitingProfile(ctx, facts.user));
  if (user.status === "deleted") return "ignored: the user was deleted";

  const membership = await membershipOf(ctx, user._id, account._id);
  if (membership?.clerkUpdatedAt !== undefined && facts.at < membership.clerkUpdatedAt) return "ignored: stale update";
  const status = facts.active ? "active" : "revoked";
  const action = membershipChange(membership, status, facts.role);
  if (membership === null) {
    // A revocation that arrives first still leaves a (revoked) row, so its late `created` is seen as stale.
    await ctx.db.insert("memberships", { accountId: account._id, userId: user._id, role: facts.role, status, clerkUpdatedAt: facts.at });
  } else if (action !== null || membership.clerkUpdatedAt !== facts.at) {
    await ctx.db.patch("memberships", membership._id, { role: facts.role, status, clerkUpdatedAt: facts.at });
  }
  if (action === null) return membership === null ? "membership.tombstoned" : "unchanged";
  // Shared conversations follow the membership (tenancy/events.ts → accountLifecycle/reactions.ts).
  if (action === "membership.grant") await announce(ctx, { kind: "member.joined", accountId: account._id, userId: user._id });
  if (action === "membership.revoke") await announce(ctx, { kind: "member.left", accountId: account._id, userId: user._id });
  await writeAudit(ctx, {
    accountId: account._id,
    ...CLERK_ACTOR,
    action,
    targetKind: "user",
    targetId: user._id,
    reason: provenance.reason,
    details: { ...provenance.details, role: facts.role },
    surface: "webhook",
    actorLabel: "Clerk webhook",
    changes: fieldChanges(membership === null ? null : { role: membership.role, status: membership.status }, { role: facts.role, status }),
  });
  return action;
}

/** The audited change from `before` to (`status`, `role`), or null when access does not change. */
function membershipChange(before: Doc<"memberships"> | null, status: Doc<"memberships">["status"], role: Role): string | null {
  if ((before?.status ?? "revoked") !== status) return status === "active" ? "membership.grant" : "membership.revoke";
  if (status === "active" && before!.role !== role) return "membership.role";
  return null;
}
