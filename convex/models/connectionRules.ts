/**
 * The rules of provider connections, as plain functions with no I/O but the
 * one provider request (`fetchModelList`): validators and limits, checking a
 * base URL (http(s), no credentials, no private address unless the
 * deployment allows them: the outbound webhooks' rule), slugs, a provider's
 * error in words, and a `GET /models` answer read into model ids.
 * The public functions are in connections.ts.
 */
import { slugFrom, uniqueSlug as uniqueSlugOf } from "../lib/slugs";
import { v, type Infer } from "convex/values";
import { fail } from "../lib/errors";
import { privateAddressReason } from "../lib/privateAddresses";
import { connectionModelId, parseConnectionModelId } from "./registry";

export const vConnectionKind = v.union(v.literal("openai-compatible"), v.literal("anthropic"));
export type ConnectionKind = Infer<typeof vConnectionKind>;

/** A connection WITH its key (registry.ts `ConnectionConfig`), as internal queries hand it to actions; never returned to a client. */
export const vConnectionConfig = v.object({
  slug: v.string(),
  name: v.string(),
  kind: vConnectionKind,
  baseUrl: v.optional(v.string()),
  apiKey: v.optional(v.string()),
});

/** untested: added, or its URL or key changed since the last test; ok / failing: how the last test went. */
export const vConnectionStatus = v.union(v.literal("untested"), v.literal("ok"), v.literal("failing"));
export type ConnectionStatus = Infer<typeof vConnectionStatus>;

/** The last "Test connection": the provider's answer, or its error in words. */
export const vConnectionTest = v.object({
  ok: v.boolean(),
  message: v.string(),
  at: v.number(),
  latencyMs: v.optional(v.number()),
});
export type ConnectionTest = Infer<typeof vConnectionTest>;

export const CONNECTION_LIMITS = {
  /** Connections per account: every model list of the account is read whole. */
  perAccount: 20,
  name: 60,
  baseUrl: 500,
  apiKey: 1_000,
  /** Model ids kept from a provider's list (OpenRouter lists hundreds). */
  models: 200,
  modelId: 200,
  /** Longest message kept from a test or a provider error. */
  message: 500,
} as const;

/** How long "Test connection" and "Refresh models" wait for the provider. */
export const PROVIDER_TIMEOUT_MS = 15_000;

/** Anthropic's API root when a connection names none. */
export const ANTHROPIC_DEFAULT_BASE_URL = "https://api.anthropic.com/v1";
export const ANTHROPIC_VERSION = "2023-06-01";

/** 1 to 40 characters: lowercase letters, digits and "-", starting with a letter or digit (registry.ts reads it so). */
export const CONNECTION_SLUG = /^[a-z0-9][a-z0-9-]{0,39}$/;

/** A key shorter than this shows none of its characters (four would be too much of it). */
const MIN_KEY_CHARS_FOR_HINT = 12;

const field = (name: string) => ({ field: name });

export function checkName(raw: string): string {
  const name = raw.trim();
  if (name === "" || name.length > CONNECTION_LIMITS.name) fail("bad_request", `name must be 1 to ${CONNECTION_LIMITS.name} characters.`, field("name"));
  return name;
}

export function checkSlug(raw: string): string {
  const slug = raw.trim();
  if (!CONNECTION_SLUG.test(slug)) {
    fail("bad_request", `slug must be 1 to 40 characters: lowercase letters, digits or "-", starting with a letter or digit.`, field("slug"));
  }
  return slug;
}

/** A slug made from a name ("My OpenRouter" → "my-openrouter"); "connection" when nothing is left. */
export function slugFromName(name: string): string {
  return slugFrom(name, { maxLength: 40, fallback: "connection" });
}

/** `base` itself when free, else `base-2`, `base-3`… (cut to fit 40 characters). */
export function uniqueSlug(base: string, taken: ReadonlySet<string>): string {
  return uniqueSlugOf(base, taken, 40);
}

/** The key, trimmed and bounded; a refusal names `apiKey` and never repeats the key. */
export function checkApiKey(raw: string): string {
  const key = raw.trim();
  if (key === "" || key.length > CONNECTION_LIMITS.apiKey) fail("bad_request", `apiKey must be 1 to ${CONNECTION_LIMITS.apiKey} characters.`, field("apiKey"));
  if (/\s/.test(key)) fail("bad_request", "apiKey must not contain spaces or line breaks.", field("apiKey"));
  return key;
}

