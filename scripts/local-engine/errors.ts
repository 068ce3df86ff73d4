/**
 * Function errors as a production Convex deployment reports them to clients:
 * a `ConvexError` keeps its data (`errorData`, never redacted); any other
 * error becomes "[Request ID: …] Server Error" and its full text goes only to
 * the engine's log, under the same request id.
 */
import { randomBytes } from "node:crypto";
import { convexToJson, type JSONValue, type Value } from "convex/values";

export type Failure = { errorMessage: string; errorData?: JSONValue; /** server-side only: identifies repeated failures */ fingerprint: string };

export const newRequestId = () => randomBytes(8).toString("hex");

/** Cross-realm check: the app and the engine may load different copies of `convex/values`. */
function isConvexError(error: unknown): error is Error & { data: Value } {
  return typeof error === "object" && error !== null && Symbol.for("ConvexError") in error && "data" in error;
}

export function describeFailure(
  error: unknown,
  what: { kind: "query" | "mutation" | "action" | "http"; udfPath: string },
  log: (line: string, error: unknown) => void,
  previous?: Failure,
): Failure {
  if (isConvexError(error)) {
    let errorData: JSONValue;
    try {
      errorData = convexToJson(error.data);
    } catch {
      errorData = String(error.data as unknown as string);
    }
    const fingerprint = `convex:${JSON.stringify(errorData)}`;
    if (previous?.fingerprint === fingerprint) return previous;
    return { errorMessage: `[Request ID: ${newRequestId()}] Server Error\nUncaught ConvexError: ${error.message}`, errorData, fingerprint };
  }
  const fingerprint = `error:${error instanceof Error ? `${error.name}: ${error.message}` : String(error)}`;
  // A query failing the same way on every re-run is logged once.
  if (previous?.fingerprint === fingerprint) return previous;
  const requestId = newRequestId();
  log(`[Request ID: ${requestId}] ${what.kind} ${what.udfPath} failed:`, error);
  return { errorMessage: `[Request ID: ${requestId}] Server Error`, fingerprint };
}
