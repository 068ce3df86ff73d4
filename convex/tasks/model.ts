/**
 * The task domain as plain functions taking `ctx`: the SPA's mutations and
 * the agents' tools both call these, so a task changes the same way (same
 * checks, same audit entry) whoever changes it.
 */
import type { Doc, Id } from "../_generated/dataModel";
import type { MutationCtx, QueryCtx } from "../_generated/server";
import { writeAudit, type AuditEntry } from "../audit/write";
import { loadAgent } from "../agents/builder";
import { fail } from "../lib/errors";
import { membershipOf } from "../tenancy/identity";
import {
  checkDescription,
  checkDueAt,
  checkStatus,
  checkTitle,
  DEFAULT_STATUS,
  DONE_STATUS,
  TASK_LIMITS,
  type TaskCreator,
} from "./validators";

/** Who is changing a task: a member in the SPA, or an agent's run through a tool call (`changeKey`: run:step:call). */
export type TaskActor =
  | { kind: "user"; userId: Id<"userProfiles">; role: string }
  | { kind: "agent"; agentId: Id<"agents">; interactionId: Id<"interactions">; changeKey: string };

export type NewTask = {
  agentId?: Id<"agents">;
  title: string;
  description?: string;
  status?: string;
  dueAt?: number;
  assigneeUserId?: Id<"userProfiles">;
};

export type TaskEdit = {
  title?: string;
  description?: string;
  /** null clears it. */
  dueAt?: number | null;
  assigneeUserId?: Id<"userProfiles"> | null;
};

/** The task, or `not_found` when it does not exist or belongs to another account. */
export async function loadTask(ctx: QueryCtx, accountId: Id<"accounts">, taskId: Id<"tasks">): Promise<Doc<"tasks">> {
  const task = await ctx.db.get("tasks", taskId);
  if (task === null || task.accountId !== accountId) fail("not_found", "Task not found.");
  return task;
}

/** One board's cards (an agent's, or the account's own when `agentId` is absent), column by column, in order. */
export async function listBoard(ctx: QueryCtx, accountId: Id<"accounts">, agentId: Id<"agents"> | undefined, status?: string) {
  return await ctx.db
    .query("tasks")
    .withIndex("by_accountId_agentId_status_order", (q) => {
      const board = q.eq("accountId", accountId).eq("agentId", agentId);
      return status === undefined ? board : board.eq("status", status);
    })
    .take(TASK_LIMITS.perBoard);
}

function creatorOf(actor: TaskActor): TaskCreator {
  return actor.kind === "user" ? { kind: "user", userId: actor.userId } : { kind: "agent", agentId: actor.agentId, interactionId: actor.interactionId };
}

async function audit(ctx: MutationCtx, task: Doc<"tasks">, actor: TaskActor, action: string, details: AuditEntry["details"] = {}) {
  await writeAudit(ctx, {
    accountId: task.accountId,
    ...(actor.kind === "user" ? { actorUserId: actor.userId, actorRole: actor.role } : { actorRole: "agent" }),
    action,
    targetKind: "task",
    targetId: task._id,
    reason: "",
    details: { title: task.title, ...(actor.kind === "agent" ? { agentId: actor.agentId, interactionId: actor.interactionId } : {}), ...details },
  });
}

async function checkAssignee(ctx: QueryCtx, accountId: Id<"accounts">, userId: Id<"userProfiles">) {
  const membership = await membershipOf(ctx, userId, accountId);
  if (membership === null || membership.status !== "active") fail("not_found", "No such member in this account.", { field: "assigneeUserId" });
}

type Column = { accountId: Id<"accounts">; agentId: Id<"agents"> | undefined; status: string };

function columnQuery(ctx: QueryCtx, column: Column) {
  return ctx.db
    .query("tasks")
    .withIndex("by_accountId_agentId_status_order", (q) => q.eq("accountId", column.accountId).eq("agentId", column.agentId).eq("status", column.status));
}

/** The `order` that puts a card just before `beforeTaskId` in `column`, or last when absent. `moving` is the card itself (skipped). */
async function orderIn(ctx: QueryCtx, column: Column, beforeTaskId: Id<"tasks"> | undefined, moving?: Id<"tasks">): Promise<number> {
  if (beforeTaskId === undefined) {
    const last = (await columnQuery(ctx, column).order("desc").take(2)).find((t) => t._id !== moving);
    return last === undefined ? 1 : last.order + 1;
  }
  const before = await ctx.db.get("tasks", beforeTaskId);
  if (before === null || before.accountId !== column.accountId) fail("not_found", "The card to place it before was not found.", { field: "beforeTaskId" });
  if (before.agentId !== column.agentId || before.status !== column.status) {
    fail("bad_request", "beforeTaskId must be a card in the column the task moves to.", { field: "beforeTaskId" });
  }
  if (before._id === moving) return before.order;
  const previous = await ctx.db
    .query("tasks")
    .withIndex("by_accountId_agentId_status_order", (q) =>
      q.eq("accountId", column.accountId).eq("agentId", column.agentId).eq("status", column.status).lt("order", before.order),
    )
    .order("desc")
    .take(2);
  const prev = previous.find((t) => t._id !== moving);
  return prev === undefined ? before.order - 1 : (prev.order + before.order) / 2;
}

