import { afterEach, beforeEach, expect, test, vi } from "vitest";
import { api } from "../_generated/api";
import { newHarness } from "../test.setup";
import { messagesOf, send, settle, userWithThread } from "./testkit.testing";

beforeEach(() => vi.useFakeTimers());
afterEach(() => vi.useRealTimers());

test("cancelling a turn that waits for approval: no further steps, approval withdrawn, twice is a no-op", async () => {
  const t = newHarness();
  const { user, thread } = await userWithThread(t);
  const { interactionId } = await send(user, thread.threadId, "save_note: order new tyres");
  await settle(t);
  expect(await user.client.mutation(api.chat.runs.cancel, { accountId: user.accountId, interactionId })).toEqual({ cancelled: true });
  expect(await user.client.mutation(api.chat.runs.cancel, { accountId: user.accountId, interactionId })).toEqual({ cancelled: false });
  await settle(t);
  const [turn] = await user.client.query(api.chat.runs.turnsForThread, { accountId: user.accountId, threadId: thread.threadId });
  expect(turn!.status).toBe("cancelled");
  expect(await user.client.query(api.chat.approvals.pendingForThread, { accountId: user.accountId, threadId: thread.threadId })).toEqual([]);
  expect(await t.run(async (ctx) => (await ctx.db.query("notes").collect()).length)).toBe(0);
  const steps = await t.run(async (ctx) => ctx.db.query("steps").collect());
  expect(steps.filter((s) => s.status === "running" || s.status === "waiting")).toEqual([]);
});

test("cancelling a queued turn: the model is never called and no reply appears", async () => {
  const t = newHarness();
  const { user, thread } = await userWithThread(t);
  const { interactionId } = await send(user, thread.threadId, "Write me a long essay about tides");
  await user.client.mutation(api.chat.runs.cancel, { accountId: user.accountId, interactionId });
  await settle(t);
  const messages = await messagesOf(user, thread.threadId);
  expect(messages.map((m) => m.role)).toEqual(["user"]);
  const interaction = await t.run(async (ctx) => ctx.db.get("interactions", interactionId));
  expect(interaction).toMatchObject({ status: "cancelled", llmCalls: 0, tokensOut: 0 });
});
