/**
 * Waiting for the outside world: a callback resolves a wait once; a second
 * delivery changes nothing and says so; a callback that never comes times
 * the job out; cancel mid-wait; the stuck-job sweep is safe to run twice.
 */
import { afterEach, beforeEach, expect, test, vi } from "vitest";
import { api, internal } from "../_generated/api";
import type { Id } from "../_generated/dataModel";
import { asUser, codeOf, newHarness, type Harness } from "../test.setup";
import { JOB_TYPES } from "./types";
import { callbackRows, detail, drive, jobRow, SERVICE_SECRET, settle, startJob, stepRows, workflowStatus } from "./testkit.testing";

beforeEach(() => {
  vi.useFakeTimers();
  process.env.HARNESS_SERVICE_SECRET = SERVICE_SECRET;
});
afterEach(() => {
  vi.useRealTimers();
  delete process.env.HARNESS_SERVICE_SECRET;
});

async function waitingJob(t: Harness, options: { timeoutMs?: number } = {}) {
  const user = await asUser(t);
  const jobId = await startJob(user, { type: "wait_for_callback", input: "Wait for the bank", ...options });
  await drive(t);
  const view = await detail(user, jobId);
  expect(view.job.state).toBe("waiting");
  return { user, jobId, callId: view.waitingFor!.callId };
}

function deliver(t: Harness, callId: string, body: { result?: string; error?: string }) {
  return t.mutation(api.jobs.callbacks.resolveCallback, { serviceSecret: SERVICE_SECRET, callId, ...body });
}

test("a callback delivered twice resolves the wait once; the second delivery changes nothing and says so", async () => {
  const t = newHarness();
  const { user, jobId, callId } = await waitingJob(t);
  expect(callId).toMatch(/^call_[0-9a-f]{32}$/);
  expect(await deliver(t, callId, { result: "payment settled" })).toEqual({ accepted: true, alreadyResolved: false, status: "resolved", jobId });
  expect(await deliver(t, callId, { result: "a different answer" })).toEqual({
    accepted: false,
    alreadyResolved: true,
    status: "resolved",
    jobId,
  });
  await settle(t); // Also fires the wait's timeout, which finds the callback answered.
  expect(await deliver(t, callId, { error: "late failure" })).toMatchObject({ accepted: false, alreadyResolved: true });
  const view = await detail(user, jobId);
  expect(view.job).toMatchObject({ state: "resolved", result: "payment settled", hasUsefulOutput: true, progress: { done: 1, total: 1 } });
  expect(view.steps.map((s) => [s.key, s.status, s.attempt])).toEqual([["callback", "succeeded", 1]]);
  expect((await callbackRows(t, jobId)).map((c) => [c.status, c.result])).toEqual([["resolved", "payment settled"]]);
  expect(view.waitingFor).toBeUndefined();
});

test("resolveCallback needs the service secret, a known call id and exactly one of result or error", async () => {
  const t = newHarness();
  const { callId, jobId } = await waitingJob(t);
  expect(await codeOf(t.mutation(api.jobs.callbacks.resolveCallback, { serviceSecret: "wrong", callId, result: "x" }))).toBe("unauthenticated");
  expect(await codeOf(deliver(t, "call_unknown", { result: "x" }))).toBe("not_found");
  expect(await codeOf(deliver(t, callId, {}))).toBe("bad_request");
  expect(await codeOf(deliver(t, callId, { result: "x", error: "y" }))).toBe("bad_request");
  expect((await jobRow(t, jobId)).state).toBe("waiting");
});

test("a callback that reports an error fails the job naming the wait step", async () => {
  const t = newHarness();
  const { user, jobId, callId } = await waitingJob(t);
  await deliver(t, callId, { error: "card declined" });
  await settle(t);
  const { job } = await detail(user, jobId);
  expect(job).toMatchObject({ state: "failed", canResume: true, error: { code: "callback_error", step: "callback" } });
  expect(job.error!.message).toMatch(/card declined/);
});

