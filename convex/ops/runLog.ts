/**
 * The correlation fields of a run's log lines: its own interaction id, and
 * the root and parent of its delegation tree, so one tree can be followed
 * across every run in it (`root_interaction_id` of a root is its own id; a
 * root has no parent). Logs are JSON lines (`logRun` in chat/stepRows.ts).
 */
import type { Doc, Id } from "../_generated/dataModel";

/** A run as a log line names it: its id alone, or the row (which carries its tree). */
export type RunRef = Id<"interactions"> | Pick<Doc<"interactions">, "_id" | "rootInteractionId" | "parentInteractionId">;

export function runLogFields(run: RunRef): Record<string, string> {
  if (typeof run === "string") return { interactionId: run };
  return {
    interactionId: run._id,
    root_interaction_id: run.rootInteractionId ?? run._id,
    ...(run.parentInteractionId !== undefined ? { parent_interaction_id: run.parentInteractionId } : {}),
  };
}
