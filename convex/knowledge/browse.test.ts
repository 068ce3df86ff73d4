/**
 * The Knowledge page's scopes and facts: which scopes a caller sees and may
 * change, listing, adding and forgetting facts, and refusals that write nothing.
 */
import { afterEach, beforeEach, expect, test, vi } from "vitest";
import { api } from "../_generated/api";
import type { Id } from "../_generated/dataModel";
import { asMember, codeOf, newHarness, type Harness } from "../test.setup";

beforeEach(() => vi.useFakeTimers());
afterEach(() => vi.useRealTimers());

async function settle(t: Harness) {
  await t.finishAllScheduledFunctions(vi.runAllTimers);
}

async function assistantOf(t: Harness, accountId: Id<"accounts">) {
  const agent = await t.run(async (ctx) => ctx.db.query("agents").withIndex("by_accountId_slug", (q) => q.eq("accountId", accountId).eq("slug", "assistant")).unique());
  return agent!._id;
}

test("scopes: yours, the account's, each agent's and the platform's, with what the caller may change", async () => {
  const t = newHarness();
  const member = await asMember(t, "org_scopes", "member");
  const admin = await asMember(t, "org_scopes", "admin");
  const assistant = await assistantOf(t, member.accountId);

  const seen = await member.client.query(api.knowledge.browse.scopes, { accountId: member.accountId });
  expect(seen[0]).toEqual({ scope: { kind: "user" }, kind: "user", label: "Yours", canWrite: true, holdsFacts: true });
  expect(seen.find((s) => s.kind === "account")).toMatchObject({ canWrite: false });
  expect(seen.find((s) => s.kind === "agent" && s.scope.kind === "agent" && s.scope.agentId === assistant)).toMatchObject({ label: "Assistant", canWrite: false });
  expect(seen.at(-1)).toEqual({ scope: { kind: "platform" }, kind: "platform", label: "Platform", canWrite: false, holdsFacts: false });

  const adminSees = await admin.client.query(api.knowledge.browse.scopes, { accountId: admin.accountId });
  expect(adminSees.filter((s) => s.canWrite).map((s) => s.kind)).toEqual(["user", "account", ...adminSees.filter((s) => s.kind === "agent").map(() => "agent")]);

  const readonly = await asMember(t, "org_scopes", "readonly");
  expect((await readonly.client.query(api.knowledge.browse.scopes, { accountId: readonly.accountId })).some((s) => s.canWrite)).toBe(false);
});

test("facts: added, listed newest first (documents left out), stored once, forgotten", async () => {
  const t = newHarness();
  const user = await asMember(t, "org_facts", "member");
  const scope = { kind: "user" as const };
  const list = () => user.client.query(api.knowledge.browse.facts, { accountId: user.accountId, scope });
  expect(await list()).toEqual({ facts: [], truncated: false });

  const wifi = await user.client.action(api.knowledge.browse.addFact, { accountId: user.accountId, scope, text: "The office wifi is called Harbour." });
  expect(wifi).toMatchObject({ status: "created", text: "The office wifi is called Harbour" });
  expect(await user.client.action(api.knowledge.browse.addFact, { accountId: user.accountId, scope, text: "the office wifi is called Harbour" })).toMatchObject({
    status: "unchanged",
    entryId: wifi.entryId,
  });
  await user.client.action(api.knowledge.browse.addFact, { accountId: user.accountId, scope, text: "My desk is number 42", category: "office" });
  // A document in the same scope is not a fact.
  await user.client.mutation(api.knowledge.documents.addText, { accountId: user.accountId, scope, title: "Notes", text: "Some notes about the office." });
  await settle(t);

  const { facts } = await list();
  expect(facts.map((f) => [f.text, f.category])).toEqual([
    ["My desk is number 42", "office"],
    ["The office wifi is called Harbour", "general"],
  ]);
  expect(facts[1]).toMatchObject({ subject: "The office wifi", predicate: "is called", value: "Harbour", confidence: 1 });

  await user.client.mutation(api.knowledge.browse.removeFact, { accountId: user.accountId, scope, entryId: wifi.entryId });
  await settle(t);
  expect((await list()).facts.map((f) => f.text)).toEqual(["My desk is number 42"]);
  // Forgetting it again: not found.
  expect(await codeOf(user.client.mutation(api.knowledge.browse.removeFact, { accountId: user.accountId, scope, entryId: wifi.entryId }))).toBe("not_found");
});

test("refusals: members cannot write account facts, nobody writes platform facts, another scope's fact is not found", async () => {
  const t = newHarness();
  const member = await asMember(t, "org_refuse", "member");
  const admin = await asMember(t, "org_refuse", "admin");
  const account = { kind: "account" as const };

  expect(await codeOf(member.client.action(api.knowledge.browse.addFact, { accountId: member.accountId, scope: account, text: "Lunch is at noon" }))).toBe("forbidden");
  expect(await codeOf(admin.client.action(api.knowledge.browse.addFact, { accountId: admin.accountId, scope: { kind: "platform" }, text: "x is y" }))).toBe("bad_request");
  expect(await codeOf(member.client.action(api.knowledge.browse.addFact, { accountId: member.accountId, scope: { kind: "user" }, text: "   " }))).toBe("bad_request");
  expect((await admin.client.query(api.knowledge.browse.facts, { accountId: admin.accountId, scope: account })).facts).toEqual([]);

  const lunch = await admin.client.action(api.knowledge.browse.addFact, { accountId: admin.accountId, scope: account, text: "Lunch is at noon" });
  // Members read account facts, but cannot forget them.
  expect((await member.client.query(api.knowledge.browse.facts, { accountId: member.accountId, scope: account })).facts.map((f) => f.text)).toEqual(["Lunch is at noon"]);
  expect(await codeOf(member.client.mutation(api.knowledge.browse.removeFact, { accountId: member.accountId, scope: account, entryId: lunch.entryId }))).toBe("forbidden");
  // Named under another scope (their own), the account's fact is not found, and stays.
  expect(await codeOf(member.client.mutation(api.knowledge.browse.removeFact, { accountId: member.accountId, scope: { kind: "user" }, entryId: lunch.entryId }))).toBe("not_found");
  expect(await codeOf(member.client.mutation(api.knowledge.browse.removeFact, { accountId: member.accountId, scope: { kind: "user" }, entryId: "not-an-id" }))).toBe("not_found");
  expect((await admin.client.query(api.knowledge.browse.facts, { accountId: admin.accountId, scope: account })).facts).toHaveLength(1);

  // Another account's members see none of it.
  const stranger = await asMember(t, "org_other", "admin");
  expect((await stranger.client.query(api.knowledge.browse.facts, { accountId: stranger.accountId, scope: account })).facts).toEqual([]);
  expect(await codeOf(stranger.client.mutation(api.knowledge.browse.removeFact, { accountId: stranger.accountId, scope: account, entryId: lunch.entryId }))).toBe("not_found");
});
