/**
 * A small, strict reader of the Prometheus text format (0.0.4) for tests:
 * every line must be a HELP / TYPE / comment line or a sample of a declared
 * family; histograms must have cumulative buckets ending in `+Inf` = `_count`.
 * It throws on anything else, so a test that parses also checks the format.
 */
import { afterEach, beforeEach, vi } from "vitest";
import type { Harness } from "../test.setup";
export type Sample = { name: string; labels: Record<string, string>; value: number };
export type Exposition = { types: Map<string, string>; samples: Sample[] };

const NAME = "[a-zA-Z_:][a-zA-Z0-9_:]*";
const SAMPLE_LINE = new RegExp(`^(${NAME})(?:\\{(.*)\\})? (\\S+)$`);
const LABEL = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"(,|$)/y;

/** A sample value (`+Inf`, `-Inf`, `NaN` or a number); throws on anything else. */
export function parseValue(text: string): number {
  if (text === "+Inf") return Infinity;
  if (text === "-Inf") return -Infinity;
  if (text === "NaN") return NaN;
  const value = Number(text);
  if (!Number.isFinite(value) || text.trim() === "") throw new Error(`Not a sample value: ${text}`);
  return value;
}

/** A label set's inside (`a="x",b="y"`), unescaped; throws on a bad or repeated label. */
export function parseLabels(text: string | undefined): Record<string, string> {
  const labels: Record<string, string> = {};
  if (text === undefined || text === "") return labels;
  LABEL.lastIndex = 0;
  while (LABEL.lastIndex < text.length) {
    const match = LABEL.exec(text);
    if (match === null) throw new Error(`Bad label set: {${text}}`);
    const name = match[1]!;
    if (name in labels) throw new Error(`Label ${name} twice in {${text}}`);
    labels[name] = match[2]!.replace(/\\n/g, "\n").replace(/\\"/g, '"').replace(/\\\\/g, "\\");
  }
  return labels;
}

/** The family a sample belongs to (`x_bucket` → `x` for a histogram). */
function familyOf(name: string, types: Map<string, string>): string | undefined {
  if (types.has(name)) return name;
  const base = name.replace(/_(bucket|sum|count)$/, "");
  return types.get(base) === "histogram" || types.get(base) === "summary" ? base : undefined;
}

export function parseExposition(text: string): Exposition {
  if (!text.endsWith("\n")) throw new Error("The exposition must end with a newline");
  const types = new Map<string, string>();
  const samples: Sample[] = [];
  for (const line of text.slice(0, -1).split("\n")) {
    if (line.startsWith("# HELP ")) continue;
    if (line.startsWith("# TYPE ")) {
      const [, , name, type, ...rest] = line.split(" ");
      if (!name || !type || rest.length > 0 || !["counter", "gauge", "histogram", "summary", "untyped"].includes(type)) {
        throw new Error(`Bad TYPE line: ${line}`);
      }
      if (types.has(name)) throw new Error(`TYPE of ${name} given twice`);
      types.set(name, type);
      continue;
    }
    if (line.startsWith("#")) continue;
    const match = SAMPLE_LINE.exec(line);
    if (match === null) throw new Error(`Bad sample line: ${line}`);
    const name = match[1]!;
    if (familyOf(name, types) === undefined) throw new Error(`Sample of an undeclared family: ${line}`);
    samples.push({ name, labels: parseLabels(match[2]), value: parseValue(match[3]!) });
  }
  checkHistograms(types, samples);
  return { types, samples };
}

function checkHistograms(types: Map<string, string>, samples: Sample[]) {
  for (const [family, type] of types) {
    if (type !== "histogram") continue;
    const series = new Map<string, Sample[]>();
    for (const s of samples.filter((x) => x.name === `${family}_bucket`)) {
      const { le, ...rest } = s.labels;
      if (le === undefined) throw new Error(`${family}_bucket without le`);
      const key = JSON.stringify(rest);
      series.set(key, [...(series.get(key) ?? []), s]);
    }
    for (const [key, buckets] of series) {
      let previous = -1;
      for (const b of buckets) {
        if (b.value < previous) throw new Error(`${family}${key}: buckets are not cumulative`);
        previous = b.value;
      }
      const last = buckets.at(-1)!;
      if (last.labels.le !== "+Inf") throw new Error(`${family}${key}: the last bucket is not +Inf`);
      const count = samples.find((s) => s.name === `${family}_count` && JSON.stringify(s.labels) === key);
      if (count === undefined || count.value !== last.value) throw new Error(`${family}${key}: _count differs from the +Inf bucket`);
    }
  }
}

/** The value of the one sample named `name` whose labels include `labels` (undefined when none). */
export function valueOf(exposition: Exposition, name: string, labels: Record<string, string> = {}): number | undefined {
  const found = exposition.samples.filter(
    (s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v) && Object.keys(s.labels).filter((k) => k !== "le").length === Object.keys(labels).filter((k) => k !== "le").length,
  );
  if (found.length > 1) throw new Error(`${found.length} samples of ${name} match ${JSON.stringify(labels)}`);
  return found[0]?.value;
}

/** The token the tests scrape `/metrics` with. */
export const METRICS_TOKEN = "metrics-test-token";

/** Every test of the calling file runs on fake timers with `HARNESS_METRICS_TOKEN` set; both are undone after it (with every other stubbed variable). */
export function withMetricsToken(): void {
  beforeEach(() => {
    vi.useFakeTimers();
    vi.stubEnv("HARNESS_METRICS_TOKEN", METRICS_TOKEN);
  });
  afterEach(() => {
    vi.useRealTimers();
    vi.unstubAllEnvs();
  });
}

/** GET /metrics with the token (and an `Accept` header when given). */
export async function getMetrics(t: Harness, accept?: string): Promise<Response> {
  return await t.fetch("/metrics", { headers: { Authorization: `Bearer ${METRICS_TOKEN}`, ...(accept !== undefined ? { Accept: accept } : {}) } });
}
