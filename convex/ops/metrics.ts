/**
 * Metrics kept up to date as things happen, so `GET /metrics` never scans a
 * table that grows with traffic: each hook below adds to one row of
 * `metricSeries` (a random shard of its series) in the transaction where the
 * thing happened, and the scrape sums a bounded set of rows. A run's end adds
 * to several series at once and writes them as parts of one bundle row
 * (`harness_run_end`, ops/seriesParts.ts): one document per run end.
 *
 * | family                                   | type      | labels          | recorded when                                 |
 * |------------------------------------------|-----------|-----------------|-----------------------------------------------|
 * | harness_interaction_duration_seconds     | histogram | kind, status    | a run (turn, delegation) ends (bundle)        |
 * | harness_llm_call_duration_seconds        | histogram | model, status   | a model call attempt fails; a run ends (its finished calls, bundle) |
 * | harness_tool_execution_duration_seconds  | histogram | tool, status    | a tool step ends (each attempt)               |
 * | harness_triage_intents_total             | counter   | intent          | a triaged run first ends (bundle)             |
 * | harness_llm_cost_usd_total               | counter   | model           | a run ends (its finished model calls, bundle) |
 * | harness_llm_tokens_total                 | counter   | model, direction, source (reported, estimated) | same  |
 * | harness_jobs                             | gauge     | state           | a job changes state (+1 new state, -1 old)    |
 * | harness_maintenance_held_turns           | gauge     |                 | a turn is held / released                     |
 */
import { v, type Infer } from "convex/values";
import type { Doc, Id } from "../_generated/dataModel";
import { internalQuery, type MutationCtx, type QueryCtx } from "../_generated/server";
import type { JobState } from "../runs/validators";
import { newerExemplar, runExemplar, type Exemplar } from "./exemplars";
import { mergeParts, vSeriesPart, type SeriesPart } from "./seriesParts";

/** Seconds: what a person notices, up to a minute-long run. */
export const DURATION_BUCKETS = [0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60] as const;

/** Rows per series: writers spread over them so a hot series never conflicts with itself. */
export const SHARDS = 8;
/** Longest label value kept (model ids, tool slugs); longer ones are cut. */
const MAX_LABEL_CHARS = 80;
/** Rows one family may have (label combinations × shards); the scrape reads at most this many. */
const MAX_ROWS_PER_FAMILY = 4_000;

type FamilyType = "counter" | "gauge" | "histogram";
export type Family = {
  name: string;
  help: string;
  type: FamilyType;
  labelNames: readonly string[];
  buckets?: readonly number[];
  /** Stored value × scale = exported value (cost is stored in integer micro-dollars). */
  scale?: number;
};

export const FAMILIES = {
  interactionDuration: {
    name: "harness_interaction_duration_seconds",
    help: "Duration of runs (chat turns and delegations) from start to end, by kind and final status.",
    type: "histogram",
    labelNames: ["kind", "status"],
    buckets: DURATION_BUCKETS,
  },
  llmCallDuration: {
    name: "harness_llm_call_duration_seconds",
    help: "Duration of model call attempts, by model and outcome.",
    type: "histogram",
    labelNames: ["model", "status"],
    buckets: DURATION_BUCKETS,
  },
  toolDuration: {
    name: "harness_tool_execution_duration_seconds",
    help: "Duration of tool call attempts, by tool and outcome.",
    type: "histogram",
    labelNames: ["tool", "status"],
    buckets: DURATION_BUCKETS,
  },
  triageIntents: {
    name: "harness_triage_intents_total",
    help: "Messages classified by triage, by intent.",
    type: "counter",
    labelNames: ["intent"],
  },
  llmCost: {
    name: "harness_llm_cost_usd_total",
    help: "Cost of model calls in US dollars, by model.",
    type: "counter",
    labelNames: ["model"],
    scale: 1e-6,
  },
  llmTokens: {
    name: "harness_llm_tokens_total",
    help: "Tokens of model calls, by model, direction (input, output) and source (reported by the provider, or estimated by the harness when the provider sent no usage).",
    type: "counter",
    labelNames: ["model", "direction", "source"],
  },
  jobs: {
    name: "harness_jobs",
    help: "Background jobs in each state.",
    type: "gauge",
    labelNames: ["state"],
  },
  heldTurns: {
    name: "harness_maintenance_held_turns",
    help: "Chat turns saved during maintenance and not started yet.",
    type: "gauge",
    labelNames: [],
  },
} as const satisfies Record<string, Family>;

/**
 * Not exported itself: the bundle row a run's end writes, holding its parts of
 * the interaction duration, model call, token, cost and triage series.
 */
export const RUN_END_BUNDLE = { name: "harness_run_end", labelNames: ["kind", "status", "model", "intent"] } as const;

