/**
 * What both fan-out benchmarks (convex-test: fanout.run.ts; the local engine:
 * fanout.engine.run.ts) read from a fan-out's delegate runs, and the checks
 * they share.
 */
import type { Checks } from "./checks";

type Run = { startedAt?: number; endedAt?: number };

/**
 * How many delegates ran at once: on average (their run time summed over the
 * span they covered; 1 = one after another) and at the busiest moment.
 */
export function concurrencyOf(runs: Run[]): { overlap: number; peak: number } {
  const ended = runs.filter((r): r is Required<Run> => r.startedAt !== undefined && r.endedAt !== undefined);
  if (ended.length === 0) return { overlap: 0, peak: 0 };
  const sum = ended.reduce((total, r) => total + (r.endedAt - r.startedAt), 0);
  const span = Math.max(...ended.map((r) => r.endedAt)) - Math.min(...ended.map((r) => r.startedAt));
  const events = ended.flatMap((r) => [
    { at: r.startedAt, delta: 1 },
    { at: r.endedAt, delta: -1 },
  ]);
  // Ends before starts at the same instant: runs that touch did not overlap.
  events.sort((a, b) => a.at - b.at || a.delta - b.delta);
  let running = 0;
  let peak = 0;
  for (const event of events) {
    running += event.delta;
    peak = Math.max(peak, running);
  }
  return { overlap: sum / Math.max(span, 1), peak };
}

/** Every fan-out's parent and each of its n delegates completed. */
export function checkFanoutsCompleted(checks: Checks, rows: Array<{ n: number; wallMs: number; parentStatus: string; childStatuses: string[] }>): void {
  for (const r of rows) {
    checks.check(`fan-out ${r.n}: the parent completed`, r.parentStatus === "completed", `parent ${r.parentStatus} after ${r.wallMs} ms`);
    checks.check(
      `fan-out ${r.n}: every delegate completed`,
      r.childStatuses.length === r.n && r.childStatuses.every((s) => s === "completed"),
      `${r.childStatuses.length} of ${r.n} children: ${r.childStatuses.join(", ") || "none"}`,
    );
  }
}
