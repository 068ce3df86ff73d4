/**
 * Shared conversations: General for every member, private ones for chosen
 * members, @mentions, the default agent, the sender's turn and budget, and
 * access ending the moment a member leaves the account.
 */
import { afterEach, beforeEach, expect, test, vi } from "vitest";
import { api } from "../_generated/api";
import type { Id } from "../_generated/dataModel";
import { clerkEvents, send as deliver, TEST_SECRET, useSecrets } from "../clerk/signing.testing";
import { asMember, codeOf, newHarness, refusal, type Harness } from "../test.setup";
import { messagesOf, send, settle, type Caller } from "../chat/testkit.testing";

beforeEach(() => vi.useFakeTimers());
afterEach(() => {
  vi.useRealTimers();
  vi.unstubAllEnvs();
});

async function generalFor(user: Caller) {
  const shared = await user.client.query(api.conversations.conversations.list, { accountId: user.accountId });
  const general = shared.find((c) => c.general === true);
  expect(general).toBeDefined();
  return general!;
}

async function agentId(t: Harness, accountId: Id<"accounts">, slug: string) {
  const agent = await t.run(async (ctx) => ctx.db.query("agents").withIndex("by_accountId_slug", (q) => q.eq("accountId", accountId).eq("slug", slug)).unique());
  return agent!._id;
}

async function runsIn(t: Harness, threadId: Id<"threads">) {
  return await t.run(async (ctx) => ctx.db.query("interactions").withIndex("by_threadId", (q) => q.eq("threadId", threadId)).collect());
}

test("every member of an organisation is in its one General conversation, sees the others' messages and replies, and who sent each", async () => {
  const t = newHarness();
  const ada = await asMember(t, "org_acme", "admin", "Ada");
  const bob = await asMember(t, "org_acme", "member", "Bob");
  const general = await generalFor(ada);
  expect(await generalFor(bob)).toEqual(general);
  expect(general).toMatchObject({ title: "General", sharing: "account", startedBy: ada.userId });
  // Shared conversations are listed apart from each person's own threads.
  const own = await bob.client.query(api.chat.threads.list, { accountId: bob.accountId, paginationOpts: { numItems: 10, cursor: null } });
  expect(own.page).toEqual([]);

  await send(ada, general.threadId, "Hello team");
  await settle(t);
  await send(bob, general.threadId, "What time is it?");
  await settle(t);

  const seenByAda = await messagesOf(ada, general.threadId);
  const seenByBob = await messagesOf(bob, general.threadId);
  expect(seenByBob).toEqual(seenByAda);
  const prompts = (seenByBob as (typeof seenByBob[number] & { userId?: string })[]).filter((m) => m.role === "user");
  expect(prompts.map((m) => [m.text, m.userId])).toEqual([
    ["Hello team", ada.userId],
    ["What time is it?", bob.userId],
  ]);
  expect(seenByBob.filter((m) => m.role === "assistant" && m.status === "success")).toHaveLength(2);
  const turns = await bob.client.query(api.chat.runs.turnsForThread, { accountId: bob.accountId, threadId: general.threadId });
  expect(turns.map((turn) => turn.status)).toEqual(["completed", "completed"]);

  const people = await bob.client.query(api.conversations.conversations.participants, { accountId: bob.accountId, threadId: general.threadId });
  expect(people.map((p) => [p.name, p.startedIt]).sort()).toEqual([
    ["Ada", true],
    ["Bob", false],
  ]);
  // A stranger from another organisation: as if it did not exist, through either account.
  const eve = await asMember(t, "org_other", "admin", "Eve");
  for (const accountId of [eve.accountId, ada.accountId]) {
    expect(await codeOf(eve.client.query(api.chat.messages.list, { accountId, threadId: general.threadId, paginationOpts: { numItems: 5, cursor: null } }))).toBe("not_found");
    expect(await codeOf(eve.client.mutation(api.chat.messages.send, { accountId, threadId: general.threadId, text: "hi" }))).toBe("not_found");
  }
  expect((await generalFor(eve)).threadId).not.toBe(general.threadId);
});

