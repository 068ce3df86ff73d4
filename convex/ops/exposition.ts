/**
 * The metrics as text, in one of two formats the scraper chooses by its
 * `Accept` header (ops/routes.ts):
 *
 * - Prometheus text (version 0.0.4), the default: one `# HELP` and `# TYPE`
 *   per family, then its samples; histograms as cumulative `_bucket` lines
 *   ending with `le="+Inf"`, then `_sum` and `_count`.
 * - OpenMetrics 1.0 (`application/openmetrics-text`): the same samples, plus
 *   exemplars — the root and parent interaction of each series' latest
 *   observation (ops/exemplars.ts says why exemplars and not labels). The
 *   0.0.4 format has no syntax for them. OpenMetrics names a counter family
 *   without its `_total` suffix, allows no free comments and ends with `# EOF`.
 */
import type { Exemplar } from "./exemplars";
import type { FamilySnapshot } from "./metrics";

export const EXPOSITION_CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";
export const OPENMETRICS_CONTENT_TYPE = "application/openmetrics-text; version=1.0.0; charset=utf-8";

export type ExpositionFormat = "prometheus" | "openmetrics";

/** OpenMetrics when the scraper accepts it (Prometheus asks for it when it stores exemplars), else Prometheus text. */
export function formatFor(accept: string | null): ExpositionFormat {
  return accept !== null && /application\/openmetrics-text/i.test(accept) ? "openmetrics" : "prometheus";
}

function formatNumber(value: number): string {
  if (Number.isNaN(value)) return "NaN";
  if (value === Infinity) return "+Inf";
  if (value === -Infinity) return "-Inf";
  // Scaled values (micro-dollars → dollars) would otherwise print float noise.
  return String(Number.isInteger(value) ? value : Number(value.toPrecision(12)));
}

function escapeHelp(text: string, format: ExpositionFormat): string {
  const escaped = text.replace(/\\/g, "\\\\").replace(/\n/g, "\\n");
  return format === "openmetrics" ? escaped.replace(/"/g, '\\"') : escaped;
}

function sample(name: string, labels: string, value: number, exemplar?: Exemplar): string {
  const line = `${name}${labels === "" ? "" : `{${labels}}`} ${formatNumber(value)}`;
  return exemplar ? `${line} # {${exemplar.labels}} ${formatNumber(exemplar.value)} ${formatNumber(exemplar.at / 1000)}` : line;
}

function withLabel(labels: string, extra: string): string {
  return labels === "" ? extra : `${labels},${extra}`;
}

/** OpenMetrics names a counter family without `_total`; its sample keeps it. */
function familyName(family: FamilySnapshot, format: ExpositionFormat): string {
  return format === "openmetrics" && family.type === "counter" ? family.name.replace(/_total$/, "") : family.name;
}

/** The families as exposition text (ends with a newline). */
export function exposition(families: readonly FamilySnapshot[], format: ExpositionFormat = "prometheus"): string {
  const openMetrics = format === "openmetrics";
  const lines: string[] = [];
  for (const family of families) {
    const name = familyName(family, format);
    lines.push(`# HELP ${name} ${escapeHelp(family.help, format)}`);
    lines.push(`# TYPE ${name} ${family.type}`);
    // OpenMetrics allows no free comment lines: there, a truncated family just has fewer series.
    if (family.truncated && !openMetrics) lines.push(`# ${family.name}: more series than one scrape reads; some are left out.`);
    const scale = family.scale ?? 1;
    const series = [...family.series].sort((a, b) => a.labels.localeCompare(b.labels));
    for (const s of series) {
      // Exemplars only where OpenMetrics allows them: on a counter's `_total` and a histogram's buckets.
      const exemplar = openMetrics ? s.exemplar : undefined;
      if (family.type !== "histogram") {
        lines.push(sample(family.name, s.labels, s.value * scale, family.type === "counter" ? exemplar : undefined));
        continue;
      }
      const bounds = family.buckets ?? [];
      // The exemplar goes on the bucket its observation fell in (the first bound ≥ its value).
      const exemplarBucket = exemplar === undefined ? -1 : bounds.findIndex((bound) => exemplar.value <= bound);
      let cumulative = 0;
      bounds.forEach((bound, i) => {
        cumulative += s.buckets?.[i] ?? 0;
        lines.push(sample(`${family.name}_bucket`, withLabel(s.labels, `le="${formatNumber(bound)}"`), cumulative, i === exemplarBucket ? exemplar : undefined));
      });
      const inInf = exemplar !== undefined && exemplarBucket === -1;
      lines.push(sample(`${family.name}_bucket`, withLabel(s.labels, 'le="+Inf"'), s.count ?? 0, inInf ? exemplar : undefined));
      lines.push(sample(`${family.name}_sum`, s.labels, s.value * scale));
      lines.push(sample(`${family.name}_count`, s.labels, s.count ?? 0));
    }
  }
  if (openMetrics) lines.push("# EOF");
  return `${lines.join("\n")}\n`;
}
