import { describe, expect, test } from "vitest";
import { api } from "./_generated/api";
import { reserveHandler } from "./ledger";
import { initConvexTest, type Tester } from "./setup.test";
import { dayKey, type Amount, type ScopeRef } from "./shared";

const account = (id: string): ScopeRef => ({ scope: "account", scopeId: id });
const user = (id: string): ScopeRef => ({ scope: "user", scopeId: id });
const agent = (id: string): ScopeRef => ({ scope: "agent", scopeId: id });
const usd = (microUsd: number, tokens = 0): Amount => ({ microUsd, tokens });

async function statusOf(t: Tester, ref: ScopeRef) {
  const [status] = await t.query(api.budgets.status, { refs: [ref] });
  if (!status) throw new Error(`no budget for ${ref.scope} ${ref.scopeId}`);
  return status;
}

async function usageToday(t: Tester, ref: ScopeRef) {
  const [today] = await t.query(api.usage.daily, { ...ref, days: [dayKey(Date.now())] });
  if (!today) throw new Error("no usage row");
  return today;
}

describe("reserve → commit | release", () => {
  test("happy path, and every call is idempotent", async () => {
    const t = initConvexTest();
    await t.mutation(api.budgets.set, { ...account("a"), period: "month", capMicroUsd: 1000, capTokens: 10_000 });

    expect(await t.mutation(api.ledger.reserve, { key: "k1", chain: [account("a")], estimate: usd(300, 50) })).toEqual({ ok: true });
    expect(await statusOf(t, account("a"))).toMatchObject({
      committed: usd(0),
      reserved: usd(300, 50),
      remaining: { microUsd: 700, tokens: 9950 },
    });
    // Same key again: first outcome, nothing more reserved.
    expect(await t.mutation(api.ledger.reserve, { key: "k1", chain: [account("a")], estimate: usd(900) })).toEqual({ ok: true });
    expect((await statusOf(t, account("a"))).reserved).toEqual(usd(300, 50));

    const first = await t.mutation(api.ledger.commit, { key: "k1", actual: usd(200, 40) });
    expect(first).toEqual({ ok: true, actual: usd(200, 40), total: usd(200, 40), overage: usd(0) });
    expect(await statusOf(t, account("a"))).toMatchObject({ committed: usd(200, 40), reserved: usd(0) });
    // Second commit (even with other numbers) returns the first result and changes nothing.
    expect(await t.mutation(api.ledger.commit, { key: "k1", actual: usd(999, 999) })).toEqual(first);
    // Release after commit is a no-op.
    expect(await t.mutation(api.ledger.release, { key: "k1" })).toEqual({ status: "committed", released: false });
    expect(await statusOf(t, account("a"))).toMatchObject({ committed: usd(200, 40), reserved: usd(0) });
    expect(await usageToday(t, account("a"))).toMatchObject({ microUsd: 200, tokens: 40, turns: 1 });

    // Release, then release again, then commit: only the first release does anything.
    await t.mutation(api.ledger.reserve, { key: "k2", chain: [account("a")], estimate: usd(500) });
    expect((await statusOf(t, account("a"))).reserved).toEqual(usd(500));
    expect(await t.mutation(api.ledger.release, { key: "k2" })).toEqual({ status: "released", released: true });
    expect(await t.mutation(api.ledger.release, { key: "k2" })).toEqual({ status: "released", released: false });
    expect(await t.mutation(api.ledger.commit, { key: "k2", actual: usd(500) })).toEqual({ ok: false, status: "released" });
    expect(await statusOf(t, account("a"))).toMatchObject({ committed: usd(200, 40), reserved: usd(0) });
    expect(await usageToday(t, account("a"))).toMatchObject({ microUsd: 200, tokens: 40, turns: 1 });

    // A commit the caller counted itself (the provider reported no usage): charged alike, and kept apart in the totals.
    await t.mutation(api.ledger.reserve, { key: "k3", chain: [account("a")], estimate: usd(100, 30) });
    await t.mutation(api.ledger.commit, { key: "k3", actual: usd(10, 25), estimated: true, countsAsTurn: false });
    expect(await statusOf(t, account("a"))).toMatchObject({ committed: usd(210, 65), reserved: usd(0) });
    expect(await usageToday(t, account("a"))).toMatchObject({ microUsd: 210, tokens: 65, estimatedTokens: 25, turns: 1 });

    // Unknown keys.
    expect(await t.mutation(api.ledger.commit, { key: "nope", actual: usd(1) })).toEqual({ ok: false, status: "missing" });
    expect(await t.mutation(api.ledger.release, { key: "nope" })).toEqual({ status: "missing", released: false });
    expect(await t.query(api.ledger.get, { key: "nope" })).toBeNull();
  });

  test("actual above the estimate is committed and the overage recorded", async () => {
    const t = initConvexTest();
    await t.mutation(api.budgets.set, { ...account("a"), period: "day", capMicroUsd: 1000 });
    await t.mutation(api.ledger.reserve, { key: "k", chain: [account("a")], estimate: usd(100, 10) });
    const result = await t.mutation(api.ledger.commit, { key: "k", actual: usd(150, 5), countsAsTurn: false });
    expect(result).toEqual({ ok: true, actual: usd(150, 5), total: usd(150, 5), overage: usd(50, 0) });
    expect(await statusOf(t, account("a"))).toMatchObject({ committed: usd(150, 5), reserved: usd(0), remaining: { microUsd: 850 } });
    expect(await usageToday(t, account("a"))).toMatchObject({ microUsd: 150, tokens: 5, turns: 0 });
    expect(await t.query(api.ledger.get, { key: "k" })).toMatchObject({ status: "committed", actual: usd(150, 5) });
  });

  test("a refusal is remembered under its key", async () => {
    const t = initConvexTest();
    await t.mutation(api.budgets.set, { ...account("a"), period: "total", capMicroUsd: 10 });
    const refused = await t.mutation(api.ledger.reserve, { key: "k", chain: [account("a")], estimate: usd(11) });
    expect(refused).toMatchObject({ ok: false, scope: "account", scopeId: "a" });
    await t.mutation(api.budgets.set, { ...account("a"), period: "total", capMicroUsd: 100 });
    expect(await t.mutation(api.ledger.reserve, { key: "k", chain: [account("a")], estimate: usd(11) })).toEqual(refused);
    expect(await t.mutation(api.ledger.commit, { key: "k", actual: usd(11) })).toEqual({ ok: false, status: "refused" });
    expect((await statusOf(t, account("a"))).reserved).toEqual(usd(0));
  });

  test("scopes without a budget are unlimited", async () => {
    const t = initConvexTest();
    expect(await t.mutation(api.ledger.reserve, { key: "k", chain: [account("free")], estimate: usd(10 ** 12) })).toEqual({ ok: true });
    await t.mutation(api.ledger.commit, { key: "k", actual: usd(5, 7) });
    expect(await usageToday(t, account("free"))).toMatchObject({ microUsd: 5, tokens: 7, turns: 1 });
  });

  test("bad amounts are refused as bad_request", async () => {
    const t = initConvexTest();
    await expect(t.mutation(api.ledger.reserve, { key: "k", chain: [account("a")], estimate: usd(1.5) })).rejects.toThrow(/integer/);
    await expect(t.mutation(api.ledger.reserve, { key: "k", chain: [account("a")], estimate: usd(-1) })).rejects.toThrow(/integer/);
    await expect(t.mutation(api.ledger.reserve, { key: "k", chain: [{ scope: "a:b", scopeId: "x" }], estimate: usd(1) })).rejects.toThrow(/":"/);
  });
});

