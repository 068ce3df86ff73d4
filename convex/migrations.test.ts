/**
 * Jobs stored before the run kernel (a `jobs` row with no run, its steps in
 * `jobSteps`) opened by today's code: the migration gives each its run and
 * moves its steps to the step ledger; the jobs page and the inspector show the
 * same history as before; a job in progress at the switch finishes; running
 * the migration again changes nothing. And mails stored waiting for their
 * turn before replies were sent by run watchers: none left unanswered.
 */
import { afterEach, beforeEach, expect, test, vi } from "vitest";
import { api, internal } from "./_generated/api";
import type { Doc, Id } from "./_generated/dataModel";
import { asMember, newHarness, type Harness } from "./test.setup";
import { detail, drive, jobRow, SERVICE_SECRET, settle, startJob } from "./jobs/testkit.testing";
import { loadJob, type Job } from "./jobs/jobRun";
import { send, userWithThread } from "./chat/testkit.testing";

beforeEach(() => {
  vi.useFakeTimers();
  process.env.HARNESS_SERVICE_SECRET = SERVICE_SECRET;
});
afterEach(() => {
  vi.useRealTimers();
  delete process.env.HARNESS_SERVICE_SECRET;
});

type OldStep = Omit<Doc<"jobSteps">, "_id" | "_creationTime" | "jobId">;

/** A job as the code before runs wrote it: the row (state, counters, no run) and its `jobSteps` rows. */
async function storeOldJob(t: Harness, owner: { accountId: Id<"accounts">; userId: Id<"userProfiles"> }, job: Partial<Doc<"jobs">>, steps: OldStep[]) {
  return await t.run(async (ctx) => {
    const now = Date.now();
    const jobId = await ctx.db.insert("jobs", {
      accountId: owner.accountId,
      userId: owner.userId,
      type: "summarize",
      state: "resolved",
      source: "api",
      createdAt: now - 60_000,
      runAt: now - 60_000,
      attempts: 1,
      timeoutMs: 600_000,
      hasUsefulOutput: false,
      generation: 0,
      stepCount: steps.length,
      stepsDone: steps.filter((s) => s.status === "succeeded").length,
      ...job,
    });
    for (const step of steps) await ctx.db.insert("jobSteps", { ...step, jobId });
    return jobId;
  });
}

/** The lifecycle a job's row carried itself before jobs were thin runs (read from its run). */
function lifecycleOnRow(job: Job): Partial<Doc<"jobs">> {
  const { state, startedAt, endedAt, deadlineAt, attempts, error, failedStepKey, workflowId, generation } = job;
  return { state, startedAt, endedAt, deadlineAt, attempts, error, failedStepKey, workflowId, generation };
}

/** Turn a job written by today's code back into the shape the code before runs left: no run, steps in `jobSteps`. */
async function rewindToOldShape(t: Harness, jobId: Id<"jobs">) {
  await t.run(async (ctx) => {
    const job = await loadJob(ctx, jobId);
    await ctx.db.patch("jobs", jobId, lifecycleOnRow(job));
    const runId = job.runId!;
    const steps = await ctx.db.query("steps").withIndex("by_interactionId_index", (q) => q.eq("interactionId", runId)).collect();
    for (const s of steps) {
      await ctx.db.insert("jobSteps", {
        jobId, index: s.index, key: s.key, name: s.name, kind: s.kind as "mutation" | "action" | "wait", status: s.status as "running" | "waiting" | "succeeded" | "failed" | "cancelled",
        attempt: s.attempt, startedAt: s.startedAt,
        ...(s.endedAt !== undefined ? { endedAt: s.endedAt } : {}),
        ...(s.durationMs !== undefined ? { durationMs: s.durationMs } : {}),
        ...(s.error ? { error: s.error } : {}),
        ...(s.detail !== undefined ? { detail: s.detail } : {}),
      });
      await ctx.db.delete("steps", s._id);
    }
    await ctx.db.delete("interactions", runId);
    await ctx.db.patch("jobs", jobId, { runId: undefined, stepCount: steps.length });
  });
}

async function migrate(t: Harness) {
  await t.mutation(internal.migrations.runAll, {});
  await settle(t);
}

async function counts(t: Harness) {
  return await t.run(async (ctx) => ({
    runs: (await ctx.db.query("interactions").collect()).length,
    steps: (await ctx.db.query("steps").collect()).length,
    oldSteps: (await ctx.db.query("jobSteps").collect()).length,
  }));
}

/** What the jobs page and the owner see of a job: state, result, error and each step. */
function history(view: Awaited<ReturnType<typeof detail>>) {
  return {
    state: view.job.state,
    result: view.job.result,
    error: view.job.error,
    progress: view.job.progress,
    steps: view.steps.map((s) => ({ key: s.key, name: s.name, kind: s.kind, status: s.status, attempt: s.attempt, error: s.error, detail: s.detail })),
  };
}

