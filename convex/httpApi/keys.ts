/**
 * API keys, managed by account admins: create (the secret is returned once),
 * list (never the secret), revoke (takes effect on the next request).
 *
 * `create` is an action: the secret comes from `crypto.getRandomValues` and
 * is hashed with Web Crypto outside any transaction (queries and mutations
 * run on a seeded generator); the insert happens in `insertKey`, which checks
 * the caller's admin role again.
 */
import { pick } from "convex-helpers";
import { v, type Infer } from "convex/values";
import { internal } from "../_generated/api";
import type { Doc, Id } from "../_generated/dataModel";
import { internalMutation } from "../_generated/server";
import { fieldChanges } from "../audit/diff";
import { writeAudit } from "../audit/write";
import { fail } from "../lib/errors";
import { accountAction, accountMutation, accountQuery } from "../lib/functions";
import { assertActive, requireMembership } from "../tenancy/identity";
import { httpApiTables } from "./schema";
import { displayPrefixOf, generateSecret, hashSecret } from "./secrets";
import { vApiPermission } from "./validators";

/** Active (not revoked) keys per account. */
export const MAX_ACTIVE_KEYS = 50;
const MAX_LISTED_KEYS = 100;
const MAX_NAME_LENGTH = 80;
const MAX_EXPIRY_DAYS = 730;
export const DEFAULT_RATE_LIMIT = { requests: 60, periodSeconds: 60 };
const RATE_BOUNDS = { requests: [1, 10_000], periodSeconds: [1, 86_400] } as const;

const vRateLimitInput = v.object({ requests: v.number(), periodSeconds: v.number() });

/**
 * A key as admins see it: the row's fields (httpApi/schema.ts) named one by one, never
 * `secretHash`. `displayPrefix`: `thk_` and the first characters of the secret, enough to
 * recognise it, not to use it. The rate limit is shown per second, as it is entered.
 */
export const vPublicApiKey = v.object({
  keyId: v.id("apiKeys"),
  ...pick(httpApiTables.apiKeys.validator.fields, [
    "name",
    "displayPrefix",
    "permission",
    "agentId",
    "createdBy",
    "createdAt",
    "expiresAt",
    "revokedAt",
    "lastUsedAt",
  ]),
  rateLimit: vRateLimitInput,
  status: v.union(v.literal("active"), v.literal("revoked"), v.literal("expired")),
});
export type PublicApiKey = Infer<typeof vPublicApiKey>;

export function keyStatus(key: Doc<"apiKeys">, now = Date.now()): PublicApiKey["status"] {
  if (key.revokedAt !== undefined) return "revoked";
  if (key.expiresAt !== undefined && key.expiresAt <= now) return "expired";
  return "active";
}

export function publicApiKey(key: Doc<"apiKeys">): PublicApiKey {
  return {
    keyId: key._id,
    name: key.name,
    displayPrefix: key.displayPrefix,
    permission: key.permission,
    ...(key.agentId ? { agentId: key.agentId } : {}),
    rateLimit: { requests: key.rateLimit.requests, periodSeconds: key.rateLimit.periodMs / 1000 },
    status: keyStatus(key),
    createdBy: key.createdBy,
    createdAt: key.createdAt,
    ...(key.expiresAt !== undefined ? { expiresAt: key.expiresAt } : {}),
    ...(key.revokedAt !== undefined ? { revokedAt: key.revokedAt } : {}),
    ...(key.lastUsedAt !== undefined ? { lastUsedAt: key.lastUsedAt } : {}),
  };
}

const createArgs = {
  name: v.string(),
  permission: vApiPermission,
  /** Restrict the key to one agent of the account. */
  agentId: v.optional(v.id("agents")),
  /** Days until it stops working (1–730); absent = until revoked. */
  expiresInDays: v.optional(v.number()),
  /** Default 60 requests per 60 seconds. */
  rateLimit: v.optional(vRateLimitInput),
};

/** Create a key. The secret is in this answer only; store it now. */
export const create = accountAction({
  minRole: "admin",
  args: createArgs,
  returns: v.object({ key: vPublicApiKey, secret: v.string() }),
  handler: async (ctx, { accountId, ...args }): Promise<{ key: PublicApiKey; secret: string }> => {
    const secret = generateSecret();
    const key: PublicApiKey = await ctx.runMutation(internal.httpApi.keys.insertKey, {
      accountId,
      userId: ctx.user._id,
      ...args,
      secretHash: await hashSecret(secret),
      displayPrefix: displayPrefixOf(secret),
    });
    return { key, secret };
  },
});

function integerIn(value: number, [min, max]: readonly [number, number], field: string): number {
  if (!Number.isInteger(value) || value < min || value > max) fail("bad_request", `${field} must be a whole number from ${min} to ${max}.`, { field });
  return value;
}