// --- label sets ----------------------------------------------------------------

function escapeLabelValue(value: string): string {
  return value.slice(0, MAX_LABEL_CHARS).replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\n");
}

/** The label set in exposition form, in the family's label order: `model="m",status="ok"`. */
export function labelString(family: Pick<Family, "name" | "labelNames">, values: readonly string[]): string {
  if (values.length !== family.labelNames.length) throw new Error(`${family.name} takes ${family.labelNames.length} label values`);
  return family.labelNames.map((name, i) => `${name}="${escapeLabelValue(values[i]!)}"`).join(",");
}

/** Index of the bucket an observation falls in (`le` is inclusive); the last index is +Inf. */
export function bucketIndex(bounds: readonly number[], value: number): number {
  const index = bounds.findIndex((bound) => value <= bound);
  return index < 0 ? bounds.length : index;
}

// --- writing ---------------------------------------------------------------------

async function shardRow(ctx: MutationCtx, name: string, labels: string, shard: number) {
  return await ctx.db
    .query("metricSeries")
    .withIndex("by_name_labels_shard", (q) => q.eq("name", name).eq("labels", labels).eq("shard", shard))
    .unique();
}

/** Add `amount` to a counter or gauge series (a gauge may go down); `exemplar`: the run behind it (ops/exemplars.ts). */
export async function addToMetric(ctx: MutationCtx, family: Family, labelValues: readonly string[], amount: number, exemplar?: Exemplar): Promise<void> {
  if (family.type === "histogram") throw new Error(`${family.name} is a histogram; use observe`);
  if (amount === 0 || !Number.isFinite(amount)) return;
  const labels = labelString(family, labelValues);
  const shard = Math.floor(Math.random() * SHARDS);
  const row = await shardRow(ctx, family.name, labels, shard);
  const withExemplar = exemplar ? { exemplar } : {};
  if (row) await ctx.db.patch("metricSeries", row._id, { value: row.value + amount, ...withExemplar });
  else await ctx.db.insert("metricSeries", { name: family.name, labels, shard, value: amount, ...withExemplar });
}

/** Record one observation of a histogram series; `exemplar`: the run behind it (ops/exemplars.ts). */
export async function observe(ctx: MutationCtx, family: Family, labelValues: readonly string[], value: number, exemplar?: Exemplar): Promise<void> {
  await observeAll(ctx, family, labelValues, [value], exemplar);
}

/** Record several observations of one histogram series: one row written for all of them. */
export async function observeAll(ctx: MutationCtx, family: Family, labelValues: readonly string[], values: readonly number[], exemplar?: Exemplar): Promise<void> {
  const bounds = family.buckets;
  if (family.type !== "histogram" || bounds === undefined) throw new Error(`${family.name} is not a histogram`);
  const finite = values.filter((value) => Number.isFinite(value));
  if (finite.length === 0) return;
  const labels = labelString(family, labelValues);
  const shard = Math.floor(Math.random() * SHARDS);
  const row = await shardRow(ctx, family.name, labels, shard);
  const buckets = row?.buckets && row.buckets.length === bounds.length + 1 ? [...row.buckets] : new Array<number>(bounds.length + 1).fill(0);
  for (const value of finite) {
    const index = bucketIndex(bounds, value);
    buckets[index] = (buckets[index] ?? 0) + 1;
  }
  const sum = finite.reduce((total, value) => total + value, 0);
  const withExemplar = exemplar ? { exemplar } : {};
  if (row) await ctx.db.patch("metricSeries", row._id, { value: row.value + sum, count: (row.count ?? 0) + finite.length, buckets, ...withExemplar });
  else await ctx.db.insert("metricSeries", { name: family.name, labels, shard, value: sum, count: finite.length, buckets, ...withExemplar });
}

// --- the hooks the domains call ------------------------------------------------------

/**
 * A step of a run ended (an attempt of a model or tool call): its duration.
 * A model call that succeeded is not recorded here: the run adds its
 * finished calls together when it ends (`recordModelCalls`), one row written
 * per series for the whole turn instead of per call.
 */
export async function recordStepEnded(ctx: MutationCtx, step: Doc<"steps">, outcome: { status: string }, durationMs: number): Promise<void> {
  const seconds = Math.max(0, durationMs) / 1000;
  if (step.kind !== "tool" && (step.kind !== "llm" || outcome.status === "succeeded")) return;
  const run = await ctx.db.get("interactions", step.interactionId);
  const exemplar = run ? runExemplar(run, seconds) : undefined;
  if (step.kind === "tool") await observe(ctx, FAMILIES.toolDuration, [step.name, outcome.status], seconds, exemplar);
  else await observe(ctx, FAMILIES.llmCallDuration, [run?.modelId ?? "unknown", outcome.status], seconds, exemplar);
}

