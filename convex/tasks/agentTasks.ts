/**
 * What the task tools do, as internal functions the tool step calls. An
 * agent's tools work on its own board (the run's agent, in the run's
 * account); a task is named by its id or by its title.
 */
import { v } from "convex/values";
import type { Doc, Id } from "../_generated/dataModel";
import { internalMutation, internalQuery, type QueryCtx } from "../_generated/server";
import { fail } from "../lib/errors";
import { createTask, editTask, listBoard, loadTask, moveTask, type TaskActor } from "./model";
import { DONE_STATUS, publicTask, vPublicTask } from "./validators";
import { getChatRun } from "../runs/records";

type Board = { accountId: Id<"accounts">; agentId: Id<"agents"> };

async function boardOf(ctx: QueryCtx, interactionId: Id<"interactions">): Promise<Board> {
  const run = await getChatRun(ctx, interactionId);
  if (run === null) fail("not_found", "The run that called this tool is gone.");
  return { accountId: run.accountId, agentId: run.agentId };
}

function agentActor(board: Board, interactionId: Id<"interactions">, changeKey: string): TaskActor {
  return { kind: "agent", agentId: board.agentId, interactionId, changeKey };
}

/**
 * The board's task `ref` names: its id, else the card whose title is `ref`
 * (ignoring case), else the one card whose title contains it.
 */
export async function findOnBoard(ctx: QueryCtx, board: Board, ref: string): Promise<Doc<"tasks">> {
  const asId = ctx.db.normalizeId("tasks", ref.trim());
  if (asId !== null) {
    const task = await loadTask(ctx, board.accountId, asId);
    if (task.agentId !== board.agentId) fail("not_found", "Task not found on this agent's board.");
    return task;
  }
  const wanted = ref.trim().toLowerCase();
  if (wanted === "") fail("bad_request", "Name the task by its id or title.");
  const cards = await listBoard(ctx, board.accountId, board.agentId);
  const exact = cards.filter((t) => t.title.toLowerCase() === wanted);
  const matches = exact.length > 0 ? exact : cards.filter((t) => t.title.toLowerCase().includes(wanted));
  if (matches.length === 0) fail("not_found", `No task called "${ref}" on this board.`);
  if (matches.length > 1) fail("bad_request", `"${ref}" matches ${matches.length} tasks (${matches.slice(0, 5).map((t) => `"${t.title}"`).join(", ")}); use the id.`);
  return matches[0]!;
}

const vRunCall = { interactionId: v.id("interactions"), idempotencyKey: v.string() };

export const list = internalQuery({
  args: { interactionId: v.id("interactions"), status: v.optional(v.string()) },
  returns: v.array(vPublicTask),
  handler: async (ctx, { interactionId, status }) => {
    const board = await boardOf(ctx, interactionId);
    return (await listBoard(ctx, board.accountId, board.agentId, status?.trim().toLowerCase())).map(publicTask);
  },
});

export const create = internalMutation({
  args: { ...vRunCall, title: v.string(), description: v.optional(v.string()), status: v.optional(v.string()), dueAt: v.optional(v.number()) },
  returns: vPublicTask,
  handler: async (ctx, { interactionId, idempotencyKey, ...input }) => {
    const board = await boardOf(ctx, interactionId);
    const task = await createTask(ctx, board.accountId, agentActor(board, interactionId, idempotencyKey), { agentId: board.agentId, ...input }, idempotencyKey);
    return publicTask(task);
  },
});

export const update = internalMutation({
  args: {
    ...vRunCall,
    task: v.string(),
    title: v.optional(v.string()),
    description: v.optional(v.string()),
    status: v.optional(v.string()),
    dueAt: v.optional(v.number()),
  },
  returns: vPublicTask,
  handler: async (ctx, { interactionId, idempotencyKey, task: ref, status, ...edit }) => {
    const board = await boardOf(ctx, interactionId);
    let task = await findOnBoard(ctx, board, ref);
    if (Object.values(edit).some((value) => value !== undefined)) task = await editTask(ctx, task, agentActor(board, interactionId, idempotencyKey), edit);
    // The edit above already carries this call's key; the move is a second change of the same call.
    if (status !== undefined) task = await moveTask(ctx, task, agentActor(board, interactionId, `${idempotencyKey}:move`), { status });
    return publicTask(task);
  },
});

export const complete = internalMutation({
  args: { ...vRunCall, task: v.string() },
  returns: vPublicTask,
  handler: async (ctx, { interactionId, idempotencyKey, task: ref }) => {
    const board = await boardOf(ctx, interactionId);
    const task = await findOnBoard(ctx, board, ref);
    return publicTask(await moveTask(ctx, task, agentActor(board, interactionId, idempotencyKey), { status: DONE_STATUS }));
  },
});
