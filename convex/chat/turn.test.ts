import { afterEach, beforeEach, expect, test, vi } from "vitest";
import { api } from "../_generated/api";
import type { Id } from "../_generated/dataModel";
import { asUser, codeOf, newHarness, type Harness } from "../test.setup";

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

async function settle(t: Harness) {
  await t.finishAllScheduledFunctions(vi.runAllTimers);
}

async function startThread(t: Harness) {
  const user = await asUser(t);
  const agents = await t.run(async (ctx) =>
    ctx.db.query("agents").withIndex("by_accountId_slug", (q) => q.eq("accountId", user.accountId)).collect(),
  );
  const agentId = agents[0]!._id as Id<"agents">;
  const thread = await user.client.mutation(api.chat.threads.create, { accountId: user.accountId, agentId });
  return { user, thread, agentId };
}

async function messagesOf(t: Harness, user: Awaited<ReturnType<typeof asUser>>, threadId: Id<"threads">) {
  const result = await user.client.query(api.chat.messages.list, {
    accountId: user.accountId,
    threadId,
    paginationOpts: { numItems: 50, cursor: null },
  });
  return result.page as { role: string; text: string; status: string }[];
}

test("a message gets an answer from the offline model, saved once", async () => {
  const t = newHarness();
  const { user, thread } = await startThread(t);
  const sent = await user.client.mutation(api.chat.messages.send, {
    accountId: user.accountId,
    threadId: thread.threadId,
    text: "Tell me about durable workflows",
  });
  await settle(t);
  const messages = await messagesOf(t, user, thread.threadId);
  expect(messages.map((m) => m.role)).toEqual(["user", "assistant"]);
  expect(messages[1]!.text.length).toBeGreaterThan(20);
  const turns = await user.client.query(api.chat.runs.turnsForThread, { accountId: user.accountId, threadId: thread.threadId });
  expect(turns[0]).toMatchObject({ interactionId: sent.interactionId, status: "completed" });
  expect(turns[0]!.tokensOut).toBeGreaterThan(0);
});

test("triage answers a greeting without calling the model", async () => {
  const t = newHarness();
  const { user, thread } = await startThread(t);
  await user.client.mutation(api.chat.messages.send, { accountId: user.accountId, threadId: thread.threadId, text: "Hello!" });
  await settle(t);
  const messages = await messagesOf(t, user, thread.threadId);
  expect(messages.map((m) => m.text)).toEqual(["Hello!", "Hello! What can I do for you?"]);
  const steps = await t.run(async (ctx) => ctx.db.query("steps").collect());
  expect(steps.map((s) => s.kind)).toEqual(["triage"]);
});

test("a tool call runs once and its result is in the thread", async () => {
  const t = newHarness();
  const { user, thread } = await startThread(t);
  await user.client.mutation(api.chat.messages.send, {
    accountId: user.accountId,
    threadId: thread.threadId,
    text: "What time is it in Tokyo?",
  });
  await settle(t);
  const messages = await messagesOf(t, user, thread.threadId);
  const last = messages.at(-1)!;
  expect(last.role).toBe("assistant");
  expect(last.text).toMatch(/Tokyo|Asia\/Tokyo/);
  const calls = await t.run(async (ctx) => ctx.db.query("toolCalls").collect());
  expect(calls).toHaveLength(1);
  expect(calls[0]).toMatchObject({ toolSlug: "current_time", status: "committed", attempts: 1 });
});

test("bad input to send is refused and writes nothing", async () => {
  const t = newHarness();
  const { user, thread } = await startThread(t);
  const send = (text: string) => user.client.mutation(api.chat.messages.send, { accountId: user.accountId, threadId: thread.threadId, text });
  expect(await codeOf(send("   "))).toBe("bad_request");
  expect(await codeOf(send("x".repeat(8_001)))).toBe("bad_request");
  const count = await t.run(async (ctx) => (await ctx.db.query("interactions").collect()).length);
  expect(count).toBe(0);
});
