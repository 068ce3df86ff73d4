/**
 * A turn's model calls and simple tool calls, before any workflow exists.
 *
 * As workflow steps, each model call and each tool call costs two workpool
 * round trips (the action, then the handler run again on its completion):
 * about 33 documents each, more than the call itself writes. So `turn.start`
 * schedules one plain action that runs the turn's loop — model call, its tool
 * calls, next model call — and the workflow starts only when the turn needs it:
 *
 *   answered, no tool asked  → done: the call's finishing mutation completed the run
 *   simple tool calls        → run here (fastTools.ts), each recorded before the next
 *                              model call; then the next model call, here too
 *   other tool calls         → the workflow starts at those tool calls (approval
 *                              waits, delegations, external or slow tools), then call k+1 …
 *   a tool threw             → the workflow starts at those tool calls and retries it
 *                              (the finished ones are not run again: toolSteps.beginCall)
 *   paused (kill switch)     → the workflow starts at the next call and holds the run there
 *   provider may heal        → the workflow starts with `llm#k` after the advised delay
 *   failed / budget refused  → the workflow starts and journals that outcome as `llm#k`
 *                              (so the run fails like any other and can be resumed there)
 *   the action died          → `watch` notices (a scheduled action runs at most once) and
 *                              the workflow starts at the newest model call with a step
 *                              row: if it had finished (its reservation is committed), its
 *                              saved tool calls run (finished ones are skipped); if not, it
 *                              reuses a reply the dead attempt saved (llm.ts) or calls again
 *
 * Nothing finished runs twice: each call's reservation, step row and reply
 * are keyed like the workflow's `llm#k`, each tool call's record by its id.
 */
import { v } from "convex/values";
import { internal } from "../_generated/api";
import type { Id } from "../_generated/dataModel";
import { internalAction, internalMutation, type ActionCtx, type MutationCtx } from "../_generated/server";
import { InjectedCrash } from "../lib/faults";
import { callModel, vModelCallResult, type ModelCallResult, type ToolCallRequest } from "./llm";
import { logRun } from "../runs/stepRows";
import { executeToolCall } from "./toolSteps";
import { startTurnWorkflow, type Handover } from "./turnWorkflow";
import { isEnded } from "../runs/status";
import { MAX_LLM_CALLS_PER_TURN } from "./validators";
import { type ChatRun, getChatRun } from "../runs/records";

/** How often `watch` looks at a fast turn still pending or running. */
export const WATCH_INTERVAL_MS = 30_000;

/** From `turn.start`: the fast turn, and its watch. */
export async function startFirstCall(ctx: MutationCtx, interactionId: Id<"interactions">): Promise<void> {
  const jobId = await ctx.scheduler.runAfter(0, internal.chat.fastTurn.firstCall, { interactionId });
  await ctx.scheduler.runAfter(WATCH_INTERVAL_MS, internal.chat.fastTurn.watch, { interactionId, jobId });
}

/** The fast turn (named for its first call: scheduled jobs in flight keep their function name). */
export const firstCall = internalAction({
  args: { interactionId: v.id("interactions") },
  returns: v.null(),
  handler: async (ctx, { interactionId }) => {
    await runFastTurn(ctx, interactionId);
    return null;
  },
});

async function runFastTurn(ctx: ActionCtx, interactionId: Id<"interactions">): Promise<void> {
  for (let call = 0; call < MAX_LLM_CALLS_PER_TURN; call++) {
    // Kill switches (#15) hold a turn between model calls: the workflow does the holding.
    if (call > 0 && (await ctx.runQuery(internal.chat.fastTools.isHeld, { interactionId }))) {
      await handOver(ctx, interactionId, call);
      return;
    }
    const outcome = await callModel(ctx, interactionId, call);
    if (outcome.kind === "ended") return;
    if (outcome.kind !== "ok") {
      await handOver(ctx, interactionId, call, outcome);
      return;
    }
    if (outcome.toolCalls.length === 0) return; // the call's finishing mutation completed the run
    const plan = await ctx.runMutation(internal.chat.fastTools.plan, { interactionId, call, toolCalls: outcome.toolCalls });
    if (plan !== "run") return;
    if (!(await runToolCalls(ctx, interactionId, outcome.toolCalls))) {
      await handOver(ctx, interactionId, call, outcome, { toolsAttempted: true });
      return;
    }
  }
  // The model kept asking for tools: the workflow ends the run at the step cap, like its own loop.
  await handOver(ctx, interactionId, MAX_LLM_CALLS_PER_TURN);
}

