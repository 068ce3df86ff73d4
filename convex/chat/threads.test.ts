import { afterEach, beforeEach, expect, test, vi } from "vitest";
import { api } from "../_generated/api";
import { asMember, codeOf, newHarness } from "../test.setup";
import { assistantOf, send, settle, userWithThread } from "./testkit.testing";

beforeEach(() => vi.useFakeTimers());
afterEach(() => vi.useRealTimers());

test("threads: create, list newest first, rename, search titles, archive", async () => {
  const t = newHarness();
  const { user, thread, agentId } = await userWithThread(t);
  vi.advanceTimersByTime(1_000);
  const second = await user.client.mutation(api.chat.threads.create, { accountId: user.accountId, agentId, title: "Holiday planning" });
  const list = await user.client.query(api.chat.threads.list, { accountId: user.accountId, paginationOpts: { numItems: 10, cursor: null } });
  expect(list.page.map((x) => x.threadId)).toEqual([second.threadId, thread.threadId]);

  // Sending to the older thread moves it to the top.
  vi.advanceTimersByTime(1_000);
  await send(user, thread.threadId, "Hello");
  await settle(t);
  const reordered = await user.client.query(api.chat.threads.list, { accountId: user.accountId, paginationOpts: { numItems: 10, cursor: null } });
  expect(reordered.page[0]!.threadId).toBe(thread.threadId);

  await user.client.mutation(api.chat.threads.rename, { accountId: user.accountId, threadId: thread.threadId, title: "Plumbing questions" });
  const hits = await user.client.query(api.chat.threads.searchTitles, { accountId: user.accountId, query: "plumbing" });
  expect(hits.map((h) => h.title)).toEqual(["Plumbing questions"]);

  await user.client.mutation(api.chat.threads.setArchived, { accountId: user.accountId, threadId: second.threadId, archived: true });
  const active = await user.client.query(api.chat.threads.list, { accountId: user.accountId, paginationOpts: { numItems: 10, cursor: null } });
  expect(active.page.map((x) => x.threadId)).toEqual([thread.threadId]);
  const archived = await user.client.query(api.chat.threads.list, { accountId: user.accountId, archived: true, paginationOpts: { numItems: 10, cursor: null } });
  expect(archived.page.map((x) => x.threadId)).toEqual([second.threadId]);
  expect(await codeOf(send(user, second.threadId, "still there?"))).toBe("conflict");
  expect(await codeOf(user.client.mutation(api.chat.threads.rename, { accountId: user.accountId, threadId: thread.threadId, title: " " }))).toBe("bad_request");
});

test("another user's thread is not found through every thread function, in either account", async () => {
  const t = newHarness();
  const { user: owner, thread } = await userWithThread(t, { orgId: "org_acme", role: "member" });
  await send(owner, thread.threadId, "Hello");
  await settle(t);
  // A colleague in the same account, and a stranger in another account.
  const colleague = await asMember(t, "org_acme", "admin");
  const stranger = await asMember(t, "org_other", "admin");
  for (const caller of [colleague, stranger]) {
    for (const accountId of [caller.accountId, owner.accountId]) {
      const c = caller.client;
      const calls = [
        () => c.query(api.chat.threads.get, { accountId, threadId: thread.threadId }),
        () => c.query(api.chat.messages.list, { accountId, threadId: thread.threadId, paginationOpts: { numItems: 5, cursor: null } }),
        () => c.query(api.chat.runs.turnsForThread, { accountId, threadId: thread.threadId }),
        () => c.query(api.chat.approvals.pendingForThread, { accountId, threadId: thread.threadId }),
        () => c.mutation(api.chat.messages.send, { accountId, threadId: thread.threadId, text: "hijack" }),
        () => c.mutation(api.chat.threads.rename, { accountId, threadId: thread.threadId, title: "mine" }),
        () => c.mutation(api.chat.threads.setArchived, { accountId, threadId: thread.threadId, archived: true }),
      ];
      for (const call of calls) expect(await codeOf(call())).toBe("not_found");
    }
    // Zero of the owner's threads in their lists or searches.
    const theirs = await caller.client.query(api.chat.threads.list, { accountId: caller.accountId, paginationOpts: { numItems: 50, cursor: null } });
    expect(theirs.page).toEqual([]);
  }
  const turn = (await owner.client.query(api.chat.runs.turnsForThread, { accountId: owner.accountId, threadId: thread.threadId }))[0]!;
  expect(await codeOf(stranger.client.mutation(api.chat.runs.cancel, { accountId: stranger.accountId, interactionId: turn.interactionId }))).toBe("not_found");
  expect(await codeOf(colleague.client.mutation(api.chat.runs.retry, { accountId: owner.accountId, interactionId: turn.interactionId }))).toBe("not_found");
  const unchanged = await owner.client.query(api.chat.threads.get, { accountId: owner.accountId, threadId: thread.threadId });
  expect(unchanged.status).toBe("active");
});

test("a readonly member can read but not create threads or send", async () => {
  const t = newHarness();
  const admin = await asMember(t, "org_acme", "admin");
  const reader = await asMember(t, "org_acme", "readonly");
  const agentId = await assistantOf(t, admin.accountId);
  expect(await codeOf(reader.client.mutation(api.chat.threads.create, { accountId: admin.accountId, agentId }))).toBe("forbidden");
  const list = await reader.client.query(api.chat.threads.list, { accountId: admin.accountId, paginationOpts: { numItems: 5, cursor: null } });
  expect(list.page).toEqual([]);
  // Only the organisation's General conversation (convex/conversations), which readers may read.
  expect(await t.run(async (ctx) => (await ctx.db.query("threads").collect()).map((thread) => thread.title))).toEqual(["General"]);
});

test("a paused agent takes no new turns; another account's agent cannot be used", async () => {
  const t = newHarness();
  const { user, thread, agentId } = await userWithThread(t);
  await t.run(async (ctx) => ctx.db.patch("agents", agentId, { status: "paused" }));
  expect(await codeOf(send(user, thread.threadId, "anyone there?"))).toBe("policy_denied");
  const other = await userWithThread(t);
  expect(await codeOf(user.client.mutation(api.chat.threads.create, { accountId: user.accountId, agentId: other.agentId }))).toBe("not_found");
  expect(await t.run(async (ctx) => (await ctx.db.query("interactions").collect()).length)).toBe(0);
});

test("a model id no provider serves is refused before anything is written", async () => {
  const t = newHarness();
  const { user, thread, agentId } = await userWithThread(t);
  await t.run(async (ctx) => ctx.db.patch("agents", agentId, { modelId: "anthropic/claude-sonnet-4" }));
  expect(await codeOf(send(user, thread.threadId, "hello there model"))).toBe("bad_request");
  expect(await t.run(async (ctx) => (await ctx.db.query("interactions").collect()).length)).toBe(0);
});
