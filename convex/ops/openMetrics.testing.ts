/**
 * A small, strict reader of OpenMetrics 1.0 text for tests: HELP / TYPE /
 * UNIT lines, samples of the declared family only (a counter's `_total`, a
 * histogram's `_bucket` / `_sum` / `_count`), exemplars only where the spec
 * allows them (counter `_total`, histogram `_bucket`) with at most 128
 * characters of label names and values, cumulative buckets whose `+Inf`
 * equals `_count`, and `# EOF` last. It throws on anything else.
 */
import { parseLabels, parseValue } from "./prometheus.testing";

export type Exemplar = { labels: Record<string, string>; value: number; timestamp?: number };
export type OpenMetricsSample = { name: string; family: string; labels: Record<string, string>; value: number; exemplar?: Exemplar };
export type OpenMetrics = { types: Map<string, string>; samples: OpenMetricsSample[] };

const NAME = "[a-zA-Z_:][a-zA-Z0-9_:]*";
const LABELS = '\\{((?:[^"}]|"(?:[^"\\\\]|\\\\.)*")*)\\}';
const NUMBER = "\\S+";
const SAMPLE_LINE = new RegExp(`^(${NAME})(?:${LABELS})? (${NUMBER})(?: (${NUMBER}))?(?: # ${LABELS} (${NUMBER})(?: (${NUMBER}))?)?$`);
const SUFFIXES: Record<string, string[]> = { counter: ["_total", "_created"], gauge: [""], histogram: ["_bucket", "_sum", "_count", "_created"] };

function familyOf(name: string, types: Map<string, string>): { family: string; suffix: string } {
  for (const [family, type] of types) {
    for (const suffix of SUFFIXES[type] ?? []) if (name === family + suffix) return { family, suffix };
  }
  throw new Error(`Sample ${name} belongs to no declared family`);
}

export function parseOpenMetrics(text: string): OpenMetrics {
  const lines = text.replace(/\n$/, "").split("\n");
  if (lines.at(-1) !== "# EOF") throw new Error("OpenMetrics must end with # EOF");
  const types = new Map<string, string>();
  const samples: OpenMetricsSample[] = [];
  for (const line of lines.slice(0, -1)) {
    const meta = /^# (HELP|TYPE|UNIT) (\S+)(?: (.*))?$/.exec(line);
    if (meta) {
      const [, kind, name, rest] = meta;
      if (kind === "TYPE") {
        if (!rest || !(rest in SUFFIXES)) throw new Error(`Bad TYPE line: ${line}`);
        if (types.has(name!)) throw new Error(`TYPE of ${name} given twice`);
        if (rest === "counter" && name!.endsWith("_total")) throw new Error(`A counter family is named without _total: ${line}`);
        types.set(name!, rest);
      }
      continue;
    }
    if (line.startsWith("#")) throw new Error(`OpenMetrics has no free comments: ${line}`);
    const match = SAMPLE_LINE.exec(line);
    if (match === null) throw new Error(`Bad sample line: ${line}`);
    const [, name, labelText, value, , exemplarLabels, exemplarValue, exemplarTime] = match;
    const { family, suffix } = familyOf(name!, types);
    const sample: OpenMetricsSample = { name: name!, family, labels: parseLabels(labelText), value: parseValue(value!) };
    if (exemplarValue !== undefined) {
      if (suffix !== "_total" && suffix !== "_bucket") throw new Error(`No exemplar allowed on ${name}: ${line}`);
      const labels = parseLabels(exemplarLabels);
      const length = Object.entries(labels).reduce((sum, [k, v]) => sum + k.length + v.length, 0);
      if (length > 128) throw new Error(`Exemplar labels over 128 characters: ${line}`);
      sample.exemplar = { labels, value: parseValue(exemplarValue), ...(exemplarTime !== undefined ? { timestamp: parseValue(exemplarTime) } : {}) };
    }
    samples.push(sample);
  }
  checkHistograms(types, samples);
  return { types, samples };
}

function checkHistograms(types: Map<string, string>, samples: OpenMetricsSample[]) {
  for (const [family, type] of types) {
    if (type !== "histogram") continue;
    const bySeries = new Map<string, { buckets: number[]; count?: number }>();
    for (const s of samples.filter((x) => x.family === family)) {
      const { le, ...rest } = s.labels;
      const key = JSON.stringify(rest);
      const entry = bySeries.get(key) ?? { buckets: [] };
      if (s.name.endsWith("_bucket")) {
        if (le === undefined) throw new Error(`${s.name} without le`);
        if (entry.buckets.length > 0 && s.value < entry.buckets.at(-1)!) throw new Error(`${family} buckets are not cumulative`);
        entry.buckets.push(s.value);
        if (le === "+Inf") entry.count = s.value;
      }
      if (s.name.endsWith("_count") && entry.count !== s.value) throw new Error(`${family}: +Inf bucket is not _count`);
      bySeries.set(key, entry);
    }
  }
}
