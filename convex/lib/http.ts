/**
 * What every HTTP route shares: a request id, one error envelope, body limits
 * checked before parsing, and one structured log line per request.
 *
 *   { "error": { "code", "message", "field"? }, "meta": { "request_id" } }
 *
 * Handlers throw `HttpError` (or a harness `ConvexError`, mapped by code) and
 * never build error responses themselves.
 */
import { isHarnessError, type ErrorCode } from "./errors";

/** HTTP-only code: the body was refused before it was read. */
export type HttpErrorCode = ErrorCode | "payload_too_large";

export const STATUS_BY_CODE: Record<HttpErrorCode, number> = {
  bad_request: 400,
  unauthenticated: 401,
  forbidden: 403,
  policy_denied: 403,
  not_found: 404,
  conflict: 409,
  payload_too_large: 413,
  budget_exceeded: 429,
  rate_limited: 429,
  internal_error: 500,
};

/** Bodies larger than this are refused with 413 unless a route sets its own limit. */
export const DEFAULT_MAX_BODY_BYTES = 256 * 1024;

export class HttpError extends Error {
  /** `field`: the path of the body field the refusal is about (`text`, `tools[0].permission`), put in the envelope. */
  constructor(
    readonly code: HttpErrorCode,
    message: string,
    readonly extra: { status?: number; retryAfterMs?: number; field?: string } = {},
  ) {
    super(message);
  }
  get status(): number {
    return this.extra.status ?? STATUS_BY_CODE[this.code];
  }
}

export function newRequestId(): string {
  return `req_${crypto.randomUUID().replace(/-/g, "")}`;
}

export function jsonResponse(body: unknown, status: number, requestId: string, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(body), {
    status,
    headers: { "Content-Type": "application/json", "X-Request-Id": requestId, ...headers },
  });
}

/**
 * The one error envelope. `Retry-After` (seconds, rounded up) when the caller
 * should wait; `field` when the refusal is about one field of the body.
 */
export function errorResponse(
  requestId: string,
  code: HttpErrorCode,
  message: string,
  extra: { status?: number; retryAfterMs?: number; field?: string } = {},
): Response {
  const headers: Record<string, string> = {};
  if (extra.retryAfterMs !== undefined) headers["Retry-After"] = String(Math.max(1, Math.ceil(extra.retryAfterMs / 1000)));
  return jsonResponse(
    { error: { code, message, ...(extra.field !== undefined ? { field: extra.field } : {}) }, meta: { request_id: requestId } },
    extra.status ?? STATUS_BY_CODE[code],
    requestId,
    headers,
  );
}

/** Turn anything a handler threw into the envelope; unknown errors become a 500 without their text. */
export function responseForError(requestId: string, error: unknown): Response {
  if (error instanceof HttpError) return errorResponse(requestId, error.code, error.message, error.extra);
  if (isHarnessError(error)) {
    const { retryAfterMs, field } = error.data;
    return errorResponse(requestId, error.data.code, error.data.message, {
      ...(retryAfterMs !== undefined ? { retryAfterMs } : {}),
      ...(field !== undefined ? { field } : {}),
    });
  }
  console.error(JSON.stringify({ event: "http.unhandled", requestId, error: error instanceof Error ? error.message : String(error) }));
  return errorResponse(requestId, "internal_error", `Something went wrong on our side; quote ${requestId} when reporting it.`);
}

/**
 * Read the body as text, refusing it with 413 when it is over `maxBytes`:
 * first by `Content-Length` (nothing is read), then while streaming (a
 * chunked body without a length stops at the limit).
 */
export async function readBodyText(request: Request, maxBytes = DEFAULT_MAX_BODY_BYTES): Promise<string> {
  const tooLarge = () => new HttpError("payload_too_large", `The body is over the ${Math.floor(maxBytes / 1024)} KiB limit.`);
  const declared = request.headers.get("content-length");
  if (declared !== null && Number(declared) > maxBytes) throw tooLarge();
  if (request.body === null) return "";
  const reader = request.body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > maxBytes) {
      await reader.cancel();
      throw tooLarge();
    }
    chunks.push(value);
  }
  const bytes = new Uint8Array(total);
  let offset = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return new TextDecoder().decode(bytes);
}

/** Read and parse a JSON object body; 413 over the limit, 400 for anything that isn't a JSON object. */
export async function readJsonObject(request: Request, maxBytes = DEFAULT_MAX_BODY_BYTES): Promise<Record<string, unknown>> {
  const text = await readBodyText(request, maxBytes);
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new HttpError("bad_request", "The body is not valid JSON.");
  }
  if (!isJsonObject(parsed)) throw new HttpError("bad_request", "The body must be a JSON object.");
  return parsed;
}

function isJsonObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/**
 * Wrap a route handler: assigns the request id, maps thrown errors to the
 * envelope, stamps `X-Request-Id`, and logs one JSON line per request.
 */
export function handleRequest(
  route: string,
  handler: (request: Request, requestId: string) => Promise<Response>,
): (request: Request) => Promise<Response> {
  return async (request) => {
    const requestId = newRequestId();
    const started = Date.now();
    let response: Response;
    try {
      response = await handler(request, requestId);
    } catch (error) {
      response = responseForError(requestId, error);
    }
    if (!response.headers.has("X-Request-Id")) response.headers.set("X-Request-Id", requestId);
    console.log(
      JSON.stringify({
        event: "http.request",
        requestId,
        route,
        method: request.method,
        status: response.status,
        code: response.status >= 400 ? errorCodeOfStatus(response.status) : undefined,
        ms: Date.now() - started,
      }),
    );
    return response;
  };
}

function errorCodeOfStatus(status: number): string {
  const entry = Object.entries(STATUS_BY_CODE).find(([, s]) => s === status);
  return entry?.[0] ?? String(status);
}
