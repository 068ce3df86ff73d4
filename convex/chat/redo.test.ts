/** Regenerating the last reply and editing the last message: new turns, the old ones kept. */
import { afterEach, beforeEach, expect, test, vi } from "vitest";
import { api } from "../_generated/api";
import type { Id } from "../_generated/dataModel";
import { asMember, newHarness, refusal } from "../test.setup";
import { messagesOf, send, settle, userWithThread } from "./testkit.testing";

beforeEach(() => vi.useFakeTimers());
afterEach(() => vi.useRealTimers());

async function turnsOf(user: Awaited<ReturnType<typeof userWithThread>>["user"], threadId: Awaited<ReturnType<typeof userWithThread>>["thread"]["threadId"]) {
  return (await user.client.query(api.chat.runs.turnsForThread, { accountId: user.accountId, threadId })).reverse();
}

test("regenerate starts a new turn for the last message; the earlier reply and run stay", async () => {
  const t = newHarness();
  const { user, thread } = await userWithThread(t);
  const first = await send(user, thread.threadId, "Suggest a name for a tomato variety");
  await settle(t);
  const again = await user.client.mutation(api.chat.messages.regenerate, { accountId: user.accountId, threadId: thread.threadId, interactionId: first.interactionId });
  expect(again.interactionId).not.toBe(first.interactionId);
  await settle(t);

  const turns = await turnsOf(user, thread.threadId);
  expect(turns.map((turn) => [turn.interactionId, turn.status])).toEqual([
    [first.interactionId, "completed"],
    [again.interactionId, "completed"],
  ]);
  const messages = await messagesOf(user, thread.threadId);
  expect(messages.map((m) => [m.role, m.text.slice(0, 20)])).toEqual([
    ["user", "Suggest a name for a"],
    ["assistant", messages[1]!.text.slice(0, 20)],
    ["user", "Suggest a name for a"],
    ["assistant", messages[3]!.text.slice(0, 20)],
  ]);
  expect(messages[3]!.status).toBe("success");
  // Both runs are in the run history, each with its own prompt.
  const runs = await t.run(async (ctx) => ctx.db.query("interactions").collect());
  expect(runs.map((run) => run.promptText)).toEqual(["Suggest a name for a tomato variety", "Suggest a name for a tomato variety"]);
});

test("edit the last message: a new turn with the edited text; refused when it is not the last or unchanged", async () => {
  const t = newHarness();
  const { user, thread } = await userWithThread(t);
  const first = await send(user, thread.threadId, "What grows well in shade?");
  await settle(t);
  const edit = (interactionId: typeof first.interactionId, text: string) =>
    user.client.mutation(api.chat.messages.editLast, { accountId: user.accountId, threadId: thread.threadId, interactionId, text });

  expect((await refusal(edit(first.interactionId, "  What grows well in shade?  "))).code).toBe("bad_request");
  expect((await refusal(edit(first.interactionId, ""))).code).toBe("bad_request");
  const edited = await edit(first.interactionId, "What grows well in partial shade?");
  // The reply to the edit is still coming: a second edit or a regenerate waits for it.
  expect((await refusal(edit(edited.interactionId, "Another question"))).code).toBe("conflict");
  expect(
    (await refusal(user.client.mutation(api.chat.messages.regenerate, { accountId: user.accountId, threadId: thread.threadId, interactionId: edited.interactionId }))).code,
  ).toBe("conflict");
  await settle(t);
  // The first turn is no longer the last one.
  expect((await refusal(edit(first.interactionId, "Too late"))).code).toBe("conflict");

  const messages = await messagesOf(user, thread.threadId);
  expect(messages.filter((m) => m.role === "user").map((m) => m.text)).toEqual(["What grows well in shade?", "What grows well in partial shade?"]);
  expect((await turnsOf(user, thread.threadId)).map((turn) => turn.status)).toEqual(["completed", "completed"]);
});

test("regenerate and edit refuse other people, empty threads and archived threads without writing", async () => {
  const t = newHarness();
  const { user, thread } = await userWithThread(t, { orgId: "org_acme", role: "member" });
  const colleague = await asMember(t, "org_acme", "admin");
  const regenerate = (caller: typeof user, interactionId: Id<"interactions">) =>
    caller.client.mutation(api.chat.messages.regenerate, { accountId: user.accountId, threadId: thread.threadId, interactionId });

  const first = await send(user, thread.threadId, "Hello there");
  await settle(t);
  expect((await refusal(regenerate(colleague, first.interactionId))).code).toBe("not_found");
  expect(
    (await refusal(colleague.client.mutation(api.chat.messages.editLast, { accountId: user.accountId, threadId: thread.threadId, interactionId: first.interactionId, text: "mine" })))
      .code,
  ).toBe("not_found");

  const empty = await user.client.mutation(api.chat.threads.create, { accountId: user.accountId, agentId: thread.agentId });
  expect((await refusal(user.client.mutation(api.chat.messages.regenerate, { accountId: user.accountId, threadId: empty.threadId, interactionId: first.interactionId }))).code).toBe(
    "conflict",
  );
  await user.client.mutation(api.chat.threads.setArchived, { accountId: user.accountId, threadId: thread.threadId, archived: true });
  expect((await refusal(regenerate(user, first.interactionId))).code).toBe("conflict");
  const runs = await t.run(async (ctx) => ctx.db.query("interactions").collect());
  expect(runs.length).toBe(1);
});