type ModelCallTotals = { callDurationsMs: number[]; tokensIn: number; tokensOut: number; estimatedIn: number; estimatedOut: number; microUsd: number };

/** A histogram's part: `values` observed. */
function histogramPart(family: Family, labelValues: readonly string[], values: readonly number[], exemplar: Exemplar): SeriesPart {
  const bounds = family.buckets ?? [];
  const buckets = new Array<number>(bounds.length + 1).fill(0);
  for (const value of values) buckets[bucketIndex(bounds, value)]! += 1;
  const sum = values.reduce((total, value) => total + value, 0);
  return { name: family.name, labels: labelString(family, labelValues), value: sum, count: values.length, buckets, exemplar };
}

/** A counter's part: `amount` added (none for 0). */
function counterParts(family: Family, labelValues: readonly string[], amount: number, exemplar: Exemplar): SeriesPart[] {
  if (amount === 0 || !Number.isFinite(amount)) return [];
  return [{ name: family.name, labels: labelString(family, labelValues), value: amount, exemplar }];
}

/** A run's finished model calls: their durations, tokens (reported, estimated), cost. */
function modelCallParts(run: Doc<"interactions">, calls: ModelCallTotals, at: number): SeriesPart[] {
  const model = run.modelId ?? "unknown";
  const seconds = calls.callDurationsMs.map((ms) => Math.max(0, ms) / 1000);
  const counter = (family: Family, labels: string[], amount: number, exemplarValue = amount) =>
    counterParts(family, labels, amount, runExemplar(run, exemplarValue, at));
  return [
    histogramPart(FAMILIES.llmCallDuration, [model, "succeeded"], seconds, runExemplar(run, seconds.at(-1) ?? 0, at)),
    ...counter(FAMILIES.llmCost, [model], calls.microUsd, calls.microUsd * FAMILIES.llmCost.scale),
    ...counter(FAMILIES.llmTokens, [model, "input", "reported"], calls.tokensIn - calls.estimatedIn),
    ...counter(FAMILIES.llmTokens, [model, "output", "reported"], calls.tokensOut - calls.estimatedOut),
    ...counter(FAMILIES.llmTokens, [model, "input", "estimated"], calls.estimatedIn),
    ...counter(FAMILIES.llmTokens, [model, "output", "estimated"], calls.estimatedOut),
  ];
}

/** Add `parts` to one shard of `bundle`'s row for `labelValues`: one document written for all of them. */
export async function addParts(ctx: MutationCtx, bundle: typeof RUN_END_BUNDLE, labelValues: readonly string[], parts: SeriesPart[]): Promise<void> {
  if (parts.length === 0) return;
  const labels = labelString(bundle, labelValues);
  const shard = Math.floor(Math.random() * SHARDS);
  const row = await shardRow(ctx, bundle.name, labels, shard);
  if (row) await ctx.db.patch("metricSeries", row._id, { parts: mergeParts(row.parts ?? [], parts) });
  else await ctx.db.insert("metricSeries", { name: bundle.name, labels, shard, value: 0, parts: mergeParts([], parts) });
}

/**
 * A run reached its end state: how long it ran, from its start (or from when
 * it was queued, if it never started); `calls`, its finished model calls
 * (chat/runTally.ts); its triage intent, counted at the first generation's
 * end only (a re-run answers the same message). Reads the row as this
 * transaction left it; writes one bundle row.
 */
export async function recordRunEnded(
  ctx: MutationCtx,
  interactionId: Id<"interactions">,
  status: "completed" | "failed" | "cancelled",
  endedAt: number,
  calls?: ModelCallTotals,
): Promise<void> {
  const run = await ctx.db.get("interactions", interactionId);
  if (run === null) return;
  const seconds = Math.max(0, endedAt - (run.startedAt ?? run.createdAt)) / 1000;
  const intent = run.triage !== undefined && run.generation === 0 ? run.triage.intent : "";
  const parts = [
    histogramPart(FAMILIES.interactionDuration, [run.kind, status], [seconds], runExemplar(run, seconds, endedAt)),
    ...(intent !== "" ? counterParts(FAMILIES.triageIntents, [intent], 1, runExemplar(run, 1, endedAt)) : []),
    ...(calls !== undefined && calls.callDurationsMs.length > 0 ? modelCallParts(run, calls, endedAt) : []),
  ];
  await addParts(ctx, RUN_END_BUNDLE, [run.kind, status, run.modelId ?? "", intent], parts);
}

/** A job moved from `from` (null: it was just created) to `to`. */
export async function recordJobState(ctx: MutationCtx, from: JobState | null, to: JobState): Promise<void> {
  if (from === to) return;
  if (from !== null) await addToMetric(ctx, FAMILIES.jobs, [from], -1);
  await addToMetric(ctx, FAMILIES.jobs, [to], 1);
}

