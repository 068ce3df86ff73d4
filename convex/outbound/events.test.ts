/**
 * Events from the rest of the app reach a real HTTP server: a chat turn
 * driven through the SPA's path sends exactly one `interaction.completed`
 * and one `message.response`; a cancelled turn and a delegation's child run
 * send what they should (and no more); a job's state changes send
 * `job.state_changed`, once per transition. Real timers (see receiver.testing.ts).
 */
import { afterEach, beforeEach, expect, test } from "vitest";
import { api } from "../_generated/api";
import { failNext, resetFaults } from "../lib/faults.testing";
import { newHarness, type Harness } from "../test.setup";
import { messagesOf, send, userWithThread } from "../chat/testkit.testing";
import { allowPrivateUrls, eventually, fastRetries, resetRetries, startReceiver, subscribe, verifySignature, type Receiver } from "./receiver.testing";

/** Real HTTP on real timers: generous time on a busy machine. */
const REAL_HTTP = { timeout: 60_000 };

let receiver: Receiver | undefined;
beforeEach(() => {
  fastRetries();
  allowPrivateUrls();
});
afterEach(async () => {
  resetRetries();
  resetFaults();
  await receiver?.close();
  receiver = undefined;
});

type Data = Record<string, unknown>;

/** Everything that arrived at `path`, parsed, with the signature checked against `secret`. */
function arrivals(r: Receiver, path: string, secret: string) {
  return r.received
    .filter((x) => x.path === path)
    .map((x) => {
      expect(verifySignature(secret, x.headers, x.body)).toBe(true);
      return JSON.parse(x.body) as { id: string; type: string; data: Data };
    });
}

/** Wait until nothing is left to deliver or to run, then a little longer, so "exactly once" means it. */
async function settled(t: Harness) {
  await eventually(async () => {
    const pending = await t.run(async (ctx) => ({
      deliveries: (await ctx.db.query("webhookDeliveries").collect()).filter((d) => d.status === "pending").length,
      // Chat runs still going (a job's run may wait for its callback on purpose).
      runs: (await ctx.db.query("interactions").collect()).filter((i) => i.kind !== "job" && !["completed", "failed", "cancelled"].includes(i.status)).length,
    }));
    expect(pending).toEqual({ deliveries: 0, runs: 0 });
  });
  await t.finishInProgressScheduledFunctions();
  await new Promise((resolve) => setTimeout(resolve, 300));
  await t.finishInProgressScheduledFunctions();
}

test("a turn through the SPA path: exactly one interaction.completed and one message.response, matching what the user sees", REAL_HTTP, async () => {
  const t = newHarness();
  receiver = await startReceiver();
  const { user, thread, agentId } = await userWithThread(t, { orgId: "org_events", role: "admin" });
  const both = await subscribe(user, receiver.url("/both"), ["interaction.completed", "message.response"]);
  const runsOnly = await subscribe(user, receiver.url("/runs"), ["interaction.completed"]);
  const jobsOnly = await subscribe(user, receiver.url("/jobs"), ["job.state_changed"]);

  const { interactionId } = await send(user, thread.threadId, "Tell me about durable workflows");
  await settled(t);

  const messages = await messagesOf(user, thread.threadId);
  expect(messages.map((m) => m.role)).toEqual(["user", "assistant"]);
  const replyText = messages[1]!.text;
  const run = (await t.run(async (ctx) => ctx.db.get("interactions", interactionId)))!;
  expect(run.status).toBe("completed");

  const atBoth = arrivals(receiver, "/both", both.secret);
  expect(atBoth.map((e) => e.type).sort()).toEqual(["interaction.completed", "message.response"]);
  const completed = atBoth.find((e) => e.type === "interaction.completed")!;
  const response = atBoth.find((e) => e.type === "message.response")!;
  expect(completed.id).toBe(`${interactionId}:completed:0`);
  expect(completed.data).toMatchObject({
    interactionId,
    threadId: thread.threadId,
    agent: { agentId, name: "Assistant" },
    status: "completed",
    error: null,
    tokens: { input: run.tokensIn, output: run.tokensOut },
    costUsd: run.costMicroUsd / 1_000_000,
    resultText: replyText,
    resultTruncated: false,
  });
  expect(run.tokensOut).toBeGreaterThan(0);
  expect(response.data).toMatchObject({ interactionId, threadId: thread.threadId, text: replyText, truncated: false });
  expect(response.data.messageId).toBe(completed.data.messageId);
  expect(typeof response.data.messageId).toBe("string");

  // The other subscriptions got only what they listen to.
  expect(arrivals(receiver, "/runs", runsOnly.secret).map((e) => [e.type, e.id])).toEqual([["interaction.completed", completed.id]]);
  expect(arrivals(receiver, "/jobs", jobsOnly.secret)).toEqual([]);
  expect(receiver.received).toHaveLength(3);
});

