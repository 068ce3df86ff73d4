/**
 * The approval inbox: tool calls waiting for a person, from any run and any
 * delegation depth in the account. Whose inbox holds what:
 *   - the thread's user sees their own (and decides with `chat/approvals:decide`);
 *   - account admins and platform admins see all of the account's, and may
 *     decide on the user's behalf with `decideAsStaff` (audited).
 */
import { paginationOptsValidator, paginationResultValidator } from "convex/server";
import { v } from "convex/values";
import type { Doc, Id } from "../_generated/dataModel";
import type { MutationCtx } from "../_generated/server";
import { actorOf } from "../audit/log";
import { requireReason, writeAudit } from "../audit/write";
import { approvalEventName } from "../chat/turn";
import { fail } from "../lib/errors";
import { workflow } from "../lib/workflow";
import { Names } from "./names";
import { MAX_PAGE } from "./runRows";
import { inspectorMutation, inspectorQuery } from "./staff";
import { keptPayload } from "../runs/stepPayload";

export const vInboxItem = v.object({
  approvalId: v.id("approvals"),
  interactionId: v.id("interactions"),
  rootInteractionId: v.id("interactions"),
  /** 0: the user's own turn; 1+: a delegate below it. */
  depth: v.number(),
  agentName: v.string(),
  /** The thread the person is watching (the root run's). */
  threadId: v.id("threads"),
  userId: v.id("userProfiles"),
  userName: v.string(),
  toolSlug: v.string(),
  args: v.string(),
  requestedAt: v.number(),
  /** `owner`: the caller's own request (decide it in the chat); `staff`: decide on the user's behalf. */
  decideAs: v.union(v.literal("owner"), v.literal("staff")),
});

/** Pending approvals the caller may decide, newest first. Any member of the account (plain members: their own). */
export const approvalInbox = inspectorQuery({
  access: "member",
  args: { paginationOpts: paginationOptsValidator },
  returns: paginationResultValidator(vInboxItem),
  handler: async (ctx, { accountId, paginationOpts }) => {
    const numItems = Math.min(Math.max(Math.floor(paginationOpts.numItems), 1), MAX_PAGE);
    const caller = ctx.caller;
    const query = caller.isStaff
      ? ctx.db.query("approvals").withIndex("by_accountId_status", (q) => q.eq("accountId", accountId).eq("status", "pending"))
      : ctx.db
          .query("approvals")
          .withIndex("by_accountId_userId_status", (q) => q.eq("accountId", accountId).eq("userId", caller.user._id).eq("status", "pending"));
    const result = await query.order("desc").paginate({ ...paginationOpts, numItems });
    const names = new Names(ctx);
    const page = [];
    for (const approval of result.page) {
      const run = await ctx.db.get("interactions", approval.interactionId);
      if (run === null) continue;
      page.push({
        approvalId: approval._id,
        interactionId: run._id,
        rootInteractionId: run.rootInteractionId ?? run._id,
        depth: run.depth,
        agentName: await names.agent(run.agentId),
        threadId: approval.threadId,
        userId: approval.userId,
        userName: await names.user(approval.userId),
        toolSlug: approval.toolSlug,
        // What the model asked to run, as the run's steps keep it: secrets redacted, bounded (runs/stepPayload.ts).
        args: keptPayload(approval.args),
        requestedAt: approval._creationTime,
        decideAs: approval.userId === caller.user._id ? ("owner" as const) : ("staff" as const),
      });
    }
    return { page, isDone: result.isDone, continueCursor: result.continueCursor };
  },
});

export type Decision = { approve: boolean; reason?: string; decidedBy: Id<"userProfiles"> };

/**
 * Record a decision and wake the waiting workflow: the same steps as
 * `chat/approvals:decide` (which may call this). A second identical decision
 * changes nothing; a contrary one is a conflict.
 */
export async function applyDecision(ctx: MutationCtx, approval: Doc<"approvals">, decision: Decision) {
  const status = decision.approve ? ("approved" as const) : ("denied" as const);
  if (approval.status === status) return { status, changed: false };
  if (approval.status !== "pending") fail("conflict", `This request was already ${approval.status}.`);
  await ctx.db.patch("approvals", approval._id, {
    status,
    decidedBy: decision.decidedBy,
    decidedAt: Date.now(),
    ...(decision.reason ? { reason: decision.reason } : {}),
  });
  await workflow.sendEvent(ctx, {
    workflowId: approval.workflowId,
    name: approvalEventName(approval._id),
    value: { approved: decision.approve, ...(decision.reason ? { reason: decision.reason } : {}) },
  });
  return { status, changed: true };
}

/** Decide a pending approval on the user's behalf (support staff), with the reason recorded in the audit log. */
export const decideAsStaff = inspectorMutation({
  args: { approvalId: v.id("approvals"), approve: v.boolean(), reason: v.string() },
  returns: v.object({ status: v.union(v.literal("approved"), v.literal("denied")), changed: v.boolean() }),
  handler: async (ctx, { accountId, approvalId, approve, reason }) => {
    const why = requireReason(reason);
    const approval = await ctx.db.get("approvals", approvalId);
    if (approval === null || approval.accountId !== accountId) fail("not_found", "Approval not found.");
    const outcome = await applyDecision(ctx, approval, { approve, reason: why, decidedBy: ctx.caller.user._id });
    if (outcome.changed) {
      await writeAudit(ctx, {
        accountId,
        ...actorOf(ctx.caller),
        action: "approval.decide",
        targetKind: "approval",
        targetId: approval._id,
        reason: why,
        details: { decision: outcome.status, toolSlug: approval.toolSlug, interactionId: approval.interactionId, onBehalfOf: approval.userId },
      });
    }
    return outcome;
  },
});
