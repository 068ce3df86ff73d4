/**
 * The correlation fields of a run's log lines: its own interaction id, and
 * the root and parent of its delegation tree, so one tree can be followed
 * across every run in it (`root_interaction_id` of a root is its own id; a
 * root has no parent). Logs are JSON lines (`logRun` in runs/stepRows.ts;
 * a job's lines, `logJob` in jobs/model.ts, carry the tree of the run that
 * started it).
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

/** Where a run sits in its tree, as stored on what it starts (a job): its root, and its parent when it has one. */
export function treeOf(run: Pick<Doc<"interactions">, "_id" | "rootInteractionId" | "parentInteractionId">): { rootInteractionId: Id<"interactions">; parentInteractionId?: Id<"interactions"> } {
  return { rootInteractionId: run.rootInteractionId ?? run._id, ...(run.parentInteractionId !== undefined ? { parentInteractionId: run.parentInteractionId } : {}) };
}

type JobRef = { _id: Id<"jobs">; interactionId?: Id<"interactions">; rootInteractionId?: Id<"interactions">; parentInteractionId?: Id<"interactions"> };

/** A job's log line fields: its id, and, when a run started it, that run's fields (its id, root and parent). */
export function jobLogFields(job: JobRef): Record<string, string> {
  if (job.interactionId === undefined) return { jobId: job._id };
  return {
    jobId: job._id,
    interactionId: job.interactionId,
    root_interaction_id: job.rootInteractionId ?? job.interactionId,
    ...(job.parentInteractionId !== undefined ? { parent_interaction_id: job.parentInteractionId } : {}),
  };
}
