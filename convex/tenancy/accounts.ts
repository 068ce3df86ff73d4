import { paginationOptsValidator, paginationResultValidator } from "convex/server";
import { v } from "convex/values";
import type { Doc, Id } from "../_generated/dataModel";
import type { MutationCtx } from "../_generated/server";
import { auditChange, spaActor } from "../audit/changes";
import { accountMutation, accountQuery } from "../lib/functions";
import { fail } from "../lib/errors";
import { vAccountKind, vMembershipStatus, vRole } from "../lib/validators";
import { announce } from "./events";

export const vPublicAccount = v.object({
  accountId: v.id("accounts"),
  name: v.string(),
  slug: v.string(),
  kind: vAccountKind,
  maxDelegationDepth: v.number(),
  /** The caller's role in it. */
  role: vRole,
});

export function publicAccount(account: Doc<"accounts">, membership: Doc<"memberships">) {
  return {
    accountId: account._id,
    name: account.name,
    slug: account.slug,
    kind: account.kind,
    maxDelegationDepth: account.maxDelegationDepth,
    role: membership.role,
  };
}

export const get = accountQuery({
  args: {},
  returns: vPublicAccount,
  handler: async (ctx) => publicAccount(ctx.account, ctx.membership),
});

const vMember = v.object({
  userId: v.id("userProfiles"),
  name: v.union(v.string(), v.null()),
  email: v.union(v.string(), v.null()),
  role: vRole,
  status: vMembershipStatus,
});

/** The account's members, a page at a time. */
export const listMembers = accountQuery({
  args: { paginationOpts: paginationOptsValidator },
  returns: paginationResultValidator(vMember),
  handler: async (ctx, { accountId, paginationOpts }) => {
    const page = await ctx.db
      .query("memberships")
      .withIndex("by_accountId_userId", (q) => q.eq("accountId", accountId))
      .paginate(paginationOpts);
    const members = await Promise.all(
      page.page.map(async (m) => {
        const user = await ctx.db.get("userProfiles", m.userId);
        return { userId: m.userId, name: user?.name ?? null, email: user?.email ?? null, role: m.role, status: m.status };
      }),
    );
    return { ...page, page: members };
  },
});

const MAX_NAME_LENGTH = 80;

export const rename = accountMutation({
  minRole: "admin",
  args: { name: v.string() },
  returns: v.null(),
  handler: async (ctx, { accountId, name }) => {
    const trimmed = name.trim();
    if (trimmed === "" || trimmed.length > MAX_NAME_LENGTH) {
      fail("bad_request", `An account name must be 1 to ${MAX_NAME_LENGTH} characters.`);
    }
    await ctx.db.patch("accounts", accountId, { name: trimmed });
    await auditChange(ctx, spaActor(ctx), { accountId, action: "account.rename", targetKind: "account", targetId: accountId, before: { name: ctx.account.name }, after: { name: trimmed } });
    return null;
  },
});

async function targetMembership(ctx: MutationCtx, accountId: Id<"accounts">, userId: Id<"userProfiles">) {
  const membership = await ctx.db
    .query("memberships")
    .withIndex("by_accountId_userId", (q) => q.eq("accountId", accountId).eq("userId", userId))
    .unique();
  if (membership === null) fail("not_found", "No such member in this account.");
  return membership;
}

/** Change a member's role. An admin cannot demote themselves (an account keeps an admin). */
export const setMemberRole = accountMutation({
  minRole: "admin",
  args: { userId: v.id("userProfiles"), role: vRole },
  returns: v.null(),
  handler: async (ctx, { accountId, userId, role }) => {
    if (userId === ctx.user._id && role !== "admin") fail("conflict", "You cannot demote yourself; ask another admin.");
    const membership = await targetMembership(ctx, accountId, userId);
    if (membership.status !== "active") fail("conflict", "This membership was revoked.");
    await ctx.db.patch("memberships", membership._id, { role });
    await auditChange(ctx, spaActor(ctx), { accountId, action: "membership.role", targetKind: "membership", targetId: membership._id, before: { role: membership.role }, after: { role } });
    return null;
  },
});

/** Revoke a membership: effective immediately, even for tokens still valid. */
export const removeMember = accountMutation({
  minRole: "admin",
  args: { userId: v.id("userProfiles") },
  returns: v.null(),
  handler: async (ctx, { accountId, userId }) => {
    if (userId === ctx.user._id) fail("conflict", "You cannot remove yourself; ask another admin.");
    const membership = await targetMembership(ctx, accountId, userId);
    if (membership.status === "revoked") return null;
    await ctx.db.patch("memberships", membership._id, { status: "revoked" });
    await announce(ctx, { kind: "member.left", accountId, userId }); // out of the private conversations too
    await auditChange(ctx, spaActor(ctx), { accountId, action: "membership.remove", targetKind: "membership", targetId: membership._id, before: { status: membership.status }, after: { status: "revoked" } });
    return null;
  },
});

export const setMaxDelegationDepth = accountMutation({
  minRole: "admin",
  args: { maxDelegationDepth: v.number() },
  returns: v.null(),
  handler: async (ctx, { accountId, maxDelegationDepth }) => {
    if (!Number.isInteger(maxDelegationDepth) || maxDelegationDepth < 1 || maxDelegationDepth > 8) {
      fail("bad_request", "The maximum delegation depth must be a whole number from 1 to 8.");
    }
    await ctx.db.patch("accounts", accountId, { maxDelegationDepth });
    const before = { maxDelegationDepth: ctx.account.maxDelegationDepth };
    await auditChange(ctx, spaActor(ctx), { accountId, action: "account.max_delegation_depth", targetKind: "account", targetId: accountId, before, after: { maxDelegationDepth } });
    return null;
  },
});
