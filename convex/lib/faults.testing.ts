/**
 * Arming the fault seam (convex/lib/faults.ts) — for test setup only: vitest
 * files, testkits, and the local engine in test mode. Loading this file
 * installs a fresh, empty fault table where the seam reads it; nothing else
 * can. Convex never bundles it (two dots in the name, and faults.test.ts
 * checks that no function module imports it).
 */
import {
  FAULT_TABLE_SLOT,
  type CrashPoint,
  type FaultPoint,
  type FaultTable,
  type ModelPriceOverride,
  type OfflineModelOverride,
} from "./faults";

function emptyTable(): FaultTable {
  return {
    armed: new Map(),
    passes: new Map(),
    crash: { at: null, seen: 0, crashedAt: [] },
    offlineModel: { options: undefined },
    modelPrices: new Map(),
  };
}

// Fresh on every load: one test file's faults never leak into the next.
const table = emptyTable();
(globalThis as { [FAULT_TABLE_SLOT]?: FaultTable })[FAULT_TABLE_SLOT] = table;

/** The next `times` passes of `point` (for `key`) throw; 0 stops them. Replaces what was armed there. */
export function failNext(point: FaultPoint, times: number, key = ""): void {
  const armed = table.armed.get(point) ?? new Map<string, number>();
  table.armed.set(point, armed.set(key, times));
}

/** How many times production passed `point` (for `key`) since the last reset. */
export function passes(point: FaultPoint, key = ""): number {
  return table.passes.get(point)?.get(key) ?? 0;
}

/** Passes of `point` by key, e.g. `{ "summarize:prepare": 1, "summarize:work": 3 }`. */
export function passesByKey(point: FaultPoint): Record<string, number> {
  return Object.fromEntries(table.passes.get(point) ?? []);
}

/**
 * Simulate a process death at the `k`-th crash point reached from now
 * (`Infinity` only counts them). `null` turns crashes off and keeps the count.
 */
export function crashAt(k: number | null): void {
  table.crash.at = k;
  if (k !== null) table.crash.seen = 0;
}

/** Crash points reached since crashes were last armed. */
export function crashPointsSeen(): number {
  return table.crash.seen;
}

/** Where injected crashes happened, oldest first (kept until `resetFaults`). */
export function crashedAt(): readonly CrashPoint[] {
  return table.crash.crashedAt;
}

/**
 * The offline model's test options (slowness, provider faults). The model
 * mutates `faults` as they fire, so reading it back shows what is left.
 */
export const offlineModel: { options: OfflineModelOverride | undefined } = table.offlineModel;

/** Give `modelId` a price (undefined removes it). */
export function setModelPrice(modelId: string, price: ModelPriceOverride | undefined): void {
  if (price === undefined) table.modelPrices.delete(modelId);
  else table.modelPrices.set(modelId, price);
}

/** Back to inert: nothing armed, nothing counted, no overrides. */
export function resetFaults(): void {
  table.armed.clear();
  table.passes.clear();
  table.crash.at = null;
  table.crash.seen = 0;
  table.crash.crashedAt = [];
  table.offlineModel.options = undefined;
  table.modelPrices.clear();
}
