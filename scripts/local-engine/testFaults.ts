/**
 * `POST /local-test/faults`: lets browser tests make the offline model fail,
 * through the same fault seam the unit tests arm (`convex/lib/faults.testing.ts`,
 * loaded into the engine's process). It exists only here, in the local engine,
 * and only when the engine is started with `--enable-test-faults`; otherwise
 * every `/local-test/*` path answers 404 and the seam is never armed. No Convex
 * function, HTTP route or environment variable reaches it, so a deployment
 * cannot be made to fail.
 *
 *   POST /local-test/faults  { "model": { "failNextCalls": 4, "error": "5xx" } }   the next 4 model calls fail
 *   POST /local-test/faults  { "model": null }                                      no faults
 *   GET  /local-test/faults                                                         the plan as it stands (counts go down as faults fire)
 */
import type { ModelFaultPlan, OfflineModelOverride } from "../../convex/lib/faults";

/** The shape of `offlineModel` in `convex/lib/faults.testing.ts`. */
export type OfflineModelHooks = { options: OfflineModelOverride | undefined };

export class FaultRequestError extends Error {}

const LIMITS: Record<"failNextCalls" | "failAfterChunks" | "retryAfterMs", number> = {
  failNextCalls: 100,
  failAfterChunks: 10_000,
  retryAfterMs: 60_000,
};

/** The model's fault plan from a request body; null clears it. Throws `FaultRequestError` on anything else. */
export function parseFaultRequest(body: unknown): { model: ModelFaultPlan | null } {
  if (typeof body !== "object" || body === null || Array.isArray(body)) throw new FaultRequestError("Send a JSON object such as { \"model\": { \"failNextCalls\": 4 } }.");
  const extra = Object.keys(body).filter((key) => key !== "model");
  if (extra.length > 0) throw new FaultRequestError(`Unknown field(s): ${extra.join(", ")}.`);
  const model = (body as { model?: unknown }).model;
  if (model === null || model === undefined) return { model: null };
  if (typeof model !== "object" || Array.isArray(model)) throw new FaultRequestError("“model” must be an object or null.");
  const plan: ModelFaultPlan = {};
  for (const [key, value] of Object.entries(model)) {
    if (key === "error") {
      if (value !== "timeout" && value !== "5xx" && value !== "429") throw new FaultRequestError("“error” must be timeout, 5xx or 429.");
      plan.error = value;
    } else if (key === "failNextCalls" || key === "failAfterChunks" || key === "retryAfterMs") {
      if (typeof value !== "number" || !Number.isInteger(value) || value < 0 || value > LIMITS[key]) {
        throw new FaultRequestError(`“${key}” must be a whole number from 0 to ${LIMITS[key]}.`);
      }
      plan[key] = value;
    } else {
      throw new FaultRequestError(`Unknown fault “${key}”.`);
    }
  }
  return { model: plan };
}

/** Install (or clear) the plan; the model mutates the object it is given as faults fire. */
export function applyModelFaults(hooks: OfflineModelHooks, plan: ModelFaultPlan | null): void {
  const options: OfflineModelOverride = { ...hooks.options };
  if (plan === null) delete options.faults;
  else options.faults = { ...plan };
  hooks.options = Object.keys(options).length === 0 ? undefined : options;
}

export function currentModelFaults(hooks: OfflineModelHooks): ModelFaultPlan | null {
  return hooks.options?.faults ?? null;
}
