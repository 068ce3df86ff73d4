/**
 * Parts of several series in one metric row.
 *
 * A run's end adds to up to seven series (its duration, its model calls'
 * durations, tokens by direction and source, cost, its triage intent). One
 * row per series made the end of every turn write five metric documents; a
 * bundle row instead keeps each series' part — its own family name, labels,
 * value, histogram counts and exemplar — and the event writes that one row
 * (a random shard of the bundle's label set, like any series). The scrape
 * adds every part to its family as if it were a row of its own, so what
 * `/metrics` exposes does not change.
 *
 * The bundle's label set must determine its parts' label sets (a run end's
 * bundle is keyed by kind, status, model and intent), so a row's parts stay
 * few: the parts of a given label set are merged, never appended.
 */
import { v, type Infer } from "convex/values";
import { newerExemplar, vExemplar } from "./exemplars";

export const vSeriesPart = v.object({
  /** The family the part belongs to, e.g. `harness_llm_tokens_total`. */
  name: v.string(),
  /** Its label set in exposition form. */
  labels: v.string(),
  /** Counter: the value; histogram: the sum of observations. */
  value: v.number(),
  /** Histogram only: observations, and per-bucket counts (the last one is +Inf). */
  count: v.optional(v.number()),
  buckets: v.optional(v.array(v.number())),
  exemplar: v.optional(vExemplar),
});
export type SeriesPart = Infer<typeof vSeriesPart>;

/** `added` merged into `parts`: a part of the same series adds up, a new one is appended. */
export function mergeParts(parts: readonly SeriesPart[], added: readonly SeriesPart[]): SeriesPart[] {
  const merged = parts.map((part) => ({ ...part }));
  for (const part of added) {
    const same = merged.find((p) => p.name === part.name && p.labels === part.labels);
    if (same === undefined) {
      merged.push({ ...part });
      continue;
    }
    same.value += part.value;
    if (part.count !== undefined) same.count = (same.count ?? 0) + part.count;
    if (part.buckets !== undefined) same.buckets = addBuckets(same.buckets, part.buckets);
    const exemplar = newerExemplar(same.exemplar, part.exemplar);
    if (exemplar) same.exemplar = exemplar;
  }
  return merged;
}

function addBuckets(a: readonly number[] | undefined, b: readonly number[]): number[] {
  if (a === undefined || a.length !== b.length) return [...b];
  return a.map((n, i) => n + b[i]!);
}