test("the turn is the sender's: their user budget is charged, a readonly member cannot send", async () => {
  const t = newHarness();
  const ada = await asMember(t, "org_acme", "admin", "Ada");
  const bob = await asMember(t, "org_acme", "member", "Bob");
  const reader = await asMember(t, "org_acme", "readonly", "Rita");
  const general = await generalFor(ada);
  await send(bob, general.threadId, "Tell me something about budgets");
  await settle(t);
  const [run] = await runsIn(t, general.threadId);
  expect(run).toMatchObject({ userId: bob.userId, status: "completed" });
  const usageOf = async (user: Caller) =>
    (await user.client.query(api.usage.budgets.daily, { accountId: user.accountId, scope: "user", days: 7 })).reduce((sum, d) => sum + d.turns, 0);
  expect(await usageOf(bob)).toBe(1);
  expect(await usageOf(ada)).toBe(0);
  // Only its sender redoes a turn: Ada cannot regenerate Bob's, nor edit his message.
  expect(await codeOf(ada.client.mutation(api.chat.messages.regenerate, { accountId: ada.accountId, threadId: general.threadId, interactionId: run!._id }))).toBe("conflict");
  expect(await codeOf(ada.client.mutation(api.chat.messages.editLast, { accountId: ada.accountId, threadId: general.threadId, interactionId: run!._id, text: "x" }))).toBe("conflict");
  const [turn] = await ada.client.query(api.chat.runs.turnsForThread, { accountId: ada.accountId, threadId: general.threadId });
  expect(turn!.sentBy).toBe(bob.userId);
  // Readers read along but do not send.
  expect(await messagesOf(reader, general.threadId)).toHaveLength(2);
  expect(await codeOf(send(reader, general.threadId, "me too"))).toBe("forbidden");
});

test("a turn in a shared conversation does not read the sender's own knowledge to the room; their own thread does", async () => {
  const t = newHarness();
  const ada = await asMember(t, "org_acme", "admin", "Ada");
  await asMember(t, "org_acme", "member", "Bob");
  await ada.client.mutation(api.knowledge.documents.addText, {
    accountId: ada.accountId,
    scope: { kind: "user" },
    title: "My holiday notes",
    text: "Paid holiday: I booked twelve days in August for my surgery.",
  });
  await settle(t);
  const question = "How many days of paid holiday did I book?";
  const consulted = async (threadId: Id<"threads">) => {
    const [run] = await runsIn(t, threadId);
    expect(run).toMatchObject({ status: "completed" });
    const steps = await t.run(async (ctx) => ctx.db.query("steps").withIndex("by_interactionId_index", (q) => q.eq("interactionId", run!._id)).collect());
    return steps.flatMap((step) => (step.contextEntries ?? []).map((entry) => entry.title));
  };

  const general = await generalFor(ada);
  await send(ada, general.threadId, question);
  await settle(t);
  expect(await consulted(general.threadId)).toEqual([]);
  expect(JSON.stringify(await messagesOf(ada, general.threadId))).not.toContain("surgery");

  const own = await ada.client.mutation(api.chat.threads.create, { accountId: ada.accountId, agentId: await agentId(t, ada.accountId, "assistant") });
  await send(ada, own.threadId, question);
  await settle(t);
  expect(await consulted(own.threadId)).toContain("My holiday notes");
});

test("@mention: the named agent answers; an unknown mention is refused and nothing is sent", async () => {
  const t = newHarness();
  const ada = await asMember(t, "org_acme", "admin", "Ada");
  const general = await generalFor(ada);
  const researcher = await agentId(t, ada.accountId, "researcher");

  await send(ada, general.threadId, "@Researcher what is a token bucket?");
  await settle(t);
  const runs = await runsIn(t, general.threadId);
  expect(runs.map((run) => run.agentId)).toEqual([researcher]);
  const reply = (await messagesOf(ada, general.threadId)).find((m) => m.role === "assistant") as { agentName?: string; status: string };
  expect(reply).toMatchObject({ agentName: "Researcher", status: "success" });

  const refused = await refusal(send(ada, general.threadId, "@Nobody are you there?"));
  expect(refused).toMatchObject({ code: "bad_request", field: "text" });
  expect(refused.message).toContain("@Nobody");
  expect(refused.message).toContain("@researcher");
  expect(await runsIn(t, general.threadId)).toHaveLength(1);
  expect((await messagesOf(ada, general.threadId)).filter((m) => m.role === "user")).toHaveLength(1);
  // An @ inside the text is just text: the default agent answers.
  await send(ada, general.threadId, "mail ada@example.test about it");
  await settle(t);
  const assistant = await agentId(t, ada.accountId, "assistant");
  expect((await runsIn(t, general.threadId)).map((run) => run.agentId)).toEqual([researcher, assistant]);
});

