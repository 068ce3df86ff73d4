/**
 * What makes a benchmark an instrument: each measure is checked with a name
 * and a reason, every figure is printed first, and a failing run ends by
 * listing which measures failed and why (instead of the first bare
 * `expect` mismatch, or nothing at all).
 */
type Check = { measure: string; ok: boolean; why: string };

export class Checks {
  private readonly results: Check[] = [];

  /** `ok` false: the benchmark fails at `finish()`, naming `measure` and saying `why`. */
  check(measure: string, ok: boolean, why: string): void {
    this.results.push({ measure, ok, why });
  }

  /** `value` at most `ceiling`; `cause`, when it fails: where the figure comes from (e.g. the largest writers). */
  atMost(measure: string, value: number, ceiling: number, unit: string, cause?: () => string): void {
    const ok = value <= ceiling;
    this.check(measure, ok, `${value} ${unit}, at most ${ceiling} allowed${!ok && cause ? ` — ${cause()}` : ""}`);
  }

  /**
   * The same value at every point (e.g. every thread length), within
   * `tolerance` (a fraction of the smallest). Reads and transactions need
   * some: metric rows pick a random shard (read when found, inserted when
   * not), and the workpool's loop runs a varying number of times; documents
   * written do not. `cause`, when it fails: what differs between the
   * lowest and the highest point (named by their `at`).
   */
  flat(measure: string, values: { at: string; value: number }[], tolerance = 0, cause?: (lowest: string, highest: string) => string): void {
    const numbers = values.map((v) => v.value);
    const spread = Math.max(...numbers) - Math.min(...numbers);
    const allowed = Math.floor(Math.min(...numbers) * tolerance);
    const figures = values.map((v) => `${v.value} at ${v.at}`).join(", ");
    const ok = spread <= allowed;
    const lowest = values.find((v) => v.value === Math.min(...numbers))!.at;
    const highest = values.find((v) => v.value === Math.max(...numbers))!.at;
    const why = !ok && cause ? ` — from ${lowest} to ${highest}: ${cause(lowest, highest)}` : "";
    this.check(measure, ok, `${figures}${tolerance > 0 ? ` (spread ${spread}, at most ${allowed} allowed)` : ""}${why}`);
  }

  /** Throws when any check failed, listing each with its reason. */
  finish(title: string): void {
    const failed = this.results.filter((r) => !r.ok);
    const lines = this.results.map((r) => `${r.ok ? "ok  " : "FAIL"} ${r.measure}: ${r.why}`);
    console.log(`\n${title}: checks\n${lines.join("\n")}\n`);
    if (failed.length > 0) {
      throw new Error(`${title}: ${failed.length} measure(s) failed:\n${failed.map((r) => `- ${r.measure}: ${r.why}`).join("\n")}`);
    }
  }
}

/** A target of the issue, printed beside its figure: met or missed (a target informs; a check fails). */
export function target(label: string, value: number, goal: number): string {
  return `${label}: ${value} (target ≤ ${goal}: ${value <= goal ? "met" : "missed"})`;
}

/** A fixed-width table: the first `leftColumns` columns left-aligned, numbers right-aligned. */
export function table(header: string[], rows: string[][], leftColumns = 1): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? "").length)));
  const fmt = (cells: string[]) => cells.map((c, i) => (i < leftColumns ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join(" | ");
  return [fmt(header), widths.map((w) => "-".repeat(w)).join("-|-"), ...rows.map(fmt)].join("\n");
}
