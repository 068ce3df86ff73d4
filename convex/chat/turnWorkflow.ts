/**
 * Starting a turn's workflow (chat/turn.ts `run`), and where it picks up
 * when the fast turn (fastTurn.ts) hands it over. Its own module so that
 * both turn.ts and fastTurn.ts can start the workflow without importing
 * each other: it names the workflow through `internal`, not by import.
 */
import type { WorkflowId } from "@convex-dev/workflow";
import { v, type Infer } from "convex/values";
import { internal } from "../_generated/api";
import type { Id } from "../_generated/dataModel";
import type { MutationCtx } from "../_generated/server";
import { workflow } from "../lib/workflow";
import { vPriorOutcome, vToolCallRequest } from "./llm";

/**
 * Where a turn whose first model calls ran before the workflow (fastTurn.ts)
 * picks up, at model call `atCall` (0 when absent): at that call's tool calls,
 * at `llm#atCall` after a provider's advised delay, at `llm#atCall` journaling
 * the outcome the call already had (`prior`), or at `llm#atCall` itself (which
 * reuses the call's reply when it had already finished).
 */
export const vHandover = v.object({
  atCall: v.optional(v.number()),
  firstToolCalls: v.optional(v.array(vToolCallRequest)),
  /** The fast turn already made one attempt at these tool calls (one threw): one attempt fewer here. */
  toolsAttempted: v.optional(v.boolean()),
  firstDelayMs: v.optional(v.number()),
  prior: v.optional(vPriorOutcome),
});
export type Handover = Infer<typeof vHandover>;

/**
 * Start a run's workflow. Not `startAsync`: the handler's first pass runs in
 * this transaction and enqueues the first model call at once, which saves the
 * workpool round trip (about 16 documents) of enqueuing the handler itself.
 */
export async function startTurnWorkflow(
  ctx: MutationCtx,
  interactionId: Id<"interactions">,
  opts: { external: boolean; handover?: Handover },
): Promise<WorkflowId> {
  return await workflow.start(
    ctx,
    internal.chat.turn.run,
    { interactionId, ...(opts.external ? { external: true } : {}), ...(opts.handover ? { handover: opts.handover } : {}) },
    { onComplete: internal.chat.turn.onComplete, context: { interactionId } },
  );
}
