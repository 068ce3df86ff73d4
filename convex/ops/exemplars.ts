/**
 * Exemplars: the run behind a metric's latest observation.
 *
 * The issue asks that a child run's metrics carry its root and parent
 * interaction. As labels they would make one series per run — unbounded
 * cardinality in our sharded metric rows and in every scraper's store. The
 * standard place for a per-event id is an OpenMetrics exemplar: each series
 * keeps the labels of its latest observation (`# {root_interaction_id="…",
 * parent_interaction_id="…"} value timestamp`), so a spike on a dashboard
 * leads to the delegation tree behind it, and its log lines (ops/runLog.ts
 * uses the same names), without a new series.
 *
 * Stored on the metric row the observation already writes (no extra
 * document); the scrape keeps the newest one over the series' shards.
 */
import { v, type Infer } from "convex/values";
import type { Doc } from "../_generated/dataModel";

export const vExemplar = v.object({
  /** In exposition form: `root_interaction_id="…",parent_interaction_id="…"`. */
  labels: v.string(),
  value: v.number(),
  /** When it was observed (ms). */
  at: v.number(),
});
export type Exemplar = Infer<typeof vExemplar>;

/** OpenMetrics: an exemplar's label names and values together are at most 128 characters. */
export const MAX_EXEMPLAR_LABEL_CHARS = 128;

type Run = Pick<Doc<"interactions">, "_id" | "rootInteractionId" | "parentInteractionId">;

/** The exemplar of one observation `value` made by `run`: its tree's root, and its parent when it has one. */
export function runExemplar(run: Run, value: number, at: number = Date.now()): Exemplar {
  const pairs: [string, string][] = [["root_interaction_id", run.rootInteractionId ?? run._id]];
  if (run.parentInteractionId !== undefined) pairs.push(["parent_interaction_id", run.parentInteractionId]);
  // Ids longer than the limit allows for both: keep the root, which finds the whole tree.
  const length = (list: [string, string][]) => list.reduce((sum, [name, id]) => sum + name.length + id.length, 0);
  const kept = length(pairs) <= MAX_EXEMPLAR_LABEL_CHARS ? pairs : pairs.slice(0, 1);
  return { labels: kept.map(([name, id]) => `${name}="${id}"`).join(","), value, at };
}

/** The newer of two exemplars (either may be absent). */
export function newerExemplar(a: Exemplar | undefined, b: Exemplar | undefined): Exemplar | undefined {
  if (a === undefined) return b;
  if (b === undefined) return a;
  return b.at >= a.at ? b : a;
}
