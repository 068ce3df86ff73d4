/**
 * The ledger: reserve → commit | release, idempotent by key.
 *
 * A root reservation checks every budget of its chain (`budgets`, then the
 * current `budgetPeriods` row of each: two documents per budget) and adds its
 * estimate to each row's `reserved`, all or nothing. A child slice
 * (`parentKey`) takes its estimate out of its parent reservation instead.
 * Settling (commit or release) returns the estimate and charges what was spent
 * — its own `actual` plus what its children spent — to the root's rows, or,
 * for a child, to its parent reservation.
 */
import { v, type Infer, type ObjectType } from "convex/values";
import type { Doc, Id } from "./_generated/dataModel";
import { mutation, query, type MutationCtx, type QueryCtx } from "./_generated/server";
import { budgetsOf, periodRow } from "./budgets";
import {
  LIMITS,
  ZERO,
  add,
  checkAmount,
  excess,
  normalizeChain,
  periodKey,
  subtract,
  vAmount,
  vCommitResult,
  vReleaseResult,
  vReservationStatus,
  vReserveResult,
  vScopeRef,
  type Amount,
  type CommitResult,
  type ReleaseResult,
  type ReserveResult,
} from "./shared";
import { recordUsage } from "./usage";

export const vReserveArgs = {
  /** Idempotency key: the same key always gets the first call's outcome. */
  key: v.string(),
  /** The scopes to check (root) and to count usage for (root and child); at most 16. */
  chain: v.array(vScopeRef),
  estimate: vAmount,
  /** Take the estimate out of this open reservation instead of the budgets. */
  parentKey: v.optional(v.string()),
};

/** Hold `estimate` against every budget of the chain (or against the parent), all or nothing. */
export async function reserveHandler(ctx: MutationCtx, args: ObjectType<typeof vReserveArgs>): Promise<ReserveResult> {
  const existing = await reservationByKey(ctx, args.key);
  if (existing) return outcomeOf(existing);
  checkAmount("estimate", args.estimate);
  const chain = normalizeChain(args.chain);
  const base = { key: args.key, chain, estimate: args.estimate, childHeld: ZERO, childSpent: ZERO };

  // A refusal is stored too, so that a repeat of the key gets the same answer.
  const refuse = async (refusal: { scope: string; scopeId: string; message: string }) => {
    await ctx.db.insert("reservations", { ...base, status: "refused", periodIds: [], depth: 0, refusal, settledAt: Date.now() });
    return { ok: false as const, ...refusal };
  };

  if (args.parentKey !== undefined) {
    const parent = await reservationByKey(ctx, args.parentKey);
    const asParent = { scope: "reservation", scopeId: args.parentKey };
    if (!parent || parent.status !== "reserved") {
      return refuse({ ...asParent, message: `parent reservation ${args.parentKey} is ${parent?.status ?? "missing"}, not reserved` });
    }
    if (parent.depth + 1 > LIMITS.depth) {
      return refuse({ ...asParent, message: `child slices nest at most ${LIMITS.depth} deep` });
    }
    const left = remainingOf(parent);
    if (args.estimate.microUsd > left.microUsd || args.estimate.tokens > left.tokens) {
      return refuse({
        ...asParent,
        message: `parent reservation has ${left.microUsd} micro-USD and ${left.tokens} tokens left; the child asked for ${args.estimate.microUsd} and ${args.estimate.tokens}`,
      });
    }
    await ctx.db.patch("reservations", parent._id, { childHeld: add(parent.childHeld, args.estimate) });
    await ctx.db.insert("reservations", {
      ...base,
      status: "reserved",
      periodIds: [],
      parentId: parent._id,
      parentKey: args.parentKey,
      rootId: parent.rootId ?? parent._id,
      depth: parent.depth + 1,
    });
    return { ok: true };
  }

  // Check every budget first (reads only), then write: a refusal leaves nothing reserved.
  const now = Date.now();
  const holds: { budgetId: Id<"budgets">; key: string; row: Doc<"budgetPeriods"> | null }[] = [];
  for (const ref of chain) {
    for (const budget of await budgetsOf(ctx, ref)) {
      const key = periodKey(budget.period, now);
      const row = await periodRow(ctx, budget._id, key);
      const held = add(row?.committed ?? ZERO, row?.reserved ?? ZERO);
      for (const [dimension, cap, unit] of [
        ["microUsd", budget.capMicroUsd, "micro-USD"],
        ["tokens", budget.capTokens, "tokens"],
      ] as const) {
        if (cap === undefined || held[dimension] + args.estimate[dimension] <= cap) continue;
        return refuse({
          scope: ref.scope,
          scopeId: ref.scopeId,
          message: `${budget.period} budget (${key}) of ${ref.scope} ${ref.scopeId}: ${held[dimension]} of ${cap} ${unit} used or reserved, ${args.estimate[dimension]} more asked`,
        });
      }
      holds.push({ budgetId: budget._id, key, row });
    }
  }
  const periodIds: Id<"budgetPeriods">[] = [];
  for (const hold of holds) {
    if (hold.row) {
      await ctx.db.patch("budgetPeriods", hold.row._id, { reserved: add(hold.row.reserved, args.estimate) });
      periodIds.push(hold.row._id);
    } else {
      periodIds.push(
        await ctx.db.insert("budgetPeriods", { budgetId: hold.budgetId, periodKey: hold.key, committed: ZERO, reserved: args.estimate }),
      );
    }
  }
  await ctx.db.insert("reservations", { ...base, status: "reserved", periodIds, depth: 0 });
  return { ok: true };
}

