/**
 * The caller's request rates, as the Usage page shows them: how many
 * messages they may send right now, and when the bucket refills.
 *
 * The budget component answers only "would `count` requests pass now, and if
 * not, when?", so the number left is found by asking for a few counts
 * (a binary search over 1…capacity: at most 4 checks for the send bucket),
 * consuming nothing. The SPA extrapolates between updates from `nextInMs` and
 * the refill rate (a token bucket refills linearly).
 */
import { v } from "convex/values";
import type { QueryCtx } from "../_generated/server";
import { budget } from "../lib/budget";
import { accountQuery } from "../lib/functions";

/** Per-user send rate: a burst of 10, then 20 a minute (the Usage page shows what is left; chat/messages.ts charges it). */
export const SEND_RATE = { rate: 20, periodMs: 60_000, capacity: 10 };

export const vRateState = v.object({
  /** The bucket: `send` is one message sent in the chat. */
  name: v.string(),
  capacity: v.number(),
  /** Requests added back per `periodMs`. */
  rate: v.number(),
  periodMs: v.number(),
  /** Requests that would pass right now. */
  available: v.number(),
  /** Until one more is available (null when the bucket is full). */
  nextInMs: v.union(v.number(), v.null()),
  /** Until the bucket is full again (null when it is). */
  fullInMs: v.union(v.number(), v.null()),
  checkedAt: v.number(),
});

type Bucket = { name: string; key: string; rate: number; periodMs: number; capacity: number };

/** Requests available now in `bucket`, and when the next one and a full bucket arrive. */
export async function rateState(ctx: QueryCtx, bucket: Bucket) {
  const check = (count: number) => budget.checkRate(ctx, { ...bucket, count });
  let low = 0;
  let high = bucket.capacity;
  // Invariant: `low` requests pass; more than `high` do not.
  while (low < high) {
    const middle = Math.ceil((low + high) / 2);
    if ((await check(middle)).ok) low = middle;
    else high = middle - 1;
  }
  const waitFor = async (count: number) => {
    const result = await check(count);
    return result.ok ? 0 : result.retryAfterMs;
  };
  const full = low >= bucket.capacity;
  return {
    name: bucket.name,
    capacity: bucket.capacity,
    rate: bucket.rate,
    periodMs: bucket.periodMs,
    available: low,
    nextInMs: full ? null : await waitFor(low + 1),
    fullInMs: full ? null : await waitFor(bucket.capacity),
    checkedAt: Date.now(),
  };
}

/** Your chat send rate in this account: messages left now and when it refills. */
export const sendRate = accountQuery({
  args: {},
  returns: vRateState,
  // The same bucket `chat/messages:send` takes from: per user, whichever account they send in.
  handler: async (ctx) => await rateState(ctx, { name: "send", key: ctx.user._id, ...SEND_RATE }),
});
