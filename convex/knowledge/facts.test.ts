import { afterEach, beforeEach, expect, test, vi } from "vitest";
import { api } from "../_generated/api";
import type { Id } from "../_generated/dataModel";
import { asMember, asUser, codeOf, newHarness, type Harness } from "../test.setup";
import { parseFact } from "./facts";
import { probe, probeModules } from "./probe.testing";
import { visibleScopes } from "./scopes";

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

type Caller = Awaited<ReturnType<typeof asUser>>;

async function agentOf(t: Harness, accountId: Id<"accounts">): Promise<Id<"agents">> {
  const agent = await t.run(async (ctx) => ctx.db.query("agents").withIndex("by_accountId_slug", (q) => q.eq("accountId", accountId)).first());
  return agent!._id;
}

function fact(user: Caller, subject: string, predicate: string, value: string, extra: { scope?: "user" | "agent"; agentId?: Id<"agents"> } = {}) {
  return {
    accountId: user.accountId,
    userId: user.userId,
    scope: extra.scope ?? "user",
    ...(extra.agentId !== undefined ? { agentId: extra.agentId } : {}),
    subject,
    predicate,
    value,
  };
}

test("visibleScopes: platform, the account, the user's own and the agent's, keyed by the embedding model", () => {
  const ids = { accountId: "acc1" as Id<"accounts">, userId: "usr1" as Id<"userProfiles">, agentId: "agt1" as Id<"agents"> };
  expect(visibleScopes(ids, "offline-hash-256")).toEqual([
    { kind: "platform", scopeKey: "platform", namespace: "platform|offline-hash-256" },
    { kind: "account", scopeKey: "account:acc1", namespace: "account:acc1|offline-hash-256" },
    { kind: "user", scopeKey: "user:acc1:usr1", namespace: "user:acc1:usr1|offline-hash-256" },
    { kind: "agent", scopeKey: "agent:acc1:agt1", namespace: "agent:acc1:agt1|offline-hash-256" },
  ]);
  // Another embedding model: entirely different namespaces, so vectors never mix.
  const other = visibleScopes(ids, "openai-compatible/nomic-embed-text").map((scope) => scope.namespace);
  expect(other.some((namespace) => visibleScopes(ids, "offline-hash-256").some((mine) => mine.namespace === namespace))).toBe(false);
});

test("storing the same fact twice is one entry; a new value for the same subject replaces it", async () => {
  const t = newHarness(probeModules);
  const user = await asUser(t);
  const scope = { kind: "user" as const, accountId: user.accountId, userId: user.userId };
  const first = await t.action(probe.storeFact, fact(user, "My favourite colour", "is", "green"));
  const second = await t.action(probe.storeFact, fact(user, "my favourite  colour", "IS", "green"));
  expect(first.status).toBe("created");
  expect(second).toMatchObject({ status: "unchanged", entryId: first.entryId, key: first.key });
  expect(await t.action(probe.entryCount, { scope })).toBe(1);

  const updated = await t.action(probe.storeFact, fact(user, "my favourite colour", "is", "blue"));
  expect(updated).toMatchObject({ status: "updated", key: first.key });
  expect(await t.action(probe.entryCount, { scope })).toBe(1);
  const hits = await t.action(probe.search, { accountId: user.accountId, userId: user.userId, query: "favourite colour" });
  expect(hits.map((hit) => hit.text)).toEqual(["my favourite colour is blue"]);
  expect(hits[0]).toMatchObject({ scope: "user", source: "memory" });
});