export const vCommitArgs = {
  key: v.string(),
  /** What was really spent; may exceed the estimate (the overage is charged and recorded). */
  actual: vAmount,
  /** Count one turn in the usage totals; default true. */
  countsAsTurn: v.optional(v.boolean()),
  /** `actual.tokens` were counted by the caller, not reported by the provider; usage totals keep them apart too. */
  estimated: v.optional(v.boolean()),
  /**
   * Add to the usage totals; default true. False when the caller adds its
   * spending itself, later and in one go (`usage.record`): a chat turn adds
   * all its model calls once, when it ends.
   */
  countsUsage: v.optional(v.boolean()),
};

/** Charge what was spent and return the rest of the hold; also adds to the usage totals. */
export async function commitHandler(ctx: MutationCtx, args: ObjectType<typeof vCommitArgs>): Promise<CommitResult> {
  const reservation = await reservationByKey(ctx, args.key);
  if (!reservation) return { ok: false, status: "missing" };
  if (reservation.status === "committed") return committedResult(reservation);
  if (reservation.status !== "reserved") return { ok: false, status: reservation.status };
  checkAmount("actual", args.actual);
  const now = Date.now();
  const settled = await settle(ctx, reservation, args.actual, "committed", now);
  if (args.countsUsage !== false) {
    await recordUsage(ctx, reservation.chain, args.actual, { countsAsTurn: args.countsAsTurn ?? true, estimated: args.estimated ?? false }, now);
  }
  return committedResult(settled);
}

/** Return the hold unspent. What its child slices already spent is still charged. */
export async function releaseHandler(ctx: MutationCtx, args: { key: string }): Promise<ReleaseResult> {
  const reservation = await reservationByKey(ctx, args.key);
  if (!reservation) return { status: "missing", released: false };
  if (reservation.status !== "reserved") return { status: reservation.status, released: false };
  await settle(ctx, reservation, ZERO, "released", Date.now());
  return { status: "released", released: true };
}

export const vReservation = v.object({
  key: v.string(),
  status: vReservationStatus,
  parentKey: v.optional(v.string()),
  estimate: vAmount,
  /** Estimate − children still reserved − children's spending: what a new child slice may take. */
  remaining: vAmount,
  childHeld: vAmount,
  childSpent: vAmount,
  actual: v.optional(vAmount),
  total: v.optional(vAmount),
  refusal: v.optional(v.object({ scope: v.string(), scopeId: v.string(), message: v.string() })),
});
export type Reservation = Infer<typeof vReservation>;

