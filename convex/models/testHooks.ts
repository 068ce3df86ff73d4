import type { OfflineModelOptions } from "./offlineModel";

/**
 * Test-only switches for the offline model: fault plans and slowness.
 * They live in process memory and are set only by test code running in the
 * same process (vitest, the local engine's test mode). No public function,
 * HTTP route or environment variable can reach them, so production never
 * sees a fault that was not real.
 */
export const offlineModelOverrides: { options: OfflineModelOptions | undefined } = { options: undefined };

/**
 * Simulated crashes of the model-call step after the reply was saved but
 * before the step recorded it (the R4/R5 window): the next n attempts throw there.
 */
export const modelStepCrashes = { afterReplySaved: 0 };

/** Test-only prices by model id (e.g. to give the free offline model a price when testing cost roll-ups). */
export const modelPriceOverrides: Record<string, { input: number; output: number; cachedInput: number }> = {};
