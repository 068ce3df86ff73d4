import { WorkflowManager } from "@convex-dev/workflow";
import { components } from "../_generated/api";

/**
 * The one WorkflowManager. Action steps are not retried unless a step asks
 * (LLM and tool steps pass their own policy), so a side effect is never
 * repeated by accident.
 */
export const workflow = new WorkflowManager(components.workflow, {
  workpoolOptions: { maxParallelism: 20 },
});

/**
 * Retries of a model-call step whose action crashed or threw unexpectedly. A
 * provider error does not throw: the call classifies it and returns `retry`
 * with its own delay (convex/models/retryPolicy.ts).
 */
export const PROVIDER_RETRY = { maxAttempts: 4, initialBackoffMs: 250, base: 2 } as const;
/** Backoff for tool executions. */
export const TOOL_RETRY = { maxAttempts: 3, initialBackoffMs: 250, base: 2 } as const;
