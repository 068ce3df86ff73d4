/**
 * The rules of MCP servers, as plain functions with no I/O: validators and
 * limits, checking what an admin typed (URL, name, bearer token, headers,
 * timeout), the private-address rule (the outbound webhooks' and model
 * connections'), tool slugs a model provider accepts, turning a server's
 * listed tools into registry rows (schema made storable, trust level from
 * the tool's annotations), a server's error in words, and a `tools/call`
 * result as the model reads it. The public functions are in servers.ts.
 */
import { slugFrom, uniqueSlug } from "../lib/slugs";
import { fail } from "../lib/errors";
import { keyHint } from "../models/connectionRules";
import { privateAddressReason } from "../lib/privateAddresses";
import { parameterSchemaProblem } from "../tools/catalogue";
import type { Permission } from "../tools/validators";
import type { Header, ListedTool } from "./validators";

export const MCP_LIMITS = {
  /** Servers per account. */
  perAccount: 10,
  /** Tools kept from one server (the first ones by name). */
  toolsPerServer: 64,
  /** Pages of `tools/list` read at most. */
  listPages: 10,
  name: 60,
  url: 500,
  bearerToken: 2_000,
  headers: 8,
  headerValue: 2_000,
  /** Longest message kept from a refresh or an error. */
  message: 500,
  /** Tools named in a refresh's "skipped" list. */
  skipped: 20,
  toolTitle: 80,
  toolDescription: 1_000,
  /** Characters of a tool's text result the model gets (the rest is cut, saying so). */
  resultChars: 16_000,
} as const;

/** How long one request to the server may take, unless the server says otherwise (1–120 s). */
export const DEFAULT_TIMEOUT_SECONDS = 30;
export const MAX_TIMEOUT_SECONDS = 120;

/** The server's slug: 1 to 24 characters, lowercase letters, digits and "-" (it is part of every tool slug). */
export const SERVER_SLUG = /^[a-z0-9][a-z0-9-]{0,23}$/;
/** What model providers accept as a tool name (OpenAI and Anthropic alike). */
export const PROVIDER_TOOL_NAME = /^[a-zA-Z0-9_-]{1,64}$/;
export const MCP_TOOL_PREFIX = "mcp_";

const field = (name: string) => ({ field: name });

export function checkName(raw: string): string {
  const name = raw.trim().replace(/\s+/g, " ");
  if (name === "" || name.length > MCP_LIMITS.name) fail("bad_request", `name must be 1 to ${MCP_LIMITS.name} characters.`, field("name"));
  return name;
}

/**
 * A server URL: absolute http(s), no credentials or fragment, bounded, and —
 * unless `allowPrivate` (`HARNESS_WEBHOOK_ALLOW_PRIVATE_URLS`) — not a local
 * name or a loopback / private / link-local address. Returned as parsed.
 */
export function checkUrl(raw: string, { allowPrivate }: { allowPrivate: boolean }): string {
  const text = raw.trim();
  if (text === "") fail("bad_request", "url is required: the server's Streamable HTTP endpoint (e.g. https://mcp.example.com/mcp).", field("url"));
  if (text.length > MCP_LIMITS.url) fail("bad_request", `url must be at most ${MCP_LIMITS.url} characters.`, field("url"));
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    fail("bad_request", "url is not a valid absolute URL (e.g. https://mcp.example.com/mcp).", field("url"));
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") fail("bad_request", "url must start with http:// or https:// (Streamable HTTP).", field("url"));
  if (url.username !== "" || url.password !== "") fail("bad_request", "Put no credentials in url; use the bearer token or a header.", field("url"));
  if (url.hash !== "") fail("bad_request", "url must not have a #fragment.", field("url"));
  const refusal = allowPrivate ? null : privateUrlRefusal(url);
  if (refusal !== null) fail("bad_request", refusal, field("url"));
  return url.toString();
}

/** Why a server at `url` must not be called (a private address), or null when it may. */
export function privateUrlRefusal(url: string | URL): string | null {
  const reason = privateAddressReason(url);
  return reason === null ? null : `The MCP server's host ${reason}; MCP servers may be only public internet addresses on this deployment.`;
}