/** The insert behind `create`: re-checks that `userId` is an admin of the account, validates, writes the key and its audit entry. */
export const insertKey = internalMutation({
  args: { accountId: v.id("accounts"), userId: v.id("userProfiles"), ...createArgs, secretHash: v.string(), displayPrefix: v.string() },
  returns: vPublicApiKey,
  handler: async (ctx, { accountId, userId, agentId, expiresInDays, rateLimit, ...args }) => {
    const user = await ctx.db.get("userProfiles", userId);
    if (user === null) fail("unauthenticated", "Your profile is not set up yet; sign in again.");
    assertActive(user);
    const { membership } = await requireMembership(ctx, user, accountId, "admin");
    const name = args.name.trim();
    if (name === "" || name.length > MAX_NAME_LENGTH) fail("bad_request", `A key name must be 1 to ${MAX_NAME_LENGTH} characters.`, { field: "name" });
    if (agentId !== undefined) {
      const agent = await ctx.db.get("agents", agentId);
      if (agent === null || agent.accountId !== accountId || agent.status === "archived") fail("not_found", "Agent not found.", { field: "agentId" });
    }
    const limit = rateLimit ?? DEFAULT_RATE_LIMIT;
    const requests = integerIn(limit.requests, RATE_BOUNDS.requests, "rateLimit.requests");
    const periodSeconds = integerIn(limit.periodSeconds, RATE_BOUNDS.periodSeconds, "rateLimit.periodSeconds");
    const now = Date.now();
    const expiresAt = expiresInDays === undefined ? undefined : now + integerIn(expiresInDays, [1, MAX_EXPIRY_DAYS], "expiresInDays") * 86_400_000;
    const active = await ctx.db
      .query("apiKeys")
      .withIndex("by_accountId_revokedAt", (q) => q.eq("accountId", accountId).eq("revokedAt", undefined))
      .take(MAX_ACTIVE_KEYS);
    if (active.length >= MAX_ACTIVE_KEYS) fail("conflict", `An account can have at most ${MAX_ACTIVE_KEYS} active keys; revoke one first.`);

    const keyId = await ctx.db.insert("apiKeys", {
      accountId,
      name,
      secretHash: args.secretHash,
      displayPrefix: args.displayPrefix,
      permission: args.permission,
      ...(agentId !== undefined ? { agentId } : {}),
      rateLimit: { requests, periodMs: periodSeconds * 1000 },
      createdBy: userId,
      createdAt: now,
      ...(expiresAt !== undefined ? { expiresAt } : {}),
    });
    await writeAudit(ctx, {
      accountId,
      actorUserId: userId,
      actorRole: membership.role,
      action: "apiKey.create",
      targetKind: "apiKey",
      targetId: keyId,
      reason: `Created API key "${name}"`,
      details: { permission: args.permission, agentId: agentId ?? null, displayPrefix: args.displayPrefix },
      surface: "spa",
      changes: fieldChanges(null, (await ctx.db.get("apiKeys", keyId))!),
    });
    return publicApiKey((await ctx.db.get("apiKeys", keyId))!);
  },
});

/** The account's keys, newest first (revoked and expired ones included, marked). */
export const list = accountQuery({
  minRole: "admin",
  args: {},
  returns: v.array(vPublicApiKey),
  handler: async (ctx, { accountId }) => {
    const keys = await ctx.db
      .query("apiKeys")
      .withIndex("by_accountId_createdAt", (q) => q.eq("accountId", accountId))
      .order("desc")
      .take(MAX_LISTED_KEYS);
    return keys.map(publicApiKey);
  },
});

/**
 * Revoke a key: every request after this commits is refused. Revoking a
 * revoked key changes nothing. `keyId` is a string so that a malformed or
 * foreign id answers `not_found` like any other unknown key.
 */
export const revoke = accountMutation({
  minRole: "admin",
  args: { keyId: v.string() },
  returns: vPublicApiKey,
  handler: async (ctx, { accountId, keyId }) => {
    const id: Id<"apiKeys"> | null = ctx.db.normalizeId("apiKeys", keyId);
    const key = id === null ? null : await ctx.db.get("apiKeys", id);
    if (key === null || key.accountId !== accountId) fail("not_found", "API key not found.");
    if (key.revokedAt !== undefined) return publicApiKey(key);
    await ctx.db.patch("apiKeys", key._id, { revokedAt: Date.now(), revokedBy: ctx.user._id });
    const revoked = (await ctx.db.get("apiKeys", key._id))!;
    await writeAudit(ctx, {
      accountId,
      actorUserId: ctx.user._id,
      actorRole: ctx.membership.role,
      action: "apiKey.revoke",
      targetKind: "apiKey",
      targetId: key._id,
      reason: `Revoked API key "${key.name}"`,
      details: { displayPrefix: key.displayPrefix },
      surface: "spa",
      changes: fieldChanges(key, revoked),
    });
    return publicApiKey(revoked);
  },
});
