/**
 * The first model call before any workflow (fastTurn.ts): a plain answer
 * needs no workflow at all; a tool call, a provider failure or a dead first
 * call hands the turn to the workflow, and the user sees one reply either way.
 */
import { afterEach, beforeEach, expect, test, vi } from "vitest";
import type { Id } from "../_generated/dataModel";
import { crashAt, crashedAt, offlineModel, resetFaults } from "../lib/faults.testing";
import { newHarness, type Harness } from "../test.setup";
import { accountUsage, messagesOf, send, settle, userWithThread } from "./testkit.testing";

beforeEach(() => vi.useFakeTimers());
afterEach(() => {
  vi.useRealTimers();
  resetFaults();
});

async function runOf(t: Harness, interactionId: Id<"interactions">) {
  const run = await t.run(async (ctx) => ctx.db.get("interactions", interactionId));
  const steps = await t.run(async (ctx) => ctx.db.query("steps").withIndex("by_interactionId_index", (q) => q.eq("interactionId", interactionId)).collect());
  return { run: run!, steps: steps.map((s) => [s.key, s.status, s.attempt]) };
}

test("a plain answer: one model call, no workflow, the reply saved once and charged once", async () => {
  const t = newHarness();
  const { user, thread } = await userWithThread(t);
  const { interactionId } = await send(user, thread.threadId, "Give me three facts about tides");
  await settle(t);
  const { run, steps } = await runOf(t, interactionId);
  expect(run).toMatchObject({ status: "completed", llmCalls: 1 });
  expect(run.workflowId).toBeUndefined();
  expect(steps).toEqual([["triage", "succeeded", 1], ["llm#0", "succeeded", 1]]);
  const replies = (await messagesOf(user, thread.threadId)).filter((m) => m.role === "assistant");
  expect(replies.map((m) => m.status)).toEqual(["success"]);
  expect((await accountUsage(user)).tokens).toBe(run.tokensIn + run.tokensOut);
});

test("the first call dies before answering: the watch hands the turn to the workflow, which answers once", async () => {
  const t = newHarness();
  const { user, thread } = await userWithThread(t);
  crashAt(1); // the first crash point reached: `llm:before` of the first call
  const { interactionId } = await send(user, thread.threadId, "Give me three facts about tides");
  await settle(t);
  expect(crashedAt().at(-1)).toBe("llm:before");
  const { run, steps } = await runOf(t, interactionId);
  expect(run).toMatchObject({ status: "completed", llmCalls: 1 });
  expect(run.workflowId).toBeDefined();
  expect(steps).toEqual([["triage", "succeeded", 1], ["llm#0", "succeeded", 1]]);
  const replies = (await messagesOf(user, thread.threadId)).filter((m) => m.role === "assistant");
  expect(replies.map((m) => m.status)).toEqual(["success"]);
  expect((await accountUsage(user)).tokens).toBe(run.tokensIn + run.tokensOut);
});

test("the provider fails once on the first call: the workflow retries it after the advised delay", async () => {
  const t = newHarness();
  const { user, thread } = await userWithThread(t);
  offlineModel.options = { faults: { failNextCalls: 1, error: "429", retryAfterMs: 1_000 } };
  const { interactionId } = await send(user, thread.threadId, "Give me three facts about tides");
  await settle(t);
  const { run, steps } = await runOf(t, interactionId);
  expect(run).toMatchObject({ status: "completed", llmCalls: 1 });
  expect(run.workflowId).toBeDefined();
  expect(steps).toEqual([["triage", "succeeded", 1], ["llm#0", "succeeded", 2]]);
  expect((await messagesOf(user, thread.threadId)).filter((m) => m.role === "assistant").map((m) => m.status)).toEqual(["success"]);
});
