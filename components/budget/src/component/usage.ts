/**
 * Usage totals per (scope, scopeId, UTC day) in the `shardedCounter` child:
 * `${scope}:${scopeId}:${day}:tokens`, `...:microUsd`, `...:turns` and
 * `...:estimatedTokens` (the part of `tokens` a caller counted itself because
 * the provider reported none — so an operator sees when a provider went quiet).
 * Commits add to one shard per counter (no reads of the others); only
 * `usage.daily`, a query for usage pages, sums the shards.
 */
import { ShardedCounter } from "@convex-dev/sharded-counter";
import { v } from "convex/values";
import { components } from "./_generated/api";
import { query, type MutationCtx, type QueryCtx } from "./_generated/server";
import { DAY_PATTERN, LIMITS, badRequest, checkScopeRef, dayKey, vDailyUsage, type Amount, type DailyUsage, type ScopeRef } from "./shared";

const counters = new ShardedCounter<string>(components.shardedCounter);

const METRICS = ["tokens", "microUsd", "turns", "estimatedTokens"] as const;
type Metric = (typeof METRICS)[number];

/** The counter name of one metric of one scope on one day. */
export function counterName(ref: ScopeRef, day: string, metric: Metric): string {
  return `${ref.scope}:${ref.scopeId}:${day}:${metric}`;
}

/** Add one commit's spending (and a turn) to the day's totals of every scope in the chain. */
export async function recordUsage(
  ctx: MutationCtx,
  chain: ScopeRef[],
  actual: Amount,
  how: { countsAsTurn: boolean; estimated: boolean },
  now: number,
) {
  const day = dayKey(now);
  const amounts: Record<Metric, number> = {
    tokens: actual.tokens,
    microUsd: actual.microUsd,
    turns: how.countsAsTurn ? 1 : 0,
    estimatedTokens: how.estimated ? actual.tokens : 0,
  };
  for (const ref of chain) {
    for (const metric of METRICS) {
      if (amounts[metric] !== 0) await counters.add(ctx, counterName(ref, day, metric), amounts[metric]);
    }
  }
}

/** Totals of one scope for each of `days` ("2026-11-21", at most 62), in the order given. */
export async function dailyUsage(ctx: QueryCtx, args: { scope: string; scopeId: string; days: string[] }): Promise<DailyUsage[]> {
  checkScopeRef(args);
  if (args.days.length > LIMITS.days) badRequest(`daily takes at most ${LIMITS.days} days, got ${args.days.length}`);
  const result: DailyUsage[] = [];
  for (const day of args.days) {
    if (!DAY_PATTERN.test(day)) badRequest(`days are "YYYY-MM-DD", got ${day}`);
    const [tokens, microUsd, turns, estimatedTokens] = await Promise.all(METRICS.map((metric) => counters.count(ctx, counterName(args, day, metric))));
    result.push({ day, tokens: tokens ?? 0, microUsd: microUsd ?? 0, turns: turns ?? 0, estimatedTokens: estimatedTokens ?? 0 });
  }
  return result;
}

export const daily = query({
  args: { scope: v.string(), scopeId: v.string(), days: v.array(v.string()) },
  returns: v.array(vDailyUsage),
  handler: dailyUsage,
});
