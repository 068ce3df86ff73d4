/**
 * Observers and agents: a job's ending is posted to its thread by the agent,
 * exactly once per ending; an agent starts a job from a chat turn with the
 * `schedule_job` tool, linked to the turn, its agent and thread.
 */
import { afterEach, beforeEach, expect, test, vi } from "vitest";
import { api, internal } from "../_generated/api";
import { messagesOf, send, userWithThread } from "../chat/testkit.testing";
import { failNext, passes, resetFaults } from "../lib/faults.testing";
import { codeOf, newHarness } from "../test.setup";
import { notifyObservers } from "./model";
import { loadJob } from "./jobRun";
import { allJobs, jobRow, runOf, settle, startJob } from "./testkit.testing";

// `schedule_job` joins BUILTIN_TOOLS when the lead wires it (convex/tools/registry.ts); until
// then this file's copy of the registry includes it. Harmless once it is there.
vi.mock("../tools/registry", async (importOriginal) => {
  const original = await importOriginal<typeof import("../tools/registry")>();
  if (original.findTool("schedule_job")) return original;
  const { scheduleJob } = await import("./tool");
  const tools = [...original.BUILTIN_TOOLS, scheduleJob];
  const bySlug = new Map(tools.map((tool) => [tool.slug, tool]));
  return { ...original, BUILTIN_TOOLS: tools, findTool: (slug: string) => bySlug.get(slug) };
});

beforeEach(() => vi.useFakeTimers());
afterEach(() => {
  vi.useRealTimers();
  resetFaults();
});

const followUps = (messages: { role: string; text: string }[]) =>
  messages.filter((m) => m.role === "assistant" && m.text.startsWith("The background job"));

test("a job's ending is posted to its thread by the agent, exactly once", async () => {
  const t = newHarness();
  const { user, thread } = await userWithThread(t);
  const jobId = await startJob(user, { type: "summarize", input: "The quarter in review", threadId: thread.threadId });
  await settle(t);
  const job = await jobRow(t, jobId);
  expect(job).toMatchObject({ state: "resolved", notifiedGeneration: 0 });
  // A repeated onComplete (or any second notification) posts nothing.
  await t.mutation(internal.jobs.workflow.onComplete, {
    workflowId: job.workflowId!,
    result: { kind: "success", returnValue: null },
    context: { jobId },
  });
  expect(await t.run(async (ctx) => notifyObservers(ctx, await loadJob(ctx, jobId)))).toBe(false);
  await settle(t);
  const posted = followUps(await messagesOf(user, thread.threadId));
  expect(posted).toHaveLength(1);
  // The thread's agent wrote the summary with its model (jobs/modelWork.ts), charged like a turn.
  expect(posted[0]!.text).toBe(`The background job “Summarise” (“The quarter in review”) has finished.\n\n${job.result}`);
  expect((await runOf(t, job._id)).tokensOut).toBeGreaterThan(0);
  expect(job.openReservationKey).toBeUndefined();
});

test("a failed job says so in the thread; once resumed and finished, it posts its result (one message per ending)", async () => {
  const t = newHarness();
  const { user, thread } = await userWithThread(t);
  failNext("job.step", 100, "summarize:work");
  const jobId = await startJob(user, { type: "summarize", input: "Churn figures", threadId: thread.threadId });
  await settle(t);
  let posted = followUps(await messagesOf(user, thread.threadId));
  expect(posted.map((m) => m.text)).toEqual([expect.stringMatching(/failed at its “work” step: .*Injected fault.*resumed/)]);
  failNext("job.step", 0, "summarize:work");
  await user.client.mutation(api.jobs.jobs.resume, { accountId: user.accountId, jobId });
  await settle(t);
  posted = followUps(await messagesOf(user, thread.threadId));
  expect(posted).toHaveLength(2);
  expect(posted[1]!.text).toMatch(/has finished/);
  expect((await jobRow(t, jobId)).notifiedGeneration).toBe(1);
});

test("the agent schedules a job from a chat turn (schedule_job); the result comes back to the thread once", async () => {
  const t = newHarness();
  const { user, thread, agentId } = await userWithThread(t);
  await user.client.mutation(api.tools.assignments.assign, {
    accountId: user.accountId,
    agentId,
    toolSlug: "schedule_job",
    needsApproval: false,
  });
  const { interactionId } = await send(user, thread.threadId, "schedule a job to summarise the quarter in the background");
  await settle(t);

  const jobs = await allJobs(t);
  expect(jobs).toHaveLength(1);
  const job = jobs[0]!;
  expect(job).toMatchObject({
    source: "agent",
    type: "summarize",
    input: "summarise the quarter",
    state: "resolved",
    agentId,
    threadId: thread.threadId,
    interactionId,
    userId: user.userId,
    accountId: user.accountId,
  });
  expect(passes("job.step", "summarize:work")).toBe(1);

  const messages = await messagesOf(user, thread.threadId);
  const toolParts = messages.flatMap((m) => (m as unknown as { parts: { type: string }[] }).parts).filter((p) => p.type === "tool-schedule_job");
  expect(toolParts).toHaveLength(1);
  expect(messages.some((m) => m.role === "assistant" && /scheduled that to run in the background \(job /.test(m.text))).toBe(true);
  // Its useful result is not a fixed notice: the agent takes it up in one follow-up turn (jobs/followUp.ts).
  expect(followUps(messages)).toEqual([]);
  const followUpPrompts = messages.filter((m) => m.role === "user" && m.text.startsWith("[Background job “Summarise” finished — task: summarise the quarter]"));
  expect(followUpPrompts).toHaveLength(1);
  expect(followUpPrompts[0]!.text).toContain(job.result!);

  const turns = await user.client.query(api.chat.runs.turnsForThread, { accountId: user.accountId, threadId: thread.threadId });
  expect(turns.map((turn) => turn.status)).toEqual(["completed", "completed"]);
  const { events } = await user.client.query(api.jobs.jobs.get, { accountId: user.accountId, jobId: job._id });
  expect(events).toEqual([expect.objectContaining({ action: "job.start", actorRole: "agent", actorUserId: user.userId })]);
});

test("the schedule_job tool is refused while the platform is paused: the model is told, no job starts", async () => {
  const t = newHarness();
  const { user, thread, agentId } = await userWithThread(t);
  await user.client.mutation(api.tools.assignments.assign, { accountId: user.accountId, agentId, toolSlug: "schedule_job", needsApproval: false });
  // The turn was accepted before the pause; the pause lands while it runs.
  await send(user, thread.threadId, "schedule a job to summarise the quarter in the background");
  await t.run(async (ctx) => {
    await ctx.db.insert("platformSettings", { key: "platform", paused: true, updatedAt: Date.now() });
  });
  await settle(t);
  // New turns are refused outright while paused.
  expect(await codeOf(send(user, thread.threadId, "anything"))).toBe("policy_denied");
  expect(await t.run(async (ctx) => (await ctx.db.query("jobs").collect()).length)).toBe(0);
  // The running turn is held before its next model call (ops/hold.ts); once resumed, the model is told.
  const [held] = await user.client.query(api.chat.runs.turnsForThread, { accountId: user.accountId, threadId: thread.threadId });
  expect(held!.status).toBe("waiting");
  await t.run(async (ctx) => {
    const { setPlatformPause } = await import("../ops/pause");
    await setPlatformPause(ctx, { paused: false }, { kind: "operator" });
  });
  await settle(t);
  const messages = await messagesOf(user, thread.threadId);
  expect(messages.at(-1)!.text).toMatch(/platform is paused/);
});