test("user A's facts never reach user B, in the same account or another", async () => {
  const t = newHarness(probeModules);
  const alice = await asMember(t, "org_shared", "member");
  const bob = await asMember(t, "org_shared", "member");
  const carol = await asUser(t);
  const agentId = await agentOf(t, alice.accountId);
  await t.action(probe.storeFact, fact(alice, "Alice's locker code", "is", "4711"));
  await t.action(probe.storeFact, fact(alice, "The team standup", "is", "at 9:30", { scope: "agent", agentId }));

  const query = "locker code standup";
  const forAlice = await t.action(probe.search, { accountId: alice.accountId, userId: alice.userId, agentId, query });
  expect(forAlice.map((hit) => hit.text).sort()).toEqual(["Alice's locker code is 4711", "The team standup is at 9:30"]);
  // Bob, same account and agent: the agent's memory, never Alice's own.
  const forBob = await t.action(probe.search, { accountId: bob.accountId, userId: bob.userId, agentId, query });
  expect(forBob.map((hit) => hit.text)).toEqual(["The team standup is at 9:30"]);
  // Without the agent, Bob sees nothing.
  expect(await t.action(probe.search, { accountId: bob.accountId, userId: bob.userId, query })).toEqual([]);
  // Carol, another account (even naming Alice's agent id): nothing.
  expect(await t.action(probe.search, { accountId: carol.accountId, userId: carol.userId, query })).toEqual([]);
  expect(await codeOf(carol.client.action(api.knowledge.search.search, { accountId: carol.accountId, query, agentId }))).toBe("not_found");
});

test("memory_store, memory_search and knowledge_search as the turn runs them", async () => {
  const t = newHarness(probeModules);
  const user = await asUser(t);
  const agentId = await agentOf(t, user.accountId);
  const run = (slug: string, args: Record<string, unknown>) =>
    t.action(probe.tool, { slug, accountId: user.accountId, userId: user.userId, agentId, args });

  // The offline model sends the fact as `value`; it is split into subject, predicate and value.
  const stored = await run("memory_store", { value: "my favourite colour is green" });
  expect(stored).toEqual({
    ok: true,
    result: { stored: true, status: "created", fact: "my favourite colour is green", scope: "user", entryId: expect.any(String) },
  });
  // A retried call (same fact) changes nothing.
  expect(await run("memory_store", { value: "my favourite colour is green" })).toMatchObject({ ok: true, result: { status: "unchanged" } });
  expect(await t.action(probe.entryCount, { scope: { kind: "user", accountId: user.accountId, userId: user.userId } })).toBe(1);
  // A free-form note is one entry too.
  await run("memory_store", { value: "The plumber comes on Tuesday", scope: "agent", category: "errands", confidence: 0.8 });
  expect(await run("memory_store", { value: "The plumber comes on Tuesday", scope: "agent", category: "errands", confidence: 0.8 })).toMatchObject({
    result: { status: "unchanged", scope: "agent" },
  });

  const memories = await run("memory_search", { query: "what colour do I like?" });
  expect(memories).toMatchObject({ ok: true, result: { query: "what colour do I like?" } });
  const results = (memories as { result: { results: { text: string; source: string; scope: string; score: number }[] } }).result.results;
  expect(results[0]).toMatchObject({ text: "my favourite colour is green", source: "memory", scope: "user" });
  const everything = await run("knowledge_search", { query: "plumber Tuesday", limit: 1 });
  expect((everything as { result: { results: { text: string }[] } }).result.results).toEqual([
    expect.objectContaining({ text: "The plumber comes on Tuesday", scope: "agent" }),
  ]);

  // Bad input is the model's input error, not a failure to retry.
  expect(await run("memory_store", { value: "  " })).toMatchObject({ ok: false, inputError: true });
  expect(await run("memory_store", { value: "x is y", scope: "account" })).toMatchObject({ ok: false, inputError: true });
  expect(await run("memory_store", { value: "x is y", confidence: 7 })).toMatchObject({
    ok: false,
    inputError: true,
    message: expect.stringMatching(/confidence/),
  });
  expect(await run("knowledge_search", {})).toMatchObject({ ok: false, inputError: true });
});

test("parseFact splits sentences that read like a fact, and keeps other notes whole", () => {
  expect(parseFact("My favourite colour is green.")).toEqual({ subject: "My favourite colour", predicate: "is", value: "green" });
  expect(parseFact("Sam works at Initech")).toEqual({ subject: "Sam", predicate: "works at", value: "Initech" });
  expect(parseFact("call the plumber")).toEqual({ subject: "call the plumber", predicate: "", value: "" });
});
