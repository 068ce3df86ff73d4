/**
 * Test-only fault plans for the offline model, and the provider error a
 * planned fault throws. The test owns the plan object; the model consumes it.
 */
import { APICallError } from "@ai-sdk/provider";

export type OfflineFaultKind = "timeout" | "5xx" | "429";

/**
 * `failNextCalls` is decremented on every failed call, `failAfterChunks` is
 * cleared once it has fired.
 */
export type FaultPlan = {
  /** The next N calls (doGenerate or doStream) throw before producing anything. */
  failNextCalls?: number;
  /** The next stream that gets past N content chunks (text deltas / tool calls) errors instead of sending chunk N+1. */
  failAfterChunks?: number;
  /** What the failure looks like. Default "5xx". */
  error?: OfflineFaultKind;
  /** Sent as a `retry-after-ms` header, which the AI SDK's retry honours (tests use 0 to retry at once). */
  retryAfterMs?: number;
};

/** The error a fault plan throws: an `APICallError` a real provider could have thrown, retryable. */
export function offlineFaultError(kind: OfflineFaultKind = "5xx", retryAfterMs?: number): APICallError {
  const shapes = {
    timeout: { statusCode: 408, message: "Offline model: simulated request timeout" },
    "5xx": { statusCode: 503, message: "Offline model: simulated 503 Service Unavailable" },
    "429": { statusCode: 429, message: "Offline model: simulated 429 Too Many Requests" },
  } as const;
  const shape = shapes[kind];
  const responseHeaders: Record<string, string> = {};
  if (retryAfterMs !== undefined) responseHeaders["retry-after-ms"] = String(retryAfterMs);
  else if (kind === "429") responseHeaders["retry-after"] = "1";
  return new APICallError({
    message: shape.message,
    url: "offline://model",
    requestBodyValues: {},
    statusCode: shape.statusCode,
    responseHeaders,
    responseBody: JSON.stringify({ error: { message: shape.message } }),
    isRetryable: true,
  });
}
