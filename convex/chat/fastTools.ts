/**
 * Which tool calls a fast turn (fastTurn.ts) runs in its own action, and
 * which need the workflow. A tool call that asks for nothing the workflow is
 * for — no approval wait, no delegation, no external request, nothing that
 * may take minutes — runs where the model call ran: as a workflow step it
 * would cost two workpool round trips (about 33 documents) for a call that
 * writes five of its own. Its durability does not depend on where it runs:
 * its intent and its outcome are rows keyed by the call (toolSteps.ts), so a
 * workflow taking over after a crash never runs a finished call again.
 */
import { v } from "convex/values";
import { internalMutation, internalQuery } from "../_generated/server";
import { holdCause } from "../ops/hold";
import { handOverToWorkflow } from "./fastTurn";
import { vToolCallRequest, type ToolCallRequest } from "./llm";
import { startChildRun } from "./delegation";
import { decideToolCall, type ToolDecision } from "./toolSteps";
import { loadInteraction } from "./turnSteps";
import { isEnded } from "../runs/status";

/** Built-in tools that reach the open web and may take minutes: they run as workflow steps, with retries. */
const SLOW_BUILTINS = new Set(["web_reader", "web_search"]);

function runsHere(decided: ToolDecision, toolCall: ToolCallRequest): boolean {
  // A refusal writes a step row and the tool's error once, in the workflow's journaled `policy#` step.
  if (decided.decision !== "run") return false;
  return decided.builtin && !decided.needsApproval && !SLOW_BUILTINS.has(toolCall.toolName);
}

/**
 * The tool calls model call `call` asked for: `run` — all of them run in the
 * fast turn's action; `workflow` — at least one needs the workflow, which was
 * started in this transaction at these tool calls; `ended` — the run is over
 * (or already handed over), nothing to run.
 *
 * Delegations that need no approval start here too, in the transaction that
 * starts the workflow: their model calls then run while the workflow gets
 * going, instead of after its first steps — with 8 delegations those steps
 * held every child back by about a second on the local engine. The
 * workflow's `policy#` step finds each child started (`startChildRun` is
 * idempotent by the delegation's step row) and waits for it as before.
 */
export const plan = internalMutation({
  args: { interactionId: v.id("interactions"), call: v.number(), toolCalls: v.array(vToolCallRequest) },
  returns: v.union(v.literal("run"), v.literal("workflow"), v.literal("ended")),
  handler: async (ctx, { interactionId, call, toolCalls }) => {
    const interaction = await loadInteraction(ctx, interactionId);
    if (isEnded(interaction) || interaction.workflowId !== undefined) return "ended" as const;
    const decisions: ToolDecision[] = [];
    for (const toolCall of toolCalls) decisions.push(await decideToolCall(ctx, interaction, toolCall));
    if (decisions.every((decided, i) => runsHere(decided, toolCalls[i]!))) return "run" as const;
    await handOverToWorkflow(ctx, interaction, { atCall: call, firstToolCalls: toolCalls }, "tool calls for the workflow");
    for (const [i, decided] of decisions.entries()) {
      if (decided.decision === "delegate" && !decided.needsApproval) await startChildRun(ctx, { interactionId, toolCall: toolCalls[i]! });
    }
    return "workflow" as const;
  },
});

/**
 * Whether a kill switch holds the run before its next model call (ops/hold.ts).
 * The fast turn then hands over, and the workflow holds the run on an event.
 */
export const isHeld = internalQuery({
  args: { interactionId: v.id("interactions") },
  returns: v.boolean(),
  handler: async (ctx, { interactionId }) => {
    const interaction = await loadInteraction(ctx, interactionId);
    return !isEnded(interaction) && (await holdCause(ctx, interaction)) !== null;
  },
});
