/**
 * Usage totals per (scope, scopeId, UTC day): one `usageDays` row each, with
 * tokens, micro-dollars, turns and `estimatedTokens` (the part of `tokens` a
 * caller counted itself because the provider reported none — so an operator
 * sees when a provider went quiet).
 *
 * A commit adds to the row of each scope in its chain: one document written
 * per scope, read by index — never a sum over shards. (Usage used to live in
 * four sharded counters per scope-day: up to twelve writes per commit for a
 * three-scope chain. Concurrent commits of one scope now touch the same row,
 * as they already touch the same `budgetPeriods` row; Convex retries the loser.)
 */
import { v, type Infer } from "convex/values";
import type { Doc } from "./_generated/dataModel";
import { mutation, query, type MutationCtx, type QueryCtx } from "./_generated/server";
import { DAY_PATTERN, LIMITS, badRequest, checkScopeRef, dayKey, normalizeChain, vDailyUsage, vScopeRef, type Amount, type DailyUsage, type ScopeRef } from "./shared";

async function usageRow(ctx: QueryCtx, ref: ScopeRef, day: string): Promise<Doc<"usageDays"> | null> {
  return await ctx.db
    .query("usageDays")
    .withIndex("by_scope_scopeId_day", (q) => q.eq("scope", ref.scope).eq("scopeId", ref.scopeId).eq("day", day))
    .unique();
}

/** Add one commit's spending (and a turn) to the day's row of every scope in the chain. */
export async function recordUsage(
  ctx: MutationCtx,
  chain: ScopeRef[],
  actual: Amount,
  how: { countsAsTurn: boolean; estimated: boolean },
  now: number,
) {
  const add = {
    tokens: actual.tokens,
    microUsd: actual.microUsd,
    turns: how.countsAsTurn ? 1 : 0,
    estimatedTokens: how.estimated ? actual.tokens : 0,
  };
  await addUsage(ctx, chain, add, now);
}

/** Add `add` to the day's row of every scope in the chain (nothing when it is all zero). */
async function addUsage(ctx: MutationCtx, chain: ScopeRef[], add: UsageAmount, now: number) {
  if (add.tokens === 0 && add.microUsd === 0 && add.turns === 0) return;
  const day = dayKey(now);
  for (const ref of chain) {
    const row = await usageRow(ctx, ref, day);
    if (row === null) {
      await ctx.db.insert("usageDays", { scope: ref.scope, scopeId: ref.scopeId, day, ...add });
      continue;
    }
    await ctx.db.patch("usageDays", row._id, {
      tokens: row.tokens + add.tokens,
      microUsd: row.microUsd + add.microUsd,
      turns: row.turns + add.turns,
      estimatedTokens: row.estimatedTokens + add.estimatedTokens,
    });
  }
}

/** Totals of one scope for each of `days` ("2026-11-21", at most 62), in the order given. */
export async function dailyUsage(ctx: QueryCtx, args: { scope: string; scopeId: string; days: string[] }): Promise<DailyUsage[]> {
  checkScopeRef(args);
  if (args.days.length > LIMITS.days) badRequest(`daily takes at most ${LIMITS.days} days, got ${args.days.length}`);
  const result: DailyUsage[] = [];
  for (const day of args.days) {
    if (!DAY_PATTERN.test(day)) badRequest(`days are "YYYY-MM-DD", got ${day}`);
    const row = await usageRow(ctx, args, day);
    result.push({ day, tokens: row?.tokens ?? 0, microUsd: row?.microUsd ?? 0, turns: row?.turns ?? 0, estimatedTokens: row?.estimatedTokens ?? 0 });
  }
  return result;
}

export const vUsageAmount = v.object({ tokens: v.number(), microUsd: v.number(), turns: v.number(), estimatedTokens: v.number() });
type UsageAmount = Infer<typeof vUsageAmount>;

/**
 * Add spending to the usage totals directly, for a caller that committed its
 * reservations with `countsUsage: false` (several commits, one addition).
 */
export const record = mutation({
  args: { chain: v.array(vScopeRef), add: vUsageAmount },
  returns: v.null(),
  handler: async (ctx, { chain, add }) => {
    for (const [field, value] of Object.entries(add)) checkCount(field, value);
    if (add.estimatedTokens > add.tokens) badRequest(`estimatedTokens (${add.estimatedTokens}) cannot exceed tokens (${add.tokens})`);
    await addUsage(ctx, normalizeChain(chain), add, Date.now());
    return null;
  },
});

function checkCount(field: string, value: number) {
  if (!Number.isSafeInteger(value) || value < 0) badRequest(`${field} must be a non-negative integer, got ${value}`);
}

export const daily = query({
  args: { scope: v.string(), scopeId: v.string(), days: v.array(v.string()) },
  returns: v.array(vDailyUsage),
  handler: dailyUsage,
});
