/**
 * Usage totals: one row per scope and day, written once per commit.
 */
import { expect, test } from "vitest";
import { api } from "./_generated/api";
import { commitHandler } from "./ledger";
import { initConvexTest } from "./setup.test";
import { dayKey, type ScopeRef } from "./shared";

const chain: ScopeRef[] = [
  { scope: "account", scopeId: "a" },
  { scope: "user", scopeId: "u" },
  { scope: "agent", scopeId: "g" },
];

test("a commit adds to one usage row per scope of its chain; a second commit adds to the same rows", async () => {
  const t = initConvexTest();
  const writes = async (key: string, tokens: number, estimated: boolean) => {
    await t.mutation(api.ledger.reserve, { key, chain, estimate: { microUsd: 1000, tokens: 1000 } });
    return await t.run(async (ctx) => {
      const before = (await ctx.meta.getTransactionMetrics()).documentsWritten.used;
      await commitHandler(ctx, { key, actual: { microUsd: 70, tokens }, estimated });
      return (await ctx.meta.getTransactionMetrics()).documentsWritten.used - before;
    });
  };
  // The reservation row, plus one usage row per scope: never a write per counter.
  expect(await writes("k1", 40, false)).toBe(1 + chain.length);
  expect(await writes("k2", 10, true)).toBe(1 + chain.length);
  const rows = await t.run(async (ctx) => ctx.db.query("usageDays").collect());
  expect(rows).toHaveLength(chain.length);
  const today = dayKey(Date.now());
  for (const ref of chain) {
    expect(await t.query(api.usage.daily, { ...ref, days: [today] })).toEqual([{ day: today, tokens: 50, microUsd: 140, turns: 2, estimatedTokens: 10 }]);
  }
  // A day with nothing committed reads as zeros; another scope sees nothing of these.
  expect(await t.query(api.usage.daily, { scope: "account", scopeId: "other", days: [today, "2020-01-01"] })).toEqual([
    { day: today, tokens: 0, microUsd: 0, turns: 0, estimatedTokens: 0 },
    { day: "2020-01-01", tokens: 0, microUsd: 0, turns: 0, estimatedTokens: 0 },
  ]);
});

test("commits with countsUsage false leave the totals alone; record adds several commits in one write per scope", async () => {
  const t = initConvexTest();
  for (const [key, tokens] of [["c1", 30], ["c2", 20]] as const) {
    await t.mutation(api.ledger.reserve, { key, chain, estimate: { microUsd: 1000, tokens: 1000 } });
    expect(await t.mutation(api.ledger.commit, { key, actual: { microUsd: 5, tokens }, countsUsage: false })).toMatchObject({ ok: true });
  }
  const today = dayKey(Date.now());
  const zero = { day: today, tokens: 0, microUsd: 0, turns: 0, estimatedTokens: 0 };
  expect(await t.query(api.usage.daily, { ...chain[0]!, days: [today] })).toEqual([zero]);

  const written = await t.run(async (ctx) => {
    const before = (await ctx.meta.getTransactionMetrics()).documentsWritten.used;
    await ctx.runMutation(api.usage.record, { chain, add: { tokens: 50, microUsd: 10, turns: 1, estimatedTokens: 20 } });
    return (await ctx.meta.getTransactionMetrics()).documentsWritten.used - before;
  });
  expect(written).toBe(chain.length);
  for (const ref of chain) {
    expect(await t.query(api.usage.daily, { ...ref, days: [today] })).toEqual([{ day: today, tokens: 50, microUsd: 10, turns: 1, estimatedTokens: 20 }]);
  }
});

test("record refuses amounts that are not whole, non-negative, or estimate more than they count, and writes nothing", async () => {
  const t = initConvexTest();
  const add = { tokens: 10, microUsd: 1, turns: 1, estimatedTokens: 0 };
  await expect(t.mutation(api.usage.record, { chain, add: { ...add, tokens: -1 } })).rejects.toThrow(/tokens must be a non-negative integer/);
  await expect(t.mutation(api.usage.record, { chain, add: { ...add, microUsd: 0.5 } })).rejects.toThrow(/microUsd must be a non-negative integer/);
  await expect(t.mutation(api.usage.record, { chain, add: { ...add, estimatedTokens: 11 } })).rejects.toThrow(/cannot exceed tokens/);
  await expect(t.mutation(api.usage.record, { chain: [{ scope: "a:b", scopeId: "x" }], add })).rejects.toThrow(/":"/);
  expect(await t.run(async (ctx) => ctx.db.query("usageDays").collect())).toEqual([]);
});
