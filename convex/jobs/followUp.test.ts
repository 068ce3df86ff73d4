/**
 * A job an agent started ends with a useful result: its agent takes a
 * follow-up turn in the thread, with the result as context — exactly once,
 * however the run, the job or the follow-up is crashed along the way.
 */
import { afterEach, beforeEach, expect, test, vi } from "vitest";
import { api } from "../_generated/api";
import type { Id } from "../_generated/dataModel";
import { crashAtEveryStep } from "../lib/crashAtEveryStep.testing";
import { accountUsage, messagesOf, send, settle, userWithThread, type Caller } from "../chat/testkit.testing";
import { newHarness, type Harness } from "../test.setup";
import { loadJob } from "./jobRun";
import { allJobs } from "./testkit.testing";

beforeEach(() => vi.useFakeTimers());
afterEach(() => vi.useRealTimers());

const PROMPT = "Summarise the quarterly planning notes in the background";

/** The Assistant may start jobs without asking (as an admin would set it up). */
async function withJobTool(t: Harness) {
  const { user, thread, agentId } = await userWithThread(t);
  await user.client.mutation(api.tools.assignments.assign, { accountId: user.accountId, agentId, toolSlug: "schedule_job", needsApproval: false });
  return { user, thread, agentId };
}

async function endState(t: Harness, user: Caller, threadId: Id<"threads">) {
  const messages = await messagesOf(user, threadId);
  const runs = await t.run(async (ctx) => ctx.db.query("interactions").collect());
  const jobs = await allJobs(t);
  const usage = await accountUsage(user);
  return {
    // Ids differ between runs (a crash retried writes others first); what the user reads must not.
    messages: messages.map((m) => [m.role, m.status, m.text.replace(/\(job \w+\)/g, "(job …)")]),
    runs: runs.map((r) => [r.kind, r.status, (r.promptText ?? "").split("\n")[0]]),
    jobs: jobs.map((j) => [j.type, j.state, j.result, j.followUpInteractionId === undefined ? "no follow-up" : "follow-up"]),
    chargedTokens: usage.tokens,
    // The job's model call is charged like a turn's (its tokens are on its run, one of `runs`).
    tokensOfRuns: runs.reduce((sum, r) => sum + r.tokensIn + r.tokensOut, 0),
  };
}

test("a useful job result starts one follow-up turn of the agent in its thread, with the result as context", async () => {
  const t = newHarness();
  const { user, thread, agentId } = await withJobTool(t);
  await send(user, thread.threadId, PROMPT);
  await settle(t);
  const [job] = await allJobs(t);
  expect(job).toMatchObject({ state: "resolved", hasUsefulOutput: true, threadId: thread.threadId, agentId });
  const followUp = await t.run(async (ctx) => ctx.db.get("interactions", job!.followUpInteractionId!));
  expect(followUp).toMatchObject({ kind: "turn", status: "completed", agentId, threadId: thread.threadId });
  expect(followUp!.promptText).toContain(job!.result!);

  const messages = await messagesOf(user, thread.threadId);
  const prompts = messages.filter((m) => m.role === "user").map((m) => m.text.split("\n")[0]);
  expect(prompts).toEqual([PROMPT, "[Background job “Summarise” finished — task: Summarise the quarterly planning notes]"]);
  // The agent answered the follow-up (the offline model writes from the message it got).
  expect(messages.at(-1)!.role).toBe("assistant");
  expect(messages.at(-1)!.status).toBe("success");
  // No fixed notice was posted instead.
  expect(messages.some((m) => m.text.includes("has finished."))).toBe(false);
  const turns = await user.client.query(api.chat.runs.turnsForThread, { accountId: user.accountId, threadId: thread.threadId });
  expect(turns.map((turn) => turn.status)).toEqual(["completed", "completed"]);
});

test("when the agent is paused as the job ends, the result is posted instead of lost", async () => {
  const t = newHarness();
  const { user, thread, agentId } = await withJobTool(t);
  await send(user, thread.threadId, "hello");
  await settle(t);
  const jobId = await t.run(async (ctx) => {
    const run = (await ctx.db.query("interactions").collect())[0]!;
    const { createJob } = await import("./model");
    const id = await createJob(
      ctx,
      { accountId: user.accountId, userId: user.userId, type: "summarize", input: "the launch checklist", source: "agent", agentId, threadId: thread.threadId, interactionId: run._id, runAt: Date.now() + 3_600_000, timeoutMs: 60_000 },
      { kind: "system" },
    );
    await ctx.db.patch("interactions", (await ctx.db.get("jobs", id))!.runId!, { status: "running" });
    await ctx.db.patch("agents", agentId, { status: "paused" });
    const { endJob } = await import("./model");
    await endJob(ctx, await loadJob(ctx, id), { state: "resolved", result: "Checklist: 12 items, 3 open." });
    return id;
  });
  const messages = await messagesOf(user, thread.threadId);
  expect(messages.at(-1)!.role).toBe("assistant");
  expect(messages.at(-1)!.text).toContain("Checklist: 12 items, 3 open.");
  expect((await t.run(async (ctx) => ctx.db.get("jobs", jobId)))!.followUpInteractionId).toBeUndefined();
  // No follow-up turn: the thread's only chat run is the first one (the job's own run is kind "job").
  expect(await t.run(async (ctx) => (await ctx.db.query("interactions").collect()).filter((r) => r.kind !== "job").length)).toBe(1);
});

test("the follow-up appears once however the turn, the job or the follow-up is crashed", async () => {
  const result = await crashAtEveryStep(async () => {
    const t = newHarness();
    const { user, thread } = await withJobTool(t);
    await send(user, thread.threadId, PROMPT);
    await settle(t);
    const { chargedTokens, tokensOfRuns, ...state } = await endState(t, user, thread.threadId);
    // Charged exactly what the runs used, whatever was crashed. How many tokens that is may differ: a
    // crash after `schedule_job` ran makes the turn ask the (idempotent) tool again once the dead call
    // is noticed, and by then the job has moved on, so the model reads its later state.
    expect(chargedTokens).toBe(tokensOfRuns);
    return state;
  });
  // The first turn's model calls and tool, the job's work, the follow-up turn's model call.
  expect(new Set(result.crashedAt)).toEqual(new Set(["llm:before", "llm:after-reply-saved", "tool:before", "tool:after-effect", "job-work:before", "job-work:after-effect"]));
  expect(result.points).toBeGreaterThanOrEqual(8);
});
