import { afterEach, beforeEach, expect, test, vi } from "vitest";
import { api, components } from "../_generated/api";
import type { Id } from "../_generated/dataModel";
import { codeOf, newHarness, type Harness } from "../test.setup";
import { lastDays } from "../../components/budget/src/client";
import { accountUsage, send, settle, userWithThread, type Caller } from "./testkit.testing";

beforeEach(() => vi.useFakeTimers());
afterEach(() => vi.useRealTimers());

const PROMPT = "Summarise the benefits of durable execution for agents";

/** Tokens one turn with PROMPT actually uses (the offline model is deterministic). */
async function tokensOfOneTurn(): Promise<number> {
  const t = newHarness();
  const { user, thread } = await userWithThread(t);
  await send(user, thread.threadId, PROMPT);
  await settle(t);
  const [turn] = await user.client.query(api.chat.runs.turnsForThread, { accountId: user.accountId, threadId: thread.threadId });
  expect(turn!.status).toBe("completed");
  return turn!.tokensIn + turn!.tokensOut;
}

async function reservationEstimate(t: Harness) {
  // What a reservation for PROMPT asks for: see reserveForCall.
  const { MAX_OUTPUT_TOKENS } = await import("./turnSteps");
  void t;
  return Math.ceil(PROMPT.length / 4) + 2_000 + MAX_OUTPUT_TOKENS;
}

test("20 concurrent turns against a budget that covers 5: at most 5 complete, spend never exceeds the cap", async () => {
  const perTurn = await tokensOfOneTurn();
  const t = newHarness();
  const first = await userWithThread(t, { orgId: "org_budget", role: "admin" });
  const estimate = await reservationEstimate(t);
  // Admits a 5th turn only after 4 have committed; never a 6th.
  const cap = 4 * perTurn + estimate;
  await first.user.client.mutation(api.usage.budgets.setBudget, { accountId: first.user.accountId, scope: "account", period: "total", capTokens: cap });

  // 20 members of the account, one turn each (one user would hit the send rate limit first).
  const threads: { user: Caller; threadId: Id<"threads"> }[] = [{ user: first.user, threadId: first.thread.threadId }];
  for (let i = 1; i < 20; i++) {
    const member = await userWithThread(t, { orgId: "org_budget", role: "member" });
    threads.push({ user: member.user, threadId: member.thread.threadId });
  }
  await Promise.all(threads.map(({ user, threadId }) => send(user, threadId, PROMPT)));
  await settle(t);

  const interactions = await t.run(async (ctx) => ctx.db.query("interactions").collect());
  const completed = interactions.filter((i) => i.status === "completed");
  const refused = interactions.filter((i) => i.status === "failed");
  expect(interactions).toHaveLength(20);
  expect(completed.length).toBeGreaterThanOrEqual(1);
  expect(completed.length).toBeLessThanOrEqual(5);
  expect(completed.length + refused.length).toBe(20);
  for (const r of refused) expect(r.error?.code).toBe("budget_exceeded");
  // Refused turns spent nothing.
  for (const r of refused) expect(r.tokensIn + r.tokensOut).toBe(0);

  const [status] = await first.user.client.query(api.usage.budgets.status, { accountId: first.user.accountId });
  const spent = completed.reduce((sum, i) => sum + i.tokensIn + i.tokensOut, 0);
  expect(status!.spentTokens).toBe(spent);
  expect(status!.spentTokens).toBeLessThanOrEqual(cap);
  expect(status!.reservedTokens).toBe(0);
  // The ledger equals the usage counters.
  const usage = await accountUsage(first.user);
  expect(usage.tokens).toBe(spent);
  expect(usage.turns).toBe(completed.length);
});

test("an account running dry doesn't touch another account", async () => {
  const t = newHarness();
  const poor = await userWithThread(t, { orgId: "org_poor", role: "admin" });
  const rich = await userWithThread(t, { orgId: "org_rich", role: "admin" });
  await poor.user.client.mutation(api.usage.budgets.setBudget, { accountId: poor.user.accountId, scope: "account", period: "total", capTokens: 10 });
  await send(poor.user, poor.thread.threadId, PROMPT);
  await send(rich.user, rich.thread.threadId, PROMPT);
  await settle(t);
  const [poorTurn] = await poor.user.client.query(api.chat.runs.turnsForThread, { accountId: poor.user.accountId, threadId: poor.thread.threadId });
  const [richTurn] = await rich.user.client.query(api.chat.runs.turnsForThread, { accountId: rich.user.accountId, threadId: rich.thread.threadId });
  expect(poorTurn).toMatchObject({ status: "failed", error: { code: "budget_exceeded" } });
  expect(richTurn!.status).toBe("completed");
  // Only admins set budgets, and only for their own account's scopes.
  const member = await userWithThread(t, { orgId: "org_rich", role: "member" });
  expect(await codeOf(member.user.client.mutation(api.usage.budgets.setBudget, { accountId: rich.user.accountId, scope: "account", period: "day", capTokens: 1 }))).toBe("forbidden");
  expect(
    await codeOf(rich.user.client.mutation(api.usage.budgets.setBudget, { accountId: rich.user.accountId, scope: "agent", scopeId: poor.agentId, period: "day", capTokens: 1 })),
  ).toBe("not_found");
  void components;
  void lastDays;
});
