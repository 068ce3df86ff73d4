import { defineTable } from "convex/server";
import { v } from "convex/values";
import { taskFields } from "./validators";

/**
 * Tasks: an account's to-dos, optionally on one agent's board.
 *
 * Written by: the SPA (`tasks/tasks:create` / `update` / `move` / `complete` /
 * `remove`) and agents' task tools (`tasks/agentTasks`), every change audited.
 * Read by: the board (`tasks/tasks:board`), `task_list`.
 *
 * `by_accountId_agentId_status_order` serves the board: one agent's (or the
 * account-wide, agentId absent) cards, column by column, in card order;
 * `by_idempotencyKey` makes a retried `task_create` one task.
 */
export const taskTables = {
  tasks: defineTable({
    accountId: v.id("accounts"),
    ...taskFields,
    /** The tool call that created it (run:step:call), so a retried call creates one task. */
    idempotencyKey: v.optional(v.string()),
    /** The tool call that last changed it, so a retried update is not audited twice. */
    lastChangeKey: v.optional(v.string()),
  })
    .index("by_accountId_agentId_status_order", ["accountId", "agentId", "status", "order"])
    .index("by_idempotencyKey", ["idempotencyKey"]),
};
