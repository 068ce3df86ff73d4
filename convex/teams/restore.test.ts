/**
 * Restoring an archived team (account admins): its members with their roles,
 * its knowledge, its budget and the agents made available to it come back as
 * they were, and the restore is audited. Refused for everyone else, and while
 * an active team has its name; nothing changes when refused.
 */
import { afterEach, beforeEach, expect, test, vi } from "vitest";
import { api } from "../_generated/api";
import type { Id } from "../_generated/dataModel";
import { assistantOf, type Caller } from "../chat/testkit.testing";
import { probe, probeModules } from "../knowledge/probe.testing";
import { asMember, newHarness, refusal, type Harness } from "../test.setup";
import { orgWithPeople, teamWith } from "./testkit.testing";

beforeEach(() => vi.useFakeTimers());
afterEach(() => vi.useRealTimers());

const PLAYBOOK = "Sales playbook: discounts above 15 percent need the sales director's approval before the quote is sent.";
const page = { numItems: 50, cursor: null };

async function settle(t: Harness) {
  await t.finishAllScheduledFunctions(vi.runAllTimers);
}

/** Sales (Alice lead, Bob member) with a document, a daily budget and the Assistant available to it alone. */
async function equippedTeam() {
  const org = await orgWithPeople(newHarness(probeModules));
  const { t, accountId, admin, alice, bob } = org;
  const sales = await teamWith(admin, "Sales", [
    { userId: alice.userId, role: "lead" },
    { userId: bob.userId, role: "member" },
  ]);
  const doc = await alice.client.mutation(api.knowledge.documents.addText, { accountId, scope: { kind: "team", teamId: sales }, title: "Playbook", text: PLAYBOOK });
  await settle(t);
  await admin.client.mutation(api.usage.budgets.setBudget, { accountId, scope: "team", scopeId: sales, period: "day", capTokens: 50_000 });
  const agentId = await assistantOf(t, accountId);
  await admin.client.mutation(api.teams.availability.setAvailability, { accountId, agentId, availableTo: { teamIds: [sales], userIds: [] } });
  return { ...org, sales, documentId: doc.documentId, agentId };
}

/** What a member of Sales has of it: the team, its roster, its documents, its budget, its agent. */
async function whatTheyHave(caller: Caller, sales: Id<"teams">, agentId: Id<"agents">) {
  const { accountId } = caller;
  const team = (await caller.client.query(api.teams.teams.list, { accountId })).find((t) => t.teamId === sales);
  const roster = team ? (await caller.client.query(api.teams.teams.members, { accountId, teamId: sales, paginationOpts: page })).page.map((m) => [m.name, m.role]) : null;
  const documents = team
    ? (await caller.client.query(api.knowledge.documents.list, { accountId, scope: { kind: "team", teamId: sales }, paginationOpts: { numItems: 10, cursor: null } })).page.map((d) => d.title)
    : null;
  const budget = (await caller.client.query(api.usage.budgets.status, { accountId })).find((s) => s.scope === "team" && s.scopeId === sales);
  const agents = (await caller.client.query(api.agents.agents.list, { accountId })).map((a) => a.agentId);
  return { team: team ? [team.name, team.status, team.myRole] : null, roster, documents, budgetCap: budget?.capTokens ?? null, hasAgent: agents.includes(agentId) };
}

