/**
 * Team-scoped knowledge: documents in a team's scope are its members' alone —
 * listed, opened and searched (the search a turn runs) by them, `not_found`
 * for everyone else, and gone for everybody once the team is archived.
 */
import { afterEach, beforeEach, expect, test, vi } from "vitest";
import { api } from "../_generated/api";
import type { Id } from "../_generated/dataModel";
import type { Caller } from "../chat/testkit.testing";
import { probe, probeModules } from "../knowledge/probe.testing";
import { asMember, newHarness, refusal, type Harness } from "../test.setup";
import { orgWithPeople, teamWith } from "./testkit.testing";

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

const PLAYBOOK = "Sales playbook: discounts above 15 percent need the sales director's approval before the quote is sent.";
const QUESTION = "who approves a discount above 15 percent on a quote?";

async function settle(t: Harness) {
  await t.finishAllScheduledFunctions(vi.runAllTimers);
}

async function salesTeam() {
  const org = await orgWithPeople(newHarness(probeModules));
  const { admin, alice, bob } = org;
  const sales = await teamWith(admin, "Sales", [
    { userId: alice.userId, role: "lead" },
    { userId: bob.userId, role: "member" },
  ]);
  return { ...org, sales };
}

function addToTeam(caller: Caller, teamId: Id<"teams">, text = PLAYBOOK) {
  return caller.client.mutation(api.knowledge.documents.addText, {
    accountId: caller.accountId,
    scope: { kind: "team", teamId },
    title: "Playbook",
    text,
  });
}

function listTeam(caller: Caller, teamId: Id<"teams">) {
  return caller.client.query(api.knowledge.documents.list, {
    accountId: caller.accountId,
    scope: { kind: "team", teamId },
    paginationOpts: { numItems: 10, cursor: null },
  });
}

async function searchAs(t: Harness, caller: Caller) {
  return await t.action(probe.search, { accountId: caller.accountId, userId: caller.userId, query: QUESTION, limit: 5 });
}

test("a team lead adds a document; the team's members list, open and find it; nobody else does", async () => {
  const { t, accountId, admin, alice, bob, sales } = await salesTeam();
  const carol = await asMember(t, "org_acme", "member", "Carol");
  const added = await addToTeam(alice, sales);
  await settle(t);

  // Members of the team.
  for (const member of [alice, bob]) {
    expect((await listTeam(member, sales)).page.map((d) => [d.title, d.scope, d.teamId, d.status])).toEqual([["Playbook", "team", sales, "ready"]]);
    expect(await member.client.query(api.knowledge.documents.get, { accountId, documentId: added.documentId })).toMatchObject({ scope: "team" });
    const hits = await searchAs(t, member);
    expect(hits[0]).toMatchObject({ documentId: added.documentId, scope: "team" });
  }

  // Everyone else in the account, the account's admin included: as if it did not exist.
  for (const stranger of [carol, admin]) {
    expect((await refusal(listTeam(stranger, sales))).code).toBe("not_found");
    expect((await refusal(stranger.client.query(api.knowledge.documents.get, { accountId, documentId: added.documentId })))).toMatchObject({
      code: "not_found",
      message: "Document not found.",
    });
    expect((await refusal(stranger.client.mutation(api.knowledge.documents.remove, { accountId, documentId: added.documentId }))).code).toBe("not_found");
    expect((await searchAs(t, stranger)).some((hit) => hit.documentId === added.documentId)).toBe(false);
  }
});

test("another account cannot name our team, and its members find nothing of it", async () => {
  const { t, alice, outsider, sales } = await salesTeam();
  const added = await addToTeam(alice, sales);
  await settle(t);
  // Through their own account, our team id is not_found (not forbidden).
  expect((await refusal(listTeam(outsider, sales))).code).toBe("not_found");
  expect((await refusal(addToTeam(outsider, sales))).code).toBe("not_found");
  expect((await refusal(outsider.client.query(api.knowledge.documents.get, { accountId: outsider.accountId, documentId: added.documentId }))).code).toBe("not_found");
  expect(await searchAs(t, outsider)).toEqual([]);
});

test("team members read, leads write: a member adding or deleting is forbidden and nothing changes", async () => {
  const { t, accountId, alice, bob, sales } = await salesTeam();
  const added = await addToTeam(alice, sales);
  await settle(t);
  expect((await refusal(addToTeam(bob, sales, "Another note for the team."))).code).toBe("forbidden");
  expect((await refusal(bob.client.mutation(api.knowledge.documents.remove, { accountId, documentId: added.documentId }))).code).toBe("forbidden");
  // Team knowledge holds documents, not facts.
  expect(
    await refusal(alice.client.action(api.knowledge.browse.addFact, { accountId, scope: { kind: "team", teamId: sales }, text: "the team's wifi is Harbour" })),
  ).toMatchObject({ code: "bad_request" });
  const rows = await t.run(async (ctx) => ctx.db.query("knowledgeDocuments").collect());
  expect(rows.map((row) => [row.scope, row.teamId, row.title])).toEqual([["team", sales, "Playbook"]]);
  // The lead can delete it.
  await alice.client.mutation(api.knowledge.documents.remove, { accountId, documentId: added.documentId });
  expect((await listTeam(alice, sales)).page).toEqual([]);
});

test("archived team, or a member removed from it: its knowledge is gone for them at once", async () => {
  const { t, accountId, admin, alice, bob, sales } = await salesTeam();
  const added = await addToTeam(alice, sales);
  await settle(t);

  await admin.client.mutation(api.teams.teams.removeMember, { accountId, teamId: sales, userId: bob.userId });
  expect((await refusal(listTeam(bob, sales))).code).toBe("not_found");
  expect(await searchAs(t, bob)).toEqual([]);
  expect((await searchAs(t, alice))[0]).toMatchObject({ documentId: added.documentId });

  await admin.client.mutation(api.teams.teams.archive, { accountId, teamId: sales });
  expect((await refusal(listTeam(alice, sales))).code).toBe("not_found");
  expect((await refusal(alice.client.query(api.knowledge.documents.get, { accountId, documentId: added.documentId }))).code).toBe("not_found");
  expect(await searchAs(t, alice)).toEqual([]);
});

test("the Knowledge page lists the caller's own teams as scopes, writable by their leads", async () => {
  const { accountId, admin, alice, bob, sales } = await salesTeam();
  const teamScopes = async (caller: Caller) =>
    (await caller.client.query(api.knowledge.browse.scopes, { accountId })).filter((view) => view.kind === "team");
  expect(await teamScopes(alice)).toEqual([{ scope: { kind: "team", teamId: sales }, kind: "team", label: "Team Sales", canWrite: true, holdsFacts: false }]);
  expect((await teamScopes(bob)).map((view) => view.canWrite)).toEqual([false]);
  expect(await teamScopes(admin)).toEqual([]);
  await admin.client.mutation(api.teams.teams.archive, { accountId, teamId: sales });
  expect(await teamScopes(alice)).toEqual([]);
});
