/**
 * Suspending and resuming an account or a user. The status is the whole
 * mechanism: every auth builder refuses a suspended user (`assertActive`)
 * and a member of a suspended account (`requireMembership`), so nothing
 * else needs to know. Every change is audited; a call that changes nothing
 * writes nothing.
 *
 * Platform admins call these through admin/platform.ts; operators can run the
 * internal mutations below with `npx convex run`, e.g.
 * `npx convex run tenancy/suspension:setAccountSuspended '{"accountId":"…","suspended":true,"reason":"…"}'`.
 */
import { v } from "convex/values";
import type { Id } from "../_generated/dataModel";
import { internalMutation, type MutationCtx } from "../_generated/server";
import { fieldChanges } from "../audit/diff";
import { requireReason, writeAudit, type AuditEntry } from "../audit/write";
import { fail } from "../lib/errors";
import type { Actor } from "./lifecycle";

/** How many of a user's accounts get an audit entry when the user is (un)suspended. */
const MAX_AUDITED_ACCOUNTS = 100;

export const vSuspensionResult = v.object({ changed: v.boolean() });

export async function setAccountSuspension(
  ctx: MutationCtx,
  accountId: Id<"accounts">,
  suspended: boolean,
  actor: Actor,
  reason: string,
): Promise<{ changed: boolean }> {
  const why = requireReason(reason);
  const account = await ctx.db.get("accounts", accountId);
  if (account === null) fail("not_found", "Account not found.");
  if (account.deletedAt !== undefined) fail("conflict", "This account's organisation was deleted; it cannot be suspended or resumed.");
  const status = suspended ? "suspended" : "active";
  if (account.status === status) return { changed: false };
  await ctx.db.patch("accounts", accountId, { status });
  await writeAudit(ctx, {
    accountId,
    ...actor,
    action: suspended ? "account.suspend" : "account.resume",
    targetKind: "account",
    targetId: accountId,
    reason: why,
    ...surfaceOf(actor),
    changes: fieldChanges({ status: account.status }, { status }),
  });
  return { changed: true };
}

/**
 * A user is platform-wide, the audit log is per account: the entry is
 * written in each account the user belongs to (the first 100).
 */
export async function setUserSuspension(
  ctx: MutationCtx,
  userId: Id<"userProfiles">,
  suspended: boolean,
  actor: Actor,
  reason: string,
): Promise<{ changed: boolean }> {
  const why = requireReason(reason);
  const user = await ctx.db.get("userProfiles", userId);
  if (user === null) fail("not_found", "User not found.");
  if (user.status === "deleted") fail("conflict", "This user was deleted; they cannot be suspended or resumed.");
  if (suspended && actor.actorUserId === userId) fail("conflict", "You cannot suspend yourself; ask another platform admin.");
  const status = suspended ? "suspended" : "active";
  if (user.status === status) return { changed: false };
  await ctx.db.patch("userProfiles", userId, { status });
  const memberships = await ctx.db
    .query("memberships")
    .withIndex("by_userId_accountId", (q) => q.eq("userId", userId))
    .take(MAX_AUDITED_ACCOUNTS);
  for (const membership of memberships) {
    await writeAudit(ctx, {
      accountId: membership.accountId,
      ...actor,
      action: suspended ? "user.suspend" : "user.resume",
      targetKind: "user",
      targetId: userId,
      reason: why,
      ...surfaceOf(actor),
      changes: fieldChanges({ status: user.status }, { status }),
    });
  }
  return { changed: true };
}

/** A platform admin acts in the SPA; an operator from the CLI. */
function surfaceOf(actor: Actor): Pick<AuditEntry, "surface" | "actorLabel"> {
  return actor.actorUserId !== undefined ? { surface: "spa" } : { surface: "cli", actorLabel: "Operator (CLI)" };
}

/** An operator with deployment access (`npx convex run`): audited as `service`. */
const OPERATOR: Actor = { actorRole: "service" };

export const setAccountSuspended = internalMutation({
  args: { accountId: v.id("accounts"), suspended: v.boolean(), reason: v.string() },
  returns: vSuspensionResult,
  handler: async (ctx, { accountId, suspended, reason }) => await setAccountSuspension(ctx, accountId, suspended, OPERATOR, reason),
});

export const setUserSuspended = internalMutation({
  args: { userId: v.id("userProfiles"), suspended: v.boolean(), reason: v.string() },
  returns: vSuspensionResult,
  handler: async (ctx, { userId, suspended, reason }) => await setUserSuspension(ctx, userId, suspended, OPERATOR, reason),
});
