/**
 * An external HTTP tool call as the turn's workflow runs it: one inline step
 * that writes the intent and enqueues the request on `toolPool`, then a wait
 * on the event its `onComplete` (or callback, or deadline) sends once the
 * outcome is committed. The workflow itself holds no HTTP.
 */
import type { WorkflowCtx } from "@convex-dev/workflow";
import { internal } from "../../_generated/api";
import type { Id } from "../../_generated/dataModel";
import type { ToolCallRequest } from "../../chat/llm";
import { vHttpCallDone } from "./calls";

export async function runHttpToolCall(step: WorkflowCtx, interactionId: Id<"interactions">, toolCall: ToolCallRequest): Promise<void> {
  const started = await step.runMutation(
    internal.tools.http.calls.start,
    { interactionId, toolCall, workflowId: step.workflowId },
    { name: `http#${toolCall.toolCallId}`, inline: true },
  );
  if (started.kind === "done") return;
  await step.awaitEvent({ id: started.eventId, name: `httpDone#${toolCall.toolCallId}`, validator: vHttpCallDone });
}
