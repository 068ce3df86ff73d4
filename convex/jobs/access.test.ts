/**
 * Who may see and act on a job: its owner and the account's admins. Another
 * member, or anyone in another account, gets `not_found` exactly as for a
 * job that does not exist; a read-only member cannot start jobs.
 */
import { afterEach, beforeEach, expect, test, vi } from "vitest";
import { api } from "../_generated/api";
import type { Id } from "../_generated/dataModel";
import { userWithThread } from "../chat/testkit.testing";
import { failNext, resetFaults } from "../lib/faults.testing";
import { asMember, asUser, codeOf, newHarness } from "../test.setup";
import { jobRow, settle, startJob } from "./testkit.testing";

beforeEach(() => vi.useFakeTimers());
afterEach(() => {
  vi.useRealTimers();
  resetFaults();
});

type Caller = Awaited<ReturnType<typeof asUser>>;

async function everyCall(caller: Caller, accountId: Id<"accounts">, jobId: Id<"jobs">) {
  return [
    await codeOf(caller.client.query(api.jobs.jobs.get, { accountId, jobId })),
    await codeOf(caller.client.mutation(api.jobs.jobs.cancel, { accountId, jobId })),
    await codeOf(caller.client.mutation(api.jobs.jobs.resume, { accountId, jobId })),
    await codeOf(caller.client.mutation(api.jobs.jobs.restart, { accountId, jobId })),
  ];
}

test("another account's job is not found, through its own account or the other one, and never listed", async () => {
  const t = newHarness();
  const alice = await asUser(t);
  const bob = await asUser(t);
  failNext("job.step", 100, "summarize:work");
  const jobId = await startJob(alice, { type: "summarize", input: "Alice's secret plans" });
  await settle(t);
  expect((await jobRow(t, jobId)).state).toBe("failed");
  expect(await everyCall(bob, bob.accountId, jobId)).toEqual(["not_found", "not_found", "not_found", "not_found"]);
  expect(await everyCall(bob, alice.accountId, jobId)).toEqual(["not_found", "not_found", "not_found", "not_found"]);
  const page = await bob.client.query(api.jobs.jobs.list, { accountId: bob.accountId, paginationOpts: { numItems: 50, cursor: null } });
  expect(page.page).toEqual([]);
  expect(await codeOf(bob.client.query(api.jobs.jobs.list, { accountId: alice.accountId, paginationOpts: { numItems: 50, cursor: null } }))).toBe(
    "not_found",
  );
  // Nor can Bob post into Alice's thread through a job.
  const { thread } = await userWithThread(t);
  expect(await codeOf(bob.client.mutation(api.jobs.jobs.start, { accountId: bob.accountId, type: "summarize", threadId: thread.threadId }))).toBe(
    "not_found",
  );
  expect((await jobRow(t, jobId)).state).toBe("failed");
});

test("in one organisation: the owner and admins act on a job; another member cannot see it; read-only members cannot start jobs", async () => {
  const t = newHarness();
  const orgId = "org_jobs";
  const admin = await asMember(t, orgId, "admin");
  const owner = await asMember(t, orgId, "member");
  const colleague = await asMember(t, orgId, "member");
  const reader = await asMember(t, orgId, "readonly");
  const accountId = owner.accountId;
  expect(admin.accountId).toBe(accountId);

  const jobId = await startJob(owner, { type: "wait_for_callback", input: "owner's wait" });
  await settle(t);
  expect((await jobRow(t, jobId)).state).toBe("timed_out");

  expect(await everyCall(colleague, accountId, jobId)).toEqual(["not_found", "not_found", "not_found", "not_found"]);
  expect(await codeOf(reader.client.query(api.jobs.jobs.get, { accountId, jobId }))).toBe("not_found");
  expect(await codeOf(reader.client.mutation(api.jobs.jobs.start, { accountId, type: "summarize" }))).toBe("forbidden");
  const colleagues = await colleague.client.query(api.jobs.jobs.list, { accountId, paginationOpts: { numItems: 50, cursor: null } });
  expect(colleagues.page).toEqual([]);

  // The owner sees it in their list; an account admin can read and act on it.
  const mine = await owner.client.query(api.jobs.jobs.list, { accountId, paginationOpts: { numItems: 50, cursor: null } });
  expect(mine.page.map((j) => [j.jobId, j.state, j.ownerId])).toEqual([[jobId, "timed_out", owner.userId]]);
  expect((await admin.client.query(api.jobs.jobs.get, { accountId, jobId })).job.state).toBe("timed_out");
  await admin.client.mutation(api.jobs.jobs.restart, { accountId, jobId, reason: "support retry" });
  expect((await jobRow(t, jobId)).state).toBe("pending");
  expect(await admin.client.mutation(api.jobs.jobs.cancel, { accountId, jobId, reason: "support cancel" })).toEqual({ cancelled: true });
  const { events } = await owner.client.query(api.jobs.jobs.get, { accountId, jobId });
  expect(events.slice(0, 2).map((e) => [e.action, e.actorUserId, e.actorRole, e.reason])).toEqual([
    ["job.cancel", admin.userId, "admin", "support cancel"],
    ["job.restart", admin.userId, "admin", "support retry"],
  ]);
});
