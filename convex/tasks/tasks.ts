/**
 * Tasks as the SPA sees them. Every member reads the account's boards;
 * members (not readonly) change them. Another account's task or agent is
 * `not_found`, like one that does not exist. Each change is audited
 * (`task.create`, `task.update`, `task.move`, `task.complete`, `task.remove`).
 */
import { v } from "convex/values";
import type { Doc } from "../_generated/dataModel";
import { loadAgent } from "../agents/builder";
import { requireAvailableAgent } from "../teams/availability";
import { accountMutation, accountQuery } from "../lib/functions";
import { createTask, editTask, listBoard, loadTask, moveTask, removeTask, type TaskActor } from "./model";
import { DONE_STATUS, publicTask, vPublicTask } from "./validators";

function memberActor(ctx: { user: Doc<"userProfiles">; membership: Doc<"memberships"> }): TaskActor {
  return { kind: "user", userId: ctx.user._id, role: ctx.membership.role };
}

/** One board's cards, column by column in card order: an agent's (`agentId`) or the account's own. */
export const board = accountQuery({
  args: { agentId: v.optional(v.id("agents")) },
  returns: v.array(vPublicTask),
  handler: async (ctx, { accountId, agentId }) => {
    // An agent available to other teams or people only: its board is not_found too.
    if (agentId !== undefined) await requireAvailableAgent(ctx, await loadAgent(ctx, accountId, agentId), ctx.user._id, ctx.membership.role);
    return (await listBoard(ctx, accountId, agentId)).map(publicTask);
  },
});

export const get = accountQuery({
  args: { taskId: v.id("tasks") },
  returns: vPublicTask,
  handler: async (ctx, { accountId, taskId }) => publicTask(await loadTask(ctx, accountId, taskId)),
});

export const create = accountMutation({
  args: {
    agentId: v.optional(v.id("agents")),
    title: v.string(),
    description: v.optional(v.string()),
    /** The column to start in (default `todo`). */
    status: v.optional(v.string()),
    dueAt: v.optional(v.number()),
    assigneeUserId: v.optional(v.id("userProfiles")),
  },
  returns: vPublicTask,
  handler: async (ctx, { accountId, ...input }) => publicTask(await createTask(ctx, accountId, memberActor(ctx), input)),
});

/** Change a task's text, due date or assignee (null clears the last two). Moving is `move`. */
export const update = accountMutation({
  args: {
    taskId: v.id("tasks"),
    title: v.optional(v.string()),
    description: v.optional(v.string()),
    dueAt: v.optional(v.union(v.number(), v.null())),
    assigneeUserId: v.optional(v.union(v.id("userProfiles"), v.null())),
  },
  returns: vPublicTask,
  handler: async (ctx, { accountId, taskId, ...edit }) => publicTask(await editTask(ctx, await loadTask(ctx, accountId, taskId), memberActor(ctx), edit)),
});

/** Put a card in column `status`, just before `beforeTaskId` (a card of that column) or last. */
export const move = accountMutation({
  args: { taskId: v.id("tasks"), status: v.string(), beforeTaskId: v.optional(v.id("tasks")) },
  returns: vPublicTask,
  handler: async (ctx, { accountId, taskId, status, beforeTaskId }) =>
    publicTask(await moveTask(ctx, await loadTask(ctx, accountId, taskId), memberActor(ctx), { status, ...(beforeTaskId ? { beforeTaskId } : {}) })),
});

export const complete = accountMutation({
  args: { taskId: v.id("tasks") },
  returns: vPublicTask,
  handler: async (ctx, { accountId, taskId }) => publicTask(await moveTask(ctx, await loadTask(ctx, accountId, taskId), memberActor(ctx), { status: DONE_STATUS })),
});

export const remove = accountMutation({
  args: { taskId: v.id("tasks") },
  returns: v.null(),
  handler: async (ctx, { accountId, taskId }) => {
    await removeTask(ctx, await loadTask(ctx, accountId, taskId), memberActor(ctx));
    return null;
  },
});