test("stored jobs get their runs: the jobs page and the inspector show the same history; a second run changes nothing", async () => {
  const t = newHarness();
  const admin = await asMember(t, "org_migrate", "admin");
  const t0 = Date.now() - 50_000;
  const resolved = await storeOldJob(t, admin, { input: "the quarterly report", result: "Summary of the report", hasUsefulOutput: true, startedAt: t0, endedAt: t0 + 3_000, tokens: 120, costMicroUsd: 42 }, [
    { index: 0, key: "prepare", name: "Prepare", kind: "mutation", status: "succeeded", attempt: 1, startedAt: t0, endedAt: t0 + 10, durationMs: 10, detail: "3 words to summarise" },
    { index: 1, key: "work", name: "Work", kind: "action", status: "succeeded", attempt: 2, startedAt: t0 + 1_000, endedAt: t0 + 2_000, durationMs: 1_000, detail: "21 characters" },
    { index: 2, key: "finish", name: "Finish", kind: "mutation", status: "succeeded", attempt: 1, startedAt: t0 + 2_900, endedAt: t0 + 3_000, durationMs: 100 },
  ]);
  const failed = await storeOldJob(t, admin, { state: "failed", input: "broken", startedAt: t0, endedAt: t0 + 5_000, failedStepKey: "work", error: { code: "step_failed", message: "Step “work” failed after 3 attempts: provider down", step: "work" } }, [
    { index: 0, key: "prepare", name: "Prepare", kind: "mutation", status: "succeeded", attempt: 1, startedAt: t0, endedAt: t0 + 10, durationMs: 10 },
    { index: 1, key: "work", name: "Work", kind: "action", status: "failed", attempt: 3, startedAt: t0 + 1_000, endedAt: t0 + 5_000, durationMs: 4_000, error: { code: "step_failed", message: "provider down" } },
  ]);
  const before = { resolved: history(await detail(admin, resolved)), failed: history(await detail(admin, failed)) };
  expect(before.resolved.steps.map((s) => s.key)).toEqual(["prepare", "work", "finish"]);
  expect(await counts(t)).toEqual({ runs: 0, steps: 0, oldSteps: 5 });

  await migrate(t);

  expect(await counts(t)).toEqual({ runs: 2, steps: 5, oldSteps: 0 });
  expect(history(await detail(admin, resolved))).toEqual(before.resolved);
  expect(history(await detail(admin, failed))).toEqual(before.failed);

  // The inspector lists them as runs of kind "job" and shows their steps.
  const listed = await admin.client.query(api.inspector.runs.listRuns, { accountId: admin.accountId, kind: "job", paginationOpts: { numItems: 10, cursor: null } });
  const byJob = new Map(listed.page.map((r) => [r.interactionId, r]));
  const resolvedRun = (await jobRow(t, resolved)).runId!;
  const failedRun = (await jobRow(t, failed)).runId!;
  expect(byJob.get(resolvedRun)).toMatchObject({ kind: "job", status: "completed", agentName: "No agent", tokensOut: 120, costUsd: 0.000042, startedAt: t0, endedAt: t0 + 3_000 });
  expect(byJob.get(failedRun)).toMatchObject({ kind: "job", status: "failed", failedStepKey: "work", error: { code: "step_failed" } });
  const timeline = await admin.client.query(api.inspector.runs.getRun, { accountId: admin.accountId, interactionId: failedRun });
  expect(timeline.steps.map((s) => [s.key, s.status, s.attempt])).toEqual([["prepare", "succeeded", 1], ["work", "failed", 3]]);

  // Again: a finished migration is a no-op, and so is a job that already has its run.
  await t.mutation(internal.migrations.runAll, { reset: true });
  await settle(t);
  expect(await counts(t)).toEqual({ runs: 2, steps: 5, oldSteps: 0 });
});

test("a job waiting at the switch finishes: its next step gives it its run, and the migration after finds it done", async () => {
  const t = newHarness();
  const owner = await asMember(t, "org_switch", "admin");
  const jobId = await startJob(owner, { type: "wait_for_callback", input: "Wait for the bank" });
  await drive(t);
  const waiting = await detail(owner, jobId);
  expect(waiting.job.state).toBe("waiting");
  await rewindToOldShape(t, jobId); // as the code before runs left it
  expect(await counts(t)).toEqual({ runs: 0, steps: 0, oldSteps: 1 });

  const delivered = await t.mutation(api.jobs.callbacks.resolveCallback, { serviceSecret: SERVICE_SECRET, callId: waiting.waitingFor!.callId, result: "payment settled" });
  expect(delivered).toMatchObject({ accepted: true, status: "resolved" });
  await drive(t);
  const done = await detail(owner, jobId);
  expect(done.job.state).toBe("resolved");
  expect(done.steps.map((s) => [s.key, s.status, s.attempt])).toEqual([["callback", "succeeded", 1]]);
  expect(await counts(t)).toEqual({ runs: 1, steps: 1, oldSteps: 0 });
  const runId = (await jobRow(t, jobId)).runId!;
  const run = await t.run(async (ctx) => ctx.db.get("interactions", runId));
  expect(run).toMatchObject({ kind: "job", status: "completed" });

  await migrate(t);
  expect(await counts(t)).toEqual({ runs: 1, steps: 1, oldSteps: 0 });
  expect((await jobRow(t, jobId)).runId).toBe(runId);
});

