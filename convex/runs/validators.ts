/**
 * The run kernel's vocabulary: what a run (a chat turn, a delegation, a
 * background job) and its steps can be. Leaf module: validators only, so the
 * platform (metrics, outbound events) can name a run's status without
 * importing the runtime.
 */
import { v, type Infer } from "convex/values";

export const vRunStatus = v.union(
  v.literal("queued"),
  v.literal("running"),
  v.literal("waiting"),
  v.literal("completed"),
  v.literal("failed"),
  v.literal("cancelled"),
  v.literal("timed_out"),
);
export type RunStatus = Infer<typeof vRunStatus>;

/**
 * A background job's state: its run's status under the names the jobs API
 * (and its webhooks and metrics) has always used — pending is queued,
 * resolved is completed (jobs/jobRun.ts maps one to the other).
 * pending → running ⇄ waiting → resolved | failed | cancelled | timed_out.
 */
export const vJobState = v.union(
  v.literal("pending"),
  v.literal("running"),
  v.literal("waiting"),
  v.literal("resolved"),
  v.literal("failed"),
  v.literal("cancelled"),
  v.literal("timed_out"),
);
export type JobState = Infer<typeof vJobState>;

export const vStepKind = v.union(
  v.literal("triage"),
  v.literal("context"),
  v.literal("budget"),
  v.literal("llm"),
  v.literal("tool"),
  v.literal("delegation"),
  v.literal("wait"),
  // A background job's steps: a journaled mutation, an action that may be retried, a wait for a callback.
  v.literal("mutation"),
  v.literal("action"),
);
export type StepKind = Infer<typeof vStepKind>;

export const vStepStatus = v.union(
  v.literal("running"),
  v.literal("waiting"),
  v.literal("succeeded"),
  v.literal("failed"),
  v.literal("skipped"),
  v.literal("cancelled"),
);

/** A knowledge entry put in a model call's prompt (recorded on its step). */
export const vContextEntry = v.object({ entryId: v.string(), title: v.string(), score: v.number(), documentId: v.optional(v.string()) });

export const vErrorInfo = v.object({ code: v.string(), message: v.string() });
export type ErrorInfo = Infer<typeof vErrorInfo>;

/** A model call waiting to be tried again: at when, which attempt failed, of how many, and why (a failure category). */
export const vProviderRetry = v.object({ at: v.number(), attempt: v.number(), maxAttempts: v.number(), reason: v.string() });
export type ProviderRetry = Infer<typeof vProviderRetry>;

/**
 * A run's model spending not yet added to the usage totals and `/metrics`:
 * each finished model call adds to it, the run's end adds it all at once
 * (chat/runTally.ts). Tokens by direction, with the part the harness counted
 * itself (the provider reported none); a turn counted on the first call.
 */
export const vRunTally = v.object({
  turns: v.number(),
  tokensIn: v.number(),
  tokensOut: v.number(),
  estimatedIn: v.number(),
  estimatedOut: v.number(),
  microUsd: v.number(),
  /** Each finished call's duration, for the model-call histogram. */
  callDurationsMs: v.array(v.number()),
});
export type RunTally = Infer<typeof vRunTally>;