describe("a cap that covers fewer than asked (B1)", () => {
  const CAP = 500;
  const EACH = 100;

  async function spendAll(t: Tester, run: (keys: string[], fn: (key: string) => Promise<unknown>) => Promise<unknown>) {
    await t.mutation(api.budgets.set, { ...account("a"), period: "month", capMicroUsd: CAP });
    const keys = Array.from({ length: 20 }, (_, i) => `k${i}`);
    const outcomes = new Map<string, boolean>();
    await run(keys, async (key) => {
      const outcome = await t.mutation(api.ledger.reserve, { key, chain: [account("a")], estimate: usd(EACH, 10) });
      outcomes.set(key, outcome.ok);
      if (outcome.ok) {
        const status = await statusOf(t, account("a"));
        expect(status.committed.microUsd + status.reserved.microUsd).toBeLessThanOrEqual(CAP);
        await t.mutation(api.ledger.commit, { key, actual: usd(EACH, 10) });
      } else {
        expect(outcome).toMatchObject({ scope: "account", scopeId: "a" });
      }
      expect((await statusOf(t, account("a"))).committed.microUsd).toBeLessThanOrEqual(CAP);
    });
    const accepted = [...outcomes.values()].filter(Boolean).length;
    expect(accepted).toBe(5);
    expect(outcomes.size).toBe(20);
    const status = await statusOf(t, account("a"));
    expect(status).toMatchObject({ committed: usd(CAP, 50), reserved: usd(0), remaining: { microUsd: 0 } });
    // Ledger = counters.
    expect(await usageToday(t, account("a"))).toEqual({ day: dayKey(Date.now()), microUsd: status.committed.microUsd, tokens: 50, turns: 5, estimatedTokens: 0 });
  }

  test("sequentially: exactly 5 of 20 succeed", async () => {
    await spendAll(initConvexTest(), async (keys, fn) => {
      for (const key of keys) await fn(key);
    });
  });

  test("all at once: exactly 5 of 20 succeed", async () => {
    await spendAll(initConvexTest(), (keys, fn) => Promise.all(keys.map(fn)));
  });

  test("reserves fired together (no commits in between): exactly 5 hold", async () => {
    const t = initConvexTest();
    await t.mutation(api.budgets.set, { ...account("a"), period: "month", capMicroUsd: CAP });
    const outcomes = await Promise.all(
      Array.from({ length: 20 }, (_, i) => t.mutation(api.ledger.reserve, { key: `k${i}`, chain: [account("a")], estimate: usd(EACH) })),
    );
    expect(outcomes.filter((o) => o.ok)).toHaveLength(5);
    expect(await statusOf(t, account("a"))).toMatchObject({ committed: usd(0), reserved: usd(CAP) });
  });

  test("account A running dry does not affect account B", async () => {
    const t = initConvexTest();
    await t.mutation(api.budgets.set, { ...account("A"), period: "day", capMicroUsd: 100 });
    await t.mutation(api.budgets.set, { ...account("B"), period: "day", capMicroUsd: 100 });
    expect(await t.mutation(api.ledger.reserve, { key: "a1", chain: [account("A")], estimate: usd(100) })).toEqual({ ok: true });
    await t.mutation(api.ledger.commit, { key: "a1", actual: usd(100) });
    expect(await t.mutation(api.ledger.reserve, { key: "a2", chain: [account("A")], estimate: usd(1) })).toMatchObject({ ok: false, scopeId: "A" });
    expect(await t.mutation(api.ledger.reserve, { key: "b1", chain: [account("B")], estimate: usd(100) })).toEqual({ ok: true });
    expect(await statusOf(t, account("B"))).toMatchObject({ committed: usd(0), reserved: usd(100) });
    expect(await statusOf(t, account("A"))).toMatchObject({ committed: usd(100), reserved: usd(0) });
  });
});

