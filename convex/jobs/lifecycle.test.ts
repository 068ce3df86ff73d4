/**
 * A job's life: steps retried with backoff, a step that keeps failing fails
 * the job naming it, resume from that step (earlier steps not re-run),
 * restart from the beginning, later and recurring runs.
 */
import { afterEach, beforeEach, expect, test, vi } from "vitest";
import { api } from "../_generated/api";
import { failNext, passes, passesByKey, resetFaults } from "../lib/faults.testing";
import { asUser, codeOf, newHarness } from "../test.setup";
import { allJobs, detail, drive, jobRow, settle, startJob, workflowStatus } from "./testkit.testing";

beforeEach(() => vi.useFakeTimers());
afterEach(() => {
  vi.useRealTimers();
  resetFaults();
});

test("a step that throws twice then succeeds: retried with backoff, the job resolves once", async () => {
  const t = newHarness();
  const user = await asUser(t);
  failNext("job.step", 2, "summarize:work");
  const jobId = await startJob(user, { type: "summarize", input: "Revenue grew in the third quarter while costs fell." });
  await settle(t);
  const { job, steps } = await detail(user, jobId);
  expect(job).toMatchObject({ state: "resolved", hasUsefulOutput: true, attempts: 1, progress: { done: 3, total: 3 } });
  expect(job.result).toMatch(/Summary of “Revenue grew/);
  expect(steps.map((s) => [s.key, s.status, s.attempt])).toEqual([
    ["prepare", "succeeded", 1],
    ["work", "succeeded", 3],
    ["finish", "succeeded", 1],
  ]);
  expect(passesByKey("job.step")).toEqual({ "summarize:prepare": 1, "summarize:work": 3, "summarize:finish": 1 });
  expect(job.startedAt).toBeDefined();
  expect(job.endedAt).toBeGreaterThanOrEqual(job.startedAt!);
});

test("a step that always throws fails the job naming it; resume re-runs only that step and what follows", async () => {
  const t = newHarness();
  const user = await asUser(t);
  failNext("job.step", 100, "summarize:work");
  const jobId = await startJob(user, { type: "summarize", input: "Quarterly numbers" });
  await settle(t);
  let view = await detail(user, jobId);
  expect(view.job).toMatchObject({ state: "failed", canResume: true, canRestart: true, hasUsefulOutput: false });
  expect(view.job.error).toMatchObject({ code: "step_failed", step: "work" });
  expect(view.job.error!.message).toMatch(/“work” failed after 4 attempts: Injected fault in work/);
  expect(view.steps.find((s) => s.key === "work")).toMatchObject({ status: "failed", attempt: 4 });
  expect(passesByKey("job.step")).toEqual({ "summarize:prepare": 1, "summarize:work": 4 });

  // Nothing to resume on a job that is not failed; the owner resumes with a reason.
  failNext("job.step", 0, "summarize:work");
  expect(await user.client.mutation(api.jobs.jobs.resume, { accountId: user.accountId, jobId, reason: "provider is back" })).toEqual({
    fromStep: "work",
  });
  expect(await codeOf(user.client.mutation(api.jobs.jobs.resume, { accountId: user.accountId, jobId }))).toBe("conflict");
  await settle(t);
  view = await detail(user, jobId);
  expect(view.job).toMatchObject({ state: "resolved", attempts: 2, progress: { done: 3, total: 3 } });
  expect(view.job.error).toBeUndefined();
  // prepare did not run again; work ran once more; finish once.
  expect(passesByKey("job.step")).toEqual({ "summarize:prepare": 1, "summarize:work": 5, "summarize:finish": 1 });
  expect(view.steps.map((s) => [s.key, s.status, s.attempt])).toEqual([
    ["prepare", "succeeded", 1],
    ["work", "succeeded", 5],
    ["finish", "succeeded", 1],
  ]);
  // The audit trail says who resumed it, from where, and why.
  const resume = view.events.find((e) => e.action === "job.resume")!;
  expect(resume).toMatchObject({ actorUserId: user.userId, actorRole: "admin", reason: "provider is back", detail: "from step work" });
  expect(view.events.map((e) => e.action)).toEqual(["job.resume", "job.start"]);
  expect(await codeOf(user.client.mutation(api.jobs.jobs.resume, { accountId: user.accountId, jobId }))).toBe("conflict");
});

