/**
 * Who may use the inspector (A2): account admins for their own account,
 * platform admins for any; another account's runs are `not_found` and never
 * in a list; plain members and read-only members get `forbidden`.
 */
import { afterEach, beforeEach, expect, test, vi } from "vitest";
import { api } from "../_generated/api";
import type { Id } from "../_generated/dataModel";
import { send, settle, userWithThread } from "../chat/testkit.testing";
import { asAdmin, asMember, codeOf, newHarness, type Harness } from "../test.setup";

beforeEach(() => vi.useFakeTimers());
afterEach(() => vi.useRealTimers());

const page = { numItems: 20, cursor: null };
const why = "support ticket #42";

async function twoAccounts(t: Harness) {
  const a = await userWithThread(t, { orgId: "org_a", role: "admin" });
  const b = await userWithThread(t, { orgId: "org_b", role: "admin" });
  const { interactionId: runA } = await send(a.user, a.thread.threadId, "Give me three facts about tides");
  const { interactionId: runB } = await send(b.user, b.thread.threadId, "Give me three facts about the moon");
  // A pending approval in B (save_note waits for its user).
  await send(b.user, b.thread.threadId, "save_note: call the plumber");
  await settle(t);
  const approvalB = await t.run(async (ctx) => (await ctx.db.query("approvals").first())!._id);
  return { a, b, runA, runB, approvalB };
}

test("an account admin cannot see another account's runs: not_found, and zero of its rows in any list", async () => {
  const t = newHarness();
  const { a, b, runA, runB, approvalB } = await twoAccounts(t);
  const admin = a.user;
  const other = b.user.accountId;
  expect(await codeOf(admin.client.query(api.inspector.runs.listRuns, { accountId: other, paginationOpts: page }))).toBe("not_found");
  expect(await codeOf(admin.client.query(api.inspector.runs.getRun, { accountId: other, interactionId: runB }))).toBe("not_found");
  // Through their own account: B's run is indistinguishable from a missing one.
  for (const call of [
    () => admin.client.query(api.inspector.runs.getRun, { accountId: admin.accountId, interactionId: runB }),
    () => admin.client.query(api.inspector.controls.resumePreview, { accountId: admin.accountId, interactionId: runB }),
    () => admin.client.query(api.inspector.runs.runMessages, { accountId: admin.accountId, interactionId: runB, paginationOpts: page }),
    () => admin.client.mutation(api.inspector.controls.cancelRun, { accountId: admin.accountId, interactionId: runB, reason: why }),
    () => admin.client.mutation(api.inspector.controls.resumeRun, { accountId: admin.accountId, interactionId: runB, reason: why }),
    () => admin.client.mutation(api.inspector.controls.restartRun, { accountId: admin.accountId, interactionId: runB, reason: why }),
    () => admin.client.mutation(api.inspector.approvals.decideAsStaff, { accountId: admin.accountId, approvalId: approvalB, approve: true, reason: why }),
  ]) {
    expect(await codeOf(call())).toBe("not_found");
  }
  expect(await codeOf(admin.client.query(api.inspector.approvals.approvalInbox, { accountId: other, paginationOpts: page }))).toBe("not_found");
  expect(await codeOf(admin.client.query(api.audit.log.auditLog, { accountId: other, paginationOpts: page }))).toBe("not_found");

  const own = await admin.client.query(api.inspector.runs.listRuns, { accountId: admin.accountId, paginationOpts: page });
  expect(own.page.map((r) => r.interactionId)).toEqual([runA]);
  const inbox = await admin.client.query(api.inspector.approvals.approvalInbox, { accountId: admin.accountId, paginationOpts: page });
  expect(inbox.page).toEqual([]);
  // B's run is untouched.
  const runs = await t.run(async (ctx) => ctx.db.get("interactions", runB));
  expect(runs!.status).toBe("completed");
});

test("plain and read-only members cannot see the inspector at all: forbidden", async () => {
  const t = newHarness();
  const { a, runA, approvalB } = await twoAccounts(t);
  for (const role of ["member", "readonly"] as const) {
    const m = await asMember(t, "org_a", role);
    const accountId = a.user.accountId;
    for (const call of [
      () => m.client.query(api.inspector.runs.listRuns, { accountId, paginationOpts: page }),
      () => m.client.query(api.inspector.runs.getRun, { accountId, interactionId: runA }),
      () => m.client.query(api.inspector.runs.runMessages, { accountId, interactionId: runA, paginationOpts: page }),
      () => m.client.query(api.inspector.controls.resumePreview, { accountId, interactionId: runA }),
      () => m.client.query(api.audit.log.auditLog, { accountId, paginationOpts: page }),
      () => m.client.mutation(api.inspector.controls.cancelRun, { accountId, interactionId: runA, reason: why }),
      () => m.client.mutation(api.inspector.controls.resumeRun, { accountId, interactionId: runA, reason: why }),
      () => m.client.mutation(api.inspector.controls.restartRun, { accountId, interactionId: runA, reason: why }),
      () => m.client.mutation(api.inspector.approvals.decideAsStaff, { accountId, approvalId: approvalB, approve: true, reason: why }),
    ]) {
      expect(await codeOf(call())).toBe("forbidden");
    }
    // The inbox is theirs too, but holds only their own requests (none).
    const inbox = await m.client.query(api.inspector.approvals.approvalInbox, { accountId, paginationOpts: page });
    expect(inbox.page).toEqual([]);
  }
});

test("a platform admin (not a member) can inspect any account", async () => {
  const t = newHarness();
  const { b, runB } = await twoAccounts(t);
  const platform = await asAdmin(t);
  const accountId: Id<"accounts"> = b.user.accountId;
  const list = await platform.client.query(api.inspector.runs.listRuns, { accountId, paginationOpts: page });
  expect(list.page).toHaveLength(2);
  expect(list.page.map((r) => r.interactionId)).toContain(runB);
  const timeline = await platform.client.query(api.inspector.runs.getRun, { accountId, interactionId: runB });
  expect(timeline.run).toMatchObject({ interactionId: runB, status: "completed", agentName: "Assistant" });
  const inbox = await platform.client.query(api.inspector.approvals.approvalInbox, { accountId, paginationOpts: page });
  expect(inbox.page.map((i) => [i.toolSlug, i.decideAs])).toEqual([["save_note", "staff"]]);
  // An account that does not exist is not_found, for platform admins too.
  const missing = await t.run(async (ctx) => {
    const id = await ctx.db.insert("accounts", { name: "gone", slug: "gone", kind: "organization", status: "active", maxDelegationDepth: 3 });
    await ctx.db.delete("accounts", id);
    return id;
  });
  expect(await codeOf(platform.client.query(api.inspector.runs.listRuns, { accountId: missing, paginationOpts: page }))).toBe("not_found");
});
