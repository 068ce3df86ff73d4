/**
 * Kill switches: a platform pause refuses new jobs and cancels pending and
 * waiting ones (in self-continuing batches); un-pausing revives nothing. An
 * agent pause refuses that agent's new jobs and cancels its pending ones.
 */
import { afterEach, beforeEach, expect, test, vi } from "vitest";
import { api, internal } from "../_generated/api";
import { assistantOf, userWithThread } from "../chat/testkit.testing";
import { asAdmin, asUser, codeOf, newHarness } from "../test.setup";
import { isPlatformPaused } from "../ops/paused";
import { KILL_BATCH } from "./platform";
import { allJobs, drive, jobRow, settle, startJob, workflowStatus } from "./testkit.testing";

beforeEach(() => vi.useFakeTimers());
afterEach(() => vi.useRealTimers());

test("a platform pause cancels every pending and waiting job in batches; new jobs refused; un-pausing revives nothing", async () => {
  const t = newHarness();
  const admin = await asAdmin(t);
  const user = await asUser(t);
  const later = Date.now() + 24 * 3_600_000;
  const pending = [];
  for (let i = 0; i < KILL_BATCH + 5; i++) pending.push(await startJob(user, { type: "summarize", input: `report ${i}`, runAt: later }));
  const waiting = await startJob(user, { type: "wait_for_callback" });
  await drive(t);
  expect((await jobRow(t, waiting)).state).toBe("waiting");

  // Only platform admins hold the switch.
  expect(await codeOf(user.client.mutation(api.ops.pause.setPlatformPaused, { paused: true }))).toBe("forbidden");
  expect(await admin.client.mutation(api.ops.pause.setPlatformPaused, { paused: true, reason: "incident 42" })).toEqual({
    paused: true,
    changed: true,
  });
  expect(await user.client.query(api.ops.pause.status, {})).toEqual({ paused: true });
  expect(await t.run(async (ctx) => isPlatformPaused(ctx))).toBe(true);
  await drive(t); // The batches run; the jobs' own start times have not come.
  for (const jobId of [...pending, waiting]) {
    const job = await jobRow(t, jobId);
    expect(job.state).toBe("cancelled");
    expect(job.error).toEqual({ code: "cancelled", message: "the platform was paused" });
  }
  expect((await workflowStatus(t, (await jobRow(t, waiting)).workflowId!)).type).toBe("canceled");
  const audited = await t.run(async (ctx) => (await ctx.db.query("auditLog").collect()).filter((e) => e.action === "job.cancel.platform_paused"));
  expect(audited).toHaveLength(KILL_BATCH + 6);
  expect(audited.every((e) => e.actorRole === "system")).toBe(true);

  expect(await codeOf(user.client.mutation(api.jobs.jobs.start, { accountId: user.accountId, type: "summarize" }))).toBe("policy_denied");
  expect(await codeOf(user.client.mutation(api.jobs.jobs.resume, { accountId: user.accountId, jobId: waiting }))).toBe("conflict");
  expect(await codeOf(user.client.mutation(api.jobs.jobs.restart, { accountId: user.accountId, jobId: waiting }))).toBe("policy_denied");

  await admin.client.mutation(api.ops.pause.setPlatformPaused, { paused: false });
  await settle(t); // Their start times come and go: still cancelled.
  const states = (await allJobs(t)).map((j) => j.state);
  expect(new Set(states)).toEqual(new Set(["cancelled"]));
  // New jobs run again.
  const fresh = await startJob(user, { type: "summarize", input: "after the incident" });
  await settle(t);
  expect((await jobRow(t, fresh)).state).toBe("resolved");
});

test("a paused agent's new jobs are refused and its pending jobs cancelled; resuming the agent revives nothing", async () => {
  const t = newHarness();
  const { user, thread, agentId } = await userWithThread(t);
  const later = Date.now() + 3_600_000;
  const jobId = await startJob(user, { type: "summarize", input: "for the agent", threadId: thread.threadId, runAt: later });
  const other = await startJob(user, { type: "summarize", input: "no agent", runAt: later });
  expect((await jobRow(t, jobId)).agentId).toBe(agentId);

  await user.client.mutation(api.agents.agents.pause, { accountId: user.accountId, agentId });
  expect(
    await codeOf(user.client.mutation(api.jobs.jobs.start, { accountId: user.accountId, type: "summarize", threadId: thread.threadId })),
  ).toBe("policy_denied");
  expect(await codeOf(user.client.mutation(api.jobs.jobs.start, { accountId: user.accountId, type: "summarize", agentId }))).toBe(
    "policy_denied",
  );
  // Pausing the agent cancelled its pending job at once; running the batch again changes nothing.
  expect(await jobRow(t, jobId)).toMatchObject({ state: "cancelled", error: { message: "the agent was paused" } });
  expect(await t.mutation(internal.jobs.platform.cancelForAgent, { agentId })).toBe(0);
  expect((await jobRow(t, other)).state).toBe("pending");

  await user.client.mutation(api.agents.agents.resume, { accountId: user.accountId, agentId });
  await settle(t);
  expect((await jobRow(t, jobId)).state).toBe("cancelled");
  expect((await jobRow(t, other)).state).toBe("resolved");
});

test("a job that comes due while its agent is paused is cancelled instead of started", async () => {
  const t = newHarness();
  const user = await asUser(t);
  const agentId = await assistantOf(t, user.accountId);
  const jobId = await startJob(user, { type: "summarize", agentId, runAt: Date.now() + 60_000 });
  await user.client.mutation(api.agents.agents.pause, { accountId: user.accountId, agentId });
  await settle(t);
  const job = await jobRow(t, jobId);
  expect(job).toMatchObject({ state: "cancelled", attempts: 0 });
  expect(job.error!.message).toMatch(/paused/);
  expect(job.workflowId).toBeUndefined();
});