/** What the list shows of a key: its last four characters (nothing of a short one). */
export function keyHint(key: string): string | undefined {
  return key.length >= MIN_KEY_CHARS_FOR_HINT ? key.slice(-4) : undefined;
}

/**
 * A connection's base URL: absolute http(s), no credentials, no query or
 * fragment, bounded, and — unless `allowPrivate`
 * (`HARNESS_WEBHOOK_ALLOW_PRIVATE_URLS`, the outbound webhooks' rule) — not a
 * local name or a loopback / private / link-local address. Returned without a
 * trailing slash; undefined for an Anthropic connection that names none.
 */
export function checkBaseUrl(raw: string | undefined, kind: ConnectionKind, { allowPrivate }: { allowPrivate: boolean }): string | undefined {
  const text = (raw ?? "").trim();
  if (text === "") {
    if (kind === "anthropic") return undefined;
    fail("bad_request", "baseUrl is required for an OpenAI-compatible connection (e.g. https://api.openai.com/v1).", field("baseUrl"));
  }
  if (text.length > CONNECTION_LIMITS.baseUrl) fail("bad_request", `baseUrl must be at most ${CONNECTION_LIMITS.baseUrl} characters.`, field("baseUrl"));
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    fail("bad_request", "baseUrl is not a valid absolute URL (e.g. https://api.openai.com/v1).", field("baseUrl"));
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") fail("bad_request", "baseUrl must start with http:// or https://.", field("baseUrl"));
  if (url.username !== "" || url.password !== "") fail("bad_request", "Put no credentials in baseUrl; the API key goes in its own field.", field("baseUrl"));
  if (url.search !== "" || url.hash !== "") fail("bad_request", "baseUrl must not have a ?query or #fragment.", field("baseUrl"));
  const refusal = allowPrivate ? null : privateBaseUrlRefusal(url);
  if (refusal !== null) fail("bad_request", refusal, field("baseUrl"));
  return url.toString().replace(/\/+$/, "");
}

/** Why a connection must not call `url` (a private address), or null when it may. */
export function privateBaseUrlRefusal(url: string | URL): string | null {
  const reason = privateAddressReason(url);
  return reason === null
    ? null
    : `The base URL's host ${reason}; provider connections may call only public internet addresses on this deployment.`;
}

/** The API root a connection's requests go to. */
export function apiRoot(kind: ConnectionKind, baseUrl: string | undefined): string {
  return (baseUrl ?? (kind === "anthropic" ? ANTHROPIC_DEFAULT_BASE_URL : "")).replace(/\/+$/, "");
}

export function hostOf(kind: ConnectionKind, baseUrl: string | undefined): string {
  try {
    return new URL(apiRoot(kind, baseUrl)).host;
  } catch {
    return "the provider";
  }
}

// --- a provider's error in words ------------------------------------------------

type ErrorLike = {
  name?: unknown;
  message?: unknown;
  code?: unknown;
  cause?: unknown;
  statusCode?: unknown;
  responseBody?: unknown;
  lastError?: unknown;
};

function isObject(value: unknown): value is ErrorLike {
  return typeof value === "object" && value !== null;
}

/** The provider's own message in an error body: OpenAI and Anthropic both say `{"error":{"message":…}}`. */
export function providerMessage(body: string): string | undefined {
  const text = body.trim();
  if (text === "") return undefined;
  try {
    const parsed: unknown = JSON.parse(text);
    if (isObject(parsed)) {
      const record = parsed as Record<string, unknown>;
      const error = record.error;
      if (isObject(error) && typeof (error as Record<string, unknown>).message === "string") return String((error as Record<string, unknown>).message);
      if (typeof error === "string") return error;
      if (typeof record.message === "string") return record.message;
      if (typeof record.detail === "string") return record.detail;
    }
  } catch {
    // not JSON: an HTML error page or plain text
  }
  return text.replace(/<[^>]*>/g, " ").replace(/\s+/g, " ").trim().slice(0, 200) || undefined;
}

const NETWORK_WORDS: Record<string, string> = {
  ECONNREFUSED: "connection refused",
  ConnectionRefused: "connection refused",
  ENOTFOUND: "host not found",
  EAI_AGAIN: "host not found",
  EAI_NONAME: "host not found",
  ECONNRESET: "the connection was reset",
  ConnectionClosed: "the connection was closed",
  EPIPE: "the connection was closed",
  UND_ERR_SOCKET: "the connection was closed",
  ETIMEDOUT: "the connection timed out",
  UND_ERR_CONNECT_TIMEOUT: "the connection timed out",
  EHOSTUNREACH: "host unreachable",
  ENETUNREACH: "network unreachable",
};

