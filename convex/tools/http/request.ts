/**
 * One attempt of an external HTTP tool call, as plain functions (no Convex):
 * build the signed request, send it with the tool's time limit, read the
 * answer and decide what it means — a result, a final error, "accepted"
 * (deferred tools), or a failure worth another attempt.
 *
 * What is sent:
 *
 * ```
 * POST <execution.url>                       (PUT / PATCH / DELETE alike)
 * Content-Type: application/json
 * Idempotency-Key: <interaction>:tool#<toolCallId>   the same on every attempt
 * webhook-id: <call_id>                              the same on every attempt
 * webhook-timestamp: <unix seconds of this attempt>
 * webhook-signature: v1,<base64 HMAC-SHA256(key, "<webhook-id>.<webhook-timestamp>.<body>")>
 *
 * { ...arguments, "call_id": "...", "account_id": "...", "agent": "<agent slug>" }
 * ```
 *
 * A `GET` tool gets the same fields as query parameters (objects as JSON
 * text), and its signature covers the query string (without `?`) in place of
 * a body. During a secret's rotation the header carries two signatures.
 */
import { Validator, type Schema } from "@cfworker/json-schema";
import { signatureHeader } from "../../outbound/signing";
import { MAX_RESPONSE_BYTES, MAX_RESULT_CHARS, type EffectiveHttpSettings } from "./settings";

export type CallTarget = {
  callId: string;
  /** The idempotency key: run:step:call. */
  key: string;
  accountId: string;
  agentSlug: string;
  args: Record<string, unknown>;
  settings: EffectiveHttpSettings;
  /** Current first; the previous one during a rotation's grace period. */
  secrets: string[];
};

export type AttemptOutcome =
  /** The call is over: a result (JSON text) or an error the model reads. Not retried. */
  | { kind: "final"; ok: true; result: string; statusCode: number; latencyMs: number }
  | { kind: "final"; ok: false; error: string; code: string; statusCode?: number; latencyMs: number }
  /** A deferred tool took the call; its result comes by callback. */
  | { kind: "accepted"; statusCode: number; latencyMs: number }
  /** A 5xx, a timeout or a network error: worth another attempt. */
  | { kind: "retry"; error: string; statusCode?: number; latencyMs: number };

const MAX_SNIPPET_CHARS = 300;
const MAX_REASONS = 5;

/** The body (or, for GET, the query) a call carries: the arguments, then the harness's own fields. */
export function callFields(target: Pick<CallTarget, "args" | "callId" | "accountId" | "agentSlug">): Record<string, unknown> {
  return { ...target.args, call_id: target.callId, account_id: target.accountId, agent: target.agentSlug };
}

function queryString(fields: Record<string, unknown>): string {
  const params = new URLSearchParams();
  for (const [name, value] of Object.entries(fields)) {
    if (value === undefined) continue;
    params.append(name, typeof value === "string" ? value : JSON.stringify(value));
  }
  return params.toString();
}

/** The request as it goes on the wire (exported for tests and the run timeline). */
export async function buildRequest(target: CallTarget, timestampSeconds: number): Promise<{ url: string; init: RequestInit & { headers: Record<string, string> } }> {
  const fields = callFields(target);
  const isGet = target.settings.method === "GET";
  let url = target.settings.url;
  let payload: string;
  if (isGet) {
    payload = queryString(fields);
    const parsed = new URL(url);
    parsed.search = parsed.search ? `${parsed.search.slice(1)}&${payload}` : payload;
    payload = parsed.search.slice(1);
    url = parsed.toString();
  } else {
    payload = JSON.stringify(fields);
  }
  const signatures = await Promise.all(target.secrets.map((secret) => signatureHeader(secret, target.callId, timestampSeconds, payload)));
  const headers: Record<string, string> = {
    Accept: "application/json",
    "User-Agent": "harness-tools/1",
    "Idempotency-Key": target.key,
    "webhook-id": target.callId,
    "webhook-timestamp": String(timestampSeconds),
    "webhook-signature": signatures.join(" "),
  };
  if (!isGet) headers["Content-Type"] = "application/json";
  return { url, init: { method: target.settings.method, headers, ...(isGet ? {} : { body: payload }), redirect: "manual" } };
}

/** Up to `maxBytes` of a body; `overflow` when there was more. */
export async function readBody(response: Response, maxBytes: number): Promise<{ text: string; overflow: boolean }> {
  if (response.body === null) return { text: "", overflow: false };
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  let overflow = false;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      total += value.length;
      if (total > maxBytes) {
        overflow = true;
        chunks.push(value.subarray(0, value.length - (total - maxBytes)));
        break;
      }
      chunks.push(value);
    }
  } finally {
    await reader.cancel().catch(() => undefined);
  }
  const bytes = new Uint8Array(chunks.reduce((n, c) => n + c.length, 0));
  let offset = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, offset);
    offset += chunk.length;
  }
  return { text: new TextDecoder().decode(bytes), overflow };
}

