/**
 * A turn's first model call, before any workflow exists.
 *
 * Most turns are one model call that asks for no tool. As a workflow step
 * that call costs two workpool round trips (the action, then the handler run
 * again on its completion): about 35 of the 70 documents such a turn wrote.
 * So `turn.start` schedules the first call as a plain action, and the
 * workflow starts only when the turn needs it:
 *
 *   answered, no tool asked  → done: the call's finishing mutation completed the run
 *   tool calls               → the workflow starts at those tool calls (then model call 2 …)
 *   provider may heal        → the workflow starts with `llm#0` after the advised delay
 *   failed / budget refused  → the workflow starts and journals that outcome as `llm#0`
 *                              (so the run fails like any other and can be resumed there)
 *   the action died          → `watch` notices (a scheduled action runs at most once) and
 *                              the workflow starts with `llm#0`, which reuses a reply the
 *                              dead attempt saved (llm.ts) instead of calling the model again
 *
 * Nothing finished runs twice: the first call's reservation, step row and
 * reply are keyed like the workflow's `llm#0` and reused by it.
 */
import { v } from "convex/values";
import { internal } from "../_generated/api";
import type { Id } from "../_generated/dataModel";
import { internalAction, internalMutation, type MutationCtx } from "../_generated/server";
import { callModel, vModelCallResult, type ModelCallResult } from "./llm";
import { logRun } from "./stepRows";
import { startTurnWorkflow, type Handover } from "./turn";
import { isEnded } from "./turnSteps";

/** How often `watch` looks at a first call still pending or running. */
export const WATCH_INTERVAL_MS = 30_000;

/** From `turn.start`: the first call, and its watch. */
export async function startFirstCall(ctx: MutationCtx, interactionId: Id<"interactions">): Promise<void> {
  const jobId = await ctx.scheduler.runAfter(0, internal.chat.fastTurn.firstCall, { interactionId });
  await ctx.scheduler.runAfter(WATCH_INTERVAL_MS, internal.chat.fastTurn.watch, { interactionId, jobId });
}

export const firstCall = internalAction({
  args: { interactionId: v.id("interactions") },
  returns: v.null(),
  handler: async (ctx, { interactionId }) => {
    const outcome = await callModel(ctx, interactionId, 0);
    if (outcome.kind === "ended") return null;
    if (outcome.kind === "ok" && outcome.toolCalls.length === 0) return null;
    await ctx.runMutation(internal.chat.fastTurn.handOver, { interactionId, outcome });
    return null;
  },
});

/** What the workflow must do first, given how the first call ended (absent: it died). */
function handoverFor(outcome: ModelCallResult | undefined, generation: number): Handover {
  if (outcome === undefined) return {};
  if (outcome.kind === "retry") return { firstDelayMs: outcome.delayMs };
  if (outcome.kind === "ok") return { firstToolCalls: outcome.toolCalls };
  return { prior: { generation, outcome } };
}

async function handOverToWorkflow(ctx: MutationCtx, interactionId: Id<"interactions">, outcome: ModelCallResult | undefined) {
  const interaction = await ctx.db.get("interactions", interactionId);
  // Ended (cancelled meanwhile, or completed) or already handed over: nothing to do.
  if (interaction === null || isEnded(interaction) || interaction.workflowId !== undefined) return;
  const workflowId = await startTurnWorkflow(ctx, interactionId, { external: false, handover: handoverFor(outcome, interaction.generation) });
  await ctx.db.patch("interactions", interactionId, { workflowId });
  logRun(interactionId, "handed_over", { outcome: outcome?.kind ?? "first call died" });
}

/** The first call needs more than itself: the workflow takes the turn from here. */
export const handOver = internalMutation({
  args: { interactionId: v.id("interactions"), outcome: vModelCallResult },
  returns: v.null(),
  handler: async (ctx, { interactionId, outcome }) => {
    await handOverToWorkflow(ctx, interactionId, outcome);
    return null;
  },
});

/**
 * Looks at the first call: still pending or running → look again later;
 * finished or failed while the run is neither over nor handed over → the
 * action died before it could say how the call ended, so the workflow takes over.
 */
export const watch = internalMutation({
  args: { interactionId: v.id("interactions"), jobId: v.id("_scheduled_functions") },
  returns: v.null(),
  handler: async (ctx, { interactionId, jobId }) => {
    const interaction = await ctx.db.get("interactions", interactionId);
    if (interaction === null || isEnded(interaction) || interaction.workflowId !== undefined) return null;
    const job = await ctx.db.system.get("_scheduled_functions", jobId);
    if (job !== null && (job.state.kind === "pending" || job.state.kind === "inProgress")) {
      await ctx.scheduler.runAfter(WATCH_INTERVAL_MS, internal.chat.fastTurn.watch, { interactionId, jobId });
      return null;
    }
    await handOverToWorkflow(ctx, interactionId, undefined);
    return null;
  },
});
