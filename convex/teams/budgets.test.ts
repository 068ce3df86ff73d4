/**
 * Team budgets in the chain account → team → user → agent: a turn reserves
 * against the team it is charged to (teams/budgets.ts) and its usage counts
 * for that team.
 */
import { afterEach, beforeEach, expect, test, vi } from "vitest";
import { api } from "../_generated/api";
import type { Id } from "../_generated/dataModel";
import { assistantOf, send, settle, type Caller } from "../chat/testkit.testing";
import { refusal } from "../test.setup";
import { orgWithPeople, teamWith } from "./testkit.testing";

beforeEach(() => {
  vi.useFakeTimers();
  // Noon UTC: settling fires every timer and moves the clock on, which must not carry the day's budget past midnight.
  vi.setSystemTime(new Date(Date.UTC(2026, 5, 15, 12)));
});
afterEach(() => vi.useRealTimers());

const PROMPT = "Summarise the benefits of durable execution for agents";

async function turn(caller: Caller, agentId: Id<"agents">) {
  const thread = await caller.client.mutation(api.chat.threads.create, { accountId: caller.accountId, agentId });
  return await send(caller, thread.threadId, PROMPT);
}

async function runOf(t: Awaited<ReturnType<typeof orgWithPeople>>["t"], interactionId: Id<"interactions">) {
  return (await t.run(async (ctx) => ctx.db.get("interactions", interactionId)))!;
}

async function teamUsage(caller: Caller, teamId: Id<"teams">) {
  const days = await caller.client.query(api.usage.budgets.daily, { accountId: caller.accountId, scope: "team", scopeId: teamId, days: 7 });
  return days.reduce((sum, d) => ({ tokens: sum.tokens + d.tokens, turns: sum.turns + d.turns }), { tokens: 0, turns: 0 });
}

test("a spent team budget refuses its members' turns, not other people's; usage counts for the team", async () => {
  const { t, accountId, admin, alice, bob } = await orgWithPeople();
  const sales = await teamWith(admin, "Sales", [{ userId: alice.userId }]);
  const agentId = await assistantOf(t, accountId);

  // A generous cap first: Alice's turn is charged to Sales.
  await admin.client.mutation(api.usage.budgets.setBudget, { accountId, scope: "team", scopeId: sales, period: "day", capTokens: 1_000_000 });
  const first = await turn(alice, agentId);
  await settle(t);
  const run = await runOf(t, first.interactionId);
  expect(run).toMatchObject({ status: "completed", teamId: sales });
  const spent = run.tokensIn + run.tokensOut;
  expect(await teamUsage(alice, sales)).toEqual({ tokens: spent, turns: 1 });
  const teamStatus = (await alice.client.query(api.usage.budgets.status, { accountId })).find((s) => s.scope === "team");
  expect(teamStatus).toMatchObject({ scopeId: sales, spentTokens: spent, reservedTokens: 0, capTokens: 1_000_000 });

  // Now the team has no room left for another call.
  await admin.client.mutation(api.usage.budgets.setBudget, { accountId, scope: "team", scopeId: sales, period: "day", capTokens: spent });
  const refused = await turn(alice, agentId);
  const fine = await turn(bob, agentId);
  await settle(t);
  expect(await runOf(t, refused.interactionId)).toMatchObject({ status: "failed", error: expect.objectContaining({ code: "budget_exceeded" }), tokensIn: 0, tokensOut: 0 });
  expect(await runOf(t, fine.interactionId)).toMatchObject({ status: "completed" });
  expect((await runOf(t, fine.interactionId)).teamId).toBeUndefined();
  // Bob's turn never touched Sales.
  expect(await teamUsage(admin, sales)).toEqual({ tokens: spent, turns: 1 });
});

test("in several teams: the agent's team is charged, else the user's primary (first joined) team; archived teams never", async () => {
  const { t, accountId, admin, alice } = await orgWithPeople();
  const sales = await teamWith(admin, "Sales", [{ userId: alice.userId }]);
  const support = await teamWith(admin, "Support", [{ userId: alice.userId }]);
  const assistant = await assistantOf(t, accountId);
  const helper = (await admin.client.mutation(api.agents.agents.create, { accountId, name: "Helper", slug: "helper", description: "", instructions: "Help." })).agentId;
  await admin.client.mutation(api.teams.availability.setAvailability, { accountId, agentId: helper, availableTo: { teamIds: [support], userIds: [] } });

  expect((await runOf(t, (await turn(alice, assistant)).interactionId)).teamId).toBe(sales);
  expect((await runOf(t, (await turn(alice, helper)).interactionId)).teamId).toBe(support);

  await admin.client.mutation(api.teams.teams.archive, { accountId, teamId: sales });
  expect((await runOf(t, (await turn(alice, assistant)).interactionId)).teamId).toBe(support);
  await admin.client.mutation(api.teams.teams.archive, { accountId, teamId: support });
  expect((await runOf(t, (await turn(alice, assistant)).interactionId)).teamId).toBeUndefined();
  await settle(t);
});

test("team budgets and usage: another account's team is not_found, another team's usage too, non-admins cannot set them", async () => {
  const { accountId, admin, alice, bob, outsider } = await orgWithPeople();
  const sales = await teamWith(admin, "Sales", [{ userId: alice.userId }]);
  expect(
    (await refusal(outsider.client.mutation(api.usage.budgets.setBudget, { accountId: outsider.accountId, scope: "team", scopeId: sales, period: "day", capTokens: 1 }))).code,
  ).toBe("not_found");
  expect((await refusal(outsider.client.query(api.usage.budgets.daily, { accountId: outsider.accountId, scope: "team", scopeId: sales, days: 7 }))).code).toBe(
    "not_found",
  );
  expect((await refusal(admin.client.mutation(api.usage.budgets.setBudget, { accountId, scope: "team", scopeId: "nonsense", period: "day", capTokens: 1 }))).code).toBe(
    "not_found",
  );
  // Bob is not in Sales: its usage is as invisible to him as another account's.
  expect((await refusal(bob.client.query(api.usage.budgets.daily, { accountId, scope: "team", scopeId: sales, days: 7 }))).code).toBe("not_found");
  expect((await refusal(alice.client.mutation(api.usage.budgets.setBudget, { accountId, scope: "team", scopeId: sales, period: "day", capTokens: 1 }))).code).toBe(
    "forbidden",
  );
  expect((await alice.client.query(api.usage.budgets.status, { accountId })).filter((s) => s.scope === "team")).toEqual([]);
});

test("an admin reads any team's budget; a member only their own teams'", async () => {
  const { accountId, admin, alice, bob } = await orgWithPeople();
  const sales = await teamWith(admin, "Sales", [{ userId: alice.userId }]);
  await admin.client.mutation(api.usage.budgets.setBudget, { accountId, scope: "team", scopeId: sales, period: "month", capUsd: 25 });
  const teamBudgets = async (caller: Caller) =>
    (await caller.client.query(api.usage.budgets.status, { accountId, teamIds: [sales] })).filter((s) => s.scope === "team");
  expect(await teamBudgets(admin)).toEqual([expect.objectContaining({ scopeId: sales, period: "month", capUsd: 25, spentUsd: 0 })]);
  expect(await teamBudgets(alice)).toEqual([expect.objectContaining({ scopeId: sales, capUsd: 25 })]);
  expect((await refusal(teamBudgets(bob))).code).toBe("not_found");
});