export function checkBearerToken(raw: string): string {
  const token = raw.trim().replace(/^bearer\s+/i, "");
  if (token === "" || token.length > MCP_LIMITS.bearerToken) fail("bad_request", `bearerToken must be 1 to ${MCP_LIMITS.bearerToken} characters.`, field("bearerToken"));
  if (/\s/.test(token)) fail("bad_request", "bearerToken must not contain spaces or line breaks.", field("bearerToken"));
  return token;
}

/** Headers the transport sets itself, or that would carry the session elsewhere. */
const RESERVED_HEADERS = new Set([
  "host",
  "content-length",
  "content-type",
  "accept",
  "connection",
  "transfer-encoding",
  "mcp-session-id",
  "mcp-protocol-version",
  "last-event-id",
]);

/** Extra headers (e.g. `X-API-Key`): names are HTTP tokens, values one line; Authorization goes in `bearerToken`. */
export function checkHeaders(raw: Header[]): Header[] {
  if (raw.length > MCP_LIMITS.headers) fail("bad_request", `At most ${MCP_LIMITS.headers} headers.`, field("headers"));
  const seen = new Set<string>();
  return raw.map((h, i) => {
    const name = h.name.trim();
    const at = field(`headers[${i}].name`);
    if (!/^[A-Za-z0-9!#$%&'*+.^_`|~-]{1,64}$/.test(name)) fail("bad_request", `headers[${i}].name must be an HTTP header name (letters, digits, "-").`, at);
    const lower = name.toLowerCase();
    if (lower === "authorization") fail("bad_request", `headers[${i}]: put the token in bearerToken instead of an Authorization header.`, at);
    if (RESERVED_HEADERS.has(lower)) fail("bad_request", `headers[${i}]: ${name} is set by the MCP transport itself.`, at);
    if (seen.has(lower)) fail("bad_request", `headers[${i}]: ${name} is given twice.`, at);
    seen.add(lower);
    const value = h.value.trim();
    if (value === "" || value.length > MCP_LIMITS.headerValue || /[\r\n\0]/.test(value)) {
      fail("bad_request", `headers[${i}].value must be 1 to ${MCP_LIMITS.headerValue} characters on one line.`, field(`headers[${i}].value`));
    }
    return { name, value };
  });
}

export function checkTimeoutSeconds(raw: number | undefined): number {
  if (raw === undefined) return DEFAULT_TIMEOUT_SECONDS;
  if (!Number.isInteger(raw) || raw < 1 || raw > MAX_TIMEOUT_SECONDS) {
    fail("bad_request", `timeoutSeconds must be a whole number from 1 to ${MAX_TIMEOUT_SECONDS}.`, field("timeoutSeconds"));
  }
  return raw;
}

/** What a list shows of a token: its last four characters (nothing of a short one). */
export function tokenHint(token: string): string | undefined {
  return keyHint(token);
}

/** The headers a request carries: the bearer token as `Authorization`, then the extra ones. */
export function requestHeaders(bearerToken: string | undefined, headers: Header[]): Record<string, string> {
  const out: Record<string, string> = {};
  if (bearerToken !== undefined) out.Authorization = `Bearer ${bearerToken}`;
  for (const h of headers) out[h.name] = h.value;
  return out;
}

// --- slugs ------------------------------------------------------------------------

/** "Everything Reference Server" → "everything-reference-ser"; "" → "server". */
export function serverSlugFrom(name: string): string {
  return slugFrom(name, { maxLength: 24, fallback: "server" });
}

/** `base` itself when free, else `base-2`, `base-3`… (cut to fit 24 characters). */
export function uniqueServerSlug(base: string, taken: ReadonlySet<string>): string {
  return uniqueSlug(base, taken, 24);
}

/** A short, stable tag of `text` (FNV-1a, base 36): tells apart tool names that read the same once sanitized. */
function tag(text: string): string {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash.toString(36).padStart(7, "0").slice(0, 7);
}

/**
 * The registry slug of MCP tool `toolName` on server `serverSlug`:
 * `mcp_<server>_<tool>`, lowercased, anything but letters, digits, "_" and
 * "-" made "_", at most 64 characters — what OpenAI and Anthropic accept as
 * a tool name (`^[a-zA-Z0-9_-]{1,64}$`) and the registry as a slug. When
 * that slug is `taken` (another tool name reads the same, or the cut made
 * two alike), a tag of the original name is appended.
 */
export function mcpToolSlug(serverSlug: string, toolName: string, taken: (slug: string) => boolean): string {
  const prefix = `${MCP_TOOL_PREFIX}${serverSlug.replace(/-/g, "_")}_`;
  const base =
    toolName
      .normalize("NFKD")
      .replace(/[\u0300-\u036f]/g, "")
      .toLowerCase()
      .replace(/[^a-z0-9_-]+/g, "_")
      .replace(/_+/g, "_")
      .replace(/^[_-]+|[_-]+$/g, "") || "tool";
  const plain = `${prefix}${base}`.slice(0, 64);
  if (!taken(plain)) return plain;
  for (let n = 0; ; n++) {
    const suffix = `_${tag(n === 0 ? toolName : `${toolName}#${n}`)}`;
    const candidate = `${plain.slice(0, 64 - suffix.length)}${suffix}`;
    if (!taken(candidate)) return candidate;
  }
}

// --- listed tools ------------------------------------------------------------------

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** Annotation keywords of JSON Schema that carry nothing a call needs (and "$" keys Convex cannot store). */
const DROPPED_KEYWORDS = new Set(["$schema", "$id", "$comment", "$anchor", "$dynamicAnchor"]);
const MAX_REF_DEPTH = 8;

/**
 * `schema` with `$schema` / `$id` / `$comment` dropped and local references
 * (`#/$defs/X`, `#/definitions/X`) written out in place, so that it has no
 * "$" key left — Convex cannot store one. Null when a reference cannot be
 * written out (remote, recursive, or deeper than 8).
 */
export function inlineSchema(schema: Record<string, unknown>): Record<string, unknown> | null {
  const defs: Record<string, unknown> = {
    ...(isPlainObject(schema.definitions) ? Object.fromEntries(Object.entries(schema.definitions).map(([k, d]) => [`#/definitions/${k}`, d])) : {}),
    ...(isPlainObject(schema.$defs) ? Object.fromEntries(Object.entries(schema.$defs).map(([k, d]) => [`#/$defs/${k}`, d])) : {}),
  };
  let unresolved = false;
  const walk = (value: unknown, depth: number, path: readonly string[]): unknown => {
    if (Array.isArray(value)) return value.map((item) => walk(item, depth, path));
    if (!isPlainObject(value)) return value;
    if (typeof value.$ref === "string") {
      const ref = value.$ref;
      const target = defs[ref];
      if (target === undefined || path.includes(ref) || depth >= MAX_REF_DEPTH) {
        unresolved = true;
        return {};
      }
      const { $ref: _ref, ...rest } = value;
      const resolved = walk(target, depth + 1, [...path, ref]) as Record<string, unknown>;
      return Object.keys(rest).length === 0 ? resolved : { allOf: [resolved, walk(rest, depth, path)] };
    }
    const out: Record<string, unknown> = {};
    for (const [key, inner] of Object.entries(value)) {
      if (DROPPED_KEYWORDS.has(key)) continue;
      if (depth === 0 && path.length === 0 && (key === "$defs" || key === "definitions") && value === schema) continue;
      out[key] = walk(inner, depth, path);
    }
    return out;
  };
  const result = walk(schema, 0, []) as Record<string, unknown>;
  return unresolved ? null : result;
}

/** The arguments schema of a listed tool, made storable, or why it cannot be. */
export function toolParameters(inputSchema: unknown): { parameters: Record<string, unknown> } | { problem: string } {
  if (!isPlainObject(inputSchema)) return { problem: "its inputSchema is not a JSON Schema object" };
  const inlined = inlineSchema(inputSchema.type === undefined ? { ...inputSchema, type: "object" } : inputSchema);
  if (inlined === null) return { problem: "its inputSchema uses a $ref that cannot be written out (remote or recursive)" };
  const problem = parameterSchemaProblem(inlined, "inputSchema");
  return problem === null ? { parameters: inlined } : { problem };
}

/** A tool as `tools/list` describes it (the fields the harness reads). */
export type McpListedTool = {
  name: string;
  title?: string;
  description?: string;
  inputSchema?: unknown;
  annotations?: { title?: string; readOnlyHint?: boolean; idempotentHint?: boolean };
};

function cut(text: string, max: number): string {
  const clean = text.replace(/\s+/g, " ").trim();
  return clean.length <= max ? clean : `${clean.slice(0, max - 1)}…`;
}

/**
 * The server's tools as registry rows, sorted by name, at most
 * `toolsPerServer`; the others (unusable schema, a name no provider
 * accepts even sanitized, beyond the limit) with the reason.
 *
 * Trust level: `read` when the server marks the tool `readOnlyHint`, else
 * `write` (so assignments ask for approval by default). Idempotent (safe to
 * repeat when an attempt's outcome is unknown): `readOnlyHint` or
 * `idempotentHint`. Annotations are the server's word: the admin who
 * registered it trusts it that far; assignments still cap what agents may call.
 */
export function listedTools(tools: McpListedTool[]): { tools: ListedTool[]; skipped: { name: string; reason: string }[] } {
  const out: ListedTool[] = [];
  const skipped: { name: string; reason: string }[] = [];
  const seen = new Set<string>();
  for (const tool of [...tools].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
    const name = typeof tool.name === "string" ? tool.name : "";
    if (name === "" || name.length > 128) {
      skipped.push({ name: cut(name || "(unnamed)", 80), reason: "its name is empty or longer than 128 characters" });
      continue;
    }
    if (seen.has(name)) continue;
    seen.add(name);
    if (out.length >= MCP_LIMITS.toolsPerServer) {
      skipped.push({ name, reason: `a server may bring at most ${MCP_LIMITS.toolsPerServer} tools` });
      continue;
    }
    const schema = toolParameters(tool.inputSchema);
    if ("problem" in schema) {
      skipped.push({ name, reason: cut(schema.problem, 200) });
      continue;
    }
    const readOnly = tool.annotations?.readOnlyHint === true;
    const title = cut(tool.title ?? tool.annotations?.title ?? name, MCP_LIMITS.toolTitle);
    const trustLevel: Permission = readOnly ? "read" : "write";
    out.push({
      toolName: name,
      title,
      description: cut(tool.description ?? title, MCP_LIMITS.toolDescription),
      parameters: schema.parameters,
      trustLevel,
      idempotent: readOnly || tool.annotations?.idempotentHint === true,
    });
  }
  return { tools: out, skipped: skipped.slice(0, MCP_LIMITS.skipped) };
}

// --- errors in words ------------------------------------------------------------

type ErrorLike = { name?: unknown; message?: unknown; code?: unknown; cause?: unknown };

function isObject(value: unknown): value is ErrorLike {
  return typeof value === "object" && value !== null;
}

const NETWORK_WORDS: Record<string, string> = {
  ECONNREFUSED: "connection refused",
  ConnectionRefused: "connection refused",
  ENOTFOUND: "host not found",
  EAI_AGAIN: "host not found",
  ECONNRESET: "the connection was reset",
  EPIPE: "the connection was closed",
  UND_ERR_SOCKET: "the connection was closed",
  ETIMEDOUT: "the connection timed out",
  UND_ERR_CONNECT_TIMEOUT: "the connection timed out",
  EHOSTUNREACH: "host unreachable",
  ENETUNREACH: "network unreachable",
};

/** Network failure words from a code or message anywhere in an error's cause chain. */
export function networkWords(error: unknown): string | undefined {
  const seen = new Set<unknown>();
  let current: unknown = error;
  while (isObject(current) && !seen.has(current)) {
    seen.add(current);
    if (typeof current.code === "string" && NETWORK_WORDS[current.code]) return NETWORK_WORDS[current.code];
    const message = typeof current.message === "string" ? current.message : "";
    if (/ECONNREFUSED|connection refused/i.test(message)) return "connection refused";
    if (/ENOTFOUND|EAI_AGAIN|getaddrinfo|dns error|failed to lookup address/i.test(message)) return "host not found";
    if (/ECONNRESET|connection reset|socket hang up|other side closed/i.test(message)) return "the connection was closed";
    current = current.cause;
  }
  return undefined;
}

/** `text` with every secret replaced by a hint of it. */
export function redact(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const secret of secrets) {
    if (secret.length >= 4) out = out.split(secret).join(`••••${keyHint(secret) ?? ""}`);
  }
  return out;
}

export function hostOf(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return "the MCP server";
  }
}

