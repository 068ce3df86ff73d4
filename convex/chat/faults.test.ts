/**
 * Durability under injected faults (RELIABILITY R1–R3): the model or a tool
 * fails mid-turn; the turn is retried and completes with nothing lost and
 * nothing doubled.
 */
import { afterEach, beforeEach, expect, test, vi } from "vitest";
import { api } from "../_generated/api";
import { failNext, offlineModel, passes, resetFaults } from "../lib/faults.testing";
import { newHarness } from "../test.setup";
import { accountUsage, messagesOf, send, settle, userWithThread } from "./testkit.testing";

beforeEach(() => vi.useFakeTimers());
afterEach(() => {
  vi.useRealTimers();
  resetFaults();
});

test("the model fails once before answering: the call is retried and the reply saved once", async () => {
  const t = newHarness();
  const { user, thread } = await userWithThread(t);
  offlineModel.options = { faults: { failNextCalls: 1, error: "5xx" } };
  await send(user, thread.threadId, "Explain what a journal is in a workflow engine");
  await settle(t);
  const messages = await messagesOf(user, thread.threadId);
  expect(messages.map((m) => [m.role, m.status])).toEqual([
    ["user", "success"],
    ["assistant", "success"],
  ]);
  const steps = await t.run(async (ctx) => ctx.db.query("steps").collect());
  const llm = steps.find((s) => s.kind === "llm")!;
  expect(llm).toMatchObject({ status: "succeeded", attempt: 2 });
  const [turn] = await user.client.query(api.chat.runs.turnsForThread, { accountId: user.accountId, threadId: thread.threadId });
  expect(turn!.status).toBe("completed");
});

test("the provider fails mid-stream: no truncated or doubled reply, nothing stuck streaming", async () => {
  const t = newHarness();
  const { user, thread } = await userWithThread(t);
  offlineModel.options = { faults: { failAfterChunks: 2, error: "5xx" } };
  await send(user, thread.threadId, "Describe how budgets are reserved before spending");
  await settle(t);
  const messages = await messagesOf(user, thread.threadId);
  const finals = messages.filter((m) => m.role === "assistant" && m.status === "success");
  expect(finals).toHaveLength(1);
  // The complete reply: what the model says without faults.
  offlineModel.options = undefined;
  const clean = newHarness();
  const reference = await userWithThread(clean);
  await send(reference.user, reference.thread.threadId, "Describe how budgets are reserved before spending");
  await settle(clean);
  const expected = (await messagesOf(reference.user, reference.thread.threadId)).at(-1)!.text;
  expect(finals[0]!.text).toBe(expected);
  expect(messages.filter((m) => m.status === "streaming" || m.status === "pending")).toEqual([]);
});

test("a tool throws after its side effect on the first attempt: retried, one effect, attempts visible (R1)", async () => {
  const t = newHarness();
  const { user, thread, agentId } = await userWithThread(t);
  // Through the API: a run follows the agent version it pinned, not later edits of the rows.
  await user.client.mutation(api.tools.assignments.update, { accountId: user.accountId, agentId, toolSlug: "save_note", needsApproval: false });
  failNext("tool.afterEffect", 1, "save_note");
  await send(user, thread.threadId, "save_note: renew passport");
  await settle(t);
  expect(passes("tool.execute", "save_note")).toBe(2);
  const notes = await t.run(async (ctx) => ctx.db.query("notes").collect());
  expect(notes).toHaveLength(1);
  const calls = await t.run(async (ctx) => ctx.db.query("toolCalls").collect());
  expect(calls[0]).toMatchObject({ status: "committed", attempts: 2 });
  const toolStep = (await t.run(async (ctx) => ctx.db.query("steps").collect())).find((s) => s.kind === "tool")!;
  expect(toolStep).toMatchObject({ status: "succeeded", attempt: 2 });
  const [turn] = await user.client.query(api.chat.runs.turnsForThread, { accountId: user.accountId, threadId: thread.threadId });
  expect(turn!.status).toBe("completed");
  // One tool result in the thread, not two.
  const messages = await messagesOf(user, thread.threadId);
  const toolParts = messages.flatMap((m) => m.parts).filter((p) => p.type === "tool-save_note");
  expect(toolParts).toHaveLength(1);
});

