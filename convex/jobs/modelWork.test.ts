/**
 * A `summarize` job with an agent calls the agent's model, paid for like a
 * turn: reserved before, committed after, refused when a budget cannot cover
 * it, its hold returned when the job fails.
 */
import { afterEach, beforeEach, expect, test, vi } from "vitest";
import { api } from "../_generated/api";
import { accountUsage, userWithThread } from "../chat/testkit.testing";
import { failNext, resetFaults } from "../lib/faults.testing";
import { newHarness } from "../test.setup";
import { jobRow, runOf, settle, startJob, stepRows } from "./testkit.testing";

beforeEach(() => vi.useFakeTimers());
afterEach(() => {
  vi.useRealTimers();
  resetFaults();
});

test("the agent's model writes the summary of its thread; the call is charged to the budgets and shown on the step", async () => {
  const t = newHarness();
  const { user, thread } = await userWithThread(t);
  const before = await accountUsage(user);
  const jobId = await startJob(user, { type: "summarize", input: "the tide tables", threadId: thread.threadId });
  await settle(t);
  const job = await jobRow(t, jobId);
  expect(job.state).toBe("resolved");
  // The offline model answered from the prompt the job built: the task and the material.
  expect(job.result).toBe("There was nothing to summarise for “the tide tables” yet.");
  // What it spent is on its run, as the inspector shows it.
  const run = await runOf(t, jobId);
  const tokens = run.tokensIn + run.tokensOut;
  expect(tokens).toBeGreaterThan(0);
  expect(run).toMatchObject({ kind: "job", status: "completed", llmCalls: 1 });
  expect(job.openReservationKey).toBeUndefined();
  const after = await accountUsage(user);
  expect(after.tokens - before.tokens).toBe(tokens);
  expect(after.usd).toBeGreaterThanOrEqual(before.usd);
  const work = (await stepRows(t, jobId)).find((s) => s.key === "work")!;
  expect(work.name).toBe("Work (model call)");
  expect(work.detail).toMatch(new RegExp(`${tokens} tokens`));
  // A job with no agent keeps the deterministic summary and spends nothing.
  const plain = await startJob(user, { type: "summarize", input: "Tides rise twice a day." });
  await settle(t);
  expect((await jobRow(t, plain)).result).toMatch(/^Summary of “Tides rise/);
  expect((await accountUsage(user)).tokens).toBe(after.tokens);
});

test("a budget that cannot cover the call fails the job with budget_exceeded; the model is not called, nothing is spent", async () => {
  const t = newHarness();
  const { user, thread } = await userWithThread(t);
  await user.client.mutation(api.usage.budgets.setBudget, { accountId: user.accountId, scope: "account", period: "total", capTokens: 10 });
  const jobId = await startJob(user, { type: "summarize", input: "everything", threadId: thread.threadId });
  await settle(t);
  const job = await jobRow(t, jobId);
  expect(job.state).toBe("failed");
  expect(job.error).toMatchObject({ code: "budget_exceeded", step: "work" });
  expect(await runOf(t, jobId)).toMatchObject({ tokensIn: 0, tokensOut: 0, costMicroUsd: 0, llmCalls: 0 });
  expect((await accountUsage(user)).tokens).toBe(0);
});

test("a job whose model step keeps failing returns its hold: the budget is whole again", async () => {
  const t = newHarness();
  const { user, thread } = await userWithThread(t);
  // Room for one hold (about 3,200 tokens), not two: had the failed job kept its hold, the next could not reserve.
  const probe = await startJob(user, { type: "summarize", input: "x", threadId: thread.threadId });
  await settle(t);
  const probeRun = await runOf(t, probe);
  const oneCall = probeRun.tokensIn + probeRun.tokensOut;
  await user.client.mutation(api.usage.budgets.setBudget, { accountId: user.accountId, scope: "account", period: "total", capTokens: oneCall + 5_000 });
  failNext("job.step", 100, "summarize:work");
  const failing = await startJob(user, { type: "summarize", input: "x", threadId: thread.threadId });
  await settle(t);
  const failed = await jobRow(t, failing);
  expect(failed.state).toBe("failed");
  expect(failed.openReservationKey).toBeUndefined();
  failNext("job.step", 0, "summarize:work");
  const next = await startJob(user, { type: "summarize", input: "x", threadId: thread.threadId });
  await settle(t);
  expect((await jobRow(t, next)).state).toBe("resolved");
});
