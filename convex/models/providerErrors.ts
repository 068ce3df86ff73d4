/**
 * What went wrong with a model provider, and whether waiting can help.
 *
 * Providers fail in three ways that must be read alike: an HTTP status
 * (`APICallError`), an error event inside a 200 event stream (OpenAI-style
 * servers send `data: {"error": {...}}`; Anthropic sends `event: error` with
 * `overloaded_error`, `rate_limit_error`, ...), and the network itself
 * (refused, unknown host, dropped mid-stream, silent). Each becomes one
 * `ProviderFailure`: a category, the harness error code the run ends with,
 * the provider's own message in words, and how to retry — never for a bad
 * key or a refused request, after the advised delay for a rate limit, with
 * backoff for overload and server trouble, and only briefly for an endpoint
 * that cannot be reached (it will not heal in seconds).
 */
import { APICallError } from "@ai-sdk/provider";
import { isHarnessError, type ErrorCode } from "../lib/errors";

export type FailureCategory =
  | "auth"
  | "permission"
  | "model_not_found"
  | "bad_request"
  | "quota"
  | "content_filter"
  | "rate_limit"
  | "overloaded"
  | "server"
  | "timeout"
  | "unreachable"
  | "dropped"
  | "malformed"
  | "harness"
  | "unknown";

/** `never`: fail now. `advised`/`backoff`: up to the normal attempts. `short`: one quick retry at most. */
export type RetryRule = "never" | "advised" | "backoff" | "short";

export type ProviderFailure = {
  category: FailureCategory;
  retry: RetryRule;
  /** The code the run fails with when no retry is left. */
  code: ErrorCode;
  /** In words, with the provider's own message. */
  message: string;
  statusCode?: number;
  /** The provider's advice (Retry-After / retry-after-ms), when it gave one. */
  retryAfterMs?: number;
};

const RETRY_OF: Record<FailureCategory, RetryRule> = {
  auth: "never",
  permission: "never",
  model_not_found: "never",
  bad_request: "never",
  quota: "never",
  content_filter: "never",
  harness: "never",
  rate_limit: "advised",
  overloaded: "backoff",
  server: "backoff",
  timeout: "backoff",
  dropped: "backoff",
  malformed: "backoff",
  unknown: "backoff",
  unreachable: "short",
};

const CODE_OF: Record<FailureCategory, ErrorCode> = {
  auth: "forbidden",
  permission: "forbidden",
  model_not_found: "bad_request",
  bad_request: "bad_request",
  quota: "budget_exceeded",
  content_filter: "policy_denied",
  harness: "internal_error",
  rate_limit: "rate_limited",
  overloaded: "internal_error",
  server: "internal_error",
  timeout: "internal_error",
  dropped: "internal_error",
  malformed: "internal_error",
  unknown: "internal_error",
  unreachable: "internal_error",
};

/** Network error codes (Node, undici, Bun spellings) that mean the endpoint cannot be reached at all. */
const UNREACHABLE_CODES = new Set(["ECONNREFUSED", "ENOTFOUND", "EAI_AGAIN", "EHOSTUNREACH", "ENETUNREACH", "ConnectionRefused", "FailedToOpenSocket"]);
/** ... and codes that mean an open connection was cut. */
const DROPPED_CODES = new Set(["ECONNRESET", "EPIPE", "UND_ERR_SOCKET", "ConnectionClosed", "UND_ERR_CLOSED"]);

type Shape = {
  name?: unknown;
  message?: unknown;
  statusCode?: unknown;
  type?: unknown;
  code?: unknown;
  cause?: unknown;
  responseHeaders?: unknown;
  responseBody?: unknown;
  error?: unknown;
};

function asShape(value: unknown): Shape | undefined {
  return typeof value === "object" && value !== null ? (value as Shape) : undefined;
}

function str(value: unknown): string | undefined {
  return typeof value === "string" && value.trim() !== "" ? value.trim() : undefined;
}