test("restart runs every step again from the beginning, recorded in the audit log", async () => {
  const t = newHarness();
  const user = await asUser(t);
  failNext("job.step", 100, "summarize:work");
  const jobId = await startJob(user, { type: "summarize", input: "Board minutes" });
  await settle(t);
  expect((await jobRow(t, jobId)).state).toBe("failed");
  failNext("job.step", 0, "summarize:work");
  await user.client.mutation(api.jobs.jobs.restart, { accountId: user.accountId, jobId, reason: "fresh start" });
  await settle(t);
  const view = await detail(user, jobId);
  expect(view.job).toMatchObject({ state: "resolved", attempts: 2, progress: { done: 3, total: 3 } });
  expect(passesByKey("job.step")).toEqual({ "summarize:prepare": 2, "summarize:work": 5, "summarize:finish": 1 });
  expect(view.steps.find((s) => s.key === "prepare")!.attempt).toBe(2);
  expect(view.events[0]).toMatchObject({ action: "job.restart", reason: "fresh start", actorUserId: user.userId });
  // A resolved job cannot be restarted or resumed.
  expect(await codeOf(user.client.mutation(api.jobs.jobs.restart, { accountId: user.accountId, jobId }))).toBe("conflict");
});

test("a job due later stays pending until its time, then runs", async () => {
  const t = newHarness();
  const user = await asUser(t);
  const runAt = Date.now() + 3_600_000;
  const jobId = await startJob(user, { type: "summarize", input: "Later", runAt });
  await drive(t);
  expect(await jobRow(t, jobId)).toMatchObject({ state: "pending", attempts: 0 });
  expect((await jobRow(t, jobId)).workflowId).toBeUndefined();
  await settle(t);
  const job = await jobRow(t, jobId);
  expect(job).toMatchObject({ state: "resolved", attempts: 1 });
  expect(job.startedAt).toBeGreaterThanOrEqual(runAt);
  expect((await workflowStatus(t, job.workflowId!)).type).toBe("completed");
});

test("a schedule starts one occurrence per interval, `times` of them, each a job of its own", async () => {
  const t = newHarness();
  const user = await asUser(t);
  const scheduleId = await startJob(user, { type: "summarize", input: "Daily digest", everyMs: 60_000, times: 3 });
  await settle(t);
  const schedule = await jobRow(t, scheduleId);
  expect(schedule).toMatchObject({ state: "resolved", schedule: { everyMs: 60_000, times: 3, started: 3 } });
  const children = await allJobs(t, scheduleId);
  expect(children.map((c) => [c.state, c.source])).toEqual([
    ["resolved", "schedule"],
    ["resolved", "schedule"],
    ["resolved", "schedule"],
  ]);
  expect(children[1]!.startedAt! - children[0]!.startedAt!).toBeGreaterThanOrEqual(60_000);
  expect(passes("job.step", "summarize:work")).toBe(3);
  const page = await user.client.query(api.jobs.jobs.list, { accountId: user.accountId, paginationOpts: { numItems: 10, cursor: null } });
  expect(page.page).toHaveLength(4);
  expect(page.page.map((j) => j.jobId)).toContain(scheduleId);
  // Newest first.
  const created = page.page.map((j) => j.createdAt);
  expect([...created].sort((a, b) => b - a)).toEqual(created);
});

test("cancelling a schedule cancels its live occurrence (children) and stops the next ones", async () => {
  const t = newHarness();
  const user = await asUser(t);
  const scheduleId = await startJob(user, { type: "wait_for_callback", everyMs: 2 * 3_600_000, times: 5 });
  await drive(t);
  const [child] = await allJobs(t, scheduleId);
  expect(child).toMatchObject({ state: "waiting" });
  expect(await user.client.mutation(api.jobs.jobs.cancel, { accountId: user.accountId, jobId: scheduleId, reason: "no longer needed" })).toEqual({
    cancelled: true,
  });
  expect((await jobRow(t, child!._id)).state).toBe("cancelled");
  expect((await jobRow(t, child!._id)).error!.message).toMatch(/parent job was cancelled: no longer needed/);
  expect((await workflowStatus(t, child!.workflowId!)).type).toBe("canceled");
  await settle(t);
  const all = await allJobs(t);
  expect(all.map((j) => j.state)).toEqual(["cancelled", "cancelled"]);
  expect(await user.client.mutation(api.jobs.jobs.cancel, { accountId: user.accountId, jobId: scheduleId })).toEqual({ cancelled: false });
});

test("start refuses what it cannot run", async () => {
  const t = newHarness();
  const user = await asUser(t);
  const start = (args: Record<string, unknown>) =>
    codeOf(user.client.mutation(api.jobs.jobs.start, { accountId: user.accountId, type: "summarize", ...args }));
  expect(await start({ type: "mine_bitcoin" })).toBe("bad_request");
  expect(await start({ input: "x".repeat(5_000) })).toBe("bad_request");
  expect(await start({ everyMs: 10 })).toBe("bad_request");
  expect(await start({ times: 3 })).toBe("bad_request");
  expect(await start({ timeoutMs: 1 })).toBe("bad_request");
  expect(await t.run(async (ctx) => (await ctx.db.query("jobs").collect()).length)).toBe(0);
});