test("a tool that keeps failing: the model is told and answers; the turn completes", async () => {
  const t = newHarness();
  const { user, thread } = await userWithThread(t);
  failNext("tool.execute", 10, "current_time");
  await send(user, thread.threadId, "What time is it in Paris?");
  await settle(t);
  expect(passes("tool.execute", "current_time")).toBe(3);
  const messages = await messagesOf(user, thread.threadId);
  const reply = messages.at(-1)!;
  expect(reply.role).toBe("assistant");
  expect(reply.text.toLowerCase()).toMatch(/fail|error|could not|couldn't/);
});

test("the provider keeps failing: the turn fails with its reason, the message is kept, and retry resumes from the failed call", async () => {
  const t = newHarness();
  const { user, thread } = await userWithThread(t);
  offlineModel.options = { faults: { failNextCalls: 4, error: "429" } };
  const { interactionId } = await send(user, thread.threadId, "Give me three facts about tides");
  await settle(t);
  const [failed] = await user.client.query(api.chat.runs.turnsForThread, { accountId: user.accountId, threadId: thread.threadId });
  expect(failed).toMatchObject({ status: "failed", canRetry: true });
  expect(failed!.error!.message).toMatch(/model provider failed.*429/i);
  let messages = await messagesOf(user, thread.threadId);
  expect(messages[0]).toMatchObject({ role: "user", text: "Give me three facts about tides" });
  expect(messages.filter((m) => m.role === "assistant" && m.status === "success")).toEqual([]);
  // Budget: nothing left reserved.
  const [status] = await user.client.query(api.usage.budgets.status, { accountId: user.accountId });
  expect(status?.reservedTokens ?? 0).toBe(0);

  const triageRunsBefore = (await t.run(async (ctx) => ctx.db.query("steps").collect())).find((s) => s.kind === "triage")!.attempt;
  await user.client.mutation(api.chat.runs.retry, { accountId: user.accountId, interactionId });
  await settle(t);
  const [done] = await user.client.query(api.chat.runs.turnsForThread, { accountId: user.accountId, threadId: thread.threadId });
  expect(done!.status).toBe("completed");
  messages = await messagesOf(user, thread.threadId);
  expect(messages.filter((m) => m.role === "assistant" && m.status === "success")).toHaveLength(1);
  // Triage (before the failed step) did not run again.
  const triage = (await t.run(async (ctx) => ctx.db.query("steps").collect())).find((s) => s.kind === "triage")!;
  expect(triage.attempt).toBe(triageRunsBefore);
});

test("the model step dies after the reply was saved: the retry reuses the reply instead of calling the model again (R4)", async () => {
  const { offlineModelCalls } = await import("../models/offline");
  const t = newHarness();
  const { user, thread } = await userWithThread(t);
  const prompt = "What makes a good postmortem?";
  failNext("model.afterReplySaved", 1);
  const callsBefore = offlineModelCalls.length;
  await send(user, thread.threadId, prompt);
  await settle(t);
  expect(offlineModelCalls.length - callsBefore).toBe(1);
  const messages = await messagesOf(user, thread.threadId);
  expect(messages.map((m) => [m.role, m.status])).toEqual([
    ["user", "success"],
    ["assistant", "success"],
  ]);
  const llm = (await t.run(async (ctx) => ctx.db.query("steps").collect())).find((s) => s.kind === "llm")!;
  expect(llm).toMatchObject({ status: "succeeded", attempt: 2 });
  const [turn] = await user.client.query(api.chat.runs.turnsForThread, { accountId: user.accountId, threadId: thread.threadId });
  expect(turn!.status).toBe("completed");
  expect(turn!.tokensOut).toBeGreaterThan(0);
  // Budget charged once.
  const usage = await accountUsage(user);
  expect(usage.tokens).toBe(turn!.tokensIn + turn!.tokensOut);
  expect(usage.turns).toBe(1);
});