function snippet(text: string): string {
  const flat = text.replace(/\s+/g, " ").trim();
  return flat.length > MAX_SNIPPET_CHARS ? `${flat.slice(0, MAX_SNIPPET_CHARS)}…` : flat;
}

/** Why `value` does not match `schema`, in words, or null when it does. */
export function resultSchemaProblems(schema: Record<string, unknown>, value: unknown): string | null {
  const result = new Validator(schema as Schema, "7", false).validate(value);
  if (result.valid) return null;
  const leaves = result.errors.filter((e) => e.keyword !== "properties" && e.keyword !== "$ref" && e.keyword !== "items");
  return (leaves.length > 0 ? leaves : result.errors)
    .slice(0, MAX_REASONS)
    .map((e) => `${e.instanceLocation.replace(/^#\/?/, "") || "result"}: ${e.error}`)
    .join("; ");
}

/**
 * A tool's answer (response body or callback) as the result the model reads:
 * JSON, checked against `return_schema`, within the result size. Text that
 * is not JSON is kept as a string unless the tool promised a schema.
 */
export function checkResult(
  settings: Pick<EffectiveHttpSettings, "returnSchema">,
  text: string,
): { ok: true; result: string } | { ok: false; error: string } {
  let value: unknown;
  if (text.trim() === "") value = null;
  else {
    try {
      value = JSON.parse(text);
    } catch {
      if (settings.returnSchema !== null) return { ok: false, error: `The tool's answer is not JSON, but the tool declares a return_schema: ${snippet(text)}` };
      value = text;
    }
  }
  if (settings.returnSchema !== null) {
    const problems = resultSchemaProblems(settings.returnSchema, value);
    if (problems !== null) return { ok: false, error: `The tool's answer does not match its return_schema: ${problems}` };
  }
  const result = JSON.stringify(value);
  if (result.length > MAX_RESULT_CHARS) return { ok: false, error: `The tool's answer was larger than ${MAX_RESULT_CHARS} characters.` };
  return { ok: true, result };
}

function describeError(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  return `${error.message}${error.cause instanceof Error ? ` (${error.cause.message})` : ""}`;
}

/** Send one attempt and say what it means. Never throws. */
export async function sendAttempt(target: CallTarget, fetchImpl: typeof fetch = fetch): Promise<AttemptOutcome> {
  const { url, init } = await buildRequest(target, Math.floor(Date.now() / 1000));
  const timeoutMs = target.settings.timeoutMs;
  const abort = new AbortController();
  const timer = setTimeout(() => abort.abort(), timeoutMs);
  const started = Date.now();
  const elapsed = () => Date.now() - started;
  try {
    const response = await fetchImpl(url, { ...init, signal: abort.signal });
    const statusCode = response.status;
    if (statusCode >= 200 && statusCode < 300) {
      if (target.settings.mode === "deferred") {
        await response.body?.cancel().catch(() => undefined);
        return { kind: "accepted", statusCode, latencyMs: elapsed() };
      }
      const body = await readBody(response, MAX_RESPONSE_BYTES);
      if (body.overflow) {
        return { kind: "final", ok: false, code: "bad_request", error: `The tool's answer was larger than ${MAX_RESPONSE_BYTES / 1024} KiB.`, statusCode, latencyMs: elapsed() };
      }
      const checked = checkResult(target.settings, body.text);
      return checked.ok
        ? { kind: "final", ok: true, result: checked.result, statusCode, latencyMs: elapsed() }
        : { kind: "final", ok: false, code: "bad_request", error: checked.error, statusCode, latencyMs: elapsed() };
    }
    const body = await readBody(response, 2_048);
    const said = snippet(body.text);
    if (statusCode >= 300 && statusCode < 400) {
      const location = response.headers.get("location");
      return {
        kind: "final",
        ok: false,
        code: "bad_request",
        error: `The tool answered HTTP ${statusCode}${location ? ` (to ${location})` : ""}; redirects are not followed.`,
        statusCode,
        latencyMs: elapsed(),
      };
    }
    const error = `The tool answered HTTP ${statusCode}${said ? `: ${said}` : ""}`;
    if (statusCode >= 500) return { kind: "retry", error, statusCode, latencyMs: elapsed() };
    // A 4xx is the tool refusing this call: asking again would get the same answer.
    return { kind: "final", ok: false, code: "bad_request", error, statusCode, latencyMs: elapsed() };
  } catch (error) {
    const latencyMs = elapsed();
    if (abort.signal.aborted) return { kind: "retry", error: `No answer within ${timeoutMs / 1000} s (the tool's timeout_seconds).`, latencyMs };
    return { kind: "retry", error: `The request failed: ${describeError(error)}`, latencyMs };
  } finally {
    clearTimeout(timer);
  }
}
