/**
 * External HTTP tools, registered by manifest; validated and stored here,
 * executed by convex/tools/http (see its README).
 *
 * ```json
 * { "version": 1, "kind": "tool", "slug": "weather", "name": "Weather",
 *   "description": "Current weather for a city", "trust_level": "read",
 *   "parameters": { "type": "object", "properties": { "city": { "type": "string" } }, "required": ["city"] },
 *   "return_schema": { "type": "object", "properties": { "celsius": { "type": "number" } }, "required": ["celsius"] },
 *   "execution": { "type": "http", "url": "https://api.example.com/weather", "method": "POST",
 *     "timeout_seconds": 10, "execution_mode": "sync", "health_check_url": "https://api.example.com/health" } }
 * ```
 *
 * `execution_mode` "deferred" (or "async"): the endpoint accepts the call
 * (any 2xx) and answers later with `POST /v1/callbacks/{call_id}`, within
 * `execution.callback_timeout_seconds`.
 */
import { fail } from "../lib/errors";
import { isPlainObject, readManifestObject } from "./manifestInput";
import { DELEGATE_PREFIX, parameterSchemaProblem, returnSchemaProblem, TOOL_SLUG_PATTERN } from "./catalogue";
import { HTTP_METHODS, isPermission, type HttpEndpoint, type HttpMethod, type Permission } from "./validators";
import {
  MAX_CALLBACK_TIMEOUT_SECONDS,
  MAX_TIMEOUT_SECONDS,
  MIN_CALLBACK_TIMEOUT_SECONDS,
  MIN_TIMEOUT_SECONDS,
} from "./http/settings";

export type HttpToolManifest = {
  slug: string;
  name: string;
  description: string;
  trustLevel: Permission;
  parameters: Record<string, unknown>;
  http: HttpEndpoint;
};

const MAX_MANIFEST_CHARS = 32_000;

/** Refuse the manifest; `field` is the path the message starts with (none: the manifest as a whole). */
function bad(message: string, field?: string): never {
  fail("bad_request", `Invalid tool manifest: ${message}.`, field === undefined ? undefined : { field });
}

/** Parse (JSON text or object) and validate a tool manifest, or throw `bad_request` naming the field. */
export function parseHttpToolManifest(input: unknown): HttpToolManifest {
  const m = readManifestObject(input, MAX_MANIFEST_CHARS, bad);
  if (m.version !== undefined && m.version !== 1 && m.version !== "1") bad("version must be 1", "version");
  if (m.kind !== "tool") bad('kind must be "tool"', "kind");

  if (typeof m.slug !== "string" || !TOOL_SLUG_PATTERN.test(m.slug)) {
    bad("slug must be 2 to 64 characters: lowercase letters, digits, '-' or '_', starting with a letter", "slug");
  }
  if (m.slug.startsWith(DELEGATE_PREFIX)) bad(`slug must not start with "${DELEGATE_PREFIX}" (reserved for agent tools)`, "slug");
  const name = m.name === undefined ? m.slug : m.name;
  if (typeof name !== "string" || name.trim() === "" || name.length > 80) bad("name must be 1 to 80 characters", "name");
  if (typeof m.description !== "string" || m.description.trim() === "" || m.description.length > 1000) {
    bad("description must be 1 to 1000 characters", "description");
  }
  if (!isPermission(m.trust_level)) bad("trust_level must be read, write or admin", "trust_level");
  const schemaProblem = parameterSchemaProblem(m.parameters);
  if (schemaProblem) bad(schemaProblem, "parameters");

  const execution = m.execution;
  if (!isPlainObject(execution)) bad("execution must be an object", "execution");
  if (execution.type !== "http") bad('execution.type must be "http"', "execution.type");
  if (typeof execution.url !== "string") bad("execution.url must be a URL", "execution.url");
  let url: URL;
  try {
    url = new URL(execution.url);
  } catch {
    bad("execution.url must be an absolute URL", "execution.url");
  }
  if (url.protocol !== "https:" && url.protocol !== "http:") bad("execution.url must be an http or https URL", "execution.url");
  if (url.username !== "" || url.password !== "") bad("execution.url must not carry credentials", "execution.url");
  const method = execution.method === undefined ? "POST" : execution.method;
  if (typeof method !== "string" || !(HTTP_METHODS as readonly string[]).includes(method)) {
    bad(`execution.method must be one of ${HTTP_METHODS.join(", ")}`, "execution.method");
  }
  const http: HttpEndpoint = { url: url.toString(), method: method as HttpMethod };
  const timeout = secondsIn(execution.timeout_seconds, MIN_TIMEOUT_SECONDS, MAX_TIMEOUT_SECONDS, "execution.timeout_seconds");
  if (timeout !== undefined) http.timeoutSeconds = timeout;
  const mode = execution.execution_mode;
  if (mode !== undefined) {
    if (mode !== "sync" && mode !== "deferred" && mode !== "async") bad('execution.execution_mode must be "sync", "deferred" or "async"', "execution.execution_mode");
    http.executionMode = mode === "sync" ? "sync" : "deferred";
  }
  const callbackTimeout = secondsIn(
    execution.callback_timeout_seconds,
    MIN_CALLBACK_TIMEOUT_SECONDS,
    MAX_CALLBACK_TIMEOUT_SECONDS,
    "execution.callback_timeout_seconds",
  );
  if (callbackTimeout !== undefined) {
    if (http.executionMode !== "deferred") bad('execution.callback_timeout_seconds applies only to execution_mode "deferred"', "execution.callback_timeout_seconds");
    http.callbackTimeoutSeconds = callbackTimeout;
  }
  if (execution.health_check_url !== undefined) http.healthCheckUrl = httpUrl(execution.health_check_url, "execution.health_check_url");
  if (m.return_schema !== undefined) {
    const problem = returnSchemaProblem(m.return_schema);
    if (problem) bad(problem, "return_schema");
    http.returnSchema = m.return_schema;
  }
  return {
    slug: m.slug,
    name: name.trim(),
    description: m.description.trim(),
    trustLevel: m.trust_level,
    parameters: m.parameters as Record<string, unknown>,
    http,
  };
}

/** A number of seconds within [min, max], or undefined when absent. */
function secondsIn(value: unknown, min: number, max: number, field: string): number | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== "number" || !Number.isFinite(value) || value < min || value > max) bad(`${field} must be a number of seconds from ${min} to ${max}`, field);
  return value;
}

/** An absolute http(s) URL without credentials, as text. */
function httpUrl(value: unknown, field: string): string {
  let url: URL;
  try {
    url = new URL(typeof value === "string" ? value : "");
  } catch {
    bad(`${field} must be an absolute URL`, field);
  }
  if (url.protocol !== "https:" && url.protocol !== "http:") bad(`${field} must be an http or https URL`, field);
  if (url.username !== "" || url.password !== "") bad(`${field} must not carry credentials`, field);
  return url.toString();
}
