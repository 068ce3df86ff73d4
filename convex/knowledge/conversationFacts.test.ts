/**
 * Facts remembered from conversations, through the public surface: a user
 * tells the Assistant things in a chat turn; afterwards "what the agent
 * knows about me" lists them with the message they came from; a change
 * supersedes (history kept); a repeat is not stored twice; sensitive details
 * only when asked; scopes follow the rules; the next turn's system prompt
 * carries the facts and the user's locale; correcting and deleting are
 * immediate for retrieval and audited.
 */
import { afterEach, beforeEach, expect, test, vi } from "vitest";
import { api } from "../_generated/api";
import type { Id } from "../_generated/dataModel";
import { offlineModelCalls } from "../models/offline";
import { refusal, newHarness, asMember, type Harness } from "../test.setup";
import { send, settle, userWithThread, type Caller } from "../chat/testkit.testing";
import { probe, probeModules } from "./probe.testing";

beforeEach(() => vi.useFakeTimers());
afterEach(() => vi.useRealTimers());

async function say(t: Harness, user: Caller, threadId: Id<"threads">, text: string) {
  await send(user, threadId, text);
  await settle(t);
}

async function aboutMe(user: Caller) {
  return await user.client.query(api.knowledge.aboutMe.overview, { accountId: user.accountId });
}

async function myFacts(user: Caller) {
  return (await aboutMe(user)).groups.find((group) => group.scope.kind === "user")!.facts;
}

async function promptMessageIds(t: Harness) {
  return await t.run(async (ctx) => (await ctx.db.query("interactions").collect()).map((run) => ({ text: run.promptText, messageId: run.promptMessageId })));
}

function lastSystemPrompt(): string {
  const call = offlineModelCalls.at(-1)!;
  return call.prompt
    .filter((message) => message.role === "system")
    .map((message) => (typeof message.content === "string" ? message.content : ""))
    .join("\n");
}

