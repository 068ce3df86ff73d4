/**
 * The Prometheus text exposition format (version 0.0.4): one `# HELP` and
 * `# TYPE` per family, then its samples; histograms as cumulative `_bucket`
 * lines ending with `le="+Inf"`, then `_sum` and `_count`.
 */
import type { FamilySnapshot } from "./metrics";

export const EXPOSITION_CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

function formatNumber(value: number): string {
  if (Number.isNaN(value)) return "NaN";
  if (value === Infinity) return "+Inf";
  if (value === -Infinity) return "-Inf";
  // Scaled values (micro-dollars → dollars) would otherwise print float noise.
  return String(Number.isInteger(value) ? value : Number(value.toPrecision(12)));
}

function escapeHelp(text: string): string {
  return text.replace(/\\/g, "\\\\").replace(/\n/g, "\\n");
}

function sample(name: string, labels: string, value: number): string {
  return `${name}${labels === "" ? "" : `{${labels}}`} ${formatNumber(value)}`;
}

function withLabel(labels: string, extra: string): string {
  return labels === "" ? extra : `${labels},${extra}`;
}

/** The families as exposition text (ends with a newline). */
export function exposition(families: readonly FamilySnapshot[]): string {
  const lines: string[] = [];
  for (const family of families) {
    lines.push(`# HELP ${family.name} ${escapeHelp(family.help)}`);
    lines.push(`# TYPE ${family.name} ${family.type}`);
    if (family.truncated) lines.push(`# ${family.name}: more series than one scrape reads; some are left out.`);
    const scale = family.scale ?? 1;
    const series = [...family.series].sort((a, b) => a.labels.localeCompare(b.labels));
    for (const s of series) {
      if (family.type !== "histogram") {
        lines.push(sample(family.name, s.labels, s.value * scale));
        continue;
      }
      const bounds = family.buckets ?? [];
      let cumulative = 0;
      bounds.forEach((bound, i) => {
        cumulative += s.buckets?.[i] ?? 0;
        lines.push(sample(`${family.name}_bucket`, withLabel(s.labels, `le="${formatNumber(bound)}"`), cumulative));
      });
      lines.push(sample(`${family.name}_bucket`, withLabel(s.labels, 'le="+Inf"'), s.count ?? 0));
      lines.push(sample(`${family.name}_sum`, s.labels, s.value * scale));
      lines.push(sample(`${family.name}_count`, s.labels, s.count ?? 0));
    }
  }
  return `${lines.join("\n")}\n`;
}
