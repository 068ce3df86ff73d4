import { afterEach, beforeEach, describe, expect, test, vi } from "vitest";
import { api } from "./_generated/api";
import { initConvexTest } from "./setup.test";

const limit = { name: "llmCalls", key: "account-a", rate: 3, periodMs: 60_000 };

describe("rates", () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  test("consuming past the rate is refused with a retry time (B3)", async () => {
    const t = initConvexTest();
    for (let i = 0; i < 3; i++) expect(await t.mutation(api.rates.consume, limit)).toEqual({ ok: true });
    const refused = await t.mutation(api.rates.consume, limit);
    expect(refused.ok).toBe(false);
    if (!refused.ok) {
      expect(refused.retryAfterMs).toBeGreaterThan(0);
      expect(refused.retryAfterMs).toBeLessThanOrEqual(20_000);
    }
    // Hammering never gets more than the rate.
    const more = await Promise.all(Array.from({ length: 10 }, () => t.mutation(api.rates.consume, limit)));
    expect(more.filter((r) => r.ok)).toHaveLength(0);
    // Other keys have their own bucket.
    expect(await t.mutation(api.rates.consume, { ...limit, key: "account-b" })).toEqual({ ok: true });
    // A token comes back after period / rate.
    vi.advanceTimersByTime(20_000);
    expect(await t.mutation(api.rates.consume, limit)).toEqual({ ok: true });
    expect((await t.mutation(api.rates.consume, limit)).ok).toBe(false);
  });

  test("check consumes nothing", async () => {
    const t = initConvexTest();
    for (let i = 0; i < 5; i++) expect(await t.query(api.rates.check, limit)).toEqual({ ok: true });
    await t.mutation(api.rates.consume, { ...limit, count: 3 });
    const checked = await t.query(api.rates.check, limit);
    expect(checked).toMatchObject({ ok: false });
    expect(await t.query(api.rates.check, { ...limit, key: "account-b", count: 3 })).toEqual({ ok: true });
  });

  test("capacity allows a burst above the rate; bad config is refused", async () => {
    const t = initConvexTest();
    const bursty = { ...limit, capacity: 5 };
    const results = [];
    for (let i = 0; i < 6; i++) results.push((await t.mutation(api.rates.consume, bursty)).ok);
    expect(results).toEqual([true, true, true, true, true, false]);
    await expect(t.mutation(api.rates.consume, { ...limit, rate: 0 })).rejects.toThrow(/positive/);
  });
});
