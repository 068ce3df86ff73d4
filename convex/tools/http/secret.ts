/**
 * The account's signing secret for external HTTP tool calls. Every call is
 * signed the Standard Webhooks way (like outbound webhooks, with this secret):
 * the tool's server checks `webhook-signature` with it.
 *
 * Admins `create` it (shown in that answer only) and `rotate` it: the new
 * secret is shown once, and for `PREVIOUS_SECRET_GRACE_MS` calls carry a
 * signature by the previous secret too, so a server can switch without
 * refusing calls. Without a secret, calls to external tools fail with a
 * tool error saying so (nothing is sent unsigned).
 *
 * `create` and `rotate` are actions: the secret comes from
 * `crypto.getRandomValues` outside any transaction (queries and mutations run
 * on a seeded generator); `store` re-checks the caller's admin role.
 */
import { v, type Infer } from "convex/values";
import { internal } from "../../_generated/api";
import type { Doc, Id } from "../../_generated/dataModel";
import { internalMutation, type QueryCtx } from "../../_generated/server";
import { fieldChanges } from "../../audit/diff";
import { writeAudit } from "../../audit/write";
import { fail } from "../../lib/errors";
import { accountAction, accountQuery } from "../../lib/functions";
import { newSigningSecret } from "../../outbound/signing";
import { assertActive, requireMembership } from "../../tenancy/identity";

/** How long calls are also signed with the secret a rotation replaced. */
export const PREVIOUS_SECRET_GRACE_MS = 24 * 3_600_000;

const vSecretView = v.object({
  configured: v.boolean(),
  hint: v.optional(v.string()),
  createdAt: v.optional(v.number()),
  /** After a rotation: calls are also signed with the previous secret until then. */
  previousValidUntil: v.optional(v.number()),
});

const vShownOnce = v.object({ secret: v.string(), hint: v.string(), createdAt: v.number() });

function hintOf(secret: string): string {
  return `${secret.slice(0, 10)}…`;
}

async function secretRow(ctx: QueryCtx, accountId: Id<"accounts">): Promise<Doc<"toolSigningSecrets"> | null> {
  return await ctx.db
    .query("toolSigningSecrets")
    .withIndex("by_accountId", (q) => q.eq("accountId", accountId))
    .unique();
}

/** The secrets a call is signed with now: the current one, and the previous one during its grace period. */
export async function signingSecretsOf(ctx: QueryCtx, accountId: Id<"accounts">, now = Date.now()): Promise<string[]> {
  const row = await secretRow(ctx, accountId);
  if (row === null) return [];
  const previous = row.previousSecret !== undefined && (row.previousValidUntil ?? 0) > now ? [row.previousSecret] : [];
  return [row.secret, ...previous];
}

/** Whether the account has a secret, and how to recognise it (never the secret). */
export const status = accountQuery({
  minRole: "admin",
  args: {},
  returns: vSecretView,
  handler: async (ctx, { accountId }): Promise<Infer<typeof vSecretView>> => {
    const row = await secretRow(ctx, accountId);
    if (row === null) return { configured: false };
    const now = Date.now();
    return {
      configured: true,
      hint: row.hint,
      createdAt: row.createdAt,
      ...(row.previousValidUntil !== undefined && row.previousValidUntil > now ? { previousValidUntil: row.previousValidUntil } : {}),
    };
  },
});

/** Create the account's secret. The secret is in this answer only; store it where the tools' servers read it. */
export const create = accountAction({
  minRole: "admin",
  args: {},
  returns: vShownOnce,
  handler: async (ctx, { accountId }): Promise<{ secret: string; hint: string; createdAt: number }> => {
    const secret = newSigningSecret();
    const createdAt: number = await ctx.runMutation(internal.tools.http.secret.store, { accountId, userId: ctx.user._id, secret, rotate: false });
    return { secret, hint: hintOf(secret), createdAt };
  },
});

/** Replace the secret (or create it). The new secret is in this answer only; the old one keeps signing for 24 hours. */
export const rotate = accountAction({
  minRole: "admin",
  args: {},
  returns: vShownOnce,
  handler: async (ctx, { accountId }): Promise<{ secret: string; hint: string; createdAt: number }> => {
    const secret = newSigningSecret();
    const createdAt: number = await ctx.runMutation(internal.tools.http.secret.store, { accountId, userId: ctx.user._id, secret, rotate: true });
    return { secret, hint: hintOf(secret), createdAt };
  },
});

/** Behind `create` and `rotate`: re-checks that `userId` is an admin, writes the secret and the audit entry. */
export const store = internalMutation({
  args: { accountId: v.id("accounts"), userId: v.id("userProfiles"), secret: v.string(), rotate: v.boolean() },
  returns: v.number(),
  handler: async (ctx, { accountId, userId, secret, rotate }) => {
    const user = await ctx.db.get("userProfiles", userId);
    if (user === null) fail("unauthenticated", "Your profile is not set up yet; sign in again.");
    assertActive(user);
    const { membership } = await requireMembership(ctx, user, accountId, "admin");
    const now = Date.now();
    const existing = await secretRow(ctx, accountId);
    const hint = hintOf(secret);
    if (existing !== null && !rotate) fail("conflict", "The account already has a tool signing secret; rotate it to get a new one.");
    if (existing === null) {
      await ctx.db.insert("toolSigningSecrets", { accountId, secret, hint, createdAt: now, createdBy: userId });
    } else {
      await ctx.db.patch("toolSigningSecrets", existing._id, {
        secret,
        hint,
        createdAt: now,
        createdBy: userId,
        previousSecret: existing.secret,
        previousValidUntil: now + PREVIOUS_SECRET_GRACE_MS,
      });
    }
    await writeAudit(ctx, {
      accountId,
      actorUserId: userId,
      actorRole: membership.role,
      action: existing === null ? "toolSecret.create" : "toolSecret.rotate",
      targetKind: "toolSigningSecret",
      targetId: accountId,
      reason: existing === null ? "Created the tool signing secret" : "Rotated the tool signing secret",
      details: { hint },
      surface: "spa",
      changes: fieldChanges(existing, await secretRow(ctx, accountId)),
    });
    return now;
  },
});
