/**
 * For tests of a delegation tree's correlation (log lines, metric
 * exemplars): the root run of a thread and its first delegate.
 */
import type { Id } from "../_generated/dataModel";
import type { Harness } from "../test.setup";

export async function rootAndDelegate(t: Harness, threadId: Id<"threads">) {
  const runs = await t.run(async (ctx) => await ctx.db.query("interactions").collect());
  const root = runs.find((r) => r.threadId === threadId && r.depth === 0);
  const child = runs.find((r) => root !== undefined && r.parentInteractionId === root._id);
  if (root === undefined || child === undefined) throw new Error("The thread has no root run with a delegate.");
  return { root, child };
}