describe("chains", () => {
  test("the tightest budget refuses and nothing is reserved on the others", async () => {
    const t = initConvexTest();
    await t.mutation(api.budgets.set, { ...account("a"), period: "month", capMicroUsd: 10_000 });
    await t.mutation(api.budgets.set, { ...user("u"), period: "day", capMicroUsd: 5_000 });
    await t.mutation(api.budgets.set, { ...agent("g"), period: "total", capTokens: 100 });
    const chain = [account("a"), user("u"), agent("g")];

    expect(await t.mutation(api.ledger.reserve, { key: "k1", chain, estimate: usd(1_000, 60) })).toEqual({ ok: true });
    const refused = await t.mutation(api.ledger.reserve, { key: "k2", chain, estimate: usd(1_000, 60) });
    expect(refused).toMatchObject({ ok: false, scope: "agent", scopeId: "g" });
    if (!refused.ok) expect(refused.message).toMatch(/60 of 100 tokens/);

    const statuses = await t.query(api.budgets.status, { refs: chain });
    expect(statuses.map((s) => [s.scope, s.reserved])).toEqual([
      ["account", usd(1_000, 60)],
      ["user", usd(1_000, 60)],
      ["agent", usd(1_000, 60)],
    ]);
    // A repeated scope is reserved once.
    expect(await t.mutation(api.ledger.reserve, { key: "k3", chain: [user("u"), user("u")], estimate: usd(1_000) })).toEqual({ ok: true });
    expect((await statusOf(t, user("u"))).reserved).toEqual(usd(2_000, 60));
  });

  test("a scope may have a day, a month and a total budget; each is checked", async () => {
    const t = initConvexTest();
    await t.mutation(api.budgets.set, { ...account("a"), period: "day", capMicroUsd: 1_000 });
    await t.mutation(api.budgets.set, { ...account("a"), period: "month", capMicroUsd: 300 });
    const refused = await t.mutation(api.ledger.reserve, { key: "k", chain: [account("a")], estimate: usd(400) });
    expect(refused).toMatchObject({ ok: false });
    if (!refused.ok) expect(refused.message).toMatch(/^month budget/);
    const statuses = await t.query(api.budgets.status, { refs: [account("a")] });
    expect(statuses.map((s) => s.reserved.microUsd)).toEqual([0, 0]);
  });

  test("reserve reads at most two documents per budget, however long the history (B2)", async () => {
    const t = initConvexTest();
    const chain = [account("a"), user("u"), agent("g"), { scope: "interaction", scopeId: "i" }];
    for (const ref of chain.slice(0, 3)) await t.mutation(api.budgets.set, { ...ref, period: "day", capMicroUsd: 1_000_000 });
    await t.mutation(api.budgets.set, { ...account("a"), period: "month", capMicroUsd: 1_000_000 });
    const budgets = 4;
    const readsOf = (key: string) =>
      t.run(async (ctx) => {
        const before = await ctx.meta.getTransactionMetrics();
        expect(await reserveHandler(ctx, { key, chain, estimate: usd(10) })).toEqual({ ok: true });
        const after = await ctx.meta.getTransactionMetrics();
        return after.documentsRead.used - before.documentsRead.used;
      });
    const readsPerReserve = async (key: string) => {
      const reads = await readsOf(key);
      // convex-test also counts each patch as a read of the (already read) period row: one per budget.
      const distinct = reads - budgets;
      // Budget doc + period row per budget; the key lookup finds nothing.
      expect(distinct).toBeLessThanOrEqual(2 * budgets);
      return reads;
    };
    await t.mutation(api.ledger.reserve, { key: "warm-up", chain, estimate: usd(1) }); // creates the period rows
    const early = await readsPerReserve("early");
    for (let i = 0; i < 30; i++) {
      await t.mutation(api.ledger.reserve, { key: `old${i}`, chain, estimate: usd(1) });
      await t.mutation(api.ledger.commit, { key: `old${i}`, actual: usd(1) });
    }
    expect(await readsPerReserve("late")).toBe(early);
    // A repeat is one read: the reservation itself.
    expect(await readsOf("late")).toBe(1);
  });
});