test("a greeting answered by triage sends its reply too", REAL_HTTP, async () => {
  const t = newHarness();
  receiver = await startReceiver();
  const { user, thread } = await userWithThread(t, { orgId: "org_triage", role: "admin" });
  const sub = await subscribe(user, receiver.url(), ["interaction.completed", "message.response"]);
  const { interactionId } = await send(user, thread.threadId, "Hello!");
  await settled(t);
  const events = arrivals(receiver, "/hook", sub.secret);
  expect(events.map((e) => [e.type, e.data.interactionId]).sort()).toEqual([
    ["interaction.completed", interactionId],
    ["message.response", interactionId],
  ]);
  expect(events.find((e) => e.type === "message.response")!.data.text).toBe("Hello! What can I do for you?");
  expect(events.find((e) => e.type === "interaction.completed")!.data).toMatchObject({ status: "completed", resultText: "Hello! What can I do for you?" });
});

test("a cancelled turn sends interaction.completed (cancelled) and no reply; a delegation's child run sends nothing of its own", REAL_HTTP, async () => {
  const t = newHarness();
  receiver = await startReceiver();
  const { user, thread } = await userWithThread(t, { orgId: "org_cancel", role: "admin" });
  const sub = await subscribe(user, receiver.url(), ["interaction.completed", "message.response"]);

  // A turn parked on a tool approval, cancelled there.
  const cancelled = await send(user, thread.threadId, "save_note: order new tyres");
  await eventually(async () =>
    expect(await user.client.query(api.chat.approvals.pendingForThread, { accountId: user.accountId, threadId: thread.threadId })).toHaveLength(1),
  );
  await user.client.mutation(api.chat.runs.cancel, { accountId: user.accountId, interactionId: cancelled.interactionId });
  await settled(t);
  let events = arrivals(receiver, "/hook", sub.secret);
  expect(events.map((e) => [e.type, e.data.interactionId, e.data.status, e.data.resultText])).toEqual([["interaction.completed", cancelled.interactionId, "cancelled", null]]);

  const delegated = await send(user, thread.threadId, "Ask the researcher to find three facts about tides");
  await settled(t);
  const runs = await t.run(async (ctx) => ctx.db.query("interactions").collect());
  expect(runs.filter((r) => r.kind === "delegation").map((r) => r.status)).toEqual(["completed"]);
  events = arrivals(receiver, "/hook", sub.secret).slice(1);
  expect(events.map((e) => [e.type, e.data.interactionId]).sort()).toEqual([
    ["interaction.completed", delegated.interactionId],
    ["message.response", delegated.interactionId],
  ]);
  // The root's cost includes its child's.
  const completed = events.find((e) => e.type === "interaction.completed")!;
  expect(completed.data.treeCostUsd as number).toBeGreaterThanOrEqual(completed.data.costUsd as number);
});

test("job state changes send job.state_changed, once per transition, across a cancel and a restart", REAL_HTTP, async () => {
  const t = newHarness();
  receiver = await startReceiver();
  const { user } = await userWithThread(t, { orgId: "org_jobs", role: "admin" });
  const sub = await subscribe(user, receiver.url(), ["job.state_changed"]);
  const transitions = (jobId: string) =>
    arrivals(receiver!, "/hook", sub.secret)
      .filter((e) => e.data.jobId === jobId)
      .map((e) => `${String(e.data.previousState)}→${String(e.data.state)}@${String(e.data.generation)}`)
      .sort();

  // A summary whose work step fails once (retried by its workflow) and then resolves.
  failNext("job.step", 1, "summarize:work");
  const { jobId: summary } = await user.client.mutation(api.jobs.jobs.start, { accountId: user.accountId, type: "summarize", input: "Tides rise twice a day." });
  await eventually(() => expect(transitions(summary)).toHaveLength(3));
  expect(transitions(summary)).toEqual(["null→pending@0", "pending→running@0", "running→resolved@0"]);
  const resolved = arrivals(receiver, "/hook", sub.secret).find((e) => e.data.jobId === summary && e.data.state === "resolved")!;
  expect(resolved.data).toMatchObject({ type: "summarize", source: "api", attempts: 1, error: null, steps: { done: 3, total: 3 } });
  expect(resolved.data.result).toMatch(/Summary of “Tides rise/);

  // A job waiting for a callback, cancelled, then restarted: the new generation's states are new events.
  const { jobId: waiter } = await user.client.mutation(api.jobs.jobs.start, { accountId: user.accountId, type: "wait_for_callback" });
  await eventually(() => expect(transitions(waiter)).toHaveLength(3));
  await user.client.mutation(api.jobs.jobs.cancel, { accountId: user.accountId, jobId: waiter, reason: "not needed" });
  await eventually(() => expect(transitions(waiter)).toHaveLength(4));
  await user.client.mutation(api.jobs.jobs.restart, { accountId: user.accountId, jobId: waiter, reason: "needed after all" });
  await eventually(() => expect(transitions(waiter)).toHaveLength(7));
  await settled(t);
  expect(transitions(waiter)).toEqual([
    "cancelled→pending@1",
    "null→pending@0",
    "pending→running@0",
    "pending→running@1",
    "running→waiting@0",
    "running→waiting@1",
    "waiting→cancelled@0",
  ]);
  // One delivery per event, each delivered once.
  const ids = arrivals(receiver, "/hook", sub.secret).map((e) => e.id);
  expect(new Set(ids).size).toBe(ids.length);
  expect(ids).toHaveLength(10);
});
