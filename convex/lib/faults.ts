/**
 * The one fault seam: every place where production code lets a test break it,
 * named in the lists below, and the only calls it makes to ask.
 *
 * Inert in a deployment. This module has no setter: it reads a fault table
 * that exists only once `faults.testing.ts` has been loaded — by test setup
 * (vitest files, testkits) or by the local engine started with
 * `--enable-test-faults`. Convex never bundles that file (more than one dot
 * in its name, and no function module imports it; faults.test.ts checks),
 * so in production every check answers "no fault" and every override is absent.
 */

/** Where a test can make the next n passes throw (`failNext`); keyed points name their key. Every pass is counted (`passes`). */
export const FAULT_POINTS = {
  "model.afterReplySaved": "the model-call step, after the reply was saved and before the step recorded it (R4/R5)",
  "tool.execute": "a tool execution, before its side effect; key: the tool's slug (passes = executions)",
  "tool.afterEffect": "a tool execution, after its side effect and before it is recorded (R1); key: the tool's slug",
  "job.step": "a job step; key: `type:step`, e.g. `summarize:work` (passes = step runs)",
  "clerk.applyEvent": "applying a stored Clerk event (the workpool retries it)",
  "ops.healthProbe": "the health probe's reads, as if the database were unreachable",
  "knowledge.embed": "an embedding call of document ingestion, as a provider outage (passes = calls)",
  "knowledge.extract": "a file extraction crashing (not a refusal): retried by the workpool",
} as const;
export type FaultPoint = keyof typeof FAULT_POINTS;

/** Step boundaries where a test can simulate the process dying (`crashAt`): the step records nothing. */
export const CRASH_POINTS = {
  "llm:before": "a model call, before it reserves budget or writes anything",
  "llm:after-reply-saved": "a model call, after its reply was saved and before the step recorded it",
  "tool:before": "a tool call, before its side effect",
  "tool:after-effect": "a tool call, after its side effect and before it was recorded",
  "job-work:before": "a job's work step, before it does anything",
  "job-work:after-effect": "a job's work step, after its work and before it was recorded",
} as const;
export type CrashPoint = keyof typeof CRASH_POINTS;

/** Provider faults for the offline model (it mutates the plan as they fire). */
export type ModelFaultPlan = {
  failNextCalls?: number;
  failAfterChunks?: number;
  error?: "timeout" | "5xx" | "429";
  retryAfterMs?: number;
};

/** Options a test can give the offline model (slowness, provider faults); models/registry.ts passes them to `offlineModel()`, so the compiler keeps the two in step. */
export type OfflineModelOverride = { chunkDelayMs?: number; latencyMs?: number; chunkWords?: number; faults?: ModelFaultPlan };

export type ModelPriceOverride = { input: number; output: number; cachedInput: number };

/** What test setup arms; the shape `faults.testing.ts` installs. */
export type FaultTable = {
  /** Throws left, by point then key. */
  armed: Map<FaultPoint, Map<string, number>>;
  /** Passes so far, by point then key. */
  passes: Map<FaultPoint, Map<string, number>>;
  crash: { at: number | null; seen: number; crashedAt: CrashPoint[] };
  offlineModel: { options: OfflineModelOverride | undefined };
  modelPrices: Map<string, ModelPriceOverride>;
};

/** Where the table lives once installed: only `faults.testing.ts` writes it. */
export const FAULT_TABLE_SLOT: unique symbol = Symbol.for("agent-harness.faultTable");

function table(): FaultTable | undefined {
  return (globalThis as { [FAULT_TABLE_SLOT]?: FaultTable })[FAULT_TABLE_SLOT];
}

/** A simulated process death: steps rethrow it without recording anything. */
export class InjectedCrash extends Error {}

/** True when a test armed `point` (for `key`) to fail now; the caller throws. Always false in production. */
export function faultAt(point: FaultPoint, key = ""): boolean {
  const faults = table();
  if (faults === undefined) return false;
  const passes = faults.passes.get(point) ?? new Map<string, number>();
  faults.passes.set(point, passes.set(key, (passes.get(key) ?? 0) + 1));
  const armed = faults.armed.get(point);
  const left = armed?.get(key) ?? 0;
  if (armed === undefined || left <= 0) return false;
  armed.set(key, left - 1);
  return true;
}

/** Throws an `InjectedCrash` when this is the crash point a test chose; a no-op in production. */
export function crashPoint(point: CrashPoint): void {
  const crash = table()?.crash;
  if (crash === undefined || crash.at === null) return;
  crash.seen += 1;
  if (crash.seen === crash.at) {
    crash.crashedAt.push(point);
    throw new InjectedCrash(`Injected crash at ${point}`);
  }
}

/** The offline model's test options, if a test set any. */
export function offlineModelOverride(): OfflineModelOverride | undefined {
  return table()?.offlineModel.options;
}

/** A test's price for `modelId` (e.g. to give the free offline model a price when testing cost roll-ups). */
export function modelPriceOverride(modelId: string): ModelPriceOverride | undefined {
  return table()?.modelPrices.get(modelId);
}