describe("child slices", () => {
  test("a child spends out of its parent's hold; the root is charged for both", async () => {
    const t = initConvexTest();
    await t.mutation(api.budgets.set, { ...account("a"), period: "month", capMicroUsd: 1_000 });
    const chain = [account("a")];
    expect(await t.mutation(api.ledger.reserve, { key: "root", chain, estimate: usd(100, 1_000) })).toEqual({ ok: true });

    expect(await t.mutation(api.ledger.reserve, { key: "child", chain, estimate: usd(30, 300), parentKey: "root" })).toEqual({ ok: true });
    expect(await t.query(api.ledger.get, { key: "root" })).toMatchObject({ remaining: usd(70, 700), childHeld: usd(30, 300) });
    // The budget itself is untouched by the child: the root already holds for it.
    expect((await statusOf(t, account("a"))).reserved).toEqual(usd(100, 1_000));

    // Asking more than the parent has left is refused, and holds nothing.
    const tooMuch = await t.mutation(api.ledger.reserve, { key: "greedy", chain, estimate: usd(71), parentKey: "root" });
    expect(tooMuch).toMatchObject({ ok: false, scope: "reservation", scopeId: "root" });
    expect(await t.query(api.ledger.get, { key: "root" })).toMatchObject({ remaining: usd(70, 700) });

    // The child spends 10: 20 returns to the parent.
    expect(await t.mutation(api.ledger.commit, { key: "child", actual: usd(10, 100) })).toMatchObject({ ok: true, total: usd(10, 100) });
    expect(await t.query(api.ledger.get, { key: "root" })).toMatchObject({
      remaining: usd(90, 900),
      childHeld: usd(0),
      childSpent: usd(10, 100),
    });
    expect(await t.mutation(api.ledger.commit, { key: "child", actual: usd(10, 100) })).toMatchObject({ ok: true });
    expect(await t.query(api.ledger.get, { key: "root" })).toMatchObject({ remaining: usd(90, 900) });

    // A released child gives everything back.
    await t.mutation(api.ledger.reserve, { key: "child2", chain, estimate: usd(50), parentKey: "root" });
    expect(await t.query(api.ledger.get, { key: "root" })).toMatchObject({ remaining: usd(40, 900) });
    await t.mutation(api.ledger.release, { key: "child2" });
    expect(await t.query(api.ledger.get, { key: "root" })).toMatchObject({ remaining: usd(90, 900) });

    // The root spends 5 itself: its total includes the child's 10.
    const root = await t.mutation(api.ledger.commit, { key: "root", actual: usd(5, 50) });
    expect(root).toEqual({ ok: true, actual: usd(5, 50), total: usd(15, 150), overage: usd(0) });
    expect(await statusOf(t, account("a"))).toMatchObject({ committed: usd(15, 150), reserved: usd(0) });
    // Ledger = counters: each commit counted its own spending once.
    expect(await usageToday(t, account("a"))).toMatchObject({ microUsd: 15, tokens: 150, turns: 2 });

    // A settled parent takes no more children.
    expect(await t.mutation(api.ledger.reserve, { key: "late", chain, estimate: usd(1), parentKey: "root" })).toMatchObject({
      ok: false,
      scopeId: "root",
    });
  });

  test("grandchildren roll up, and spending after the parent settled is still charged", async () => {
    const t = initConvexTest();
    await t.mutation(api.budgets.set, { ...account("a"), period: "month", capMicroUsd: 1_000 });
    const chain = [account("a")];
    await t.mutation(api.ledger.reserve, { key: "root", chain, estimate: usd(100) });
    await t.mutation(api.ledger.reserve, { key: "mid", chain, estimate: usd(60), parentKey: "root" });
    await t.mutation(api.ledger.reserve, { key: "leaf", chain, estimate: usd(20), parentKey: "mid" });
    expect(await t.query(api.ledger.get, { key: "mid" })).toMatchObject({ remaining: usd(40) });

    await t.mutation(api.ledger.commit, { key: "leaf", actual: usd(7) });
    await t.mutation(api.ledger.commit, { key: "mid", actual: usd(3) });
    expect(await t.query(api.ledger.get, { key: "root" })).toMatchObject({ childSpent: usd(10), childHeld: usd(0), remaining: usd(90) });

    // A child still open when the root settles: its later spending lands on the budget as committed.
    await t.mutation(api.ledger.reserve, { key: "straggler", chain, estimate: usd(30), parentKey: "root" });
    await t.mutation(api.ledger.commit, { key: "root", actual: usd(1) });
    expect(await statusOf(t, account("a"))).toMatchObject({ committed: usd(11), reserved: usd(0) });
    await t.mutation(api.ledger.commit, { key: "straggler", actual: usd(4) });
    expect(await statusOf(t, account("a"))).toMatchObject({ committed: usd(15), reserved: usd(0) });
    expect((await usageToday(t, account("a"))).microUsd).toBe(15);
  });

  test("releasing a parent still charges what its children spent", async () => {
    const t = initConvexTest();
    await t.mutation(api.budgets.set, { ...account("a"), period: "month", capMicroUsd: 1_000 });
    const chain = [account("a")];
    await t.mutation(api.ledger.reserve, { key: "root", chain, estimate: usd(100) });
    await t.mutation(api.ledger.reserve, { key: "child", chain, estimate: usd(50), parentKey: "root" });
    await t.mutation(api.ledger.commit, { key: "child", actual: usd(20) });
    expect(await t.mutation(api.ledger.release, { key: "root" })).toEqual({ status: "released", released: true });
    expect(await statusOf(t, account("a"))).toMatchObject({ committed: usd(20), reserved: usd(0) });
    expect((await usageToday(t, account("a"))).microUsd).toBe(20);
  });
});
