/**
 * "Tell me when this run ends": a layer above outbound (the email channel,
 * which answers a mail when its turn ends) registers a mutation by function
 * handle; `emitRunEnded` calls it once, in the transaction that ended the
 * run, then forgets it. Outbound never imports who is watching.
 */
import type { FunctionHandle } from "convex/server";
import type { Id } from "../_generated/dataModel";
import type { MutationCtx } from "../_generated/server";

/** What a watcher is called with. */
export type RunEndWatcher = FunctionHandle<"mutation", { interactionId: Id<"interactions"> }, null>;

/** A run has at most a few watchers; more than this is a bug upstream, not a reason to read without bound. */
const MAX_WATCHERS_PER_RUN = 10;

export async function watchRunEnd(ctx: MutationCtx, interactionId: Id<"interactions">, handle: RunEndWatcher): Promise<void> {
  await ctx.db.insert("runEndWatchers", { interactionId, handle });
}

/** The run ended: call each watcher once (a retried run that ends again finds none left). */
export async function notifyRunWatchers(ctx: MutationCtx, interactionId: Id<"interactions">): Promise<void> {
  const watchers = await ctx.db
    .query("runEndWatchers")
    .withIndex("by_interactionId", (q) => q.eq("interactionId", interactionId))
    .take(MAX_WATCHERS_PER_RUN);
  for (const watcher of watchers) {
    await ctx.db.delete("runEndWatchers", watcher._id);
    await ctx.runMutation(watcher.handle as RunEndWatcher, { interactionId });
  }
}
