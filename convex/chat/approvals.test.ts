import { afterEach, beforeEach, expect, test, vi } from "vitest";
import { api } from "../_generated/api";
import { codeOf, newHarness } from "../test.setup";
import { messagesOf, send, settle, userWithThread } from "./testkit.testing";

beforeEach(() => vi.useFakeTimers());
afterEach(() => vi.useRealTimers());

test("a tool that needs approval waits durably, is approved from another session, and runs once", async () => {
  const t = newHarness();
  const { user, thread } = await userWithThread(t);
  await send(user, thread.threadId, "save_note: call the plumber on Monday");
  await settle(t);

  // The turn is parked on the approval; nothing was written yet.
  const turns = await user.client.query(api.chat.runs.turnsForThread, { accountId: user.accountId, threadId: thread.threadId });
  expect(turns[0]!.status).toBe("waiting");
  expect(await t.run(async (ctx) => (await ctx.db.query("notes").collect()).length)).toBe(0);

  // A new client for the same person (a reload) still sees the request.
  const reloaded = t.withIdentity({ tokenIdentifier: (await t.run(async (ctx) => ctx.db.get("userProfiles", user.userId)))!.tokenIdentifier, subject: "same" });
  const pending = await reloaded.query(api.chat.approvals.pendingForThread, { accountId: user.accountId, threadId: thread.threadId });
  expect(pending).toHaveLength(1);
  expect(pending[0]!.toolSlug).toBe("save_note");

  const decided = await reloaded.mutation(api.chat.approvals.decide, { accountId: user.accountId, approvalId: pending[0]!.approvalId, approve: true });
  expect(decided).toEqual({ status: "approved", changed: true });
  // Deciding the same way twice is a no-op; the other way is a conflict.
  expect(await reloaded.mutation(api.chat.approvals.decide, { accountId: user.accountId, approvalId: pending[0]!.approvalId, approve: true })).toEqual({
    status: "approved",
    changed: false,
  });
  expect(await codeOf(reloaded.mutation(api.chat.approvals.decide, { accountId: user.accountId, approvalId: pending[0]!.approvalId, approve: false }))).toBe("conflict");
  await settle(t);

  const notes = await t.run(async (ctx) => ctx.db.query("notes").collect());
  expect(notes).toHaveLength(1);
  expect(notes[0]!.text).toContain("plumber");
  const after = await user.client.query(api.chat.runs.turnsForThread, { accountId: user.accountId, threadId: thread.threadId });
  expect(after[0]!.status).toBe("completed");
  const messages = await messagesOf(user, thread.threadId);
  expect(messages.at(-1)!.role).toBe("assistant");
  expect(await user.client.query(api.chat.approvals.pendingForThread, { accountId: user.accountId, threadId: thread.threadId })).toEqual([]);
});

test("a denied tool call goes back to the model as the tool's result; nothing is written", async () => {
  const t = newHarness();
  const { user, thread } = await userWithThread(t);
  await send(user, thread.threadId, "save_note: buy milk");
  await settle(t);
  const [pending] = await user.client.query(api.chat.approvals.pendingForThread, { accountId: user.accountId, threadId: thread.threadId });
  await user.client.mutation(api.chat.approvals.decide, { accountId: user.accountId, approvalId: pending!.approvalId, approve: false, reason: "not now" });
  await settle(t);
  expect(await t.run(async (ctx) => (await ctx.db.query("notes").collect()).length)).toBe(0);
  const messages = await messagesOf(user, thread.threadId);
  const reply = messages.at(-1)!;
  expect(reply.role).toBe("assistant");
  expect(reply.text.toLowerCase()).toMatch(/denied/);
  const turns = await user.client.query(api.chat.runs.turnsForThread, { accountId: user.accountId, threadId: thread.threadId });
  expect(turns[0]!.status).toBe("completed");
});

test("forged approvals are refused: another user, another account, unknown id", async () => {
  const t = newHarness();
  const { user, thread } = await userWithThread(t);
  await send(user, thread.threadId, "save_note: secret plan");
  await settle(t);
  const [pending] = await user.client.query(api.chat.approvals.pendingForThread, { accountId: user.accountId, threadId: thread.threadId });
  const other = await userWithThread(t);
  // Other user, through their own account and through the victim's.
  expect(await codeOf(other.user.client.mutation(api.chat.approvals.decide, { accountId: other.user.accountId, approvalId: pending!.approvalId, approve: true }))).toBe("not_found");
  expect(await codeOf(other.user.client.mutation(api.chat.approvals.decide, { accountId: user.accountId, approvalId: pending!.approvalId, approve: true }))).toBe("not_found");
  // Unknown (deleted) approval id.
  const ghost = await t.run(async (ctx) => {
    const a = (await ctx.db.get("approvals", pending!.approvalId))!;
    const { _id, _creationTime, ...rest } = a;
    const id = await ctx.db.insert("approvals", rest);
    await ctx.db.delete("approvals", id);
    return id;
  });
  expect(await codeOf(user.client.mutation(api.chat.approvals.decide, { accountId: user.accountId, approvalId: ghost, approve: true }))).toBe("not_found");
  await settle(t);
  expect(await t.run(async (ctx) => (await ctx.db.query("notes").collect()).length)).toBe(0);
  const still = await user.client.query(api.chat.approvals.pendingForThread, { accountId: user.accountId, threadId: thread.threadId });
  expect(still).toHaveLength(1);
});
