/**
 * The task tools an agent can be given (listed in `BUILTIN_TOOLS`). They work
 * on the calling agent's own board, the one its kanban view shows:
 *
 * | tool          | trust | what it does                                          |
 * |---------------|-------|-------------------------------------------------------|
 * | task_list     | read  | the board's cards, optionally one column               |
 * | task_create   | write | a new card (one per tool call, however often retried)  |
 * | task_update   | write | change a card's text or due date, or move it (status)  |
 * | task_complete | write | move a card to `done`                                  |
 *
 * Write tools wait for approval unless the assignment says otherwise.
 * Refusals (bad input, no such task) go back to the model as tool errors.
 */
import { internal } from "../_generated/api";
import { isHarnessError } from "../lib/errors";
import type { ToolDefinition } from "../tools/types";
import { ToolInputError } from "../tools/toolInputError";
import type { PublicTask } from "./validators";

function stringArg(args: Record<string, unknown>, name: string): string | undefined {
  const value = args[name];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== "string") throw new ToolInputError(`“${name}” must be a string.`);
  return value;
}

/** `due` as an ISO date or date-time, in milliseconds. */
function dueArg(args: Record<string, unknown>): number | undefined {
  const due = stringArg(args, "due");
  if (due === undefined || due.trim() === "") return undefined;
  const at = Date.parse(due);
  if (Number.isNaN(at)) throw new ToolInputError("“due” must be a date like 2026-12-24 or 2026-12-24T17:00:00Z.");
  return at;
}

/** Our refusals are the model's to fix (tool errors); anything else is a failure to retry. */
async function asToolInput<T>(work: Promise<T>): Promise<T> {
  try {
    return await work;
  } catch (error) {
    if (isHarnessError(error) && ["bad_request", "not_found", "conflict"].includes(error.data.code)) throw new ToolInputError(error.data.message);
    throw error;
  }
}

/** What the model reads about a card. */
function card(task: PublicTask) {
  return {
    id: task.taskId,
    title: task.title,
    status: task.status,
    ...(task.description !== "" ? { description: task.description } : {}),
    ...(task.dueAt !== undefined ? { due: new Date(task.dueAt).toISOString() } : {}),
  };
}

const TASK_REF = { type: "string", description: "The task's id, or its title" } as const;
const STATUS = { type: "string", description: "A column of the board, e.g. todo, doing, done" } as const;
const DUE = { type: "string", description: "Due date, ISO 8601 (2026-12-24)" } as const;

export const taskList: ToolDefinition = {
  slug: "task_list",
  description: "List the tasks on your board (id, title, status, due date), optionally only one column.",
  trustLevel: "read",
  idempotent: true,
  parameters: { type: "object", properties: { status: STATUS }, additionalProperties: false },
  execute: async (run, args) => {
    const status = stringArg(args, "status");
    const tasks = await run.ctx.runQuery(internal.tasks.agentTasks.list, { interactionId: run.interactionId, ...(status ? { status } : {}) });
    return { tasks: tasks.map(card) };
  },
};

export const taskCreate: ToolDefinition = {
  slug: "task_create",
  description: "Add a task to your board (in the todo column unless you give a status).",
  trustLevel: "write",
  idempotent: true,
  parameters: {
    type: "object",
    properties: { title: { type: "string", description: "Short title of the task" }, description: { type: "string" }, status: STATUS, due: DUE },
    required: ["title"],
    additionalProperties: false,
  },
  execute: async (run, args) => {
    const title = stringArg(args, "title") ?? "";
    const description = stringArg(args, "description");
    const status = stringArg(args, "status");
    const dueAt = dueArg(args);
    const task = await asToolInput(
      run.ctx.runMutation(internal.tasks.agentTasks.create, {
        interactionId: run.interactionId,
        idempotencyKey: run.idempotencyKey,
        title,
        ...(description !== undefined ? { description } : {}),
        ...(status ? { status } : {}),
        ...(dueAt !== undefined ? { dueAt } : {}),
      }),
    );
    return { created: true, task: card(task) };
  },
};

export const taskUpdate: ToolDefinition = {
  slug: "task_update",
  description: "Change a task on your board: move it to another column (status), rename it, or change its description or due date.",
  trustLevel: "write",
  idempotent: true,
  parameters: {
    type: "object",
    properties: { task: TASK_REF, status: STATUS, title: { type: "string", description: "A new title" }, description: { type: "string" }, due: DUE },
    required: ["task"],
    additionalProperties: false,
  },
  execute: async (run, args) => {
    const ref = stringArg(args, "task") ?? "";
    const title = stringArg(args, "title");
    const description = stringArg(args, "description");
    const status = stringArg(args, "status");
    const dueAt = dueArg(args);
    const given = {
      ...(title ? { title } : {}),
      ...(description !== undefined ? { description } : {}),
      ...(status ? { status } : {}),
      ...(dueAt !== undefined ? { dueAt } : {}),
    };
    if (Object.keys(given).length === 0) throw new ToolInputError("Say what to change: status, title, description or due.");
    const task = await asToolInput(
      run.ctx.runMutation(internal.tasks.agentTasks.update, { interactionId: run.interactionId, idempotencyKey: run.idempotencyKey, task: ref, ...given }),
    );
    return { updated: true, task: card(task) };
  },
};

export const taskComplete: ToolDefinition = {
  slug: "task_complete",
  description: "Mark a task on your board as done.",
  trustLevel: "write",
  idempotent: true,
  parameters: { type: "object", properties: { task: TASK_REF }, required: ["task"], additionalProperties: false },
  execute: async (run, args) => {
    const task = await asToolInput(
      run.ctx.runMutation(internal.tasks.agentTasks.complete, { interactionId: run.interactionId, idempotencyKey: run.idempotencyKey, task: stringArg(args, "task") ?? "" }),
    );
    return { completed: true, task: card(task) };
  },
};

export const TASK_TOOLS: readonly ToolDefinition[] = [taskList, taskCreate, taskUpdate, taskComplete];
