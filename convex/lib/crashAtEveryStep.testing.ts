/**
 * The crash-everywhere test helper. Runs a scenario once cleanly to count the
 * crash points it passes (see convex/lib/crashPoints.ts), then once per point
 * with a crash injected there, and asserts the same end state every time:
 * no lost message, no duplicated side effect, budget charged once — whatever
 * the scenario's `endState` captures. Returns how many crash points it tried.
 */
import { expect } from "vitest";
import { crashPlan } from "./crashPoints";

export async function crashAtEveryStep<State>(scenario: () => Promise<State>): Promise<{ points: number; crashedAt: string[] }> {
  crashPlan.at = Number.POSITIVE_INFINITY;
  crashPlan.seen = 0;
  crashPlan.crashedAt = [];
  let clean: State;
  try {
    clean = await scenario();
  } finally {
    crashPlan.at = null;
  }
  const points = crashPlan.seen;
  expect(points).toBeGreaterThan(0);
  for (let k = 1; k <= points; k++) {
    crashPlan.at = k;
    crashPlan.seen = 0;
    try {
      const state = await scenario();
      expect(state, `end state after a crash at point ${k} (${crashPlan.crashedAt.at(-1) ?? "?"})`).toEqual(clean);
    } finally {
      crashPlan.at = null;
    }
  }
  const crashedAt = crashPlan.crashedAt;
  crashPlan.crashedAt = [];
  return { points, crashedAt };
}
