/**
 * The workpool that sends outbound webhooks (`components.webhookPool`):
 * bounded parallelism, and retries with jittered exponential backoff — a
 * delivery's action throws on anything but a 2xx, so the pool tries again.
 */
import { Workpool, type RetryBehavior } from "@convex-dev/workpool";
import { components } from "../_generated/api";
import { env } from "../lib/env";

/**
 * Sends in flight at once. Every Workpool client of `webhookPool` writes its
 * `maxParallelism` into the pool's config on each enqueue, so a second client
 * on this pool should use this same number.
 */
export const WEBHOOK_POOL_PARALLELISM = 10;

export const webhookPool = new Workpool(components.webhookPool, {
  maxParallelism: WEBHOOK_POOL_PARALLELISM,
  retryActionsByDefault: true,
  defaultRetryBehavior: { maxAttempts: 5, initialBackoffMs: 30_000, base: 2 },
});

/** Attempts and backoff of one delivery, read when it is enqueued (tunable per deployment). */
export function deliveryRetry(): RetryBehavior {
  return { maxAttempts: env.webhookMaxAttempts(), initialBackoffMs: env.webhookInitialBackoffMs(), base: 2 };
}