test("default agent: whoever started the conversation or an admin sets it; others are refused; next messages go to it", async () => {
  const t = newHarness();
  const ada = await asMember(t, "org_acme", "admin", "Ada");
  const bob = await asMember(t, "org_acme", "member", "Bob");
  const reader = await asMember(t, "org_acme", "readonly", "Rita");
  const general = await generalFor(ada);
  const writer = await agentId(t, ada.accountId, "writer");
  const set = (user: Caller, agent: Id<"agents">, threadId = general.threadId) =>
    user.client.mutation(api.conversations.conversations.setDefaultAgent, { accountId: user.accountId, threadId, agentId: agent });

  // General was started by Ada's arrival; Bob is neither its starter nor an admin.
  expect(await codeOf(set(bob, writer))).toBe("forbidden");
  expect(await codeOf(set(reader, writer))).toBe("forbidden");
  const eve = await asMember(t, "org_other", "admin", "Eve");
  expect(await codeOf(set(ada, await agentId(t, eve.accountId, "writer")))).toBe("not_found");
  expect((await set(ada, writer)).agentId).toBe(writer);

  await send(bob, general.threadId, "Draft a haiku about Mondays");
  await settle(t);
  expect((await runsIn(t, general.threadId)).map((run) => run.agentId)).toEqual([writer]);

  // A thread of one's own has no default agent to change.
  const own = await bob.client.mutation(api.chat.threads.create, { accountId: bob.accountId, agentId: writer });
  expect(await refusal(set(bob, writer, own.threadId))).toMatchObject({ code: "bad_request", field: "threadId" });
  // General stays: nobody archives it.
  expect(await codeOf(ada.client.mutation(api.chat.threads.setArchived, { accountId: ada.accountId, threadId: general.threadId, archived: true }))).toBe("conflict");
});

test("a private conversation: only its members see it; others in the account get not_found; bad members are refused with nothing created", async () => {
  const t = newHarness();
  const ada = await asMember(t, "org_acme", "admin", "Ada");
  const bob = await asMember(t, "org_acme", "member", "Bob");
  const carol = await asMember(t, "org_acme", "member", "Carol");
  const eve = await asMember(t, "org_other", "member", "Eve");
  const create = (memberIds: Id<"userProfiles">[], title = "Launch plan") =>
    bob.client.mutation(api.conversations.conversations.create, { accountId: bob.accountId, title, sharing: "members", memberIds });

  const threadsBefore = await t.run(async (ctx) => (await ctx.db.query("threads").collect()).length);
  expect(await refusal(create([eve.userId]))).toMatchObject({ code: "bad_request", field: "memberIds" });
  expect(await refusal(create([ada.userId], " "))).toMatchObject({ code: "bad_request" });
  expect(
    await refusal(bob.client.mutation(api.conversations.conversations.create, { accountId: bob.accountId, title: "x", sharing: "account", memberIds: [ada.userId] })),
  ).toMatchObject({ code: "bad_request", field: "memberIds" });
  expect(await t.run(async (ctx) => (await ctx.db.query("threads").collect()).length)).toBe(threadsBefore);

  const plan = await create([ada.userId]);
  expect(plan.sharing).toBe("members");
  await send(ada, plan.threadId, "Kick-off on Monday");
  await settle(t);
  expect((await messagesOf(bob, plan.threadId)).map((m) => m.role)).toEqual(["user", "assistant"]);
  const listed = async (user: Caller) =>
    (await user.client.query(api.conversations.conversations.list, { accountId: user.accountId })).map((c) => c.title).sort();
  expect(await listed(bob)).toEqual(["General", "Launch plan"]);
  expect(await listed(carol)).toEqual(["General"]);

  for (const call of [
    () => carol.client.query(api.chat.threads.get, { accountId: carol.accountId, threadId: plan.threadId }),
    () => carol.client.query(api.chat.messages.list, { accountId: carol.accountId, threadId: plan.threadId, paginationOpts: { numItems: 5, cursor: null } }),
    () => carol.client.query(api.chat.runs.turnsForThread, { accountId: carol.accountId, threadId: plan.threadId }),
    () => carol.client.query(api.conversations.conversations.participants, { accountId: carol.accountId, threadId: plan.threadId }),
    () => carol.client.mutation(api.chat.messages.send, { accountId: carol.accountId, threadId: plan.threadId, text: "let me in" }),
    () => carol.client.mutation(api.conversations.conversations.removeMember, { accountId: carol.accountId, threadId: plan.threadId, userId: carol.userId }),
  ]) {
    expect(await codeOf(call())).toBe("not_found");
  }

  // Ada (an admin) adds Carol; Carol then leaves it herself.
  await ada.client.mutation(api.conversations.conversations.addMembers, { accountId: ada.accountId, threadId: plan.threadId, userIds: [carol.userId] });
  expect(await messagesOf(carol, plan.threadId)).toHaveLength(2);
  expect(await codeOf(carol.client.mutation(api.conversations.conversations.removeMember, { accountId: carol.accountId, threadId: plan.threadId, userId: ada.userId }))).toBe(
    "forbidden",
  );
  await carol.client.mutation(api.conversations.conversations.removeMember, { accountId: carol.accountId, threadId: plan.threadId, userId: carol.userId });
  expect(await codeOf(messagesOf(carol, plan.threadId))).toBe("not_found");
});

