/**
 * The workpool that sends external HTTP tool calls (`components.toolPool`):
 * bounded parallelism, and retries with jittered exponential backoff. The
 * send action throws only for what may heal — a 5xx, a timeout, a network
 * error — so a 4xx (or a refused URL, or a result that breaks the tool's
 * `return_schema`) is never retried.
 */
import { Workpool, type RetryBehavior } from "@convex-dev/workpool";
import { components } from "../../_generated/api";
import { env } from "../../lib/env";

/** Calls in flight at once. Every Workpool client of `toolPool` should use this same number. */
export const TOOL_POOL_PARALLELISM = 10;

export const toolPool = new Workpool(components.toolPool, {
  maxParallelism: TOOL_POOL_PARALLELISM,
  retryActionsByDefault: false,
});

/** Attempts and backoff of one call, read when it is enqueued (tunable per deployment). */
export function toolCallRetry(): RetryBehavior {
  return { maxAttempts: env.toolMaxAttempts(), initialBackoffMs: env.toolBackoffMs(), base: 2 };
}
