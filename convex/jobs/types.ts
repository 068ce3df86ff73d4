/**
 * The job types: defined in code, looked up by name. Each type names its
 * steps (for progress), its default timeout, the retry policy of its action
 * steps and, for types that wait for the outside world, the wait's policy.
 * The steps themselves are in convex/jobs/workflow.ts (one handler per type).
 *
 * | type                | steps                                       |
 * |---------------------|---------------------------------------------|
 * | `summarize`         | prepare (mutation) → work (action, retried) → finish (mutation) |
 * | `wait_for_callback` | callback: register a call id, wait for `resolveCallback` or the timeout |
 */
import type { RetryBehavior } from "@convex-dev/workpool";

export type WaitPolicy = {
  /** How long one wait lasts before it times out (capped by the job's timeout). */
  timeoutMs: number;
  /** Waits after the first one times out; when they are used up the job ends `timed_out`. */
  retries: number;
};

export type JobTypeSpec = {
  type: string;
  label: string;
  description: string;
  /** The steps progress counts, in order. */
  steps: readonly string[];
  defaultTimeoutMs: number;
  /** Backoff of its action steps: attempts, then the step (and the job) fails. */
  retry: RetryBehavior;
  wait?: WaitPolicy;
};

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

export const JOB_TYPES: Record<string, JobTypeSpec> = {
  summarize: {
    type: "summarize",
    label: "Summarise",
    description: "Summarise a piece of text or a topic in the background.",
    steps: ["prepare", "work", "finish"],
    defaultTimeoutMs: 15 * MINUTE,
    retry: { maxAttempts: 4, initialBackoffMs: 250, base: 2 },
  },
  wait_for_callback: {
    type: "wait_for_callback",
    label: "Wait for a callback",
    description: "Wait for an external system to call back with a result (POST /v1/callbacks/{callId}).",
    steps: ["callback"],
    defaultTimeoutMs: 24 * HOUR,
    retry: { maxAttempts: 3, initialBackoffMs: 250, base: 2 },
    wait: { timeoutMs: HOUR, retries: 0 },
  },
};

export const JOB_TYPE_NAMES = Object.keys(JOB_TYPES);

export function jobType(type: string): JobTypeSpec | undefined {
  return Object.prototype.hasOwnProperty.call(JOB_TYPES, type) ? JOB_TYPES[type] : undefined;
}
