/**
 * Budgets: caps per (scope, scopeId, period), and what each holds now.
 * Writes `budgets` (set/remove) and deletes a removed budget's
 * `budgetPeriods` in pages; reads both for `status`.
 */
import { v, type Infer, type ObjectType } from "convex/values";
import { internal } from "./_generated/api";
import type { Doc, Id } from "./_generated/dataModel";
import { internalMutation, mutation, query, type MutationCtx, type QueryCtx } from "./_generated/server";
import {
  LIMITS,
  ZERO,
  badRequest,
  checkScopeRef,
  periodKey,
  vAmount,
  vPeriod,
  vScopeRef,
  type Period,
  type ScopeRef,
} from "./shared";

/** Periods deleted per transaction when a budget is removed. */
const PURGE_PAGE = 200;

export const vSetBudgetArgs = {
  scope: v.string(),
  scopeId: v.string(),
  period: vPeriod,
  capMicroUsd: v.optional(v.number()),
  capTokens: v.optional(v.number()),
};

/** Create or replace the cap of (scope, scopeId, period). What it already holds this period is kept. */
export async function setBudget(ctx: MutationCtx, args: ObjectType<typeof vSetBudgetArgs>) {
  checkScopeRef(args);
  if (args.capMicroUsd === undefined && args.capTokens === undefined) {
    badRequest("a budget needs capMicroUsd or capTokens (remove it to make the scope unlimited)");
  }
  for (const [name, cap] of [
    ["capMicroUsd", args.capMicroUsd],
    ["capTokens", args.capTokens],
  ] as const) {
    if (cap !== undefined && (!Number.isSafeInteger(cap) || cap < 0)) badRequest(`${name} must be a non-negative integer, got ${cap}`);
  }
  const fields = {
    scope: args.scope,
    scopeId: args.scopeId,
    period: args.period,
    capMicroUsd: args.capMicroUsd,
    capTokens: args.capTokens,
  };
  const existing = await budgetOf(ctx, args, args.period);
  if (existing) await ctx.db.replace("budgets", existing._id, fields);
  else await ctx.db.insert("budgets", fields);
  return null;
}

export const set = mutation({ args: vSetBudgetArgs, returns: v.null(), handler: setBudget });

export const vRemoveBudgetArgs = { scope: v.string(), scopeId: v.string(), period: v.optional(vPeriod) };

/**
 * Remove the budget of one period, or all of the scope's budgets when
 * `period` is omitted; the scope becomes unlimited. Their per-period rows
 * are deleted in the background.
 */
export async function removeBudget(ctx: MutationCtx, args: ObjectType<typeof vRemoveBudgetArgs>) {
  checkScopeRef(args);
  const budgets = args.period === undefined ? await budgetsOf(ctx, args) : [await budgetOf(ctx, args, args.period)];
  let removed = 0;
  for (const budget of budgets) {
    if (!budget) continue;
    await ctx.db.delete("budgets", budget._id);
    await ctx.scheduler.runAfter(0, internal.budgets.purgePeriods, { budgetId: budget._id });
    removed++;
  }
  return { removed };
}

export const remove = mutation({ args: vRemoveBudgetArgs, returns: v.object({ removed: v.number() }), handler: removeBudget });

/** Delete a removed budget's period rows, a page per transaction. */
export const purgePeriods = internalMutation({
  args: { budgetId: v.id("budgets") },
  returns: v.null(),
  handler: async (ctx, { budgetId }) => {
    const page = await ctx.db
      .query("budgetPeriods")
      .withIndex("by_budgetId_periodKey", (q) => q.eq("budgetId", budgetId))
      .take(PURGE_PAGE);
    for (const row of page) await ctx.db.delete("budgetPeriods", row._id);
    if (page.length === PURGE_PAGE) await ctx.scheduler.runAfter(0, internal.budgets.purgePeriods, { budgetId });
    return null;
  },
});

export const vBudgetStatus = v.object({
  scope: v.string(),
  scopeId: v.string(),
  period: vPeriod,
  /** The current period: "2026-11-21", "2026-11" or "total" (UTC). */
  periodKey: v.string(),
  capMicroUsd: v.optional(v.number()),
  capTokens: v.optional(v.number()),
  committed: vAmount,
  reserved: vAmount,
  /** cap − committed − reserved, never below 0; absent for a dimension without a cap. */
  remaining: v.object({ microUsd: v.optional(v.number()), tokens: v.optional(v.number()) }),
});
export type BudgetStatus = Infer<typeof vBudgetStatus>;

/** Every budget of the given scopes, with what it holds in its current period. */
export async function budgetStatus(ctx: QueryCtx, { refs }: { refs: ScopeRef[] }): Promise<BudgetStatus[]> {
  if (refs.length > LIMITS.statusRefs) badRequest(`status takes at most ${LIMITS.statusRefs} scopes, got ${refs.length}`);
  const now = Date.now();
  const result: BudgetStatus[] = [];
  for (const ref of refs) {
    checkScopeRef(ref);
    for (const budget of await budgetsOf(ctx, ref)) {
      const key = periodKey(budget.period, now);
      const row = await periodRow(ctx, budget._id, key);
      const committed = row?.committed ?? ZERO;
      const reserved = row?.reserved ?? ZERO;
      const left = (cap: number | undefined, used: number) => (cap === undefined ? undefined : Math.max(0, cap - used));
      result.push({
        scope: budget.scope,
        scopeId: budget.scopeId,
        period: budget.period,
        periodKey: key,
        capMicroUsd: budget.capMicroUsd,
        capTokens: budget.capTokens,
        committed,
        reserved,
        remaining: {
          microUsd: left(budget.capMicroUsd, committed.microUsd + reserved.microUsd),
          tokens: left(budget.capTokens, committed.tokens + reserved.tokens),
        },
      });
    }
  }
  return result;
}

export const status = query({ args: { refs: v.array(vScopeRef) }, returns: v.array(vBudgetStatus), handler: budgetStatus });

// Reads shared with the ledger. Each is one index range, bounded.

/** The (at most three: day, month, total) budgets of a scope. */
export async function budgetsOf(ctx: QueryCtx, ref: ScopeRef): Promise<Doc<"budgets">[]> {
  return ctx.db
    .query("budgets")
    .withIndex("by_scope_scopeId_period", (q) => q.eq("scope", ref.scope).eq("scopeId", ref.scopeId))
    .take(3);
}

async function budgetOf(ctx: QueryCtx, ref: ScopeRef, period: Period): Promise<Doc<"budgets"> | null> {
  return ctx.db
    .query("budgets")
    .withIndex("by_scope_scopeId_period", (q) => q.eq("scope", ref.scope).eq("scopeId", ref.scopeId).eq("period", period))
    .unique();
}

/** The row of one budget for one period, if anything was reserved in it yet. */
export async function periodRow(ctx: QueryCtx, budgetId: Id<"budgets">, key: string): Promise<Doc<"budgetPeriods"> | null> {
  return ctx.db
    .query("budgetPeriods")
    .withIndex("by_budgetId_periodKey", (q) => q.eq("budgetId", budgetId).eq("periodKey", key))
    .unique();
}