test("leaving the account (Clerk's membership.deleted) ends access at once: reads not_found, sends refused, private conversations left", async () => {
  useSecrets(TEST_SECRET);
  const t = newHarness();
  const ada = await asMember(t, "org_acme", "admin", "Ada");
  const bob = await asMember(t, "org_acme", "member", "Bob");
  const general = await generalFor(ada);
  const plan = await ada.client.mutation(api.conversations.conversations.create, {
    accountId: ada.accountId,
    title: "Plan",
    sharing: "members",
    memberIds: [bob.userId],
  });
  await send(bob, general.threadId, "Hello");
  await settle(t);
  expect(await messagesOf(bob, general.threadId)).toHaveLength(2);

  const bobClerkId = (await t.run(async (ctx) => ctx.db.get("userProfiles", bob.userId)))!.clerkUserId!;
  vi.advanceTimersByTime(60_000);
  await deliver(t, clerkEvents.membership("organizationMembership.deleted", { orgId: "org_acme", userId: bobClerkId, role: "org:member" }));
  await settle(t);

  // His token still claims org_acme.
  for (const threadId of [general.threadId, plan.threadId]) {
    expect(await codeOf(messagesOf(bob, threadId))).toBe("not_found");
    expect(await codeOf(send(bob, threadId, "still here?"))).toBe("not_found");
  }
  expect(await codeOf(bob.client.query(api.conversations.conversations.list, { accountId: bob.accountId }))).toBe("not_found");
  const rows = await t.run(async (ctx) => ctx.db.query("conversationMembers").withIndex("by_threadId_userId", (q) => q.eq("threadId", plan.threadId)).collect());
  expect(rows.map((row) => row.userId)).toEqual([ada.userId]);
  // The others carry on; his earlier message stays.
  expect((await messagesOf(ada, general.threadId)).filter((m) => m.role === "user")).toHaveLength(1);
  const people = await ada.client.query(api.conversations.conversations.participants, { accountId: ada.accountId, threadId: general.threadId });
  expect(people.map((p) => p.name)).toEqual(["Ada"]);
});

test("General arrives with Clerk's events for a new organisation, and lazily for an account that predates it", async () => {
  useSecrets(TEST_SECRET);
  const t = newHarness();
  await deliver(t, clerkEvents.org("organization.created", "org_new", { name: "New Co", slug: "new", updatedAt: 1_000 }));
  await deliver(t, clerkEvents.membership("organizationMembership.created", { orgId: "org_new", userId: "user_nia", role: "org:admin", updatedAt: 1_000 }));
  await settle(t);
  const generals = await t.run(async (ctx) => (await ctx.db.query("threads").collect()).filter((thread) => thread.general === true));
  expect(generals.map((thread) => thread.title)).toEqual(["General"]);

  // An account from before General existed: the SPA opens it once; a second call finds the same one.
  const ada = await asMember(t, "org_old", "admin", "Ada");
  await t.run(async (ctx) => {
    const old = await ctx.db.query("threads").withIndex("by_accountId_general", (q) => q.eq("accountId", ada.accountId).eq("general", true)).unique();
    await ctx.db.delete("threads", old!._id);
  });
  expect(await ada.client.query(api.conversations.conversations.list, { accountId: ada.accountId })).toEqual([]);
  const opened = await ada.client.mutation(api.conversations.conversations.openGeneral, { accountId: ada.accountId });
  const again = await ada.client.mutation(api.conversations.conversations.openGeneral, { accountId: ada.accountId });
  expect(again!.threadId).toBe(opened!.threadId);
  expect((await generalFor(ada)).threadId).toBe(opened!.threadId);
});

test("an admin removing a member in the app ends their access the same way", async () => {
  const t = newHarness();
  const ada = await asMember(t, "org_acme", "admin", "Ada");
  const carol = await asMember(t, "org_acme", "member", "Carol");
  const general = await generalFor(carol);
  const plan = await ada.client.mutation(api.conversations.conversations.create, { accountId: ada.accountId, title: "Plan", sharing: "members", memberIds: [carol.userId] });
  expect(await messagesOf(carol, plan.threadId)).toEqual([]);

  await ada.client.mutation(api.tenancy.accounts.removeMember, { accountId: ada.accountId, userId: carol.userId });
  for (const threadId of [general.threadId, plan.threadId]) {
    expect(await codeOf(messagesOf(carol, threadId))).toBe("not_found");
    expect(await codeOf(send(carol, threadId, "hello?"))).toBe("not_found");
  }
  const people = await ada.client.query(api.conversations.conversations.participants, { accountId: ada.accountId, threadId: plan.threadId });
  expect(people.map((p) => p.name)).toEqual(["Ada"]);
});
