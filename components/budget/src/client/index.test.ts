import { describe, expect, test } from "vitest";
import { api } from "../component/_generated/api";
import { initConvexTest } from "../component/setup.test";
import { Budget, lastDays, microToUsd, usdToMicro, type ComponentApi } from "./index";

describe("client", () => {
  test("money helpers use integer micro-dollars", () => {
    expect(usdToMicro(0.1 + 0.2)).toBe(300_000);
    expect(usdToMicro(12.345678)).toBe(12_345_678);
    expect(microToUsd(1_500_000)).toBe(1.5);
    expect(lastDays(3, Date.parse("2026-03-01T12:00:00Z"))).toEqual(["2026-02-27", "2026-02-28", "2026-03-01"]);
  });

  test("Budget forwards each method to the component", async () => {
    const t = initConvexTest();
    // The component's own api has the same shape as `components.budget` in an app.
    const budget = new Budget(api as unknown as ComponentApi);
    const ref = { scope: "account", scopeId: "a" };
    await t.run(async (ctx) => {
      await budget.setBudget(ctx, { ...ref, period: "total", capMicroUsd: 100 });
      expect(await budget.reserve(ctx, { key: "k", chain: [ref], estimate: { microUsd: 60, tokens: 1 } })).toEqual({ ok: true });
      expect(await budget.reserve(ctx, { key: "k2", chain: [ref], estimate: { microUsd: 60, tokens: 1 } })).toMatchObject({ ok: false });
      expect(await budget.getReservation(ctx, { key: "k" })).toMatchObject({ status: "reserved" });
      expect(await budget.commit(ctx, { key: "k", actual: { microUsd: 50, tokens: 1 } })).toMatchObject({ ok: true });
      expect(await budget.release(ctx, { key: "k" })).toEqual({ status: "committed", released: false });
      expect(await budget.status(ctx, { refs: [ref] })).toMatchObject([{ committed: { microUsd: 50 }, remaining: { microUsd: 50 } }]);
      expect(await budget.dailyUsage(ctx, { ...ref, days: lastDays(1) })).toMatchObject([{ microUsd: 50, tokens: 1, turns: 1 }]);
      const rate = { name: "calls", key: "a", rate: 1, periodMs: 1_000 };
      expect(await budget.checkRate(ctx, rate)).toEqual({ ok: true });
      expect(await budget.consumeRate(ctx, rate)).toEqual({ ok: true });
      expect(await budget.consumeRate(ctx, rate)).toMatchObject({ ok: false });
      expect(await budget.removeBudget(ctx, ref)).toEqual({ removed: 1 });
    });
  });
});