// --- reading -------------------------------------------------------------------------

/** A series of a family as the scrape sums it; its exemplar is the newest over the series' shards. */
export const vSeriesTotal = vSeriesPart.omit("name");
export type SeriesTotal = Infer<typeof vSeriesTotal>;

/** What the scrape adds up: a row of the family's own, or a bundle row's part of it. */
type Contribution = SeriesTotal;

/** The parts of every family in the run-end bundle rows, by family name. `truncated` when there were more rows than are read. */
export async function bundledParts(ctx: QueryCtx): Promise<{ byFamily: Map<string, SeriesPart[]>; truncated: boolean }> {
  const rows = await ctx.db
    .query("metricSeries")
    .withIndex("by_name_labels_shard", (q) => q.eq("name", RUN_END_BUNDLE.name))
    .take(MAX_ROWS_PER_FAMILY + 1);
  const byFamily = new Map<string, SeriesPart[]>();
  for (const part of rows.slice(0, MAX_ROWS_PER_FAMILY).flatMap((row) => row.parts ?? [])) {
    byFamily.set(part.name, [...(byFamily.get(part.name) ?? []), part]);
  }
  return { byFamily, truncated: rows.length > MAX_ROWS_PER_FAMILY };
}

/**
 * Every series of a family, shards summed, in label order: its own rows and
 * `parts` (its parts of bundle rows, `bundledParts`). `truncated` when the
 * family had more rows than are read.
 */
export async function familyTotals(ctx: QueryCtx, family: Family, parts: readonly SeriesPart[] = []): Promise<{ series: SeriesTotal[]; truncated: boolean }> {
  const rows = await ctx.db
    .query("metricSeries")
    .withIndex("by_name_labels_shard", (q) => q.eq("name", family.name))
    .take(MAX_ROWS_PER_FAMILY + 1);
  const truncated = rows.length > MAX_ROWS_PER_FAMILY;
  const byLabels = new Map<string, SeriesTotal>();
  const contributions: Contribution[] = [...rows.slice(0, MAX_ROWS_PER_FAMILY), ...parts];
  for (const row of contributions) {
    const total = byLabels.get(row.labels) ?? { labels: row.labels, value: 0, ...(family.type === "histogram" ? { count: 0, buckets: [] } : {}) };
    total.value += row.value;
    if (total.count !== undefined) total.count += row.count ?? 0;
    if (total.buckets !== undefined) {
      (row.buckets ?? []).forEach((n, i) => (total.buckets![i] = (total.buckets![i] ?? 0) + n));
    }
    const exemplar = newerExemplar(total.exemplar, row.exemplar);
    if (exemplar) total.exemplar = exemplar;
    byLabels.set(row.labels, total);
  }
  return { series: [...byLabels.values()].sort((a, b) => (a.labels < b.labels ? -1 : a.labels > b.labels ? 1 : 0)), truncated };
}

/** One series' value (a gauge such as the held-turn count), shards summed. */
export async function seriesValue(ctx: QueryCtx, family: Family, labelValues: readonly string[]): Promise<number> {
  const labels = labelString(family, labelValues);
  const rows = await ctx.db
    .query("metricSeries")
    .withIndex("by_name_labels_shard", (q) => q.eq("name", family.name).eq("labels", labels))
    .take(SHARDS);
  return rows.reduce((sum, row) => sum + row.value, 0);
}

export const vFamilySnapshot = v.object({
  name: v.string(),
  help: v.string(),
  type: v.union(v.literal("counter"), v.literal("gauge"), v.literal("histogram")),
  buckets: v.optional(v.array(v.number())),
  scale: v.optional(v.number()),
  series: v.array(vSeriesTotal),
  truncated: v.boolean(),
});
export type FamilySnapshot = Infer<typeof vFamilySnapshot>;

/** What `/metrics` exposes from the recorded families. */
export const snapshot = internalQuery({
  args: {},
  returns: v.array(vFamilySnapshot),
  handler: async (ctx) => {
    const out: FamilySnapshot[] = [];
    const bundles = await bundledParts(ctx);
    for (const family of Object.values(FAMILIES) as Family[]) {
      const { series, truncated: ownTruncated } = await familyTotals(ctx, family, bundles.byFamily.get(family.name));
      const truncated = ownTruncated || (bundles.truncated && bundles.byFamily.has(family.name));
      out.push({
        name: family.name,
        help: family.help,
        type: family.type,
        ...(family.buckets ? { buckets: [...family.buckets] } : {}),
        ...(family.scale !== undefined ? { scale: family.scale } : {}),
        series,
        truncated,
      });
    }
    return out;
  },
});