/** One reservation as callers may see it, or null. */
export async function getHandler(ctx: QueryCtx, args: { key: string }): Promise<Reservation | null> {
  const r = await reservationByKey(ctx, args.key);
  if (!r) return null;
  return {
    key: r.key,
    status: r.status,
    parentKey: r.parentKey,
    estimate: r.estimate,
    remaining: remainingOf(r),
    childHeld: r.childHeld,
    childSpent: r.childSpent,
    actual: r.actual,
    total: r.total,
    refusal: r.refusal,
  };
}

export const reserve = mutation({ args: vReserveArgs, returns: vReserveResult, handler: reserveHandler });
export const commit = mutation({ args: vCommitArgs, returns: vCommitResult, handler: commitHandler });
export const release = mutation({ args: { key: v.string() }, returns: vReleaseResult, handler: releaseHandler });
export const get = query({ args: { key: v.string() }, returns: v.union(vReservation, v.null()), handler: getHandler });

// ---- helpers ----

async function reservationByKey(ctx: QueryCtx, key: string): Promise<Doc<"reservations"> | null> {
  return ctx.db
    .query("reservations")
    .withIndex("by_key", (q) => q.eq("key", key))
    .unique();
}

function outcomeOf(r: Doc<"reservations">): ReserveResult {
  return r.refusal ? { ok: false, ...r.refusal } : { ok: true };
}

function remainingOf(r: Doc<"reservations">): Amount {
  return subtract(r.estimate, add(r.childHeld, r.childSpent));
}

function committedResult(r: Doc<"reservations">): CommitResult {
  const actual = r.actual ?? ZERO;
  return { ok: true, actual, total: r.total ?? actual, overage: excess(actual, r.estimate) };
}

/**
 * End a reservation: charge `own + childSpent`, return the hold.
 * A root charges its budget rows; a child charges its parent reservation.
 */
async function settle(
  ctx: MutationCtx,
  r: Doc<"reservations">,
  own: Amount,
  status: "committed" | "released",
  now: number,
): Promise<Doc<"reservations">> {
  const total = add(own, r.childSpent);
  if (r.parentId === undefined) {
    await chargeRows(ctx, r.periodIds, total, r.estimate);
  } else {
    await chargeParent(ctx, r, total);
  }
  const fields = { status, total, settledAt: now, ...(status === "committed" ? { actual: own } : {}) };
  await ctx.db.patch("reservations", r._id, fields);
  return { ...r, ...fields };
}

/** Budget rows: `reserved −= hold`, `committed += spent`. Rows of a removed budget are skipped. */
async function chargeRows(ctx: MutationCtx, periodIds: Id<"budgetPeriods">[], spent: Amount, hold: Amount) {
  for (const id of periodIds) {
    const row = await ctx.db.get("budgetPeriods", id);
    if (!row) continue;
    await ctx.db.patch("budgetPeriods", id, {
      reserved: nonNegative(subtract(row.reserved, hold)),
      committed: add(row.committed, spent),
    });
  }
}

/**
 * A child's settlement: its parent stops holding the child's estimate and
 * counts `spent` as spent. If the parent already settled, the spending goes to
 * the nearest open ancestor, or, when the whole tree has settled, straight to
 * the root's budget rows as committed (it was spent; nothing is held for it).
 */
async function chargeParent(ctx: MutationCtx, child: Doc<"reservations">, spent: Amount) {
  let ancestor = child.parentId === undefined ? null : await ctx.db.get("reservations", child.parentId);
  if (ancestor?.status === "reserved") {
    await ctx.db.patch("reservations", ancestor._id, {
      childHeld: nonNegative(subtract(ancestor.childHeld, child.estimate)),
      childSpent: add(ancestor.childSpent, spent),
    });
    return;
  }
  for (let step = 0; ancestor?.parentId !== undefined && step < LIMITS.depth; step++) {
    ancestor = await ctx.db.get("reservations", ancestor.parentId);
    if (ancestor?.status === "reserved") {
      await ctx.db.patch("reservations", ancestor._id, { childSpent: add(ancestor.childSpent, spent) });
      return;
    }
  }
  const root = child.rootId === undefined ? null : await ctx.db.get("reservations", child.rootId);
  if (root) await chargeRows(ctx, root.periodIds, spent, ZERO);
}

function nonNegative(a: Amount): Amount {
  return { microUsd: Math.max(0, a.microUsd), tokens: Math.max(0, a.tokens) };
}
