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

/** Backoff for calls to model providers: 4 attempts, 0.25s → 0.5s → 1s (jittered). */
export const PROVIDER_RETRY = { maxAttempts: 4, initialBackoffMs: 250, base: 2 } as const;
/** Backoff for tool executions. */
export const TOOL_RETRY = { maxAttempts: 3, initialBackoffMs: 250, base: 2 } as const;
