/**
 * What the chat shows about a user's own turn: the delegations it made (name,
 * status, cost, steps) and what its answer cites — and nobody else sees them.
 */
import { afterEach, beforeEach, expect, test, vi } from "vitest";
import { api } from "../_generated/api";
import { setModelPrice } from "../lib/faults.testing";
import { asMember, codeOf, newHarness } from "../test.setup";
import { messagesOf, send, settle, userWithThread } from "./testkit.testing";

beforeEach(() => vi.useFakeTimers());
afterEach(() => {
  vi.useRealTimers();
  setModelPrice("offline", undefined);
});

test("a delegating turn lists its delegate with name, status, cost and steps, matched to the tool call", async () => {
  const t = newHarness();
  // A price for the offline model, so the delegate's cost is visible.
  setModelPrice("offline", { input: 1, output: 2, cachedInput: 0 });
  const { user, thread } = await userWithThread(t, { orgId: "org_view", role: "member" });
  const { interactionId } = await send(user, thread.threadId, "Ask the researcher to find three facts about tides");
  await settle(t);

  const delegates = await user.client.query(api.chat.turnView.delegations, { accountId: user.accountId, interactionId });
  expect(delegates).toHaveLength(1);
  const [researcher] = delegates;
  expect(researcher).toMatchObject({ agentName: "Researcher", status: "completed", depth: 1, parentInteractionId: interactionId, stepsTruncated: false });
  expect(researcher!.task).toMatch(/tides/);
  expect(researcher!.tokens).toBeGreaterThan(0);
  expect(researcher!.costUsd).toBeGreaterThan(0);
  expect(researcher!.steps.map((s) => [s.kind, s.status])).toContainEqual(["llm", "succeeded"]);
  // The reply's delegate_researcher tool part carries the same call id.
  const messages = await messagesOf(user, thread.threadId);
  const callIds = messages.flatMap((m) => m.parts as { type: string; toolCallId?: string }[]).filter((p) => p.type === "tool-delegate_researcher").map((p) => p.toolCallId);
  expect(callIds).toEqual([researcher!.parentToolCallId]);

  // A turn that delegated nothing: an empty list.
  const plain = await send(user, thread.threadId, "Hello there");
  await settle(t);
  expect(await user.client.query(api.chat.turnView.delegations, { accountId: user.accountId, interactionId: plain.interactionId })).toEqual([]);

  // Another member of the same account (even an admin) does not see it here: not found, like a missing run.
  const admin = await asMember(t, "org_view", "admin");
  expect(await codeOf(admin.client.query(api.chat.turnView.delegations, { accountId: admin.accountId, interactionId }))).toBe("not_found");
});

test("citations: the knowledge entries of the answering call, numbered as cited and linked to their document", async () => {
  const t = newHarness();
  const { user, thread } = await userWithThread(t, { orgId: "org_cite", role: "member" });
  const added = await user.client.mutation(api.knowledge.documents.addText, {
    accountId: user.accountId,
    scope: { kind: "user" },
    title: "Ficus care",
    text: "Water the ficus every Tuesday with half a litre of rainwater. Keep the ficus away from radiators.",
  });
  await settle(t);
  const { interactionId } = await send(user, thread.threadId, "How much rainwater does the ficus need?");
  await settle(t);

  const reply = (await messagesOf(user, thread.threadId)).at(-1)!;
  expect(reply.text).toMatch(/half a litre of rainwater.*\[1\]/);
  const cited = await user.client.query(api.chat.turnView.citations, { accountId: user.accountId, interactionId });
  expect(cited).toEqual([{ n: 1, title: "Ficus care", score: expect.any(Number), documentId: added.documentId, documentExists: true }]);

  // The document deleted since: the citation stays, marked as gone.
  await user.client.mutation(api.knowledge.documents.remove, { accountId: user.accountId, documentId: added.documentId });
  const after = await user.client.query(api.chat.turnView.citations, { accountId: user.accountId, interactionId });
  expect(after[0]).toMatchObject({ n: 1, documentExists: false });

  // Someone else's turn: not found.
  const other = await asMember(t, "org_cite", "member");
  expect(await codeOf(other.client.query(api.chat.turnView.citations, { accountId: other.accountId, interactionId }))).toBe("not_found");
});

test("a turn with no knowledge in its prompt cites nothing", async () => {
  const t = newHarness();
  const { user, thread } = await userWithThread(t);
  const { interactionId } = await send(user, thread.threadId, "Tell me about lighthouses");
  await settle(t);
  expect(await user.client.query(api.chat.turnView.citations, { accountId: user.accountId, interactionId })).toEqual([]);
});
