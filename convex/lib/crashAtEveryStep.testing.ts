/**
 * The crash-everywhere test helper. Runs a scenario once cleanly to count the
 * crash points it passes (see CRASH_POINTS in convex/lib/faults.ts), then once per point
 * with a crash injected there, and asserts the same end state every time:
 * no lost message, no duplicated side effect, budget charged once — whatever
 * the scenario's `endState` captures. Returns how many crash points it tried.
 */
import { expect } from "vitest";
import { crashAt, crashedAt, crashPointsSeen } from "./faults.testing";

export async function crashAtEveryStep<State>(scenario: () => Promise<State>): Promise<{ points: number; crashedAt: string[] }> {
  const logged = crashedAt().length;
  crashAt(Number.POSITIVE_INFINITY);
  let clean: State;
  try {
    clean = await scenario();
  } finally {
    crashAt(null);
  }
  const points = crashPointsSeen();
  expect(points).toBeGreaterThan(0);
  for (let k = 1; k <= points; k++) {
    crashAt(k);
    try {
      const state = await scenario();
      expect(state, `end state after a crash at point ${k} (${crashedAt().at(-1) ?? "?"})`).toEqual(clean);
    } finally {
      crashAt(null);
    }
  }
  return { points, crashedAt: crashedAt().slice(logged) };
}
