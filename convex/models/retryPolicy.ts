/**
 * When a failed model call is tried again. The turn workflow asks after every
 * failed attempt; the answer is data (journaled with the step), so a replay
 * makes the same decision.
 *
 *   never    a bad key, a refused request, a content filter: fail now
 *   advised  a rate limit: wait what the provider advised (capped), else back off
 *   backoff  overload, server errors, timeouts, dropped or unreadable streams
 *   short    the endpoint cannot be reached: one quick retry, then fail
 */
import type { ProviderFailure } from "./providerErrors";

export type RetrySettings = {
  /** Attempts in all, the first included. */
  maxAttempts: number;
  /** Wait before the second attempt; doubles after. */
  backoffMs: number;
  /** The longest Retry-After we wait for; a longer one fails the call with the provider's advice in words. */
  maxAdvisedMs: number;
  /** Wait before the single retry of an unreachable endpoint. */
  unreachableRetryMs: number;
};

export type RetryDecision = { retry: true; delayMs: number; maxAttempts: number } | { retry: false; maxAttempts: number; why?: string };

export function decideRetry(failure: ProviderFailure, attempt: number, settings: RetrySettings): RetryDecision {
  const maxAttempts = failure.retry === "short" ? Math.min(2, settings.maxAttempts) : settings.maxAttempts;
  if (failure.retry === "never") return { retry: false, maxAttempts: attempt };
  if (attempt >= maxAttempts) return { retry: false, maxAttempts };
  if (failure.retry === "short") return { retry: true, delayMs: settings.unreachableRetryMs, maxAttempts };
  const backoff = settings.backoffMs * 2 ** (attempt - 1);
  if (failure.retry === "advised" && failure.retryAfterMs !== undefined) {
    if (failure.retryAfterMs > settings.maxAdvisedMs) {
      return { retry: false, maxAttempts, why: `the provider asks to wait ${Math.ceil(failure.retryAfterMs / 1000)} s` };
    }
    return { retry: true, delayMs: failure.retryAfterMs, maxAttempts };
  }
  return { retry: true, delayMs: backoff, maxAttempts };
}