/** The provider's own `{ error: { message, type, code } }` (OpenAI) or `{ type: "error", error: { type, message } }` (Anthropic) inside a body. */
function bodyError(body: unknown): { message?: string; type?: string; code?: string } | undefined {
  let parsed: unknown = body;
  if (typeof body === "string") {
    try {
      parsed = JSON.parse(body);
    } catch {
      return undefined;
    }
  }
  const inner = asShape(asShape(parsed)?.error);
  if (inner === undefined) return undefined;
  return { message: str(inner.message), type: str(inner.type), code: str(inner.code) ?? (typeof inner.code === "number" ? String(inner.code) : undefined) };
}

/** Walks `cause` chains for a network error code. */
function networkCode(error: unknown): string | undefined {
  const seen = new Set<unknown>();
  let current: unknown = error;
  while (current !== undefined && current !== null && !seen.has(current)) {
    seen.add(current);
    const shape = asShape(current);
    const code = str(shape?.code);
    if (code && (UNREACHABLE_CODES.has(code) || DROPPED_CODES.has(code))) return code;
    current = shape?.cause;
  }
  return undefined;
}

/** Milliseconds the provider asks us to wait: `retry-after-ms`, `retry-after` seconds, or an HTTP date. */
export function retryAfterMs(headers: unknown, now = Date.now()): number | undefined {
  const h = asShape(headers) as Record<string, unknown> | undefined;
  if (h === undefined) return undefined;
  const read = (name: string) => {
    for (const [key, value] of Object.entries(h)) if (key.toLowerCase() === name && typeof value === "string") return value.trim();
    return undefined;
  };
  const ms = Number(read("retry-after-ms"));
  if (read("retry-after-ms") !== undefined && Number.isFinite(ms) && ms >= 0) return Math.round(ms);
  const after = read("retry-after");
  if (after === undefined) return undefined;
  const seconds = Number(after);
  if (Number.isFinite(seconds) && seconds >= 0) return Math.round(seconds * 1000);
  const date = Date.parse(after);
  return Number.isFinite(date) ? Math.max(0, date - now) : undefined;
}

function categoryOfStatus(status: number, type: string | undefined, code: string | undefined): FailureCategory {
  if (code === "insufficient_quota" || code === "billing_hard_limit_reached") return "quota";
  if (code === "model_not_found") return "model_not_found";
  if (code === "content_filter" || code === "content_policy_violation") return "content_filter";
  if (status === 401) return "auth";
  if (status === 402) return "quota";
  if (status === 403) return "permission";
  if (status === 404) return "model_not_found";
  if (status === 408) return "timeout";
  if (status === 413) return "bad_request";
  if (status === 429) return "rate_limit";
  if (status === 529 || type === "overloaded_error") return "overloaded";
  if (status >= 500) return "server";
  if (status >= 400) return "bad_request";
  return "unknown";
}

/** Error types and codes sent inside a 200 stream, without a status. */
function categoryOfType(type: string | undefined, code: string | undefined): FailureCategory | undefined {
  const key = code ?? type;
  switch (key) {
    case "invalid_api_key":
    case "authentication_error":
    case "invalid_authentication":
      return "auth";
    case "permission_error":
    case "permission_denied":
      return "permission";
    case "model_not_found":
    case "not_found_error":
      return "model_not_found";
    case "insufficient_quota":
    case "billing_error":
      return "quota";
    case "content_filter":
    case "content_policy_violation":
      return "content_filter";
    case "rate_limit_error":
    case "rate_limit_exceeded":
      return "rate_limit";
    case "overloaded_error":
    case "overloaded":
      return "overloaded";
    case "api_error":
    case "server_error":
    case "internal_error":
      return "server";
    case "timeout_error":
      return "timeout";
    case "invalid_request_error":
    case "request_too_large":
      return "bad_request";
  }
  if (type !== undefined && type !== key) return categoryOfType(type, undefined);
  return undefined;
}

function wording(category: FailureCategory, status: number | undefined, reason: string): string {
  const http = status !== undefined ? ` (HTTP ${status})` : "";
  switch (category) {
    case "auth":
      return `The provider refused the key${http}: ${reason}`;
    case "permission":
      return `The provider refused access${http}: ${reason}`;
    case "model_not_found":
      return `The provider does not serve this model${http}: ${reason}`;
    case "quota":
      return `The provider account is out of credit or quota${http}: ${reason}`;
    case "content_filter":
      return `The provider's content filter stopped the reply${http}: ${reason}`;
    case "bad_request":
      return `The provider rejected the request${http}: ${reason}`;
    case "unreachable":
      return `The model provider cannot be reached: ${reason}`;
    case "timeout":
      return `The model provider did not answer in time${http}: ${reason}`;
    case "dropped":
      return `The connection to the model provider was cut mid-reply: ${reason}`;
    case "malformed":
      return `The model provider sent a reply that could not be read: ${reason}`;
    default:
      return `The model provider failed${http}: ${reason}`;
  }
}