test("a restored team has its members, roles, knowledge, budget and agents back as they were; the restore is audited", async () => {
  const { t, accountId, admin, alice, bob, sales, documentId, agentId } = await equippedTeam();
  const before = { alice: await whatTheyHave(alice, sales, agentId), bob: await whatTheyHave(bob, sales, agentId) };
  expect(before.alice).toEqual({
    team: ["Sales", "active", "lead"],
    roster: [["Alice", "lead"], ["Bob", "member"]],
    documents: ["Playbook"],
    budgetCap: 50_000,
    hasAgent: true,
  });

  await admin.client.mutation(api.teams.teams.archive, { accountId, teamId: sales });
  expect(await whatTheyHave(alice, sales, agentId)).toEqual({ team: null, roster: null, documents: null, budgetCap: null, hasAgent: false });

  await admin.client.mutation(api.teams.teams.restore, { accountId, teamId: sales });
  expect({ alice: await whatTheyHave(alice, sales, agentId), bob: await whatTheyHave(bob, sales, agentId) }).toEqual(before);
  // The team's document is found by its members' searches again, and a lead may still write.
  const hits = await t.action(probe.search, { accountId, userId: bob.userId, query: "who approves a discount above 15 percent?", limit: 5 });
  expect(hits[0]).toMatchObject({ documentId, scope: "team" });
  await alice.client.mutation(api.knowledge.documents.remove, { accountId, documentId });
  // The admin's list shows it active, with no archive date.
  expect((await admin.client.query(api.teams.teams.list, { accountId })).map((team) => [team.name, team.status, team.archivedAt])).toEqual([["Sales", "active", null]]);

  const entries = await t.run(async (ctx) => (await ctx.db.query("auditLog").collect()).filter((row) => row.targetId === sales && row.action.startsWith("team.")));
  const restore = entries.filter((row) => row.action === "team.restore");
  expect(restore).toHaveLength(1);
  expect(restore[0]).toMatchObject({ actorUserId: admin.userId, surface: "spa", changes: [{ field: "status", before: '"archived"', after: '"active"' }] });
});

test("restore refusals: members (even the lead) forbidden, another account not_found, a taken name a conflict; nothing changes", async () => {
  const { t, accountId, admin, alice, outsider } = await orgWithPeople();
  const sales = await teamWith(admin, "Sales", [{ userId: alice.userId, role: "lead" }]);
  await admin.client.mutation(api.teams.teams.archive, { accountId, teamId: sales });
  const state = async () =>
    await t.run(async (ctx) => ({
      teams: (await ctx.db.query("teams").collect()).map((team) => [team.name, team.status]),
      audit: (await ctx.db.query("auditLog").collect()).filter((row) => row.action === "team.restore").length,
    }));

  expect((await refusal(alice.client.mutation(api.teams.teams.restore, { accountId, teamId: sales }))).code).toBe("forbidden");
  expect((await refusal(outsider.client.mutation(api.teams.teams.restore, { accountId: outsider.accountId, teamId: sales }))).code).toBe("not_found");
  const member = await asMember(t, "org_acme", "readonly", "Rita");
  expect((await refusal(member.client.mutation(api.teams.teams.restore, { accountId, teamId: sales }))).code).toBe("forbidden");

  // A new active team took the name meanwhile: rename one of them first.
  const newSales = await admin.client.mutation(api.teams.teams.create, { accountId, name: "Sales" });
  expect(await refusal(admin.client.mutation(api.teams.teams.restore, { accountId, teamId: sales }))).toMatchObject({ code: "conflict", field: "name" });
  expect(await state()).toEqual({ teams: [["Sales", "archived"], ["Sales", "active"]], audit: 0 });
  expect(await alice.client.query(api.teams.teams.list, { accountId })).toEqual([]);

  // Restoring an active team is a no-op, not an entry.
  await admin.client.mutation(api.teams.teams.restore, { accountId, teamId: newSales });
  expect((await state()).audit).toBe(0);

  await admin.client.mutation(api.teams.teams.rename, { accountId, teamId: newSales, name: "Sales (new)" });
  await admin.client.mutation(api.teams.teams.restore, { accountId, teamId: sales });
  expect(await state()).toEqual({ teams: [["Sales", "active"], ["Sales (new)", "active"]], audit: 1 });
  expect((await alice.client.query(api.teams.teams.list, { accountId })).map((team) => [team.name, team.myRole])).toEqual([["Sales", "lead"]]);
});
