/**
 * Validators, types and pure helpers shared by the component's modules and
 * re-exported by the client. No functions are registered here.
 */
import { ConvexError, v, type Infer } from "convex/values";

/** How long a budget's cap lasts before it starts again (UTC calendar). */
export const vPeriod = v.union(v.literal("day"), v.literal("month"), v.literal("total"));
export type Period = Infer<typeof vPeriod>;

/**
 * Who a budget or a usage total belongs to: `scope` is a kind such as
 * "account" | "user" | "agent" | "apiKey" | "interaction"; `scopeId` is the
 * app's id of that thing, as a string.
 */
export const vScopeRef = v.object({ scope: v.string(), scopeId: v.string() });
export type ScopeRef = Infer<typeof vScopeRef>;

/** An amount of spending: integer micro-dollars and integer tokens. */
export const vAmount = v.object({ microUsd: v.number(), tokens: v.number() });
export type Amount = Infer<typeof vAmount>;

/** The outcome of `ledger.reserve`. */
export const vReserveResult = v.union(
  v.object({ ok: v.literal(true) }),
  v.object({ ok: v.literal(false), scope: v.string(), scopeId: v.string(), message: v.string() }),
);
export type ReserveResult = Infer<typeof vReserveResult>;

/** Where a reservation is in its life: reserved → committed | released; `refused` never held anything. */
export const vReservationStatus = v.union(
  v.literal("reserved"),
  v.literal("committed"),
  v.literal("released"),
  v.literal("refused"),
);
export type ReservationStatus = Infer<typeof vReservationStatus>;

/** The outcome of `ledger.commit`: the stored result, the same on every repeat. */
export const vCommitResult = v.union(
  v.object({
    ok: v.literal(true),
    /** What this reservation itself spent (the `actual` of the first commit). */
    actual: vAmount,
    /** `actual` plus everything its child slices spent: what its budgets were charged. */
    total: vAmount,
    /** How far `actual` went past the estimate, per dimension (0 when within). */
    overage: vAmount,
  }),
  v.object({
    ok: v.literal(false),
    /** Why nothing happened: the reservation was released or refused, or no such key. */
    status: v.union(v.literal("released"), v.literal("refused"), v.literal("missing")),
  }),
);
export type CommitResult = Infer<typeof vCommitResult>;

/** The outcome of `ledger.release`. */
export const vReleaseResult = v.object({
  /** The reservation's status after the call ("missing" when the key is unknown). */
  status: v.union(vReservationStatus, v.literal("missing")),
  /** True only for the call that actually released it. */
  released: v.boolean(),
});
export type ReleaseResult = Infer<typeof vReleaseResult>;

/** A rate limit check or consumption. */
export const vRateResult = v.union(
  v.object({ ok: v.literal(true) }),
  v.object({ ok: v.literal(false), retryAfterMs: v.number() }),
);
export type RateResult = Infer<typeof vRateResult>;

/** Per-day usage totals for one scope. */
/** One day of usage; `estimatedTokens` is the part of `tokens` counted by the caller because the provider reported none. */
export const vDailyUsage = v.object({ day: v.string(), tokens: v.number(), microUsd: v.number(), turns: v.number(), estimatedTokens: v.number() });
export type DailyUsage = Infer<typeof vDailyUsage>;

/** Input bounds: every list argument of the component is capped. */
export const LIMITS = {
  /** Scopes in one reservation chain. */
  chain: 16,
  /** Scope refs in one `budgets.status` call. */
  statusRefs: 50,
  /** Days in one `usage.daily` call. */
  days: 62,
  /** Levels of child slices below a root reservation. */
  depth: 8,
} as const;

export const ZERO: Amount = { microUsd: 0, tokens: 0 };

export function add(a: Amount, b: Amount): Amount {
  return { microUsd: a.microUsd + b.microUsd, tokens: a.tokens + b.tokens };
}

export function subtract(a: Amount, b: Amount): Amount {
  return { microUsd: a.microUsd - b.microUsd, tokens: a.tokens - b.tokens };
}

/** Per-dimension `max(0, a - b)`. */
export function excess(a: Amount, b: Amount): Amount {
  return { microUsd: Math.max(0, a.microUsd - b.microUsd), tokens: Math.max(0, a.tokens - b.tokens) };
}

/** The component's refusals of bad input use the app's error shape. */
export function badRequest(message: string): never {
  throw new ConvexError({ code: "bad_request", message });
}

/** Amounts must be non-negative safe integers (micro-dollars avoid float drift). */
export function checkAmount(what: string, amount: Amount): void {
  for (const [dimension, value] of Object.entries(amount)) {
    if (!Number.isSafeInteger(value) || value < 0) {
      badRequest(`${what}.${dimension} must be a non-negative integer, got ${value}`);
    }
  }
}

export function checkScopeRef(ref: ScopeRef): void {
  if (ref.scope.length === 0 || ref.scopeId.length === 0) badRequest("scope and scopeId must not be empty");
  if (ref.scope.includes(":")) badRequest(`scope must not contain ":", got ${ref.scope}`);
}

/** The chain without repeats (a budget is reserved against once), checked and bounded. */
export function normalizeChain(chain: ScopeRef[]): ScopeRef[] {
  if (chain.length > LIMITS.chain) badRequest(`a chain has at most ${LIMITS.chain} scopes, got ${chain.length}`);
  const seen = new Set<string>();
  const unique: ScopeRef[] = [];
  for (const ref of chain) {
    checkScopeRef(ref);
    const id = `${ref.scope}:${ref.scopeId}`;
    if (seen.has(id)) continue;
    seen.add(id);
    unique.push({ scope: ref.scope, scopeId: ref.scopeId });
  }
  return unique;
}

/** The UTC day of `now`, "2026-11-21". */
export function dayKey(now: number): string {
  return new Date(now).toISOString().slice(0, 10);
}

/** The key of the period `now` falls in: "2026-11-21" (day), "2026-11" (month) or "total". */
export function periodKey(period: Period, now: number): string {
  switch (period) {
    case "day":
      return dayKey(now);
    case "month":
      return dayKey(now).slice(0, 7);
    case "total":
      return "total";
  }
}

export const DAY_PATTERN = /^\d{4}-\d{2}-\d{2}$/;
