import { afterEach, beforeEach, expect, test, vi } from "vitest";
import { api } from "../_generated/api";
import { startJob } from "../jobs/testkit.testing";
import { asMember, codeOf, newHarness } from "../test.setup";

beforeEach(() => vi.useFakeTimers());
afterEach(() => vi.useRealTimers());

test("support staff list every job of their account, newest first, by state; members and other accounts cannot", async () => {
  const t = newHarness();
  const admin = await asMember(t, "org_jobs", "admin");
  const member = await asMember(t, "org_jobs", "member");
  const stranger = await asMember(t, "org_other", "admin");
  const first = await startJob(member, { type: "summarize", input: "first", runAt: Date.now() + 3_600_000 });
  vi.advanceTimersByTime(1_000);
  const second = await startJob(admin, { type: "summarize", input: "second", runAt: Date.now() + 3_600_000 });
  const page = await admin.client.query(api.inspector.jobs.listJobs, { accountId: admin.accountId, paginationOpts: { numItems: 10, cursor: null } });
  expect(page.page.map((j) => j.jobId)).toEqual([second, first]);
  const pending = await admin.client.query(api.inspector.jobs.listJobs, { accountId: admin.accountId, state: "pending", paginationOpts: { numItems: 10, cursor: null } });
  expect(pending.page).toHaveLength(2);
  const byUser = await admin.client.query(api.inspector.jobs.listJobs, { accountId: admin.accountId, userId: member.userId, paginationOpts: { numItems: 10, cursor: null } });
  expect(byUser.page.map((j) => j.jobId)).toEqual([first]);
  expect(await codeOf(member.client.query(api.inspector.jobs.listJobs, { accountId: admin.accountId, paginationOpts: { numItems: 10, cursor: null } }))).toBe("forbidden");
  expect(await codeOf(stranger.client.query(api.inspector.jobs.listJobs, { accountId: admin.accountId, paginationOpts: { numItems: 10, cursor: null } }))).toBe("not_found");
});
