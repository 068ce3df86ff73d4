import { v, type Infer } from "convex/values";

import { vJobState, type JobState } from "../runs/validators";

// The job states are the run kernel's statuses under the names the jobs API has always used (runs/validators.ts).
export { vJobState, type JobState };

export const ENDED_STATES: readonly JobState[] = ["resolved", "failed", "cancelled", "timed_out"];

export function isEnded(job: { state: JobState }): boolean {
  return ENDED_STATES.includes(job.state);
}

/** Why a job did not resolve; `step` names the step that failed (resume starts there). */
export const vJobError = v.object({ code: v.string(), message: v.string(), step: v.optional(v.string()) });
export type JobError = Infer<typeof vJobError>;

export const vJobSource = v.union(v.literal("api"), v.literal("agent"), v.literal("schedule"));

/** A recurring job: every `everyMs`, at most `times` runs (absent = until cancelled). */
export const vJobSchedule = v.object({ everyMs: v.number(), times: v.optional(v.number()), started: v.number() });

export const vJobStepKind = v.union(v.literal("mutation"), v.literal("action"), v.literal("wait"));
export const vJobStepStatus = v.union(
  v.literal("running"),
  v.literal("waiting"),
  v.literal("succeeded"),
  v.literal("failed"),
  v.literal("cancelled"),
);

export const vCallbackStatus = v.union(v.literal("pending"), v.literal("resolved"), v.literal("timed_out"), v.literal("cancelled"));
export type CallbackStatus = Infer<typeof vCallbackStatus>;

/** What a wait step receives through its workflow event. */
export const vCallbackOutcome = v.union(
  v.object({ kind: v.literal("result"), result: v.string() }),
  v.object({ kind: v.literal("error"), error: v.string() }),
  v.object({ kind: v.literal("timeout") }),
);
export type CallbackOutcome = Infer<typeof vCallbackOutcome>;

/** Longest job input (the task), result kept on the row, and callback payload, in characters. */
export const MAX_INPUT_CHARS = 4_000;
export const MAX_RESULT_CHARS = 2_000;
export const MAX_CALLBACK_CHARS = 20_000;
export const MAX_REASON_CHARS = 500;

/** Bounds on a job's overall timeout and a schedule's interval. */
export const MIN_TIMEOUT_MS = 1_000;
export const MAX_TIMEOUT_MS = 7 * 24 * 3_600_000;
export const MIN_EVERY_MS = 60_000;
export const MAX_SCHEDULE_TIMES = 1_000;
