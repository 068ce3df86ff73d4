/**
 * Kill switches that bite running turns: a turn parked between two model
 * calls (here on a tool approval) meets a pause at its next step boundary,
 * is held there with the reason, calls no model while held, and continues
 * when the switch is off.
 */
import { afterEach, beforeEach, expect, test, vi } from "vitest";
import { api } from "../_generated/api";
import type { Id } from "../_generated/dataModel";
import { messagesOf, send, settle, userWithThread, type Caller } from "../chat/testkit.testing";
import { asAdmin, asUser, newHarness, refusal, type Harness } from "../test.setup";

beforeEach(() => vi.useFakeTimers());
afterEach(() => {
  vi.restoreAllMocks();
  vi.useRealTimers();
});

/** The hold's own JSON log lines printed so far (`turn_held`, `turn_released`). */
function holdLines(logged: { mock: { calls: unknown[][] } }): Record<string, unknown>[] {
  return logged.mock.calls
    .map(([line]) => (typeof line === "string" && line.startsWith("{") ? (JSON.parse(line) as Record<string, unknown>) : null))
    .filter((line): line is Record<string, unknown> => line !== null && (line.event === "turn_held" || line.event === "turn_released"));
}

async function turnOf(user: Caller, threadId: Id<"threads">) {
  const [turn] = await user.client.query(api.chat.runs.turnsForThread, { accountId: user.accountId, threadId });
  return turn!;
}

async function modelCalls(t: Harness) {
  return await t.run(async (ctx) => (await ctx.db.query("steps").collect()).filter((s) => s.kind === "llm").length);
}

/** A turn that made its first model call and waits for the user to approve `save_note`. */
async function turnBetweenModelCalls(t: Harness) {
  const { user, thread, agentId } = await userWithThread(t);
  await send(user, thread.threadId, "save_note: call the plumber");
  await settle(t);
  const turn = await turnOf(user, thread.threadId);
  expect(turn.status).toBe("waiting");
  const [approval] = await user.client.query(api.chat.approvals.pendingForThread, { accountId: user.accountId, threadId: thread.threadId });
  const approve = async () => {
    await user.client.mutation(api.chat.approvals.decide, { accountId: user.accountId, approvalId: approval!.approvalId, approve: true });
    await settle(t);
  };
  return { user, thread, turn, agentId, approve };
}

test("a platform pause holds a running turn before its next model call; resuming lets it finish", async () => {
  const t = newHarness();
  const admin = await asAdmin(t);
  const { user, thread, turn, approve } = await turnBetweenModelCalls(t);
  const callsBefore = await modelCalls(t);
  await admin.client.mutation(api.ops.pause.setPlatformPaused, { paused: true, reason: "incident" });
  const logged = vi.spyOn(console, "log");
  await approve();

  // The tool ran (its step was already under way); the next model call did not.
  expect(await t.run(async (ctx) => (await ctx.db.query("notes").collect()).length)).toBe(1);
  expect(await modelCalls(t)).toBe(callsBefore);
  expect((await turnOf(user, thread.threadId)).status).toBe("waiting");
  expect(await user.client.query(api.ops.hold.heldReason, { accountId: user.accountId, interactionId: turn.interactionId })).toMatchObject({
    reason: "held: platform paused",
  });
  // The conversation says so too.
  expect(await user.client.query(api.ops.hold.heldInThread, { accountId: user.accountId, threadId: thread.threadId })).toMatchObject({
    interactionId: turn.interactionId,
    reason: "held: platform paused",
  });
  // Time passes; it stays held.
  await vi.advanceTimersByTimeAsync(10 * 60_000);
  await settle(t);
  expect(await modelCalls(t)).toBe(callsBefore);

  await admin.client.mutation(api.ops.pause.setPlatformPaused, { paused: false });
  await settle(t);
  expect((await turnOf(user, thread.threadId)).status).toBe("completed");
  expect(await modelCalls(t)).toBe(callsBefore + 1);
  expect((await messagesOf(user, thread.threadId)).at(-1)!.role).toBe("assistant");
  expect(await user.client.query(api.ops.hold.heldReason, { accountId: user.accountId, interactionId: turn.interactionId })).toBeNull();
  expect(await user.client.query(api.ops.hold.heldInThread, { accountId: user.accountId, threadId: thread.threadId })).toBeNull();
  expect(await t.run(async (ctx) => (await ctx.db.query("heldRuns").collect()).length)).toBe(0);
  // Both log lines name the run's tree, so the root's log view shows the hold.
  expect(holdLines(logged)).toEqual([
    expect.objectContaining({ event: "turn_held", interactionId: turn.interactionId, root_interaction_id: turn.interactionId }),
    expect.objectContaining({ event: "turn_released", interactionId: turn.interactionId, root_interaction_id: turn.interactionId }),
  ]);
});