/** Network failure words from an error's `code` anywhere in its cause chain, or its message. */
function networkWords(error: unknown): string | undefined {
  const seen = new Set<unknown>();
  let current: unknown = error;
  while (isObject(current) && !seen.has(current)) {
    seen.add(current);
    if (typeof current.code === "string") {
      if (NETWORK_WORDS[current.code]) return NETWORK_WORDS[current.code];
      if (/CERT|SSL|TLS/i.test(current.code)) return `its TLS certificate was refused (${current.code})`;
    }
    const message = typeof current.message === "string" ? current.message : "";
    if (/ECONNREFUSED|connection refused/i.test(message)) return "connection refused";
    if (/ENOTFOUND|EAI_AGAIN|getaddrinfo|dns error|failed to lookup address|name or service not known/i.test(message)) return "host not found";
    current = current.cause;
  }
  return undefined;
}

function isTimeout(error: unknown): boolean {
  return isObject(error) && (error.name === "AbortError" || error.name === "TimeoutError");
}

/**
 * A failed provider request in words: `<host> answered HTTP 401: <the
 * provider's own message>`, `Cannot reach <host>: connection refused` /
 * `host not found` / `no answer within 15 s`, else the error's message.
 * `secret` (the key) is never repeated, even when a provider echoes it.
 */
export function providerErrorWords(error: unknown, { host, timedOut = false, secret }: { host: string; timedOut?: boolean; secret?: string }): string {
  let e: unknown = error;
  // generateText wraps retried failures; with maxRetries 0 there is one, the last.
  if (isObject(e) && e.name === "AI_RetryError" && e.lastError !== undefined) e = e.lastError;
  let words: string;
  if (timedOut || isTimeout(e)) {
    words = `Cannot reach ${host}: no answer within ${PROVIDER_TIMEOUT_MS / 1000} s.`;
  } else if (isObject(e) && typeof e.statusCode === "number") {
    const said = typeof e.responseBody === "string" ? providerMessage(e.responseBody) : undefined;
    words = `${host} answered HTTP ${e.statusCode}: ${said ?? (typeof e.message === "string" ? e.message : "no reason given")}`;
  } else {
    const network = networkWords(e);
    if (network !== undefined) words = `Cannot reach ${host}: ${network}.`;
    else words = isObject(e) && typeof e.message === "string" && e.message !== "" ? e.message : String(e);
  }
  return redact(words, secret).slice(0, CONNECTION_LIMITS.message);
}

/** `text` with every occurrence of `secret` replaced by a hint of it. */
export function redact(text: string, secret: string | undefined): string {
  if (secret === undefined || secret.length < 4) return text;
  return text.split(secret).join(`••••${keyHint(secret) ?? ""}`);
}

// --- GET /models ----------------------------------------------------------------

/** The request that lists a connection's models: OpenAI style (`Authorization: Bearer`) or Anthropic's (`x-api-key`). */
export function modelListRequest(kind: ConnectionKind, baseUrl: string | undefined, apiKey: string | undefined): { url: string; headers: Record<string, string> } {
  const root = apiRoot(kind, baseUrl);
  if (kind === "anthropic") {
    return {
      url: `${root}/models?limit=${CONNECTION_LIMITS.models}`,
      headers: { ...(apiKey !== undefined ? { "x-api-key": apiKey } : {}), "anthropic-version": ANTHROPIC_VERSION, Accept: "application/json" },
    };
  }
  return { url: `${root}/models`, headers: { ...(apiKey !== undefined ? { Authorization: `Bearer ${apiKey}` } : {}), Accept: "application/json" } };
}

/**
 * The model ids of a `GET /models` answer (`{"data":[{"id":…},…]}`): those a
 * connection model id can name, deduplicated, sorted, at most 200. Null when
 * the answer has no such list.
 */
export function modelIdsOf(slug: string, body: unknown): string[] | null {
  if (!isObject(body) || !Array.isArray((body as { data?: unknown }).data)) return null;
  const ids = new Set<string>();
  for (const entry of (body as { data: unknown[] }).data) {
    const id = isObject(entry) ? (entry as { id?: unknown }).id : undefined;
    if (typeof id !== "string" || id.length > CONNECTION_LIMITS.modelId) continue;
    if (parseConnectionModelId(connectionModelId(slug, id))?.name !== id) continue;
    ids.add(id);
  }
  return [...ids].sort((a, b) => a.localeCompare(b)).slice(0, CONNECTION_LIMITS.models);
}
