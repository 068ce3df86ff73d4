/**
 * The app's handle on the budget component:
 *
 * ```ts
 * import { Budget } from "../components/budget/src/client";
 * const budget = new Budget(components.budget);
 * const held = await budget.reserve(ctx, { key, chain, estimate });
 * ```
 *
 * Every method takes the caller's ctx and forwards to the component; nothing
 * here touches the database itself.
 */
import type { FunctionArgs, FunctionReturnType, GenericDataModel, GenericMutationCtx, GenericQueryCtx } from "convex/server";
import type { Infer } from "convex/values";
import type { ComponentApi } from "../component/_generated/component.js";
import { vAmount, vScopeRef, type Amount, type Period, type ScopeRef } from "../component/shared.js";

export {
  vAmount,
  vCommitResult,
  vDailyUsage,
  vPeriod,
  vRateResult,
  vReleaseResult,
  vReservationStatus,
  vReserveResult,
  vScopeRef,
  LIMITS,
  dayKey,
  periodKey,
} from "../component/shared.js";
export type {
  Amount,
  CommitResult,
  DailyUsage,
  Period,
  RateResult,
  ReleaseResult,
  ReservationStatus,
  ReserveResult,
  ScopeRef,
} from "../component/shared.js";
export type { BudgetStatus } from "../component/budgets.js";
export type { Reservation } from "../component/ledger.js";
export type { ComponentApi };

/** The scopes the harness uses; the component accepts any string without ":". */
export type BudgetScope = "account" | "user" | "agent" | "apiKey" | "interaction";

/** `{ scope, scopeId }`: one link of a reservation chain, or whose budget/usage. */
export const vBudgetScopeRef = vScopeRef;
export type BudgetScopeRef = ScopeRef;

/** What a call is expected to cost: integer micro-dollars and tokens. */
export const vEstimate = vAmount;
export type Estimate = Infer<typeof vEstimate>;

export type RunQueryCtx = { runQuery: GenericQueryCtx<GenericDataModel>["runQuery"] };
export type RunMutationCtx = { runMutation: GenericMutationCtx<GenericDataModel>["runMutation"] };

const MICRO_PER_USD = 1_000_000;

/** Dollars → integer micro-dollars (rounded to the nearest micro-dollar). */
export function usdToMicro(usd: number): number {
  return Math.round(usd * MICRO_PER_USD);
}

/** Integer micro-dollars → dollars, for display. */
export function microToUsd(microUsd: number): number {
  return microUsd / MICRO_PER_USD;
}

/** The last `count` UTC days ending with the day of `now`, oldest first: input for `dailyUsage`. */
export function lastDays(count: number, now: number = Date.now()): string[] {
  const days: string[] = [];
  for (let i = count - 1; i >= 0; i--) days.push(new Date(now - i * 86_400_000).toISOString().slice(0, 10));
  return days;
}

type Api = ComponentApi;

export class Budget {
  constructor(public component: ComponentApi) {}

  /** Create or replace the cap of (scope, scopeId, period). */
  async setBudget(ctx: RunMutationCtx, args: FunctionArgs<Api["budgets"]["set"]>): Promise<null> {
    return ctx.runMutation(this.component.budgets.set, args);
  }

  /** Remove one period's budget, or all of the scope's when `period` is omitted. */
  async removeBudget(
    ctx: RunMutationCtx,
    args: { scope: string; scopeId: string; period?: Period },
  ): Promise<FunctionReturnType<Api["budgets"]["remove"]>> {
    return ctx.runMutation(this.component.budgets.remove, args);
  }

  /** Every budget of the given scopes (at most 50) with cap, committed, reserved and remaining now. */
  async status(ctx: RunQueryCtx, args: { refs: ScopeRef[] }): Promise<FunctionReturnType<Api["budgets"]["status"]>> {
    return ctx.runQuery(this.component.budgets.status, args);
  }

  /**
   * Hold `estimate` against every budget of `chain`, all or nothing, before
   * spending; with `parentKey`, take it out of that reservation instead.
   * Idempotent by `key`.
   */
  async reserve(
    ctx: RunMutationCtx,
    args: { key: string; chain: ScopeRef[]; estimate: Amount; parentKey?: string },
  ): Promise<FunctionReturnType<Api["ledger"]["reserve"]>> {
    return ctx.runMutation(this.component.ledger.reserve, args);
  }

  /** Charge what was spent, return the rest of the hold, add to the usage totals. Idempotent. */
  async commit(
    ctx: RunMutationCtx,
    args: FunctionArgs<Api["ledger"]["commit"]>,
  ): Promise<FunctionReturnType<Api["ledger"]["commit"]>> {
    return ctx.runMutation(this.component.ledger.commit, args);
  }

  /** Add spending committed with `countsUsage: false` to the usage totals of every scope in `chain`, in one go. */
  async recordUsage(ctx: RunMutationCtx, args: FunctionArgs<Api["usage"]["record"]>): Promise<null> {
    return ctx.runMutation(this.component.usage.record, args);
  }

  /** Give the hold back unspent. Idempotent; a no-op after commit. */
  async release(ctx: RunMutationCtx, args: { key: string }): Promise<FunctionReturnType<Api["ledger"]["release"]>> {
    return ctx.runMutation(this.component.ledger.release, args);
  }

  /** One reservation (status, estimate, what its children hold and spent), or null. */
  async getReservation(ctx: RunQueryCtx, args: { key: string }): Promise<FunctionReturnType<Api["ledger"]["get"]>> {
    return ctx.runQuery(this.component.ledger.get, args);
  }

  /** Take `count` (default 1) from the token bucket (name, key): `rate` per `periodMs`, burst `capacity`. */
  async consumeRate(ctx: RunMutationCtx, args: FunctionArgs<Api["rates"]["consume"]>): Promise<FunctionReturnType<Api["rates"]["consume"]>> {
    return ctx.runMutation(this.component.rates.consume, args);
  }

  /** Whether `consumeRate` with the same arguments would succeed now, consuming nothing. */
  async checkRate(ctx: RunQueryCtx, args: FunctionArgs<Api["rates"]["check"]>): Promise<FunctionReturnType<Api["rates"]["check"]>> {
    return ctx.runQuery(this.component.rates.check, args);
  }

  /** Tokens, micro-dollars and turns of one scope per UTC day (at most 62 days). */
  async dailyUsage(
    ctx: RunQueryCtx,
    args: { scope: string; scopeId: string; days: string[] },
  ): Promise<FunctionReturnType<Api["usage"]["daily"]>> {
    return ctx.runQuery(this.component.usage.daily, args);
  }
}

export default Budget;
