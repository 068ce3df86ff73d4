/**
 * A delegate's parent waits on an event (turn.ts: `childEventName`) until the
 * delegate's run ends. Every end of a run — completed in its own model call,
 * failed, cancelled, ended by its workflow's `onComplete` — goes through
 * `completeRun` or `endRun` (turnSteps.ts), which call `notifyParent` once.
 */
import { v } from "convex/values";
import type { MutationCtx } from "../_generated/server";
import { workflow } from "../lib/workflow";
import { type ChatRun, getChatRun } from "../runs/records";
import { isEnded } from "../runs/status";

export function childEventName(toolCallId: string) {
  return `child:${toolCallId}`;
}

export const vChildOutcome = v.object({ childId: v.id("interactions") });

/** A child run ended: wake its parent's workflow, waiting on this child's event. */
export async function notifyParent(ctx: MutationCtx, child: ChatRun): Promise<void> {
  if (!child.parentInteractionId || !child.parentToolCallId) return;
  const parent = await getChatRun(ctx, child.parentInteractionId);
  if (!parent || isEnded(parent) || !parent.workflowId) return;
  await workflow.sendEvent(ctx, {
    workflowId: parent.workflowId,
    name: childEventName(child.parentToolCallId),
    value: { childId: child._id },
  });
}
