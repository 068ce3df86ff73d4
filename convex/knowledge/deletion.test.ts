import { afterEach, beforeEach, expect, test, vi } from "vitest";
import { api, internal } from "../_generated/api";
import type { Id } from "../_generated/dataModel";
import { asMember, newHarness, type Harness } from "../test.setup";
import { probe, probeModules } from "./probe.testing";

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

async function settle(t: Harness) {
  await t.finishAllScheduledFunctions(vi.runAllTimers);
}

async function agentOf(t: Harness, accountId: Id<"accounts">): Promise<Id<"agents">> {
  const agent = await t.run(async (ctx) => ctx.db.query("agents").withIndex("by_accountId_slug", (q) => q.eq("accountId", accountId)).first());
  return agent!._id;
}

test("deleting a user's knowledge removes every entry of their user scope, in batches, and nothing else", async () => {
  const t = newHarness(probeModules);
  const alice = await asMember(t, "org_gdpr", "admin");
  const bob = await asMember(t, "org_gdpr", "member");
  const agentId = await agentOf(t, alice.accountId);
  const userScope = { kind: "user" as const, accountId: alice.accountId, userId: alice.userId };
  // More facts than one batch lists, plus documents.
  for (let index = 0; index < 55; index++) {
    await t.action(probe.storeFact, { accountId: alice.accountId, userId: alice.userId, scope: "user", subject: `item ${index}`, predicate: "is", value: "kept" });
  }
  await t.action(probe.storeFact, { accountId: alice.accountId, userId: alice.userId, agentId, scope: "agent", subject: "the agent", predicate: "knows", value: "this" });
  await t.action(probe.storeFact, { accountId: bob.accountId, userId: bob.userId, scope: "user", subject: "bob's item", predicate: "is", value: "kept" });
  for (const text of ["Alice's first private note about invoices.", "Alice's second private note about invoices."]) {
    await alice.client.mutation(api.knowledge.documents.addText, { accountId: alice.accountId, scope: { kind: "user" }, title: "Note", text });
  }
  await alice.client.mutation(api.knowledge.documents.addText, {
    accountId: alice.accountId,
    scope: { kind: "account" },
    title: "Shared",
    text: "The shared account note about invoices.",
  });
  await settle(t);
  expect(await t.action(probe.entryCount, { scope: userScope })).toBe(57);

  await alice.client.mutation(api.knowledge.deletion.deleteMyKnowledge, { accountId: alice.accountId });
  await settle(t);

  expect(await t.action(probe.entryCount, { scope: userScope })).toBe(0);
  const rows = await t.run(async (ctx) => ctx.db.query("knowledgeDocuments").collect());
  expect(rows.map((row) => row.scope)).toEqual(["account"]);
  expect(await t.run(async (ctx) => ctx.db.query("knowledgeDocumentBodies").collect())).toHaveLength(1);
  // The agent's, the account's and Bob's knowledge are untouched.
  expect(await t.action(probe.entryCount, { scope: { kind: "agent", accountId: alice.accountId, agentId } })).toBe(1);
  expect(await t.action(probe.entryCount, { scope: { kind: "account", accountId: alice.accountId } })).toBe(1);
  expect(await t.action(probe.entryCount, { scope: { kind: "user", accountId: bob.accountId, userId: bob.userId } })).toBe(1);
  const hits = await t.action(probe.search, { accountId: alice.accountId, userId: alice.userId, agentId, query: "item invoices note", limit: 10 });
  expect(hits.map((hit) => hit.scope).sort()).toEqual(["account", "agent"]);
});

test("an agent's knowledge is removed by deleteAgentKnowledge (archiving keeps it)", async () => {
  const t = newHarness(probeModules);
  const admin = await asMember(t, "org_agents", "admin");
  const agentId = await agentOf(t, admin.accountId);
  await admin.client.mutation(api.knowledge.documents.addText, {
    accountId: admin.accountId,
    scope: { kind: "agent", agentId },
    title: "Agent playbook",
    text: "Always greet the customer by name and confirm the order number.",
  });
  await t.action(probe.storeFact, { accountId: admin.accountId, userId: admin.userId, agentId, scope: "agent", subject: "the agent", predicate: "speaks", value: "French" });
  await settle(t);
  const scope = { kind: "agent" as const, accountId: admin.accountId, agentId };
  expect(await t.action(probe.entryCount, { scope })).toBe(2);

  await t.mutation(internal.knowledge.deletion.deleteAgent, { accountId: admin.accountId, agentId });
  await settle(t);
  expect(await t.action(probe.entryCount, { scope })).toBe(0);
  expect(await t.run(async (ctx) => ctx.db.query("knowledgeDocuments").collect())).toEqual([]);
  expect(await t.run(async (ctx) => ctx.db.query("knowledgeNamespaces").collect())).toEqual([]);
});
