/**
 * Background jobs are runs: support staff find them in the run list, read
 * their steps on the run's timeline, and cancel, resume or restart them from
 * there — through the jobs module's own controls, so the job's state, its
 * callbacks and its audit trail change with the run. Members cannot.
 */
import { afterEach, beforeEach, expect, test, vi } from "vitest";
import { api } from "../_generated/api";
import { failNext, resetFaults } from "../lib/faults.testing";
import { asMember, codeOf, newHarness } from "../test.setup";
import { callbackRows, detail, drive, jobRow, settle, startJob, SERVICE_SECRET } from "../jobs/testkit.testing";

beforeEach(() => {
  vi.useFakeTimers();
  process.env.HARNESS_SERVICE_SECRET = SERVICE_SECRET;
});
afterEach(() => {
  vi.useRealTimers();
  resetFaults();
  delete process.env.HARNESS_SERVICE_SECRET;
});

test("a failed job is a failed run: staff see its steps and resume it from the failed step; the job resolves", async () => {
  const t = newHarness();
  const admin = await asMember(t, "org_jobruns", "admin");
  const member = await asMember(t, "org_jobruns", "member");
  failNext("job.step", 100, "summarize:work");
  const jobId = await startJob(member, { type: "summarize", input: "Quarterly numbers" });
  await settle(t);
  const runId = (await jobRow(t, jobId)).runId!;

  const listed = await admin.client.query(api.inspector.runs.listRuns, { accountId: admin.accountId, kind: "job", paginationOpts: { numItems: 10, cursor: null } });
  expect(listed.page.map((r) => [r.interactionId, r.status, r.failedStepKey])).toEqual([[runId, "failed", "work"]]);
  const timeline = await admin.client.query(api.inspector.runs.getRun, { accountId: admin.accountId, interactionId: runId });
  expect(timeline.steps.map((s) => [s.key, s.kind, s.status, s.attempt])).toEqual([
    ["prepare", "mutation", "succeeded", 1],
    ["work", "action", "failed", 4],
  ]);
  expect(timeline.steps[1]!.input).toBe("Quarterly numbers"); // what the work was given
  const preview = await admin.client.query(api.inspector.controls.resumePreview, { accountId: admin.accountId, interactionId: runId });
  expect(preview.resume).toMatchObject({ allowed: true, from: "work" });

  // A member may not; staff resume with a reason.
  expect(await codeOf(member.client.mutation(api.inspector.controls.resumeRun, { accountId: member.accountId, interactionId: runId, reason: "retry" }))).toBe("forbidden");
  failNext("job.step", 0, "summarize:work");
  const resumed = await admin.client.mutation(api.inspector.controls.resumeRun, { accountId: admin.accountId, interactionId: runId, reason: "provider is back" });
  expect(resumed).toMatchObject({ from: "work", generation: 1 });
  await settle(t);
  const view = await detail(member, jobId);
  expect(view.job).toMatchObject({ state: "resolved", attempts: 2 });
  expect(view.events.find((e) => e.action === "job.resume")).toMatchObject({ actorUserId: admin.userId, reason: "provider is back", detail: "from step work" });
  const after = await admin.client.query(api.inspector.runs.getRun, { accountId: admin.accountId, interactionId: runId });
  expect(after.run).toMatchObject({ kind: "job", status: "completed" });
  expect(after.steps.map((s) => [s.key, s.status])).toEqual([["prepare", "succeeded"], ["work", "succeeded"], ["finish", "succeeded"]]);
  expect(after.steps[1]!.output).toMatch(/^Summary of “Quarterly numbers/);

  // Nothing to resume now: refused, nothing changes.
  expect(await codeOf(admin.client.mutation(api.inspector.controls.resumeRun, { accountId: admin.accountId, interactionId: runId, reason: "again" }))).toBe("conflict");
  expect((await detail(member, jobId)).job.state).toBe("resolved");
});

test("staff cancel a waiting job from the run page: the job, its callback and its run end once; a second cancel changes nothing", async () => {
  const t = newHarness();
  const admin = await asMember(t, "org_jobcancel", "admin");
  const jobId = await startJob(admin, { type: "wait_for_callback", input: "Wait for the bank" });
  await drive(t);
  const runId = (await jobRow(t, jobId)).runId!;
  expect((await admin.client.query(api.inspector.runs.getRun, { accountId: admin.accountId, interactionId: runId })).run.status).toBe("waiting");

  expect(await admin.client.mutation(api.inspector.controls.cancelRun, { accountId: admin.accountId, interactionId: runId, reason: "customer withdrew" })).toEqual({ cancelled: true, status: "cancelled" });
  await settle(t);
  const view = await detail(admin, jobId);
  expect(view.job.state).toBe("cancelled");
  expect(view.events.filter((e) => e.action === "job.cancel")).toHaveLength(1);
  expect((await callbackRows(t, jobId)).map((c) => c.status)).toEqual(["cancelled"]);
  expect(await admin.client.mutation(api.inspector.controls.cancelRun, { accountId: admin.accountId, interactionId: runId, reason: "again" })).toEqual({ cancelled: false, status: "cancelled" });
  expect((await detail(admin, jobId)).events.filter((e) => e.action === "job.cancel")).toHaveLength(1);

  // Restart from the run page: a new generation waits again.
  await admin.client.mutation(api.inspector.controls.restartRun, { accountId: admin.accountId, interactionId: runId, reason: "needed after all" });
  await drive(t);
  expect((await detail(admin, jobId)).job.state).toBe("waiting");
  expect((await admin.client.query(api.inspector.runs.getRun, { accountId: admin.accountId, interactionId: runId })).run.status).toBe("waiting");
});