function failure(category: FailureCategory, reason: string, extra: { statusCode?: number; retryAfterMs?: number } = {}): ProviderFailure {
  return {
    category,
    retry: RETRY_OF[category],
    code: CODE_OF[category],
    message: wording(category, extra.statusCode, reason),
    ...(extra.statusCode !== undefined ? { statusCode: extra.statusCode } : {}),
    ...(extra.retryAfterMs !== undefined ? { retryAfterMs: extra.retryAfterMs } : {}),
  };
}

/** A stall of the event stream, raised by the model call's own watchdog. */
export class ProviderStallError extends Error {
  constructor(readonly stallMs: number) {
    super(`no data for ${Math.round(stallMs / 1000)} s`);
    this.name = "ProviderStallError";
  }
}

/** Any error from a model call (thrown, or an `error` stream part) → a `ProviderFailure`. */
export function classifyProviderError(error: unknown): ProviderFailure {
  if (isHarnessError(error)) {
    return { category: "harness", retry: "never", code: error.data.code, message: error.data.message };
  }
  if (error instanceof ProviderStallError) return failure("timeout", error.message);
  const shape = asShape(error);
  const ownMessage = str(shape?.message) ?? str(error) ?? "unknown error";

  // HTTP errors (and the SDK's wrapping of fetch failures, which have no status).
  if (APICallError.isInstance(error) || typeof shape?.statusCode === "number") {
    const status = typeof shape?.statusCode === "number" ? shape.statusCode : undefined;
    const fromBody = bodyError(shape?.responseBody);
    const reason = fromBody?.message ?? ownMessage;
    if (status === undefined) {
      const code = networkCode(error);
      if (code !== undefined && UNREACHABLE_CODES.has(code)) return failure("unreachable", `${reason} (${code})`);
      if (code !== undefined) return failure("dropped", `${reason} (${code})`);
      const typed = categoryOfType(str(shape?.type) ?? fromBody?.type, str(shape?.code) ?? fromBody?.code);
      return failure(typed ?? "unknown", reason);
    }
    const category = categoryOfStatus(status, fromBody?.type ?? str(shape?.type), fromBody?.code ?? str(shape?.code));
    const advised = retryAfterMs(shape?.responseHeaders);
    return failure(category, reason, { statusCode: status, ...(advised !== undefined ? { retryAfterMs: advised } : {}) });
  }

  // An error object sent inside the stream: `{ message, type, code }` (OpenAI-style
  // servers), raw or as the AI SDK's `StreamProviderError` wrapping of it.
  const type = str(shape?.type);
  const code = str(shape?.code);
  if (shape !== undefined && (type !== undefined || code !== undefined)) {
    const typed = categoryOfType(type, code);
    if (typed !== undefined) return failure(typed, ownMessage);
    if (!(error instanceof Error)) return failure("unknown", ownMessage);
  }
  if (shape !== undefined && !(error instanceof Error) && asShape(shape.error)) {
    return classifyProviderError(shape.error);
  }

  // Network trouble outside the SDK's wrapping, parse failures, aborts.
  const network = networkCode(error);
  if (network !== undefined) {
    return failure(UNREACHABLE_CODES.has(network) ? "unreachable" : "dropped", `${ownMessage} (${network})`);
  }
  const name = str(shape?.name) ?? "";
  if (/JSONParseError|TypeValidationError|InvalidResponseData/i.test(name)) return failure("malformed", ownMessage);
  if (name === "AbortError" || name === "TimeoutError") return failure("timeout", ownMessage);
  if (/terminated|other side closed|socket hang up/i.test(ownMessage)) return failure("dropped", ownMessage);
  return failure("unknown", ownMessage);
}