test("a job stored while its row mirrored its run becomes thin: the same page before and after, and the sweep finds it by its run", async () => {
  const t = newHarness();
  const owner = await asMember(t, "org_thin", "admin");
  const jobId = await startJob(owner, { type: "wait_for_callback", input: "Wait for the courier", timeoutMs: 120_000 });
  await drive(t);
  // As the code of the last release left it: the lifecycle on the row as well, and a run without deadline or attempts.
  const runId = await t.run(async (ctx) => {
    const job = await loadJob(ctx, jobId);
    await ctx.db.patch("jobs", jobId, lifecycleOnRow(job));
    await ctx.db.patch("interactions", job.runId!, { deadlineAt: undefined, attempts: undefined });
    return job.runId!;
  });
  const before = await detail(owner, jobId);
  expect(before.job).toMatchObject({ state: "waiting", attempts: 1 });

  await t.mutation(internal.migrations.runAll, {});
  await drive(t); // not `settle`: that would fire the wait's timeout too

  const after = await detail(owner, jobId);
  expect(history(after)).toEqual(history(before));
  expect(after.job.attempts).toBe(1);
  const stored = await t.run(async (ctx) => ({ row: (await ctx.db.get("jobs", jobId))!, run: (await ctx.db.get("interactions", runId))! }));
  for (const mirrored of ["state", "startedAt", "deadlineAt", "attempts", "workflowId", "generation"] as const) expect(stored.row[mirrored]).toBeUndefined();
  expect(stored.run).toMatchObject({ status: "waiting", attempts: 1, deadlineAt: before.job.startedAt! + 120_000 });

  // The stuck-job sweep reads runs: past its deadline the job is settled as timed out, once.
  await t.run(async (ctx) => ctx.db.patch("jobCallbacks", (await ctx.db.query("jobCallbacks").first())!._id, { timeoutAt: Date.now() + 3_600_000 }));
  vi.setSystemTime(Date.now() + 121_000);
  expect(await t.mutation(internal.jobs.maintenance.settleStuckJobs, {})).toEqual({ settled: 1, more: false });
  expect(await t.mutation(internal.jobs.maintenance.settleStuckJobs, {})).toEqual({ settled: 0, more: false });
  expect((await detail(owner, jobId)).job.state).toBe("timed_out");
});

test("a mail stored waiting for its turn before run watchers: the migration answers it if the turn ended, watches it if not", async () => {
  const t = newHarness();
  const { user, thread } = await userWithThread(t, { orgId: "org_mail", role: "admin" });
  await send(user, thread.threadId, "Explain what a journal is in a workflow engine");
  await settle(t);
  const [ended, going] = await t.run(async (ctx) => {
    const run = (await ctx.db.query("interactions").collect()).find((r) => r.kind === "turn")!;
    // A second turn still going: the same run's row copied, status running (no workflow needed: nothing drives it here).
    const { _id, _creationTime, ...fields } = run;
    const second = await ctx.db.insert("interactions", { ...fields, status: "running", endedAt: undefined });
    return [run._id, second];
  });
  const mail = (interactionId: Id<"interactions">) =>
    t.run(async (ctx) =>
      ctx.db.insert("emailOutbox", {
        accountId: user.accountId, interactionId, from: "assistant@mail.test", fromName: "Assistant", to: "someone@example.test",
        subject: "Re: Journals", text: "", messageId: `<old.${interactionId}@mail.test>`, references: [], threadId: thread.threadId,
        status: "waiting", createdAt: Date.now(),
      }),
    );
  const answered = await mail(ended);
  const watched = await mail(going);

  await migrate(t);

  const rows = await t.run(async (ctx) => ({
    answered: (await ctx.db.get("emailOutbox", answered))!,
    watched: (await ctx.db.get("emailOutbox", watched))!,
    watchers: await ctx.db.query("runEndWatchers").collect(),
  }));
  expect(rows.answered.status).not.toBe("waiting");
  expect(rows.answered.text).not.toBe("");
  expect(rows.watched.status).toBe("waiting");
  expect(rows.watchers.map((w) => w.interactionId)).toEqual([going]);

  // Again: nothing more (the answered mail is no longer waiting; the waiting one is already watched).
  await t.mutation(internal.migrations.runAll, { reset: true });
  await settle(t);
  expect((await t.run(async (ctx) => ctx.db.query("runEndWatchers").collect())).length).toBe(1);
});
