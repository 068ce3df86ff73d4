import { afterEach, describe, expect, test, vi } from "vitest";
import { api } from "./_generated/api";
import { initConvexTest } from "./setup.test";
import { dayKey, periodKey } from "./shared";

const account = { scope: "account", scopeId: "a" };

describe("budgets", () => {
  afterEach(() => vi.useRealTimers());

  test("set upserts per period; status reports each; remove makes the scope unlimited", async () => {
    vi.useFakeTimers();
    vi.setSystemTime(new Date("2026-11-21T10:00:00Z"));
    const t = initConvexTest();
    await t.mutation(api.budgets.set, { ...account, period: "day", capMicroUsd: 100 });
    await t.mutation(api.budgets.set, { ...account, period: "day", capMicroUsd: 200, capTokens: 50 });
    await t.mutation(api.budgets.set, { ...account, period: "month", capTokens: 1_000 });
    expect(await t.query(api.budgets.status, { refs: [account, { scope: "user", scopeId: "nobody" }] })).toEqual([
      {
        ...account,
        period: "day",
        periodKey: "2026-11-21",
        capMicroUsd: 200,
        capTokens: 50,
        committed: { microUsd: 0, tokens: 0 },
        reserved: { microUsd: 0, tokens: 0 },
        remaining: { microUsd: 200, tokens: 50 },
      },
      {
        ...account,
        period: "month",
        periodKey: "2026-11",
        capTokens: 1_000,
        committed: { microUsd: 0, tokens: 0 },
        reserved: { microUsd: 0, tokens: 0 },
        remaining: { tokens: 1_000 },
      },
    ]);

    await t.mutation(api.ledger.reserve, { key: "k", chain: [account], estimate: { microUsd: 50, tokens: 10 } });
    expect(await t.mutation(api.budgets.remove, { ...account, period: "day" })).toEqual({ removed: 1 });
    await t.finishAllScheduledFunctions(vi.runAllTimers);
    expect(await t.run((ctx) => ctx.db.query("budgetPeriods").collect())).toHaveLength(1);
    // Committing a reservation whose budget is gone charges the budgets that remain.
    await t.mutation(api.ledger.commit, { key: "k", actual: { microUsd: 40, tokens: 8 } });
    const [month] = await t.query(api.budgets.status, { refs: [account] });
    expect(month).toMatchObject({ period: "month", committed: { tokens: 8 }, reserved: { tokens: 0 } });

    expect(await t.mutation(api.budgets.remove, account)).toEqual({ removed: 1 });
    await t.finishAllScheduledFunctions(vi.runAllTimers);
    expect(await t.query(api.budgets.status, { refs: [account] })).toEqual([]);
    expect(await t.run((ctx) => ctx.db.query("budgetPeriods").collect())).toHaveLength(0);
    expect(await t.mutation(api.ledger.reserve, { key: "k2", chain: [account], estimate: { microUsd: 10 ** 9, tokens: 0 } })).toEqual({
      ok: true,
    });
  });

  test("a new period starts from zero; a reservation commits into the period it was made in", async () => {
    vi.useFakeTimers();
    vi.setSystemTime(new Date("2026-11-21T23:59:00Z"));
    const t = initConvexTest();
    await t.mutation(api.budgets.set, { ...account, period: "day", capMicroUsd: 100 });
    await t.mutation(api.ledger.reserve, { key: "late", chain: [account], estimate: { microUsd: 100, tokens: 0 } });
    expect(await t.mutation(api.ledger.reserve, { key: "x", chain: [account], estimate: { microUsd: 1, tokens: 0 } })).toMatchObject({
      ok: false,
    });

    vi.setSystemTime(new Date("2026-11-22T00:01:00Z"));
    const [today] = await t.query(api.budgets.status, { refs: [account] });
    expect(today).toMatchObject({ periodKey: "2026-11-22", reserved: { microUsd: 0 }, remaining: { microUsd: 100 } });
    await t.mutation(api.ledger.commit, { key: "late", actual: { microUsd: 70, tokens: 0 } });
    expect((await t.query(api.budgets.status, { refs: [account] }))[0]).toMatchObject({ committed: { microUsd: 0 } });
    const rows = await t.run((ctx) => ctx.db.query("budgetPeriods").collect());
    expect(rows.map((r) => [r.periodKey, r.committed.microUsd, r.reserved.microUsd])).toEqual([["2026-11-21", 70, 0]]);
    // Usage counts on the day of the commit.
    const usage = await t.query(api.usage.daily, { ...account, days: ["2026-11-21", "2026-11-22"] });
    expect(usage).toEqual([
      { day: "2026-11-21", microUsd: 0, tokens: 0, turns: 0, estimatedTokens: 0 },
      { day: "2026-11-22", microUsd: 70, tokens: 0, turns: 1, estimatedTokens: 0 },
    ]);
  });

  test("input is checked and bounded", async () => {
    const t = initConvexTest();
    await expect(t.mutation(api.budgets.set, { ...account, period: "day" })).rejects.toThrow(/capMicroUsd or capTokens/);
    await expect(t.mutation(api.budgets.set, { ...account, period: "day", capMicroUsd: 0.5 })).rejects.toThrow(/integer/);
    const refs = Array.from({ length: 51 }, (_, i) => ({ scope: "user", scopeId: `${i}` }));
    await expect(t.query(api.budgets.status, { refs })).rejects.toThrow(/at most 50/);
    const days = Array.from({ length: 63 }, () => "2026-11-21");
    await expect(t.query(api.usage.daily, { ...account, days })).rejects.toThrow(/at most 62/);
    await expect(t.query(api.usage.daily, { ...account, days: ["21/11/2026"] })).rejects.toThrow(/YYYY-MM-DD/);
  });

  test("period keys are UTC calendar periods", () => {
    const now = Date.parse("2026-01-31T23:30:00Z");
    expect(dayKey(now)).toBe("2026-01-31");
    expect(periodKey("day", now)).toBe("2026-01-31");
    expect(periodKey("month", now)).toBe("2026-01");
    expect(periodKey("total", now)).toBe("total");
  });
});
