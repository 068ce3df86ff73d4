/**
 * Tool calls in the fast turn (fastTurn.ts, fastTools.ts): a tool that needs
 * no approval runs in the turn's own action, recorded before the next model
 * call; when the action dies, the workflow takes over from what was saved —
 * the tool runs once, the user sees one reply, each model call is charged once.
 */
import { afterEach, beforeEach, expect, test, vi } from "vitest";
import { api } from "../_generated/api";
import type { Id } from "../_generated/dataModel";
import { budget } from "../lib/budget";
import { crashAt, crashedAt, failNext, passes, resetFaults } from "../lib/faults.testing";
import { newHarness, type Harness } from "../test.setup";
import { accountUsage, messagesOf, send, settle, userWithThread, type Caller } from "./testkit.testing";

const TOOL_PROMPT = "what time is it in Tokyo?";

beforeEach(() => vi.useFakeTimers());
afterEach(() => {
  vi.useRealTimers();
  resetFaults();
});

async function runOf(t: Harness, interactionId: Id<"interactions">) {
  const run = (await t.run(async (ctx) => ctx.db.get("interactions", interactionId)))!;
  const steps = await t.run(async (ctx) => ctx.db.query("steps").withIndex("by_interactionId_index", (q) => q.eq("interactionId", interactionId)).collect());
  return { run, steps: steps.map((s) => [s.key.replace(/#call_.*$|#tc_.*$/, "#<call>"), s.status, s.attempt]) };
}

/** Each model call's reservation was committed once, none is still held, and the usage totals equal the run's tokens. */
async function expectChargedOnce(t: Harness, user: Caller, interactionId: Id<"interactions">, calls: number) {
  const { run } = await runOf(t, interactionId);
  expect(run.llmCalls).toBe(calls);
  const reservations = await t.run(async (ctx) => {
    const out = [];
    for (let call = 0; call <= calls; call++) out.push(await budget.getReservation(ctx, { key: `${interactionId}:llm#${call}:g0` }));
    return out;
  });
  expect(reservations.map((r) => r?.status ?? "none")).toEqual([...Array<string>(calls).fill("committed"), "none"]);
  const charged = reservations.reduce((sum, r) => sum + (r?.actual?.tokens ?? 0), 0);
  expect(charged).toBe(run.tokensIn + run.tokensOut);
  const usage = await accountUsage(user);
  expect(usage).toMatchObject({ tokens: run.tokensIn + run.tokensOut, turns: 1 });
}

async function replies(user: Caller, threadId: Id<"threads">) {
  const messages = await messagesOf(user, threadId);
  return {
    assistant: messages.filter((m) => m.role === "assistant").map((m) => m.status),
    toolParts: messages.flatMap((m) => m.parts).filter((p) => p.type === "tool-current_time").length,
    stuck: messages.filter((m) => m.status === "streaming" || m.status === "pending").length,
  };
}

test("a tool call that needs no approval runs in the fast turn: no workflow, run once, each model call charged once", async () => {
  const t = newHarness();
  const { user, thread } = await userWithThread(t);
  const { interactionId } = await send(user, thread.threadId, TOOL_PROMPT);
  await settle(t);
  const { run, steps } = await runOf(t, interactionId);
  expect(run.status).toBe("completed");
  expect(run.workflowId).toBeUndefined();
  expect(steps).toEqual([
    ["triage", "succeeded", 1],
    ["llm#0", "succeeded", 1],
    ["tool#<call>", "succeeded", 1],
    ["llm#1", "succeeded", 1],
  ]);
  expect(passes("tool.execute", "current_time")).toBe(1);
  expect(await replies(user, thread.threadId)).toEqual({ assistant: ["success"], toolParts: 1, stuck: 0 });
  expect((await messagesOf(user, thread.threadId)).at(-1)!.text).toMatch(/Tokyo/);
  await expectChargedOnce(t, user, interactionId, 2);
});

/**
 * Crash the fast turn at crash point `at`, expecting it at `label`; the watch hands the turn to the
 * workflow, which finishes it: the tool ran once, one reply, each model call charged once.
 */
async function crashAndRecover(at: number, label: string, secondCallAttempts: number) {
  const t = newHarness();
  const { user, thread } = await userWithThread(t);
  crashAt(at);
  const { interactionId } = await send(user, thread.threadId, TOOL_PROMPT);
  await settle(t);
  expect(crashedAt()).toEqual([label]);
  const { run, steps } = await runOf(t, interactionId);
  expect(run.status).toBe("completed");
  expect(run.workflowId).toBeDefined(); // the watch handed the turn over
  expect(steps).toEqual([
    ["triage", "succeeded", 1],
    ["llm#0", "succeeded", 1],
    ["tool#<call>", "succeeded", 1],
    ["llm#1", "succeeded", secondCallAttempts],
  ]);
  expect(passes("tool.execute", "current_time")).toBe(1);
  expect(await replies(user, thread.threadId)).toEqual({ assistant: ["success"], toolParts: 1, stuck: 0 });
  await expectChargedOnce(t, user, interactionId, 2);
}

test("the fast turn dies after its tool call finished, before the next model call: the workflow finishes the turn without running the tool again", async () => {
  // Crash points passed: llm:before, llm:after-reply-saved, tool:before, tool:after-effect, then the second call's llm:before.
  await crashAndRecover(5, "llm:before", 1);
});

test("the fast turn dies during the second model call, its reply saved: the workflow reuses that reply, not doubled, charged once", async () => {
  // The second call's llm:after-reply-saved; its row says it took two attempts, the model answered once.
  await crashAndRecover(6, "llm:after-reply-saved", 2);
});

test("a tool that throws hands the turn to the workflow, which retries it: one effect, the turn completes", async () => {
  const t = newHarness();
  const { user, thread, agentId } = await userWithThread(t);
  await user.client.mutation(api.tools.assignments.update, { accountId: user.accountId, agentId, toolSlug: "save_note", needsApproval: false });
  failNext("tool.afterEffect", 1, "save_note");
  const { interactionId } = await send(user, thread.threadId, "save_note: renew passport");
  await settle(t);
  const { run } = await runOf(t, interactionId);
  expect(run.status).toBe("completed");
  expect(run.workflowId).toBeDefined();
  expect(passes("tool.execute", "save_note")).toBe(2);
  expect(await t.run(async (ctx) => (await ctx.db.query("notes").collect()).length)).toBe(1);
  await expectChargedOnce(t, user, interactionId, 2);
});

test("a tool that needs approval hands the turn to the workflow before anything runs", async () => {
  const t = newHarness();
  const { user, thread } = await userWithThread(t);
  const { interactionId } = await send(user, thread.threadId, "save_note: call the plumber");
  await settle(t);
  const { run } = await runOf(t, interactionId);
  expect(run.status).toBe("waiting");
  expect(run.workflowId).toBeDefined();
  expect(passes("tool.execute", "save_note")).toBe(0);
  expect(await user.client.query(api.chat.approvals.pendingForThread, { accountId: user.accountId, threadId: thread.threadId })).toHaveLength(1);
});

test("a pause switched on during the fast turn holds it before its next model call; resuming finishes it once", async () => {
  const t = newHarness();
  const { user, thread, agentId } = await userWithThread(t);
  const { interactionId } = await send(user, thread.threadId, TOOL_PROMPT);
  // Paused after the message was accepted: the first call runs, the turn is held before the second.
  await t.run(async (ctx) => ctx.db.patch("agents", agentId, { status: "paused" }));
  await settle(t);
  const held = await runOf(t, interactionId);
  expect(held.run.status).toBe("waiting");
  expect(held.steps.filter(([key]) => key === "llm#1")).toEqual([]);
  expect(passes("tool.execute", "current_time")).toBe(1);
  expect(await user.client.query(api.ops.hold.heldReason, { accountId: user.accountId, interactionId })).toMatchObject({ reason: expect.stringMatching(/paused/) });

  await user.client.mutation(api.agents.agents.resume, { accountId: user.accountId, agentId });
  await settle(t);
  const { run } = await runOf(t, interactionId);
  expect(run.status).toBe("completed");
  expect(passes("tool.execute", "current_time")).toBe(1);
  expect(await replies(user, thread.threadId)).toEqual({ assistant: ["success"], toolParts: 1, stuck: 0 });
  await expectChargedOnce(t, user, interactionId, 2);
});