/** The text of a server's error body: JSON-RPC `error.message`, else the text without tags. */
export function serverMessage(body: string): string | undefined {
  const text = body.trim();
  if (text === "") return undefined;
  try {
    const parsed: unknown = JSON.parse(text);
    if (isObject(parsed)) {
      const error = (parsed as Record<string, unknown>).error;
      if (isObject(error) && typeof (error as Record<string, unknown>).message === "string") return String((error as Record<string, unknown>).message);
      if (typeof error === "string") return error;
      const message = (parsed as Record<string, unknown>).message;
      if (typeof message === "string") return message;
    }
  } catch {
    // not JSON: an HTML error page or plain text
  }
  return text.replace(/<[^>]*>/g, " ").replace(/\s+/g, " ").trim().slice(0, 200) || undefined;
}

// --- results ------------------------------------------------------------------------

type ContentBlock = {
  type?: unknown;
  text?: unknown;
  mimeType?: unknown;
  data?: unknown;
  uri?: unknown;
  name?: unknown;
  resource?: { uri?: unknown; mimeType?: unknown; text?: unknown; blob?: unknown };
};

/** One content block in words: text as it is, other kinds named (a model cannot read bytes here). */
function blockText(block: ContentBlock): string {
  switch (block.type) {
    case "text":
      return typeof block.text === "string" ? block.text : "";
    case "image":
    case "audio": {
      const bytes = typeof block.data === "string" ? Math.floor((block.data.length * 3) / 4) : 0;
      return `[${String(block.type)}: ${typeof block.mimeType === "string" ? block.mimeType : "unknown type"}, ${bytes} bytes, not shown]`;
    }
    case "resource": {
      const r = block.resource ?? {};
      if (typeof r.text === "string") return r.text;
      return `[resource ${typeof r.uri === "string" ? r.uri : ""}${typeof r.mimeType === "string" ? ` (${r.mimeType})` : ""}, not shown]`;
    }
    case "resource_link":
      return `[resource link: ${typeof block.uri === "string" ? block.uri : ""}${typeof block.name === "string" ? ` (${block.name})` : ""}]`;
    default:
      return `[${typeof block.type === "string" ? block.type : "unknown"} content, not shown]`;
  }
}

