/**
 * Drive everything a benchmark scheduled to the end, with the fake clock
 * kept near the real one while functions run.
 *
 * `finishAllScheduledFunctions(vi.runAllTimers)` fires every pending timer on
 * each turn of the event loop while an action runs, so a fast turn's watch
 * (due 30 s after the turn began) fires once per turn of the loop: as many
 * watch transactions as the machine is slow — on a loaded machine the count
 * of transactions of the same turn went from 45 to 59. Here time moves 1 ms
 * per turn of the loop while anything runs (the real clock moves at least
 * that much), and only once nothing is running does it jump to what is
 * still pending (the watch, now finding the turn over, runs once).
 */
import { vi } from "vitest";
import type { Harness } from "../../convex/test.setup";

export async function settleOnRealClock(t: Harness): Promise<void> {
  await t.finishAllScheduledFunctions(() => vi.advanceTimersByTime(1));
  await t.finishAllScheduledFunctions(vi.runAllTimers);
}