export async function createTask(ctx: MutationCtx, accountId: Id<"accounts">, actor: TaskActor, input: NewTask, idempotencyKey?: string) {
  if (idempotencyKey !== undefined) {
    const existing = await ctx.db
      .query("tasks")
      .withIndex("by_idempotencyKey", (q) => q.eq("idempotencyKey", idempotencyKey))
      .unique();
    if (existing) return existing;
  }
  const title = checkTitle(input.title);
  const description = checkDescription(input.description ?? "");
  const status = checkStatus(input.status ?? DEFAULT_STATUS);
  const dueAt = input.dueAt === undefined ? undefined : checkDueAt(input.dueAt);
  if (input.agentId !== undefined) await loadAgent(ctx, accountId, input.agentId);
  if (input.assigneeUserId !== undefined) await checkAssignee(ctx, accountId, input.assigneeUserId);
  if ((await listBoard(ctx, accountId, input.agentId)).length >= TASK_LIMITS.perBoard) {
    fail("conflict", `A board holds at most ${TASK_LIMITS.perBoard} tasks; complete or remove some first.`);
  }
  const now = Date.now();
  const taskId = await ctx.db.insert("tasks", {
    accountId,
    ...(input.agentId ? { agentId: input.agentId } : {}),
    ...(input.assigneeUserId ? { assigneeUserId: input.assigneeUserId } : {}),
    title,
    description,
    status,
    order: await orderIn(ctx, { accountId, agentId: input.agentId, status }, undefined),
    ...(dueAt !== undefined ? { dueAt } : {}),
    createdBy: creatorOf(actor),
    ...(idempotencyKey !== undefined ? { idempotencyKey } : {}),
    ...(status === DONE_STATUS ? { completedAt: now } : {}),
    updatedAt: now,
  });
  const task = (await ctx.db.get("tasks", taskId))!;
  await audit(ctx, task, actor, "task.create", { status });
  return task;
}

/** A retried tool call that already changed the task changes nothing again. */
function alreadyApplied(task: Doc<"tasks">, actor: TaskActor): boolean {
  return actor.kind === "agent" && task.lastChangeKey === actor.changeKey;
}

function changeKeyOf(actor: TaskActor) {
  return actor.kind === "agent" ? { lastChangeKey: actor.changeKey } : {};
}

export async function editTask(ctx: MutationCtx, task: Doc<"tasks">, actor: TaskActor, edit: TaskEdit) {
  if (alreadyApplied(task, actor)) return task;
  const patch: Partial<Doc<"tasks">> = { updatedAt: Date.now(), ...changeKeyOf(actor) };
  if (edit.title !== undefined) patch.title = checkTitle(edit.title);
  if (edit.description !== undefined) patch.description = checkDescription(edit.description);
  if (edit.dueAt !== undefined) patch.dueAt = edit.dueAt === null ? undefined : checkDueAt(edit.dueAt);
  if (edit.assigneeUserId !== undefined) {
    if (edit.assigneeUserId !== null) await checkAssignee(ctx, task.accountId, edit.assigneeUserId);
    patch.assigneeUserId = edit.assigneeUserId ?? undefined;
  }
  await ctx.db.patch("tasks", task._id, patch);
  const fresh = (await ctx.db.get("tasks", task._id))!;
  await audit(ctx, fresh, actor, "task.update", { fields: Object.keys(edit).join(",") });
  return fresh;
}

/** Move a card to `status` (a column), before `beforeTaskId` or last. Moving into `done` marks it completed; out of it, not. */
export async function moveTask(ctx: MutationCtx, task: Doc<"tasks">, actor: TaskActor, to: { status: string; beforeTaskId?: Id<"tasks"> }) {
  if (alreadyApplied(task, actor)) return task;
  const status = checkStatus(to.status);
  const order = await orderIn(ctx, { accountId: task.accountId, agentId: task.agentId, status }, to.beforeTaskId, task._id);
  const now = Date.now();
  const completedAt = status === DONE_STATUS ? (task.completedAt ?? now) : undefined;
  await ctx.db.patch("tasks", task._id, { status, order, completedAt, updatedAt: now, ...changeKeyOf(actor) });
  const fresh = (await ctx.db.get("tasks", task._id))!;
  await audit(ctx, fresh, actor, status === DONE_STATUS && task.status !== DONE_STATUS ? "task.complete" : "task.move", { from: task.status, to: status });
  return fresh;
}

export async function removeTask(ctx: MutationCtx, task: Doc<"tasks">, actor: TaskActor) {
  await audit(ctx, task, actor, "task.remove", { status: task.status });
  await ctx.db.delete("tasks", task._id);
}
