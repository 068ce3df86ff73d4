/**
 * A background job runs the agent version it recorded at start: an edit of
 * the agent while the job waits for its time, or before it is restarted,
 * does not change its model (here: to a connection this machine cannot
 * reach, so a job that read the live agent would fail); the next job takes
 * the new version. A job an agent's turn started records that turn's
 * version. What the provider is sent (instructions, model) is checked at the
 * wire in pinnedAgent.wire.test.ts.
 */
import { afterEach, beforeEach, expect, test, vi } from "vitest";
import { api } from "../_generated/api";
import type { Id } from "../_generated/dataModel";
import { send, settle, userWithThread, type Caller } from "../chat/testkit.testing";
import { newHarness, type Harness } from "../test.setup";
import { allJobs, detail, jobRow, runOf, startJob } from "./testkit.testing";

beforeEach(() => vi.useFakeTimers());
afterEach(() => vi.useRealTimers());

const IN_AN_HOUR = 60 * 60 * 1000;

async function versionOf(user: Caller, agentId: Id<"agents">) {
  return (await user.client.query(api.agents.agents.get, { accountId: user.accountId, agentId })).version;
}

/** Point the agent at a provider connection this machine cannot reach: a job that used it would fail. */
async function moveToUnreachableModel(user: Caller, agentId: Id<"agents">) {
  await user.client.mutation(api.models.connections.create, {
    accountId: user.accountId,
    name: "Router",
    kind: "openai-compatible",
    baseUrl: "https://openrouter.invalid/api/v1",
    apiKey: "sk-test-0123456789abcdefghijklmnop",
  });
  await user.client.mutation(api.agents.agents.update, { accountId: user.accountId, agentId, instructions: "Answer in French.", modelId: "@router/some-model" });
}

async function jobsOf(t: Harness) {
  return (await allJobs(t)).sort((a, b) => a._creationTime - b._creationTime);
}

test("a job waiting for its time keeps the version it started with, though the agent moved to a model it cannot reach; the next job records the new one", async () => {
  const t = newHarness();
  const { user, thread, agentId } = await userWithThread(t);
  const started = await versionOf(user, agentId);
  const jobId = await startJob(user, { type: "summarize", input: "the tide tables", threadId: thread.threadId, runAt: Date.now() + IN_AN_HOUR });
  expect((await detail(user, jobId)).job.agentVersion).toBe(started);

  await moveToUnreachableModel(user, agentId);
  expect(await versionOf(user, agentId)).toBe(started + 1);
  await settle(t);

  // It ran on the pinned version's model (offline, reachable): had it read the live agent, the call would have failed.
  const job = await jobRow(t, jobId);
  expect(job).toMatchObject({ state: "resolved", agentVersion: started });
  expect((await runOf(t, jobId)).tokensOut).toBeGreaterThan(0);
  expect((await detail(user, jobId)).job.agentVersion).toBe(started);

  const next = await startJob(user, { type: "summarize", input: "the tide tables", threadId: thread.threadId, runAt: Date.now() + IN_AN_HOUR });
  expect((await jobRow(t, next)).agentVersion).toBe(started + 1);
});

test("a restarted job still runs its pinned version", async () => {
  const t = newHarness();
  const { user, thread, agentId } = await userWithThread(t);
  const started = await versionOf(user, agentId);
  const jobId = await startJob(user, { type: "summarize", input: "harbour notes", threadId: thread.threadId, runAt: Date.now() + IN_AN_HOUR });
  await user.client.mutation(api.jobs.jobs.cancel, { accountId: user.accountId, jobId, reason: "not yet" });
  await moveToUnreachableModel(user, agentId);
  await user.client.mutation(api.jobs.jobs.restart, { accountId: user.accountId, jobId });
  await settle(t);
  const job = await jobRow(t, jobId);
  expect(job).toMatchObject({ state: "resolved", agentVersion: started, generation: 1 });
});

test("a job an agent's turn starts records the turn's version, even when the agent was edited while the turn waited", async () => {
  const t = newHarness();
  const { user, thread, agentId } = await userWithThread(t);
  await user.client.mutation(api.tools.assignments.assign, { accountId: user.accountId, agentId, toolSlug: "schedule_job", needsApproval: true });
  const turnVersion = await versionOf(user, agentId);
  await send(user, thread.threadId, "Summarise the quarterly planning notes in the background");
  await settle(t);
  const [pending] = await user.client.query(api.chat.approvals.pendingForThread, { accountId: user.accountId, threadId: thread.threadId });
  expect(pending?.toolSlug).toBe("schedule_job");

  await moveToUnreachableModel(user, agentId);
  await user.client.mutation(api.chat.approvals.decide, { accountId: user.accountId, approvalId: pending!.approvalId, approve: true });
  await settle(t);

  const [job] = await jobsOf(t);
  expect(job).toMatchObject({ source: "agent", agentId, agentVersion: turnVersion, state: "resolved" });
});

test("a job with no agent records no version", async () => {
  const t = newHarness();
  const { user } = await userWithThread(t);
  const jobId = await startJob(user, { type: "summarize", input: "Tides rise twice a day." });
  await settle(t);
  const view = (await detail(user, jobId)).job;
  expect(view.state).toBe("resolved");
  expect(view.agentVersion).toBeUndefined();
});
