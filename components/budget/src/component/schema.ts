import { defineSchema, defineTable } from "convex/server";
import { v } from "convex/values";
import { vAmount, vPeriod, vReservationStatus, vScopeRef } from "./shared";

/**
 * The budget component's tables. Index names are `by_<field>_<field>` in index
 * order. Usage totals are one `usageDays` row per scope and day; rates live in
 * the `rateLimiter` child.
 */
export default defineSchema({
  /**
   * A cap on one scope for one kind of period; at most one per
   * (scope, scopeId, period), so a scope has at most three.
   * Written by: `budgets.set`, `budgets.remove`.
   * Read by: `ledger.reserve` (root reservations), `budgets.status`.
   */
  budgets: defineTable({
    scope: v.string(),
    scopeId: v.string(),
    period: vPeriod,
    /** Integer micro-dollars; absent = no money cap. */
    capMicroUsd: v.optional(v.number()),
    /** Absent = no token cap. */
    capTokens: v.optional(v.number()),
  })
    // reserve and status: the budgets of one scope; set/remove: the one of a period.
    .index("by_scope_scopeId_period", ["scope", "scopeId", "period"]),

  /**
   * What one budget holds in one period ("2026-11-21", "2026-11" or "total"):
   * spending committed and estimates reserved. Created by the first
   * reservation of the period, so a new period starts at zero.
   * Written by: `ledger.reserve` (reserved += estimate), `ledger.commit` /
   * `ledger.release` (reserved -= estimate, committed += spent), and
   * `budgets.purgePeriods` (deletes those of a removed budget).
   * Read by: `ledger.reserve`, `ledger.commit`, `ledger.release` (by id),
   * `budgets.status`.
   */
  budgetPeriods: defineTable({
    budgetId: v.id("budgets"),
    periodKey: v.string(),
    committed: vAmount,
    reserved: vAmount,
  })
    // reserve and status: the current period of a budget; purgePeriods: all of a budget.
    .index("by_budgetId_periodKey", ["budgetId", "periodKey"]),

  /**
   * One reserve call, by its idempotency key, and everything that happened to
   * it: reserved → committed | released, or refused at once.
   * A root reservation holds its estimate on `periodIds`; a child slice
   * (`parentId` set) holds its estimate on its parent's `childHeld` instead.
   * Written by: `ledger.reserve`, `ledger.commit`, `ledger.release` (a child's
   * settlement also patches its parent's `childHeld` / `childSpent`).
   * Read by: those three and `ledger.get`.
   */
  reservations: defineTable({
    key: v.string(),
    status: vReservationStatus,
    /** Scopes whose usage counters a commit increments (and, for a root, whose budgets were checked). */
    chain: v.array(vScopeRef),
    estimate: vAmount,
    /** Root only: the budgetPeriods this reservation holds its estimate on. */
    periodIds: v.array(v.id("budgetPeriods")),
    /** Child slices only. */
    parentId: v.optional(v.id("reservations")),
    parentKey: v.optional(v.string()),
    rootId: v.optional(v.id("reservations")),
    /** 0 for a root, parent's depth + 1 for a child. */
    depth: v.number(),
    /** Estimates of this reservation's children that are still reserved. */
    childHeld: vAmount,
    /** What its settled children (and their descendants) spent. */
    childSpent: vAmount,
    /** Set at commit: what this reservation itself spent. */
    actual: v.optional(vAmount),
    /** Set at commit or release: `actual` (or 0) + `childSpent`, what was charged. */
    total: v.optional(vAmount),
    /** Set when refused: the first budget (or parent) that said no. */
    refusal: v.optional(v.object({ scope: v.string(), scopeId: v.string(), message: v.string() })),
    settledAt: v.optional(v.number()),
  })
    // reserve / commit / release / get: idempotency by key.
    .index("by_key", ["key"]),

  /**
   * Usage totals of one scope on one UTC day ("2026-11-21"): one document,
   * updated once per commit, so a turn writes one usage document per scope.
   * `estimatedTokens` is the part of `tokens` a caller counted itself because
   * the provider reported none.
   * Written by: `ledger.commit` (through `usage.recordUsage`). Read by: `usage.daily`.
   */
  usageDays: defineTable({
    scope: v.string(),
    scopeId: v.string(),
    day: v.string(),
    tokens: v.number(),
    microUsd: v.number(),
    turns: v.number(),
    estimatedTokens: v.number(),
  })
    // commit and daily: the row of one scope on one day.
    .index("by_scope_scopeId_day", ["scope", "scopeId", "day"]),
});
