/**
 * Per-account rate limits: turns per minute (every surface: the SPA, the HTTP
 * API, channels) and API requests per minute (all the account's keys
 * together), on top of the per-user and per-key limits. Token buckets in the
 * rate limiter (through the budget component), keyed by account; the limits
 * are the deployment defaults unless a platform admin set the account's own.
 * A refusal is `rate_limited` with `retryAfterMs` (HTTP: 429 + Retry-After)
 * and, being thrown, changes nothing.
 */
import { v, type Infer } from "convex/values";
import type { Id } from "../_generated/dataModel";
import type { MutationCtx, QueryCtx } from "../_generated/server";
import { auditChange, spaActor } from "../audit/changes";
import { budget } from "../lib/budget";
import { fail } from "../lib/errors";
import { platformAdminMutation, platformAdminQuery } from "../lib/functions";

export const DEFAULT_ACCOUNT_LIMITS = { turnsPerMinute: 120, apiRequestsPerMinute: 1200 } as const;
/** The highest limit an admin may set per minute. */
export const MAX_PER_MINUTE = 100_000;
const MINUTE_MS = 60_000;

export type AccountRateKind = "turns" | "api";
const FIELD: Record<AccountRateKind, "turnsPerMinute" | "apiRequestsPerMinute"> = { turns: "turnsPerMinute", api: "apiRequestsPerMinute" };

export const vAccountLimits = v.object({
  turnsPerMinute: v.number(),
  apiRequestsPerMinute: v.number(),
  /** Which limits are the account's own (the rest are the defaults). */
  custom: v.object({ turnsPerMinute: v.boolean(), apiRequestsPerMinute: v.boolean() }),
});

async function limitsRow(ctx: QueryCtx, accountId: Id<"accounts">) {
  return await ctx.db
    .query("accountRateLimits")
    .withIndex("by_accountId", (q) => q.eq("accountId", accountId))
    .unique();
}

/** The account's limits in force: its own, else the defaults. */
export async function accountLimits(ctx: QueryCtx, accountId: Id<"accounts">): Promise<Infer<typeof vAccountLimits>> {
  const row = await limitsRow(ctx, accountId);
  return {
    turnsPerMinute: row?.turnsPerMinute ?? DEFAULT_ACCOUNT_LIMITS.turnsPerMinute,
    apiRequestsPerMinute: row?.apiRequestsPerMinute ?? DEFAULT_ACCOUNT_LIMITS.apiRequestsPerMinute,
    custom: { turnsPerMinute: row?.turnsPerMinute !== undefined, apiRequestsPerMinute: row?.apiRequestsPerMinute !== undefined },
  };
}

type RateAnswer = { ok: true } | { ok: false; retryAfterMs: number; message: string };

async function bucketOf(ctx: QueryCtx, accountId: Id<"accounts">, kind: AccountRateKind) {
  const perMinute = (await accountLimits(ctx, accountId))[FIELD[kind]];
  return { name: `account_${kind}`, key: accountId, rate: perMinute, periodMs: MINUTE_MS, capacity: perMinute };
}

function refusal(kind: AccountRateKind, perMinute: number, retryAfterMs: number): RateAnswer {
  const what = kind === "turns" ? "turns" : "API requests";
  return { ok: false, retryAfterMs, message: `This account's limit is ${perMinute} ${what} a minute; try again shortly.` };
}

/** Whether one more request of `kind` would pass now, consuming nothing (to refuse before other buckets are charged). */
export async function checkAccountRate(ctx: QueryCtx, accountId: Id<"accounts">, kind: AccountRateKind): Promise<RateAnswer> {
  const bucket = await bucketOf(ctx, accountId, kind);
  const result = await budget.checkRate(ctx, bucket);
  return result.ok ? { ok: true } : refusal(kind, bucket.rate, result.retryAfterMs);
}

/**
 * Take one request of `kind` from the account's bucket (a minute's worth,
 * refilling continuously). Returns the refusal instead of throwing so the
 * HTTP authenticator can answer without an exception.
 */
export async function consumeAccountRate(ctx: MutationCtx, accountId: Id<"accounts">, kind: AccountRateKind): Promise<RateAnswer> {
  const bucket = await bucketOf(ctx, accountId, kind);
  const result = await budget.consumeRate(ctx, bucket);
  return result.ok ? { ok: true } : refusal(kind, bucket.rate, result.retryAfterMs);
}

/** `consumeAccountRate`, throwing `rate_limited` (with `retryAfterMs`) when refused. */
export async function requireAccountRate(ctx: MutationCtx, accountId: Id<"accounts">, kind: AccountRateKind): Promise<void> {
  const result = await consumeAccountRate(ctx, accountId, kind);
  if (!result.ok) fail("rate_limited", result.message, { retryAfterMs: result.retryAfterMs });
}

function checkedLimit(value: number | null | undefined, field: string): number | null | undefined {
  if (value === undefined || value === null) return value;
  if (!Number.isInteger(value) || value < 1 || value > MAX_PER_MINUTE) fail("bad_request", `${field} must be a whole number from 1 to ${MAX_PER_MINUTE}.`, { field });
  return value;
}

/** An account's limits in force (platform admins). */
export const limits = platformAdminQuery({
  args: { accountId: v.id("accounts") },
  returns: vAccountLimits,
  handler: async (ctx, { accountId }) => {
    if ((await ctx.db.get("accounts", accountId)) === null) fail("not_found", "Account not found.");
    return await accountLimits(ctx, accountId);
  },
});

/** Set an account's limits (platform admins); `null` goes back to the default, absent leaves it. Audited. */
export const setLimits = platformAdminMutation({
  args: {
    accountId: v.id("accounts"),
    turnsPerMinute: v.optional(v.union(v.number(), v.null())),
    apiRequestsPerMinute: v.optional(v.union(v.number(), v.null())),
  },
  returns: vAccountLimits,
  handler: async (ctx, { accountId, ...asked }) => {
    if ((await ctx.db.get("accounts", accountId)) === null) fail("not_found", "Account not found.");
    const turns = checkedLimit(asked.turnsPerMinute, "turnsPerMinute");
    const api = checkedLimit(asked.apiRequestsPerMinute, "apiRequestsPerMinute");
    const row = await limitsRow(ctx, accountId);
    const before = { turnsPerMinute: row?.turnsPerMinute, apiRequestsPerMinute: row?.apiRequestsPerMinute };
    const after = {
      turnsPerMinute: turns === undefined ? before.turnsPerMinute : (turns ?? undefined),
      apiRequestsPerMinute: api === undefined ? before.apiRequestsPerMinute : (api ?? undefined),
    };
    const fields = {
      ...(after.turnsPerMinute !== undefined ? { turnsPerMinute: after.turnsPerMinute } : {}),
      ...(after.apiRequestsPerMinute !== undefined ? { apiRequestsPerMinute: after.apiRequestsPerMinute } : {}),
      updatedBy: ctx.user._id,
      updatedAt: Date.now(),
    };
    if (row === null) await ctx.db.insert("accountRateLimits", { accountId, ...fields });
    else await ctx.db.replace("accountRateLimits", row._id, { accountId, ...fields });
    await auditChange(ctx, spaActor(ctx), { accountId, action: "rate_limits.set", targetKind: "rate_limits", targetId: accountId, before, after });
    return await accountLimits(ctx, accountId);
  },
});