test("the Assistant remembers what the user said, with where it came from; a move supersedes, a repeat is one fact", async () => {
  const t = newHarness(probeModules);
  const { user, thread } = await userWithThread(t);
  await say(t, user, thread.threadId, "My name is Kim Keeper. I live in Porto.");

  const said = (await promptMessageIds(t)).find((run) => run.text?.startsWith("My name is"))!;
  const facts = await myFacts(user);
  expect(facts.map((fact) => fact.text).sort()).toEqual(["the user is named Kim Keeper", "the user lives in Porto"]);
  expect(facts.every((fact) => fact.messageId === said.messageId && fact.interactionId !== undefined)).toBe(true);

  await say(t, user, thread.threadId, "I moved to Lisbon.");
  const after = await aboutMe(user);
  const mine = after.groups.find((group) => group.scope.kind === "user")!;
  expect(mine.facts.map((fact) => fact.text).sort()).toEqual(["the user is named Kim Keeper", "the user lives in Lisbon"]);
  expect(mine.history).toEqual([expect.objectContaining({ change: "superseded", text: "the user lives in Porto", replacedBy: "the user lives in Lisbon", messageId: said.messageId })]);

  await say(t, user, thread.threadId, "Hello again, my name is Kim Keeper.");
  expect((await myFacts(user)).filter((fact) => fact.text.includes("named"))).toHaveLength(1);
  expect(await t.action(probe.entryCount, { scope: { kind: "user", accountId: user.accountId, userId: user.userId } })).toBe(2);

  // The next turn's system prompt carries what is known, and the locale directive once the user sets one.
  await user.client.mutation(api.knowledge.aboutMe.setLocale, { accountId: user.accountId, locale: "pt-PT" });
  await say(t, user, thread.threadId, "Where should we meet for lunch?");
  const system = lastSystemPrompt();
  expect(system).toContain("What you know about the user");
  expect(system).toContain("- the user lives in Lisbon");
  expect(system).toMatch(/The user's locale is pt-PT: reply in European Portuguese.*14 de março de 2026/);
});

test("sensitive details are kept only when asked; account facts need an admin; questions are not facts", async () => {
  const t = newHarness(probeModules);
  const { user: member, thread } = await userWithThread(t, { orgId: "org_facts", role: "member" });
  await say(t, member, thread.threadId, "My password is hunter2.");
  await say(t, member, thread.threadId, "I was diagnosed with asthma last year, and I live in Faro.");
  await say(t, member, thread.threadId, "What is my favourite colour?");
  expect((await myFacts(member)).map((fact) => fact.text)).toEqual(["the user lives in Faro"]);

  // Asked explicitly: kept (the offline model also calls memory_store for "remember"; one fact results, not two).
  await say(t, member, thread.threadId, "Remember that my asthma inhaler is blue.");
  expect((await myFacts(member)).filter((fact) => fact.text.toLowerCase().includes("inhaler"))).toHaveLength(1);

  // "our …" from a member stays theirs; from an admin it is the account's.
  await say(t, member, thread.threadId, "Remember that our fiscal year starts in April.");
  expect((await myFacts(member)).some((fact) => fact.text === "the account's fiscal year starts in April")).toBe(true);
  const admin = await asMember(t, "org_facts", "admin");
  const adminThread = await admin.client.mutation(api.chat.threads.create, { accountId: admin.accountId, agentId: thread.agentId });
  await say(t, admin, adminThread.threadId, "Remember that our office closes at 6pm.");
  const account = (await aboutMe(admin)).groups.find((group) => group.scope.kind === "account")!;
  expect(account.facts.map((fact) => fact.text)).toEqual(["the account's office closes at 6pm"]);
  // A member's page shows only their own facts.
  expect((await aboutMe(member)).groups.map((group) => group.scope.kind)).toEqual(["user"]);
});

test("extraction is per agent: on for the Assistant until an admin turns it off; only admins may; another account's agent is not found", async () => {
  const t = newHarness(probeModules);
  const { user: admin, thread, agentId } = await userWithThread(t, { orgId: "org_switch", role: "admin" });
  const member = await asMember(t, "org_switch", "member");
  const outsider = await asMember(t, "org_other", "admin");
  expect(await admin.client.query(api.knowledge.factSettings.get, { accountId: admin.accountId, agentId })).toEqual({ extractFacts: true, isDefault: true });
  expect((await refusal(member.client.mutation(api.knowledge.factSettings.set, { accountId: member.accountId, agentId, extractFacts: false }))).code).toBe("forbidden");
  expect((await refusal(outsider.client.mutation(api.knowledge.factSettings.set, { accountId: outsider.accountId, agentId, extractFacts: false }))).code).toBe("not_found");
  await admin.client.mutation(api.knowledge.factSettings.set, { accountId: admin.accountId, agentId, extractFacts: false });
  await say(t, admin, thread.threadId, "My name is Robin.");
  expect(await myFacts(admin)).toEqual([]);
  await admin.client.mutation(api.knowledge.factSettings.set, { accountId: admin.accountId, agentId, extractFacts: true });
  await say(t, admin, thread.threadId, "My name is Robin.");
  expect((await myFacts(admin)).map((fact) => fact.text)).toEqual(["the user is named Robin"]);
  expect((await refusal(admin.client.mutation(api.knowledge.aboutMe.setLocale, { accountId: admin.accountId, locale: "Portuguese" }))).code).toBe("bad_request");
});

test("correcting and deleting a fact: gone from retrieval at once, kept in history, audited; another user's fact is not found", async () => {
  const t = newHarness(probeModules);
  const { user, thread } = await userWithThread(t, { orgId: "org_fix", role: "member" });
  const other = await asMember(t, "org_fix", "member");
  await say(t, user, thread.threadId, "I live in Porto. I prefer window seats.");
  const [home, seats] = ["the user lives in Porto", "the user prefers window seats"].map((text) => text);
  const facts = await myFacts(user);
  const homeFact = facts.find((fact) => fact.text === home)!;
  const seatsFact = facts.find((fact) => fact.text === seats)!;
  const search = (query: string) => t.action(probe.search, { accountId: user.accountId, userId: user.userId, query, limit: 5, source: "memory" });

  // Another member cannot touch it: it is not in their scope.
  expect((await refusal(other.client.mutation(api.knowledge.browse.removeFact, { accountId: other.accountId, scope: { kind: "user" }, entryId: homeFact.entryId }))).code).toBe("not_found");

  await user.client.action(api.knowledge.aboutMe.correctFact, { accountId: user.accountId, scope: { kind: "user" }, entryId: homeFact.entryId, text: "the user lives in Braga" });
  expect((await search("where does the user live")).map((hit) => hit.text)).toContain("the user lives in Braga");
  expect((await search("where does the user live")).map((hit) => hit.text)).not.toContain(home);

  await user.client.mutation(api.knowledge.browse.removeFact, { accountId: user.accountId, scope: { kind: "user" }, entryId: seatsFact.entryId });
  expect((await search("window seats")).map((hit) => hit.text)).not.toContain(seats);

  const page = (await aboutMe(user)).groups[0]!;
  expect(page.facts.map((fact) => fact.text)).toEqual(["the user lives in Braga"]);
  expect(page.history.map((row) => [row.change, row.text, row.replacedBy ?? null]).sort()).toEqual([
    ["corrected", home, "the user lives in Braga"],
    ["deleted", seats, null],
  ]);
  const audit = await t.run(async (ctx) => ctx.db.query("auditLog").withIndex("by_accountId_at", (q) => q.eq("accountId", user.accountId)).collect());
  expect(audit.map((row) => [row.action, row.actorUserId]).sort()).toEqual([
    ["fact.correct", user.userId],
    ["fact.delete", user.userId],
  ]);
});
