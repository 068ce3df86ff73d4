import { v, type Infer } from "convex/values";

export const vInteractionStatus = v.union(
  v.literal("queued"),
  v.literal("running"),
  v.literal("waiting"),
  v.literal("completed"),
  v.literal("failed"),
  v.literal("cancelled"),
);
export type InteractionStatus = Infer<typeof vInteractionStatus>;

export const vStepKind = v.union(
  v.literal("triage"),
  v.literal("context"),
  v.literal("budget"),
  v.literal("llm"),
  v.literal("tool"),
  v.literal("delegation"),
  v.literal("wait"),
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

export const vToolCallStatus = v.union(
  v.literal("started"),
  v.literal("committed"),
  v.literal("failed"),
  v.literal("unknown"),
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

/** Longest message a user may send, in characters. */
export const MAX_MESSAGE_LENGTH = 8_000;
/** Most model calls one turn may make before it stops (G3). */
export const MAX_LLM_CALLS_PER_TURN = 6;
