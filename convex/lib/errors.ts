import { ConvexError } from "convex/values";

/**
 * The one catalogue of error codes. Every refusal a client can see is a
 * `ConvexError<HarnessErrorData>`; production redacts any other error text.
 */
export const ERROR_CODES = [
  "unauthenticated",
  "forbidden",
  "not_found",
  "bad_request",
  "conflict",
  "budget_exceeded",
  "policy_denied",
  "rate_limited",
  "internal_error",
] as const;

export type ErrorCode = (typeof ERROR_CODES)[number];

export type HarnessErrorData = {
  code: ErrorCode;
  message: string;
  /** For `rate_limited`: how long to wait before trying again. */
  retryAfterMs?: number;
  /**
   * For a refused delegation (`conflict`): the agents of the cycle it would
   * close or of the chain that would be too deep, in order, so the builder
   * can highlight them (a cycle starts and ends with the same agent).
   */
  chain?: RefusedChain;
  /**
   * For a refused input: the path of the field it is about, in the caller's
   * own terms (`slug`, `rateLimit.requests`, a manifest's
   * `tools[0].permission`), so a form can show the message at that field.
   * The message still names the field, for anyone who reads only the message.
   */
  field?: string;
};

export type RefusedChain = { reason: "cycle" | "depth"; agents: { agentId: string; name: string }[] };

/** Structured details a refusal may carry besides its code and message. */
export type ErrorExtra = Pick<HarnessErrorData, "retryAfterMs" | "chain" | "field">;

/** Throw a client-visible error. */
export function fail(code: ErrorCode, message: string, extra?: ErrorExtra): never {
  throw new ConvexError<HarnessErrorData>({ code, message, ...extra });
}

/** Type guard the SPA and tests use to turn an error into words. */
export function isHarnessError(error: unknown): error is ConvexError<HarnessErrorData> {
  if (!(error instanceof ConvexError)) return false;
  const data: unknown = error.data;
  return (
    typeof data === "object" &&
    data !== null &&
    "code" in data &&
    typeof data.code === "string" &&
    (ERROR_CODES as readonly string[]).includes(data.code)
  );
}

/** The code of a harness error, or undefined for anything else. */
export function errorCode(error: unknown): ErrorCode | undefined {
  return isHarnessError(error) ? error.data.code : undefined;
}
