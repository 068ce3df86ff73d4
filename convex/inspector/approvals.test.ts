/**
 * The approval inbox: a delegate's pending approval (depth 1) reaches the
 * thread's user and the account's admins; an admin decides it on the user's
 * behalf, audited; the tool then runs once.
 */
import { afterEach, beforeEach, expect, test, vi } from "vitest";
import { api } from "../_generated/api";
import type { Id } from "../_generated/dataModel";
import { send, settle, userWithThread } from "../chat/testkit.testing";
import { asMember, codeOf, newHarness, type Harness } from "../test.setup";

beforeEach(() => vi.useFakeTimers());
afterEach(() => vi.useRealTimers());

const page = { numItems: 10, cursor: null };

async function agentIds(t: Harness, accountId: Id<"accounts">) {
  const agents = await t.run(async (ctx) => ctx.db.query("agents").withIndex("by_accountId_slug", (q) => q.eq("accountId", accountId)).collect());
  return Object.fromEntries(agents.map((a) => [a.slug, a._id])) as Record<string, Id<"agents">>;
}

/** The Writer may save notes, and the Assistant lends it write permission; a member asks for a note through it. */
async function childWaitingForApproval(t: Harness) {
  const admin = await asMember(t, "org_i", "admin", "Ada Admin");
  const { user: member, thread } = await userWithThread(t, { orgId: "org_i", role: "member" });
  const ids = await agentIds(t, admin.accountId);
  const accountId = admin.accountId;
  await admin.client.mutation(api.agents.agents.update, { accountId, agentId: ids.writer!, capabilityLevel: "write" });
  await admin.client.mutation(api.tools.assignments.assign, { accountId, agentId: ids.writer!, toolSlug: "save_note", permission: "write" });
  await admin.client.mutation(api.agents.delegations.decompose, { accountId, fromAgentId: ids.assistant!, toAgentId: ids.writer! });
  await admin.client.mutation(api.agents.delegations.compose, { accountId, fromAgentId: ids.assistant!, toAgentId: ids.writer!, permission: "write" });
  const { interactionId } = await send(member, thread.threadId, "Ask the writer to save_note: draft a packing list");
  await settle(t);
  const child = (await t.run(async (ctx) => ctx.db.query("interactions").withIndex("by_parentInteractionId", (q) => q.eq("parentInteractionId", interactionId)).unique()))!;
  return { admin, member, thread, accountId, rootId: interactionId, child };
}

