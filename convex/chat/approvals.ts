import { v } from "convex/values";
import { fail } from "../lib/errors";
import { accountMutation, accountQuery } from "../lib/functions";
import { workflow } from "../lib/workflow";
import { participantThread } from "./access";
import { approvalEventName } from "./turn";

const vPendingApproval = v.object({
  approvalId: v.id("approvals"),
  interactionId: v.id("interactions"),
  toolCallId: v.string(),
  toolSlug: v.string(),
  args: v.string(),
  requestedAt: v.number(),
});

/** Tool calls in this thread waiting for the caller's decision (survives reloads: it is data); in a shared conversation, the caller's own turns' only. */
export const pendingForThread = accountQuery({
  args: { threadId: v.id("threads") },
  returns: v.array(vPendingApproval),
  handler: async (ctx, { accountId, threadId }) => {
    await participantThread(ctx, { accountId, userId: ctx.user._id }, threadId);
    const pending = await ctx.db
      .query("approvals")
      .withIndex("by_threadId_status", (q) => q.eq("threadId", threadId).eq("status", "pending"))
      .take(20);
    return pending.filter((a) => a.userId === ctx.user._id).map((a) => ({
      approvalId: a._id,
      interactionId: a.interactionId,
      toolCallId: a.toolCallId,
      toolSlug: a.toolSlug,
      args: a.args,
      requestedAt: a._creationTime,
    }));
  },
});

/**
 * Approve or deny a waiting tool call. Only the thread's user decides; a
 * second identical decision is a no-op, a contrary one is a conflict.
 */
export const decide = accountMutation({
  args: { approvalId: v.id("approvals"), approve: v.boolean(), reason: v.optional(v.string()) },
  returns: v.object({ status: v.union(v.literal("approved"), v.literal("denied")), changed: v.boolean() }),
  handler: async (ctx, { accountId, approvalId, approve, reason }) => {
    const approval = await ctx.db.get("approvals", approvalId);
    if (approval === null || approval.accountId !== accountId || approval.userId !== ctx.user._id) {
      fail("not_found", "Approval not found.");
    }
    if (reason !== undefined && reason.length > 500) fail("bad_request", "A reason is at most 500 characters.");
    const status = approve ? ("approved" as const) : ("denied" as const);
    if (approval.status === status) return { status, changed: false };
    if (approval.status !== "pending") fail("conflict", `This request was already ${approval.status}.`);
    await ctx.db.patch("approvals", approvalId, { status, decidedBy: ctx.user._id, decidedAt: Date.now(), ...(reason ? { reason } : {}) });
    await workflow.sendEvent(ctx, {
      workflowId: approval.workflowId,
      name: approvalEventName(approvalId),
      value: { approved: approve, ...(reason ? { reason } : {}) },
    });
    return { status, changed: true };
  },
});
