/**
 * Task shapes and field rules, shared by the public API, the agent tools and the board.
 */
import { v, type Infer } from "convex/values";
import type { Doc } from "../_generated/dataModel";
import { fail } from "../lib/errors";

/** Who made a task: a person in the SPA, or an agent's run (through a tool call). */
export const vTaskCreator = v.union(
  v.object({ kind: v.literal("user"), userId: v.id("userProfiles") }),
  v.object({ kind: v.literal("agent"), agentId: v.id("agents"), interactionId: v.id("interactions") }),
);
export type TaskCreator = Infer<typeof vTaskCreator>;

export const TASK_LIMITS = { title: 200, description: 4_000, perBoard: 500 } as const;

/** The columns a board has when its view names none, and where new tasks start. */
export const DEFAULT_STATUSES = ["todo", "doing", "done"] as const;
export const DEFAULT_STATUS = "todo";
/** The status `task_complete` / `complete` moves a task to. */
export const DONE_STATUS = "done";

/** A status is a column key: 1 to 40 lowercase letters, digits, "_" or "-". */
export const STATUS_PATTERN = /^[a-z][a-z0-9_-]{0,39}$/;

export function checkTitle(title: string): string {
  const trimmed = title.trim();
  if (trimmed === "" || trimmed.length > TASK_LIMITS.title) fail("bad_request", `title must be 1 to ${TASK_LIMITS.title} characters.`, { field: "title" });
  return trimmed;
}

export function checkDescription(description: string): string {
  const trimmed = description.trim();
  if (trimmed.length > TASK_LIMITS.description) fail("bad_request", `description must be at most ${TASK_LIMITS.description} characters.`, { field: "description" });
  return trimmed;
}

export function checkStatus(status: string): string {
  const trimmed = status.trim().toLowerCase();
  if (!STATUS_PATTERN.test(trimmed)) fail("bad_request", 'status must be a column key like "todo" or "in_progress".', { field: "status" });
  return trimmed;
}

export function checkDueAt(dueAt: number): number {
  if (!Number.isFinite(dueAt) || dueAt <= 0) fail("bad_request", "dueAt must be a time in milliseconds since 1970.", { field: "dueAt" });
  return dueAt;
}

/** A task's fields as people and agents see them (the table adds its account and idempotency keys: schema.ts). */
export const taskFields = {
  /** The agent whose board it is on; absent = the account's own list. */
  agentId: v.optional(v.id("agents")),
  assigneeUserId: v.optional(v.id("userProfiles")),
  title: v.string(),
  description: v.string(),
  /** The column it is in (a board's `config.columns` key, e.g. `todo`, `doing`, `done`). */
  status: v.string(),
  /** Position within its column: cards sort ascending; a move takes the midpoint of its neighbours. */
  order: v.number(),
  dueAt: v.optional(v.number()),
  createdBy: vTaskCreator,
  completedAt: v.optional(v.number()),
  updatedAt: v.number(),
};

export const vPublicTask = v.object({ taskId: v.id("tasks"), createdAt: v.number(), ...taskFields });
export type PublicTask = Infer<typeof vPublicTask>;

export function publicTask(task: Doc<"tasks">): PublicTask {
  return {
    taskId: task._id,
    ...(task.agentId ? { agentId: task.agentId } : {}),
    ...(task.assigneeUserId ? { assigneeUserId: task.assigneeUserId } : {}),
    title: task.title,
    description: task.description,
    status: task.status,
    order: task.order,
    ...(task.dueAt !== undefined ? { dueAt: task.dueAt } : {}),
    createdBy: task.createdBy,
    ...(task.completedAt !== undefined ? { completedAt: task.completedAt } : {}),
    createdAt: task._creationTime,
    updatedAt: task.updatedAt,
  };
}