test("a callback that never comes: the job times out; resume waits again with a new call id", async () => {
  const t = newHarness();
  const { user, jobId, callId } = await waitingJob(t);
  await settle(t); // The wait's timeout (an hour) fires.
  let view = await detail(user, jobId);
  expect(view.job).toMatchObject({ state: "timed_out", canResume: true, error: { code: "timeout", step: "callback" } });
  expect(view.job.error!.message).toMatch(/No callback arrived within 3600 s/);
  expect(await deliver(t, callId, { result: "too late" })).toMatchObject({ accepted: false, alreadyResolved: false, status: "timed_out" });
  expect((await jobRow(t, jobId)).state).toBe("timed_out");

  await user.client.mutation(api.jobs.jobs.resume, { accountId: user.accountId, jobId });
  await drive(t);
  view = await detail(user, jobId);
  expect(view.job.state).toBe("waiting");
  const second = view.waitingFor!.callId;
  expect(second).not.toBe(callId);
  await deliver(t, second, { result: "finally" });
  await settle(t);
  view = await detail(user, jobId);
  expect(view.job).toMatchObject({ state: "resolved", result: "finally", attempts: 2 });
  expect(view.steps.map((s) => [s.key, s.status, s.attempt])).toEqual([["callback", "succeeded", 2]]);
});

test("the type's wait policy can retry a timed-out wait before the job times out", async () => {
  const policy = JOB_TYPES.wait_for_callback!.wait!;
  policy.retries = 1;
  try {
    const t = newHarness();
    const user = await asUser(t);
    const jobId = await startJob(user, { type: "wait_for_callback" });
    await settle(t);
    const view = await detail(user, jobId);
    expect(view.job).toMatchObject({ state: "timed_out", error: { step: "callback#2" } });
    expect(view.steps.map((s) => [s.key, s.status])).toEqual([
      ["callback", "failed"],
      ["callback#2", "failed"],
    ]);
    expect((await callbackRows(t, jobId)).map((c) => c.status)).toEqual(["timed_out", "timed_out"]);
  } finally {
    policy.retries = 0;
  }
});

test("cancel mid-wait: the job and its workflow are cancelled, a late callback changes nothing, twice is a no-op", async () => {
  const t = newHarness();
  const { user, jobId, callId } = await waitingJob(t);
  expect(await user.client.mutation(api.jobs.jobs.cancel, { accountId: user.accountId, jobId, reason: "changed my mind" })).toEqual({
    cancelled: true,
  });
  expect(await user.client.mutation(api.jobs.jobs.cancel, { accountId: user.accountId, jobId })).toEqual({ cancelled: false });
  expect(await deliver(t, callId, { result: "late" })).toMatchObject({ accepted: false, status: "cancelled" });
  await settle(t);
  const view = await detail(user, jobId);
  expect(view.job).toMatchObject({ state: "cancelled", canResume: false, canRestart: true, error: { code: "cancelled", message: "changed my mind" } });
  expect(view.steps.map((s) => s.status)).toEqual(["cancelled"]);
  expect((await workflowStatus(t, (await jobRow(t, jobId)).workflowId!)).type).toBe("canceled");
  expect(view.events.map((e) => [e.action, e.reason])).toEqual([
    ["job.cancel", "changed my mind"],
    ["job.start", "started from the API"],
  ]);
});

test("the stuck-job sweep settles a job past its deadline; run twice, same end state", async () => {
  const t = newHarness();
  const { user, jobId } = await waitingJob(t);
  // The wait's own timer is lost (a crash): time passes without it firing.
  vi.setSystemTime(Date.now() + 2 * 24 * 3_600_000);
  const snapshot = async (id: Id<"jobs">) => ({
    job: await jobRow(t, id),
    steps: await stepRows(t, id),
    callbacks: await callbackRows(t, id),
  });
  expect(await t.mutation(internal.jobs.maintenance.settleStuckJobs, {})).toEqual({ settled: 1, more: false });
  const first = await snapshot(jobId);
  expect(first.job).toMatchObject({ state: "timed_out", failedStepKey: "callback", error: { code: "timeout", step: "callback" } });
  expect(first.callbacks.map((c) => c.status)).toEqual(["cancelled"]);
  expect((await workflowStatus(t, first.job.workflowId!)).type).toBe("canceled");
  expect(await t.mutation(internal.jobs.maintenance.settleStuckJobs, {})).toEqual({ settled: 0, more: false });
  expect(await snapshot(jobId)).toEqual(first);
  await settle(t); // The late timer fires now: nothing changes.
  expect(await snapshot(jobId)).toEqual(first);
  const { events } = await detail(user, jobId);
  expect(events.filter((e) => e.action === "job.timeout.stuck")).toHaveLength(1);
  expect(events[0]).toMatchObject({ actorRole: "system" });
});

test("the sweep leaves jobs within their deadline alone", async () => {
  const t = newHarness();
  const { jobId } = await waitingJob(t);
  expect(await t.mutation(internal.jobs.maintenance.settleStuckJobs, {})).toEqual({ settled: 0, more: false });
  expect((await jobRow(t, jobId)).state).toBe("waiting");
});