/**
 * Runs the calls at once, each recorded as it finishes. False when one threw
 * (the workflow retries it); a simulated process death propagates.
 */
async function runToolCalls(ctx: ActionCtx, interactionId: Id<"interactions">, toolCalls: ToolCallRequest[]): Promise<boolean> {
  // Quick: an idempotent built-in writes its rows once, when it ends (toolSteps.ts).
  const settled = await Promise.allSettled(toolCalls.map((toolCall) => executeToolCall(ctx, interactionId, toolCall, true)));
  const crash = settled.find((s) => s.status === "rejected" && s.reason instanceof InjectedCrash);
  if (crash?.status === "rejected") throw crash.reason;
  return settled.every((s) => s.status === "fulfilled");
}

async function handOver(ctx: ActionCtx, interactionId: Id<"interactions">, atCall: number, outcome?: ModelCallResult, also: { toolsAttempted?: true } = {}) {
  await ctx.runMutation(internal.chat.fastTurn.handOverAt, { interactionId, atCall, ...(outcome ? { outcome } : {}), ...also });
}

/** What the workflow must do first at model call `atCall`, given how that call ended (absent: see `Handover`). */
function handoverFor(atCall: number, outcome: ModelCallResult | undefined, generation: number, toolsAttempted: boolean): Handover {
  if (outcome === undefined) return { atCall };
  if (outcome.kind === "retry") return { atCall, firstDelayMs: outcome.delayMs };
  if (outcome.kind === "ok") return { atCall, firstToolCalls: outcome.toolCalls, ...(toolsAttempted ? { toolsAttempted } : {}) };
  return { atCall, prior: { generation, outcome } };
}

/** Start the workflow at `handover`, unless the run ended meanwhile or already has one. */
export async function handOverToWorkflow(ctx: MutationCtx, interaction: ChatRun, handover: Handover, why: string): Promise<void> {
  if (isEnded(interaction) || interaction.workflowId !== undefined) return;
  const workflowId = await startTurnWorkflow(ctx, interaction._id, { external: false, handover });
  await ctx.db.patch("interactions", interaction._id, { workflowId });
  logRun(interaction, "handed_over", { why, atCall: handover.atCall ?? 0 });
}

/** The fast turn needs more than itself: the workflow takes the turn from model call `atCall`. */
export const handOverAt = internalMutation({
  args: { interactionId: v.id("interactions"), atCall: v.number(), outcome: v.optional(vModelCallResult), toolsAttempted: v.optional(v.boolean()) },
  returns: v.null(),
  handler: async (ctx, { interactionId, atCall, outcome, toolsAttempted }) => {
    const interaction = await getChatRun(ctx, interactionId);
    if (interaction === null) return null;
    const handover = handoverFor(atCall, outcome, interaction.generation, toolsAttempted ?? false);
    await handOverToWorkflow(ctx, interaction, handover, toolsAttempted ? "a tool threw" : (outcome?.kind ?? "held or step cap"));
    return null;
  },
});

/** The newest model call the fast turn began (its step row `llm#k`), where a workflow taking over starts. */
async function newestModelCall(ctx: MutationCtx, interactionId: Id<"interactions">): Promise<number> {
  const recent = await ctx.db
    .query("steps")
    .withIndex("by_interactionId_index", (q) => q.eq("interactionId", interactionId))
    .order("desc")
    .take(50);
  for (const step of recent) {
    const call = /^llm#(\d+)$/.exec(step.key)?.[1];
    if (call !== undefined) return Number(call);
  }
  return 0;
}

/**
 * Looks at the fast turn: still pending or running → look again later;
 * finished or failed while the run is neither over nor handed over → the
 * action died before it could say how the turn stood, so the workflow takes
 * over at the newest model call it began.
 */
export const watch = internalMutation({
  args: { interactionId: v.id("interactions"), jobId: v.id("_scheduled_functions") },
  returns: v.null(),
  handler: async (ctx, { interactionId, jobId }) => {
    const interaction = await getChatRun(ctx, interactionId);
    if (interaction === null || isEnded(interaction) || interaction.workflowId !== undefined) return null;
    const job = await ctx.db.system.get("_scheduled_functions", jobId);
    if (job !== null && (job.state.kind === "pending" || job.state.kind === "inProgress")) {
      await ctx.scheduler.runAfter(WATCH_INTERVAL_MS, internal.chat.fastTurn.watch, { interactionId, jobId });
      return null;
    }
    await handOverToWorkflow(ctx, interaction, { atCall: await newestModelCall(ctx, interactionId) }, "the fast turn died");
    return null;
  },
});
