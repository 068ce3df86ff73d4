import { afterEach, beforeEach, expect, test, vi } from "vitest";
import { api } from "../_generated/api";
import type { Id } from "../_generated/dataModel";
import { planOfflineReply } from "../models/offline";
import { asMember, asUser, newHarness, type Harness } from "../test.setup";
import { probe, probeModules } from "./probe.testing";
import { contextSection } from "./retrieval";

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

const HANDBOOK = `# Employee handbook

## Holidays

Every employee gets 28 days of paid holiday a year, including bank holidays. Unused days expire on 31 March.

## Expenses

Submit expense claims within 60 days with a receipt attached.`;

test("retrieveContext returns the ingested text as numbered [1] lines the offline model cites", async () => {
  const t = newHarness(probeModules);
  const admin = await asMember(t, "org_handbook", "admin");
  const agentId = await agentOf(t, admin.accountId);
  const added = await admin.client.mutation(api.knowledge.documents.addText, {
    accountId: admin.accountId,
    scope: { kind: "account" },
    title: "Handbook",
    text: HANDBOOK,
    format: "markdown",
  });
  await settle(t);
  await t.action(probe.storeFact, {
    accountId: admin.accountId,
    userId: admin.userId,
    scope: "user",
    subject: "my holiday allowance",
    predicate: "is",
    value: "already used up to 20 days",
  });

  const query = "How many days of paid holiday do I get?";
  const context = await t.action(probe.retrieve, { accountId: admin.accountId, userId: admin.userId, agentId, query });
  expect(context.entries.length).toBeGreaterThanOrEqual(1);
  const handbook = context.entries.find((entry) => entry.documentId === added.documentId)!;
  expect(handbook).toMatchObject({ title: "Handbook", scope: "account" });
  expect(handbook.text).toContain("28 days of paid holiday");
  expect(context.entries.map((entry) => entry.n)).toEqual(context.entries.map((_, index) => index + 1));
  expect(context.promptSection).toMatch(/^\[1\] /m);
  expect(context.promptSection).toContain(`[${handbook.n}] Handbook: `);
  expect(context.promptSection).toContain("28 days of paid holiday");

  // What the offline model does with it: cites the entries.
  const plan = planOfflineReply({
    prompt: [
      { role: "system", content: `You are Assistant.\n\n${context.promptSection}` },
      { role: "user", content: [{ type: "text", text: query }] },
    ],
  });
  expect(plan.kind).toBe("text");
  expect(plan.kind === "text" ? plan.text : "").toMatch(/28 days of paid holiday.*\[\d\]/);
});

test("retrieveContext: nothing relevant, nothing in the prompt", async () => {
  const t = newHarness(probeModules);
  const user = await asUser(t);
  const agentId = await agentOf(t, user.accountId);
  const empty = await t.action(probe.retrieve, { accountId: user.accountId, userId: user.userId, agentId, query: "holiday allowance" });
  expect(empty).toEqual({ entries: [], promptSection: "" });

  await user.client.mutation(api.knowledge.documents.addText, {
    accountId: user.accountId,
    scope: { kind: "user" },
    title: "Handbook",
    text: HANDBOOK,
  });
  await settle(t);
  const unrelated = await t.action(probe.retrieve, {
    accountId: user.accountId,
    userId: user.userId,
    agentId,
    query: "quantum chromodynamics lattice gauge",
  });
  expect(unrelated).toEqual({ entries: [], promptSection: "" });
});

test("retrieveContext for a shared conversation leaves out what only the sender may see: their documents and facts", async () => {
  const t = newHarness(probeModules);
  const admin = await asMember(t, "org_shared_context", "admin");
  const agentId = await agentOf(t, admin.accountId);
  await admin.client.mutation(api.knowledge.documents.addText, { accountId: admin.accountId, scope: { kind: "account" }, title: "Handbook", text: HANDBOOK });
  await admin.client.mutation(api.knowledge.documents.addText, {
    accountId: admin.accountId,
    scope: { kind: "user" },
    title: "My holiday notes",
    text: "Paid holiday: I booked 12 days in August for my surgery.",
  });
  await settle(t);
  await t.action(probe.storeFact, { accountId: admin.accountId, userId: admin.userId, scope: "user", subject: "my paid holiday", predicate: "is", value: "mostly used up" });
  const query = "How many days of paid holiday do I get?";
  const args = { accountId: admin.accountId, userId: admin.userId, agentId, query };

  const own = await t.action(probe.retrieve, args);
  expect(new Set(own.entries.map((entry) => entry.scope))).toEqual(new Set(["account", "user"]));
  expect(own.promptSection).toContain("mostly used up");

  const shared = await t.action(probe.retrieve, { ...args, shared: true });
  expect(shared.entries.map((entry) => entry.scope)).toEqual(["account"]);
  expect(shared.promptSection).toContain("28 days of paid holiday");
  expect(shared.promptSection).not.toContain("surgery");
  expect(shared.promptSection).not.toContain("mostly used up");
});

test("contextSection keeps each entry on one line and skips a title the text already starts with", () => {
  const section = contextSection([
    { n: 1, entryId: "e1", title: "Doc", text: "line one\n\nline two", scope: "account", score: 0.5 },
    { n: 2, entryId: "e2", title: "my colour", text: "my colour is green", scope: "user", score: 0.4 },
  ]);
  expect(section.split("\n").filter((line) => line.startsWith("["))).toEqual(["[1] Doc: line one line two", "[2] my colour is green"]);
  expect(contextSection([])).toBe("");
});
