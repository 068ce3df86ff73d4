/**
 * Messages to an agent over HTTP, and agent events: a quick turn answers 200
 * with the answer; a slow one 202 with an interaction to poll, whose status,
 * answer and cost `GET /v1/interactions/{id}` shows. Conversations continue
 * by id; keys reach only what their permission and agent allow.
 *
 * Real timers: the request waits for the turn while the scheduler runs it.
 */
import { afterEach, expect, test } from "vitest";
import { api } from "../_generated/api";
import type { Id } from "../_generated/dataModel";
import { offlineModel } from "../lib/faults.testing";
import { newHarness, type Harness } from "../test.setup";
import type { InteractionView } from "./interactions";
import { adminWithKey, agentIdOf, createKey, request, rowCounts } from "./testkit.testing";

afterEach(() => {
  offlineModel.options = undefined;
  delete process.env.HARNESS_API_WAIT_MS;
});

type Accepted = { interaction_id: string; conversation_id: string; status: string; poll_url: string };

/** Poll `poll_url` until the turn ends (real time; a turn of the offline model takes a few seconds in convex-test). */
async function pollUntilEnded(t: Harness, key: string, pollUrl: string): Promise<InteractionView> {
  const deadline = Date.now() + 20_000;
  for (;;) {
    const answer = await request(t, "GET", pollUrl, { key });
    expect(answer.status).toBe(200);
    const view = answer.body.data as InteractionView;
    if (["completed", "failed", "cancelled"].includes(view.status) || Date.now() > deadline) return view;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

test("a quick turn answers 200 with the answer, in a new API conversation owned by the key's creator", async () => {
  const t = newHarness();
  const { admin, secret } = await adminWithKey(t);
  const answer = await request(t, "POST", "/v1/channels/assistant/messages", { key: secret, body: { text: "Hello!" } });
  expect(answer.status).toBe(200);
  expect(answer.body.meta).toEqual({ request_id: answer.headers.get("X-Request-Id") });
  const view = answer.body.data as InteractionView;
  expect(view).toMatchObject({
    status: "completed",
    answer: "Hello! What can I do for you?",
    error: null,
    cost: { usd: 0, tokens_in: 0, tokens_out: 0, model_calls: 0 },
    agent_id: await agentIdOf(t, admin.accountId, "assistant"),
  });
  const thread = await t.run(async (ctx) => ctx.db.get("threads", view.conversation_id as Id<"threads">));
  expect(thread).toMatchObject({ source: "api", userId: admin.userId, accountId: admin.accountId, title: "Hello!", status: "active" });
  // In the creator's chat list it is marked as an API conversation.
  const listed = await admin.client.query(api.chat.threads.list, { accountId: admin.accountId, paginationOpts: { numItems: 10, cursor: null } });
  expect(listed.page.map((th) => [th.threadId, th.source])).toEqual([[view.conversation_id, "api"]]);
});

test("a model turn within the wait answers 200 with the offline model's answer and its cost", async () => {
  const t = newHarness();
  const { secret } = await adminWithKey(t);
  const answer = await request(t, "POST", "/v1/channels/assistant/messages", {
    key: secret,
    body: { text: "Tell me about durable workflows" },
    headers: { Prefer: "wait=10" },
  });
  expect(answer.status).toBe(200);
  const view = answer.body.data as InteractionView;
  expect(view.status).toBe("completed");
  expect(view.answer).toMatch(/^I'm the built-in offline model: I work without any network connection, so I can't give you a real answer to that\.\n\nHere I can pass work to the researcher and the writer /);
  expect(view.cost.model_calls).toBe(1);
  expect(view.cost.tokens_out).toBeGreaterThan(0);
  expect(view.ended_at).not.toBeNull();
});

test("a slow turn answers 202 with the interaction to poll; polling shows status, answer and cost", async () => {
  const t = newHarness();
  const { secret } = await adminWithKey(t);
  // Slow model, short wait (the deployment's setting).
  offlineModel.options = { chunkDelayMs: 200 };
  process.env.HARNESS_API_WAIT_MS = "300";
  const started = Date.now();
  const accepted = await request(t, "POST", "/v1/channels/researcher/messages", { key: secret, body: { text: "Explain tides to me in detail" } });
  expect(Date.now() - started).toBeGreaterThanOrEqual(300);
  expect(accepted.status).toBe(202);
  const data = accepted.body.data as Accepted;
  expect(["queued", "running"]).toContain(data.status);
  expect(data.poll_url).toBe(`/v1/interactions/${data.interaction_id}`);
  expect(accepted.headers.get("Location")).toBe(data.poll_url);

  const view = await pollUntilEnded(t, secret, data.poll_url);
  expect(view).toMatchObject({ interaction_id: data.interaction_id, conversation_id: data.conversation_id, status: "completed", error: null });
  expect(view.answer).toContain("Here I can tell the time in a city (“what time is it in Tokyo?”) and search the knowledge base (“search for …”).");
  expect(view.cost.tokens_in).toBeGreaterThan(0);
  expect(view.cost.model_calls).toBe(1);

  // `Prefer: respond-async` does not wait at all.
  const noWait = await request(t, "POST", "/v1/channels/assistant/messages", { key: secret, body: { text: "Hello!" }, headers: { Prefer: "respond-async" } });
  expect(noWait.status).toBe(202);
});

test("a conversation continues by id, with its agent only; other people's chats are not reachable", async () => {
  const t = newHarness();
  const { admin, secret } = await adminWithKey(t);
  const first = await request(t, "POST", "/v1/channels/assistant/messages", { key: secret, body: { text: "Hello!" } });
  const conversationId = (first.body.data as InteractionView).conversation_id;
  const second = await request(t, "POST", "/v1/channels/assistant/messages", { key: secret, body: { text: "Hi again", conversation_id: conversationId } });
  expect(second.status).toBe(200);
  expect((second.body.data as InteractionView).conversation_id).toBe(conversationId);
  const turns = await t.run(async (ctx) => ctx.db.query("interactions").withIndex("by_threadId", (q) => q.eq("threadId", conversationId as Id<"threads">)).collect());
  expect(turns).toHaveLength(2);
  // The same conversation on another channel (agent) does not exist.
  expect((await request(t, "POST", "/v1/channels/writer/messages", { key: secret, body: { text: "hi", conversation_id: conversationId } })).status).toBe(404);

  // The creator's own chat in the app is not an API conversation: neither its thread nor its turns are reachable.
  const assistant = await agentIdOf(t, admin.accountId, "assistant");
  const thread = await admin.client.mutation(api.chat.threads.create, { accountId: admin.accountId, agentId: assistant });
  const sent = await admin.client.mutation(api.chat.messages.send, { accountId: admin.accountId, threadId: thread.threadId, text: "Hello!" });
  expect((await request(t, "POST", "/v1/channels/assistant/messages", { key: secret, body: { text: "hi", conversation_id: thread.threadId } })).status).toBe(404);
  expect((await request(t, "GET", `/v1/interactions/${sent.interactionId}`, { key: secret })).status).toBe(404);
  // Another key of the same admin acts as the same user: it sees the conversation's turns.
  const firstTurn = (first.body.data as InteractionView).interaction_id;
  expect((await request(t, "GET", `/v1/interactions/${firstTurn}`, { key: (await createKey(admin)).secret })).status).toBe(200);
});

test("channels by id or slug; a paused agent is 403, an archived one 404; a key for one agent reaches only it; a read key cannot send", async () => {
  const t = newHarness();
  const { admin, secret } = await adminWithKey(t);
  const researcher = await agentIdOf(t, admin.accountId, "researcher");
  const writer = await agentIdOf(t, admin.accountId, "writer");
  expect((await request(t, "POST", `/v1/channels/${researcher}/messages`, { key: secret, body: { text: "Hello!" }, headers: { Prefer: "respond-async" } })).status).toBe(202);

  const scoped = await createKey(admin, { agentId: researcher });
  expect((await request(t, "POST", "/v1/channels/researcher/messages", { key: scoped.secret, body: { text: "Hello!" }, headers: { Prefer: "respond-async" } })).status).toBe(202);
  const before = await rowCounts(t, ["threads", "interactions"]);
  expect((await request(t, "POST", "/v1/channels/assistant/messages", { key: scoped.secret, body: { text: "Hello!" } })).status).toBe(404);

  const reader = await createKey(admin, { permission: "read" });
  const refused = await request(t, "POST", "/v1/channels/assistant/messages", { key: reader.secret, body: { text: "Hello!" } });
  expect(refused.status).toBe(403);
  expect(refused.body.error!.code).toBe("forbidden");

  await admin.client.mutation(api.agents.agents.pause, { accountId: admin.accountId, agentId: writer });
  const paused = await request(t, "POST", "/v1/channels/writer/messages", { key: secret, body: { text: "Hello!" } });
  expect(paused.status).toBe(403);
  expect(paused.body.error!.code).toBe("policy_denied");
  await admin.client.mutation(api.agents.agents.archive, { accountId: admin.accountId, agentId: writer });
  expect((await request(t, "POST", "/v1/channels/writer/messages", { key: secret, body: { text: "Hello!" } })).status).toBe(404);
  expect(await rowCounts(t, ["threads", "interactions"])).toEqual(before);
});

test("an agent event starts a turn; a redelivered event_id starts nothing and answers the first ids", async () => {
  const t = newHarness();
  const { admin, secret } = await adminWithKey(t);
  const event = { agent: "assistant", type: "order.created", event_id: "evt_1001", text: "A customer placed an order.", data: { order: 1001 } };
  const pushed = await request(t, "POST", "/v1/agent-events", { key: secret, body: event });
  expect(pushed.status).toBe(202);
  const data = pushed.body.data as { interaction_id: string; conversation_id: string; poll_url: string; duplicate: boolean };
  expect(data.duplicate).toBe(false);
  const view = await pollUntilEnded(t, secret, data.poll_url);
  expect(view.status).toBe("completed");
  const run = await t.run(async (ctx) => ctx.db.get("interactions", data.interaction_id as Id<"interactions">));
  expect(run!.promptText).toBe('External event "order.created" (id evt_1001).\n\nA customer placed an order.\n\nData:\n{\n  "order": 1001\n}');
  const thread = await t.run(async (ctx) => ctx.db.get("threads", data.conversation_id as Id<"threads">));
  expect(thread).toMatchObject({ source: "api", title: "Event: order.created", userId: admin.userId });

  const before = await rowCounts(t, ["threads", "interactions", "apiAgentEvents"]);
  const again = await request(t, "POST", "/v1/agent-events", { key: secret, body: event });
  expect(again.status).toBe(200);
  expect(again.body.data).toEqual({ ...data, duplicate: true });
  expect(await rowCounts(t, ["threads", "interactions", "apiAgentEvents"])).toEqual(before);

  // An event may continue a conversation.
  const next = await request(t, "POST", "/v1/agent-events", { key: secret, body: { agent: "assistant", type: "order.paid", conversation_id: data.conversation_id } });
  expect(next.status).toBe(202);
  expect((next.body.data as { conversation_id: string }).conversation_id).toBe(data.conversation_id);
});
