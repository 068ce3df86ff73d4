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
import type { Doc } from "../_generated/dataModel";
import { internalMutation, internalQuery, type QueryCtx } from "../_generated/server";
import { holdCause } from "../jobs/hold";
import { handOverToWorkflow } from "./fastTurn";
import { vToolCallRequest, type ToolCallRequest } from "./llm";
import { decideToolCall } from "./toolSteps";
import { isEnded, loadInteraction } from "./turnSteps";

/** Built-in tools that reach the open web and may take minutes: they run as workflow steps, with retries. */
const SLOW_BUILTINS = new Set(["web_reader", "web_search"]);

async function runsHere(ctx: QueryCtx, interaction: Doc<"interactions">, toolCall: ToolCallRequest): Promise<boolean> {
  const decided = await decideToolCall(ctx, interaction, toolCall);
  // A refusal writes a step row and the tool's error once, in the workflow's journaled `policy#` step.
  if (decided.decision !== "run") return false;
  return decided.builtin && !decided.needsApproval && !SLOW_BUILTINS.has(toolCall.toolName);
}

/**
 * The tool calls model call `call` asked for: `run` — all of them run in the
 * fast turn's action; `workflow` — at least one needs the workflow, which was
 * started in this transaction at these tool calls; `ended` — the run is over
 * (or already handed over), nothing to run.
 */
export const plan = internalMutation({
  args: { interactionId: v.id("interactions"), call: v.number(), toolCalls: v.array(vToolCallRequest) },
  returns: v.union(v.literal("run"), v.literal("workflow"), v.literal("ended")),
  handler: async (ctx, { interactionId, call, toolCalls }) => {
    const interaction = await loadInteraction(ctx, interactionId);
    if (isEnded(interaction) || interaction.workflowId !== undefined) return "ended" as const;
    for (const toolCall of toolCalls) {
      if (!(await runsHere(ctx, interaction, toolCall))) {
        await handOverToWorkflow(ctx, interaction, { atCall: call, firstToolCalls: toolCalls }, "tool calls for the workflow");
        return "workflow" as const;
      }
    }
    return "run" as const;
  },
});

/**
 * Whether a kill switch holds the run before its next model call (jobs/hold.ts).
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