test("a delegate's pending approval is in the user's inbox and every admin's; an admin decides it on their behalf, audited", async () => {
  const t = newHarness();
  const { admin, member, thread, accountId, rootId, child } = await childWaitingForApproval(t);
  expect(child.status).toBe("waiting");

  const mine = await member.client.query(api.inspector.approvals.approvalInbox, { accountId, paginationOpts: page });
  expect(mine.page).toHaveLength(1);
  expect(mine.page[0]).toMatchObject({
    interactionId: child._id,
    rootInteractionId: rootId,
    depth: 1,
    agentName: "Writer",
    threadId: thread.threadId,
    userId: member.userId,
    toolSlug: "save_note",
    decideAs: "owner",
  });
  const someoneElse = await asMember(t, "org_i", "member");
  expect((await someoneElse.client.query(api.inspector.approvals.approvalInbox, { accountId, paginationOpts: page })).page).toEqual([]);
  const staffView = await admin.client.query(api.inspector.approvals.approvalInbox, { accountId, paginationOpts: page });
  expect(staffView.page.map((i) => [i.approvalId, i.decideAs])).toEqual([[mine.page[0]!.approvalId, "staff"]]);

  const approvalId = staffView.page[0]!.approvalId;
  // A plain member cannot decide on someone's behalf.
  expect(await codeOf(someoneElse.client.mutation(api.inspector.approvals.decideAsStaff, { accountId, approvalId, approve: true, reason: "x" }))).toBe("forbidden");
  expect(await codeOf(admin.client.mutation(api.inspector.approvals.decideAsStaff, { accountId, approvalId, approve: true, reason: "" }))).toBe("bad_request");
  const decided = await admin.client.mutation(api.inspector.approvals.decideAsStaff, { accountId, approvalId, approve: true, reason: "user confirmed by phone" });
  expect(decided).toEqual({ status: "approved", changed: true });
  await settle(t);

  const runs = await t.run(async (ctx) => Promise.all([ctx.db.get("interactions", rootId), ctx.db.get("interactions", child._id)]));
  expect(runs.map((r) => r!.status)).toEqual(["completed", "completed"]);
  const notes = await t.run(async (ctx) => ctx.db.query("notes").collect());
  expect(notes).toHaveLength(1);
  expect(notes[0]!.userId).toBe(member.userId);
  const approval = await t.run(async (ctx) => ctx.db.get("approvals", approvalId));
  expect(approval).toMatchObject({ status: "approved", decidedBy: admin.userId });
  expect((await admin.client.query(api.inspector.approvals.approvalInbox, { accountId, paginationOpts: page })).page).toEqual([]);

  // The same decision again changes nothing; the opposite one is a conflict; neither is audited.
  expect(await admin.client.mutation(api.inspector.approvals.decideAsStaff, { accountId, approvalId, approve: true, reason: "again" })).toEqual({ status: "approved", changed: false });
  expect(await codeOf(admin.client.mutation(api.inspector.approvals.decideAsStaff, { accountId, approvalId, approve: false, reason: "no" }))).toBe("conflict");
  const log = await admin.client.query(api.audit.log.auditLog, { accountId, paginationOpts: page, target: { kind: "approval", id: approvalId } });
  expect(log.page).toHaveLength(1);
  expect(log.page[0]).toMatchObject({
    actorUserId: admin.userId,
    actorName: "Ada Admin",
    actorRole: "admin",
    action: "approval.decide",
    reason: "user confirmed by phone",
    details: { decision: "approved", toolSlug: "save_note", interactionId: child._id, onBehalfOf: member.userId },
  });
  // The child's timeline shows the wait, settled.
  const timeline = await admin.client.query(api.inspector.runs.getRun, { accountId, interactionId: child._id });
  expect(timeline.steps.find((s) => s.kind === "wait")).toMatchObject({ status: "succeeded", detail: "approved" });
});

test("an admin denies on the user's behalf: the tool never runs, the delegate and the root complete", async () => {
  const t = newHarness();
  const { admin, accountId, rootId, child } = await childWaitingForApproval(t);
  const [item] = (await admin.client.query(api.inspector.approvals.approvalInbox, { accountId, paginationOpts: page })).page;
  await admin.client.mutation(api.inspector.approvals.decideAsStaff, { accountId, approvalId: item!.approvalId, approve: false, reason: "looks like prompt injection" });
  await settle(t);
  expect(await t.run(async (ctx) => (await ctx.db.query("notes").collect()).length)).toBe(0);
  const runs = await t.run(async (ctx) => Promise.all([ctx.db.get("interactions", rootId), ctx.db.get("interactions", child._id)]));
  expect(runs.map((r) => r!.status)).toEqual(["completed", "completed"]);
});

test("the inbox shows the arguments as the run's steps keep them: a secret in them is redacted", async () => {
  const t = newHarness();
  const { admin, accountId, child } = await childWaitingForApproval(t);
  const secret = "sk-proj-a1b2c3d4e5f6g7h8i9j0k1l2m3";
  await t.run(async (ctx) => {
    const approval = (await ctx.db.query("approvals").withIndex("by_interactionId_toolCallId", (q) => q.eq("interactionId", child._id)).unique())!;
    await ctx.db.patch("approvals", approval._id, { args: JSON.stringify({ text: "packing list", api_key: secret, note: `token ${secret}` }) });
  });
  const [item] = (await admin.client.query(api.inspector.approvals.approvalInbox, { accountId, paginationOpts: page })).page;
  expect(item!.args).not.toContain(secret);
  expect(JSON.parse(item!.args)).toMatchObject({ text: "packing list", api_key: "[redacted]" });
});
