/**
 * Test-only crash injection at step boundaries, in process memory only (see
 * convex/models/testHooks.ts for why production cannot reach it).
 *
 * Every action step of a run passes named crash points: before it does its
 * work, and after its side effect but before recording it. With a plan set,
 * the k-th point reached throws an `InjectedCrash`, which the step does not
 * catch or record — as if the process died there. The workflow's retry is
 * then the only way forward, exactly as after a real crash.
 */
export class InjectedCrash extends Error {}

export const crashPlan: { at: number | null; seen: number; crashedAt: string[] } = { at: null, seen: 0, crashedAt: [] };

export function crashPoint(label: string): void {
  if (crashPlan.at === null) return;
  crashPlan.seen += 1;
  if (crashPlan.seen === crashPlan.at) {
    crashPlan.crashedAt.push(label);
    throw new InjectedCrash(`Injected crash at ${label}`);
  }
}