/** The text of a result's content blocks, cut at `resultChars` (saying so). */
export function resultText(content: unknown): string {
  const blocks = Array.isArray(content) ? (content as ContentBlock[]) : [];
  const text = blocks.map(blockText).filter((t) => t !== "").join("\n\n");
  if (text.length <= MCP_LIMITS.resultChars) return text;
  return `${text.slice(0, MCP_LIMITS.resultChars)}\n…[cut: ${text.length - MCP_LIMITS.resultChars} more characters]`;
}

/**
 * A successful `tools/call` result as the model gets it: the structured
 * content when there is some (with the text too when the text says more than
 * the structure's JSON), else the text of the content blocks.
 */
export function resultValue(result: { content?: unknown; structuredContent?: unknown }): unknown {
  const text = resultText(result.content);
  const structured = result.structuredContent;
  if (isPlainObject(structured)) {
    const json = JSON.stringify(structured);
    if (JSON.stringify(structured).length > MCP_LIMITS.resultChars) return text;
    if (text === "" || text === json || safeEqualJson(text, structured)) return structured;
    return { structuredContent: structured, text };
  }
  return text;
}

function safeEqualJson(text: string, value: unknown): boolean {
  try {
    return JSON.stringify(JSON.parse(text)) === JSON.stringify(value);
  } catch {
    return false;
  }
}
