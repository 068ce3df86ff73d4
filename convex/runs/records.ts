/**
 * The run record (`interactions`): every run has one, whatever its kind. A
 * chat run (a turn or a delegation) always has an agent, a thread, the prompt
 * it answers and a model; a background job's run has them only when it has
 * them, so the table keeps them optional and chat code works on `ChatRun`,
 * where they are known to be there.
 */
import type { Doc, Id } from "../_generated/dataModel";
import type { QueryCtx } from "../_generated/server";

/** Fields a chat run always has and a job's run may not. */
type ChatFields = "agentId" | "agentVersion" | "threadId" | "promptMessageId" | "promptText" | "promptOrder" | "modelId" | "modelLabel";

export type ChatRun = Doc<"interactions"> & { kind: "turn" | "delegation" } & {
  [K in ChatFields]-?: NonNullable<Doc<"interactions">[K]>;
};

export function isChatRun(run: Doc<"interactions">): run is ChatRun {
  return (
    run.kind !== "job" &&
    run.agentId !== undefined &&
    run.agentVersion !== undefined &&
    run.threadId !== undefined &&
    run.promptMessageId !== undefined &&
    run.promptText !== undefined &&
    run.promptOrder !== undefined &&
    run.modelId !== undefined &&
    run.modelLabel !== undefined
  );
}

/** The run as a chat run; throws for a job's run (a caller that reached one has a bug). */
export function asChatRun(run: Doc<"interactions">): ChatRun {
  if (!isChatRun(run)) throw new Error(`Run ${run._id} is a ${run.kind}, not a chat turn`);
  return run;
}

/** A new run's counters, all at zero: what every `interactions` insert starts from (turn, delegation, job). */
export function freshRun(now: number) {
  return {
    status: "queued" as const,
    createdAt: now,
    tokensIn: 0,
    tokensOut: 0,
    costMicroUsd: 0,
    treeCostMicroUsd: 0,
    llmCalls: 0,
    generation: 0,
  };
}

/**
 * How many steps the run has so far: its newest step's index + 1 (one indexed
 * read). A new step takes this as its index — read from the ledger rather than
 * counted on the run, so a step's begin writes its own row and not the run's
 * as well; a job's webhook event counts its steps with it.
 */
export async function stepsSoFar(ctx: QueryCtx, runId: Id<"interactions">): Promise<number> {
  const newest = await ctx.db
    .query("steps")
    .withIndex("by_interactionId_index", (q) => q.eq("interactionId", runId))
    .order("desc")
    .first();
  return newest === null ? 0 : newest.index + 1;
}

/** The chat run with this id, or null when there is none (or it is a job's run). */
export async function getChatRun(ctx: QueryCtx, runId: Id<"interactions">): Promise<ChatRun | null> {
  const run = await ctx.db.get("interactions", runId);
  return run !== null && isChatRun(run) ? run : null;
}

/** The chat run with this id; throws when there is none. */
export async function loadChatRun(ctx: QueryCtx, runId: Id<"interactions">): Promise<ChatRun> {
  const run = await ctx.db.get("interactions", runId);
  if (run === null) throw new Error(`Run ${runId} not found`);
  return asChatRun(run);
}
