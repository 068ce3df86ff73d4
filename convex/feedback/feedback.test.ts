/** Thumbs up/down with a comment on a reply: one per user per message, the owner's alone, read by staff on the run. */
import { afterEach, beforeEach, expect, test, vi } from "vitest";
import { api } from "../_generated/api";
import type { Id } from "../_generated/dataModel";
import { messagesOf, send, settle, userWithThread, type Caller } from "../chat/testkit.testing";
import { asAdmin, asMember, newHarness, refusal, type Harness } from "../test.setup";

beforeEach(() => vi.useFakeTimers());
afterEach(() => vi.useRealTimers());

/** A member's thread with one completed turn: its id and the id of its reply. */
async function repliedThread(t: Harness) {
  const { user, thread } = await userWithThread(t, { orgId: "org_acme", role: "member" });
  const turn = await send(user, thread.threadId, "Tell me about tomatoes");
  await settle(t);
  const reply = (await messagesOf(user, thread.threadId)).find((m) => m.role === "assistant") as { id: string } | undefined;
  return { user, threadId: thread.threadId, interactionId: turn.interactionId, promptId: turn.messageId, replyId: reply!.id };
}

const rows = (t: Harness) => t.run(async (ctx) => ctx.db.query("messageFeedback").collect());

function rate(caller: Caller, accountId: Id<"accounts">, target: { threadId: Id<"threads">; interactionId: Id<"interactions">; messageId: string }, rating: "up" | "down", comment?: string) {
  return caller.client.mutation(api.feedback.feedback.set, { accountId, ...target, rating, ...(comment !== undefined ? { comment } : {}) });
}

test("rate a reply, change the rating and comment, take it back; support staff see it on the run", async () => {
  const t = newHarness();
  const { user, threadId, interactionId, replyId } = await repliedThread(t);
  const target = { threadId, interactionId, messageId: replyId };

  const up = await rate(user, user.accountId, target, "up");
  expect(up).toMatchObject({ messageId: replyId, interactionId, rating: "up" });
  expect(up.comment).toBeUndefined();
  const down = await rate(user, user.accountId, target, "down", "  It forgot the basil.  ");
  expect(down).toMatchObject({ rating: "down", comment: "It forgot the basil." });
  // Changed in place: still one row.
  expect((await rows(t)).length).toBe(1);
  const mine = await user.client.query(api.feedback.feedback.forThread, { accountId: user.accountId, threadId });
  expect(mine.map((f) => [f.messageId, f.rating, f.comment])).toEqual([[replyId, "down", "It forgot the basil."]]);

  // Account admins and platform admins see it on the run page; the member cannot open that view.
  const admin = await asMember(t, "org_acme", "admin");
  const platform = await asAdmin(t);
  for (const staff of [admin, platform]) {
    const seen = await staff.client.query(api.feedback.feedback.forRun, { accountId: user.accountId, interactionId });
    expect(seen.map((f) => [f.rating, f.comment, f.userName])).toEqual([["down", "It forgot the basil.", expect.stringMatching(/Member/)]]);
  }
  expect((await refusal(user.client.query(api.feedback.feedback.forRun, { accountId: user.accountId, interactionId }))).code).toBe("forbidden");

  await user.client.mutation(api.feedback.feedback.remove, { accountId: user.accountId, ...target });
  await user.client.mutation(api.feedback.feedback.remove, { accountId: user.accountId, ...target });
  expect(await rows(t)).toEqual([]);
});

test("only the conversation's owner may rate, only agent replies of that run, with a bounded comment", async () => {
  const t = newHarness();
  const { user, threadId, interactionId, promptId, replyId } = await repliedThread(t);
  const other = await repliedThread(t);
  const colleague = await asMember(t, "org_acme", "admin");
  const stranger = await asMember(t, "org_other", "admin");
  const target = { threadId, interactionId, messageId: replyId };

  // Other people: not found, from their account or the owner's.
  expect((await refusal(rate(colleague, user.accountId, target, "up"))).code).toBe("not_found");
  expect((await refusal(rate(stranger, user.accountId, target, "up"))).code).toBe("not_found");
  expect((await refusal(rate(stranger, stranger.accountId, target, "up"))).code).toBe("not_found");
  expect((await refusal(colleague.client.query(api.feedback.feedback.forThread, { accountId: user.accountId, threadId }))).code).toBe("not_found");
  // The staff view of another account's run is not found either.
  expect((await refusal(stranger.client.query(api.feedback.feedback.forRun, { accountId: stranger.accountId, interactionId }))).code).toBe("not_found");

  // The user's own prompt, a reply of another run, a run of another thread, a made-up id: not found.
  expect((await refusal(rate(user, user.accountId, { ...target, messageId: promptId }, "up"))).code).toBe("not_found");
  expect((await refusal(rate(user, user.accountId, { ...target, messageId: other.replyId }, "up"))).code).toBe("not_found");
  expect((await refusal(rate(user, user.accountId, { ...target, interactionId: other.interactionId }, "up"))).code).toBe("not_found");
  expect((await refusal(rate(user, user.accountId, { ...target, messageId: "not-a-message" }, "up"))).code).toBe("not_found");
  // Bad input.
  expect((await refusal(rate(user, user.accountId, target, "up", "x".repeat(1_001)))).code).toBe("bad_request");
  await expect(rate(user, user.accountId, target, "meh" as "up")).rejects.toThrow(/Validator/);
  expect(await rows(t)).toEqual([]);
});