test("an agent pause holds its running turn; with the platform resumed first it stays held for the agent, then finishes once", async () => {
  const t = newHarness();
  const admin = await asAdmin(t);
  const { user, thread, turn, agentId, approve } = await turnBetweenModelCalls(t);
  const callsBefore = await modelCalls(t);
  await user.client.mutation(api.agents.agents.pause, { accountId: user.accountId, agentId: agentId });
  await admin.client.mutation(api.ops.pause.setPlatformPaused, { paused: true });
  await approve();
  expect(await user.client.query(api.ops.hold.heldReason, { accountId: user.accountId, interactionId: turn.interactionId })).toMatchObject({
    reason: "held: platform paused",
  });

  // The platform resumes; the agent is still paused: held again, now for the agent.
  await admin.client.mutation(api.ops.pause.setPlatformPaused, { paused: false });
  await settle(t);
  expect(await modelCalls(t)).toBe(callsBefore);
  expect(await user.client.query(api.ops.hold.heldReason, { accountId: user.accountId, interactionId: turn.interactionId })).toMatchObject({
    reason: "held: Assistant is paused",
  });

  // Resuming twice wakes it once.
  await user.client.mutation(api.agents.agents.resume, { accountId: user.accountId, agentId: agentId });
  await user.client.mutation(api.agents.agents.resume, { accountId: user.accountId, agentId: agentId });
  await settle(t);
  expect((await turnOf(user, thread.threadId)).status).toBe("completed");
  expect(await modelCalls(t)).toBe(callsBefore + 1);
  expect((await messagesOf(user, thread.threadId)).filter((m) => m.role === "assistant" && m.text.includes("plumber")).length).toBeLessThanOrEqual(1);
});

test("a held turn can be cancelled; resuming later does not wake it", async () => {
  const t = newHarness();
  const { user, thread, turn, agentId, approve } = await turnBetweenModelCalls(t);
  await user.client.mutation(api.agents.agents.pause, { accountId: user.accountId, agentId: agentId });
  await approve();
  const callsBefore = await modelCalls(t);
  expect(await user.client.mutation(api.chat.runs.cancel, { accountId: user.accountId, interactionId: turn.interactionId })).toEqual({ cancelled: true });
  await user.client.mutation(api.agents.agents.resume, { accountId: user.accountId, agentId: agentId });
  await settle(t);
  expect((await turnOf(user, thread.threadId)).status).toBe("cancelled");
  expect(await modelCalls(t)).toBe(callsBefore);
  expect(await t.run(async (ctx) => (await ctx.db.query("heldRuns").collect()).length)).toBe(0);
});

test("why a run is held is the run owner's to read: others get not_found", async () => {
  const t = newHarness();
  const { turn, user, thread } = await turnBetweenModelCalls(t);
  const stranger = await asUser(t);
  expect((await refusal(stranger.client.query(api.ops.hold.heldInThread, { accountId: user.accountId, threadId: thread.threadId }))).code).toBe("not_found");
  expect((await refusal(stranger.client.query(api.ops.hold.heldInThread, { accountId: stranger.accountId, threadId: thread.threadId }))).code).toBe("not_found");
  expect((await refusal(stranger.client.query(api.ops.hold.heldReason, { accountId: stranger.accountId, interactionId: turn.interactionId }))).code).toBe("not_found");
  expect((await refusal(stranger.client.query(api.ops.hold.heldReason, { accountId: user.accountId, interactionId: turn.interactionId }))).code).toBe("not_found");
});
