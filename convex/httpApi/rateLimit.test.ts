/**
 * B3 for API keys: each key's rate limit (a token bucket holding at most
 * `requests`) is never exceeded — a burst gets `requests`, and after it
 * every window of one period gets at most `requests` — and a refused
 * request says when to retry. Keys do not share buckets.
 */
import { afterEach, beforeEach, expect, test, vi } from "vitest";
import { newHarness } from "../test.setup";
import { adminWithKey, createKey, request } from "./testkit.testing";

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

const PROBE = "/v1/capabilities?kind=agent";
const REQUESTS = 5;
const PERIOD_MS = 10_000;

test("a hammered key gets its burst, then never more than its rate per period; 429s carry Retry-After", async () => {
  const t = newHarness();
  const { admin, secret } = await adminWithKey(t, { rateLimit: { requests: REQUESTS, periodSeconds: PERIOD_MS / 1000 } });
  const other = await createKey(admin, { rateLimit: { requests: REQUESTS, periodSeconds: PERIOD_MS / 1000 } });

  // All at once: exactly the burst.
  const burst = await Promise.all(Array.from({ length: 20 }, () => request(t, "GET", PROBE, { key: secret })));
  expect(burst.filter((a) => a.status === 200)).toHaveLength(REQUESTS);
  const refused = burst.filter((a) => a.status !== 200);
  expect(refused).toHaveLength(20 - REQUESTS);
  for (const answer of refused) {
    expect(answer.status).toBe(429);
    expect(answer.body.error!.code).toBe("rate_limited");
    const retryAfter = Number(answer.headers.get("Retry-After"));
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(retryAfter).toBeLessThanOrEqual(PERIOD_MS / REQUESTS / 1000);
  }
  // Another key of the same account has its own bucket.
  expect((await request(t, "GET", PROBE, { key: other.secret })).status).toBe(200);

  // Then hammer every 250 ms for three periods: accepted times, checked per sliding window.
  const start = Date.now();
  const accepted: number[] = [];
  while (Date.now() - start < 3 * PERIOD_MS) {
    vi.advanceTimersByTime(250);
    if ((await request(t, "GET", PROBE, { key: secret })).status === 200) accepted.push(Date.now());
  }
  expect(accepted.length).toBeGreaterThanOrEqual(3 * REQUESTS - 1);
  expect(accepted.length).toBeLessThanOrEqual(3 * REQUESTS);
  for (const at of accepted) {
    expect(accepted.filter((other) => other >= at && other < at + PERIOD_MS).length).toBeLessThanOrEqual(REQUESTS);
  }
});
