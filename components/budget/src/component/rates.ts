/**
 * Request rates: a token bucket per (name, key) in the `rateLimiter` child,
 * configured by each call (`rate` tokens per `periodMs`, holding at most
 * `capacity`, default `rate`). Updates apply transactionally and unsharded,
 * so a hammered key never gets more than its rate.
 */
import { RateLimiter } from "@convex-dev/rate-limiter";
import { v, type ObjectType } from "convex/values";
import { components } from "./_generated/api";
import { mutation, query, type MutationCtx, type QueryCtx } from "./_generated/server";
import { badRequest, vRateResult, type RateResult } from "./shared";

const limiter = new RateLimiter(components.rateLimiter);

export const vRateArgs = {
  /** The kind of limit, e.g. "llmCalls". */
  name: v.string(),
  /** Whose limit, e.g. an account id; omitted = one shared bucket for the name. */
  key: v.optional(v.string()),
  /** Tokens added per period. */
  rate: v.number(),
  periodMs: v.number(),
  /** Largest burst; defaults to `rate`. */
  capacity: v.optional(v.number()),
  /** Tokens this request takes; default 1. */
  count: v.optional(v.number()),
};
type RateArgs = ObjectType<typeof vRateArgs>;

function options(args: RateArgs) {
  if (!(args.rate > 0) || !(args.periodMs > 0)) badRequest("rate and periodMs must be positive");
  if (args.capacity !== undefined && !(args.capacity > 0)) badRequest("capacity must be positive");
  if (args.count !== undefined && !(args.count > 0)) badRequest("count must be positive");
  return {
    key: args.key,
    count: args.count,
    config: { kind: "token bucket" as const, rate: args.rate, period: args.periodMs, capacity: args.capacity },
  };
}

function toResult(status: { ok: boolean; retryAfter?: number }): RateResult {
  return status.ok ? { ok: true } : { ok: false, retryAfterMs: Math.max(1, Math.ceil(status.retryAfter ?? 1)) };
}

/** Take `count` tokens if the bucket has them; otherwise take none and say when to retry. */
export async function consumeRate(ctx: MutationCtx, args: RateArgs): Promise<RateResult> {
  return toResult(await limiter.limit(ctx, args.name, options(args)));
}

/** Whether `count` tokens are available now, taking none. */
export async function checkRate(ctx: QueryCtx, args: RateArgs): Promise<RateResult> {
  return toResult(await limiter.check(ctx, args.name, options(args)));
}

export const consume = mutation({ args: vRateArgs, returns: vRateResult, handler: consumeRate });

export const check = query({ args: vRateArgs, returns: vRateResult, handler: checkRate });
