/**
 * The settings of an external HTTP tool as calls use them: what its manifest
 * said, or the defaults. Bounds are checked when the manifest is read
 * (convex/tools/httpManifest.ts).
 */
import { v, type Infer } from "convex/values";
import { vHttpExecutionMode, vHttpMethod, type HttpEndpoint } from "../validators";

/** One attempt's time limit, unless the manifest says `execution.timeout_seconds`. */
export const DEFAULT_TIMEOUT_SECONDS = 30;
export const MIN_TIMEOUT_SECONDS = 0.1;
export const MAX_TIMEOUT_SECONDS = 120;

/** How long a deferred call waits for its callback, unless the manifest says `execution.callback_timeout_seconds`. */
export const DEFAULT_CALLBACK_TIMEOUT_SECONDS = 3_600;
export const MIN_CALLBACK_TIMEOUT_SECONDS = 1;
export const MAX_CALLBACK_TIMEOUT_SECONDS = 7 * 86_400;

/** What a call's body may carry as arguments (the model's JSON text). */
export const MAX_ARGUMENT_CHARS = 64_000;
/** What is read of a response body; more is a tool error. */
export const MAX_RESPONSE_BYTES = 256 * 1024;
/** The result the model reads (as JSON text), like every tool's. */
export const MAX_RESULT_CHARS = 20_000;

export const vEffectiveHttpSettings = v.object({
  url: v.string(),
  method: vHttpMethod,
  timeoutMs: v.number(),
  mode: vHttpExecutionMode,
  callbackTimeoutMs: v.number(),
  healthCheckUrl: v.union(v.null(), v.string()),
  /** The manifest's JSON Schema for results: arbitrary JSON by nature. */
  returnSchema: v.union(v.null(), v.record(v.string(), v.any())),
});
export type EffectiveHttpSettings = Infer<typeof vEffectiveHttpSettings>;

export function effectiveSettings(endpoint: HttpEndpoint): EffectiveHttpSettings {
  return {
    url: endpoint.url,
    method: endpoint.method,
    timeoutMs: Math.round((endpoint.timeoutSeconds ?? DEFAULT_TIMEOUT_SECONDS) * 1000),
    mode: endpoint.executionMode ?? "sync",
    callbackTimeoutMs: Math.round((endpoint.callbackTimeoutSeconds ?? DEFAULT_CALLBACK_TIMEOUT_SECONDS) * 1000),
    healthCheckUrl: endpoint.healthCheckUrl ?? null,
    returnSchema: (endpoint.returnSchema as Record<string, unknown> | undefined) ?? null,
  };
}
