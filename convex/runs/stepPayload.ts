/**
 * What a step keeps of its input and output: secrets redacted, then bounded.
 * Pure functions. The step writers (stepRows.ts) pass every input and output
 * through `keptPayload`, so no caller can store one raw; callers still never
 * hand over a secret the harness itself holds (provider keys, signing
 * secrets, MCP tokens) — this catches what users and models put in text.
 *
 * Redaction comes before the cut, so a secret straddling the cut is gone
 * whole rather than half shown.
 */

/** At most this many characters of each input and output are kept. */
export const STEP_PAYLOAD_MAX_CHARS = 4_000;

export const REDACTED = "[redacted]";

/**
 * Well-known credential shapes. Each keeps its recognisable prefix (group 1)
 * so staff can tell what was there without seeing it.
 */
const SECRET_SHAPES: RegExp[] = [
  // PEM private keys, whole block.
  /(-----BEGIN [A-Z ]*PRIVATE KEY-----)[\s\S]*?(?:-----END [A-Z ]*PRIVATE KEY-----|$)/g,
  // Authorization header values: `Bearer …`, `Basic …`.
  /\b((?:Bearer|Basic)\s+)[A-Za-z0-9\-._~+/]{8,}=*/g,
  // OpenAI / Anthropic (`sk-…`, `sk-proj-…`, `sk-ant-…`).
  /\b(sk-)[A-Za-z0-9_-]{16,}/g,
  // Stripe secret and restricted keys, Standard Webhooks / svix signing secrets, this harness's API keys.
  /\b((?:sk|rk)_(?:live|test)_|whsec_|thk_)[A-Za-z0-9_]{8,}/g,
  // Slack tokens.
  /\b(xox[abposr]-)[A-Za-z0-9-]{10,}/g,
  // GitHub tokens (classic and fine-grained).
  /\b(gh[pousr]_|github_pat_)[A-Za-z0-9_]{20,}/g,
  // AWS access key ids.
  /\b((?:AKIA|ASIA))[0-9A-Z]{16}\b/g,
  // Google API keys.
  /\b(AIza)[0-9A-Za-z_-]{35}/g,
  // JSON Web Tokens.
  /\b(eyJ)[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}/g,
  // Passwords in URLs: `scheme://user:password@host`.
  /(\/\/[^\s/:@]{1,200}:)[^\s/@]{1,200}(?=@)/g,
];

/**
 * `name=value`, `name: value`, `"name": "value"` where the name says secret
 * (query strings, env lines, broken JSON). Repeats are bounded so a long run
 * of word characters costs linear time, not quadratic.
 */
const SECRET_ASSIGNMENT =
  /((["']?)[\w-]{0,40}(?:api[_-]?key|access[_-]?key|private[_-]?key|secret|token(?!s)|password|passwd|authorization)[\w-]{0,40}\2\s*[:=]\s*["']?)(?!\[redacted\])((?:Bearer\s+|Basic\s+)?[^\s"',;&}]+)/gi;

/** Field names whose string values are secrets: `api_key`, `apiKey`, `x-api-key`, `github_token`, `db_password`, `Authorization`… */
export function isSecretName(name: string): boolean {
  const flat = name.toLowerCase().replace(/[^a-z0-9]/g, "");
  return flat === "key" || flat === "auth" || /(?:apikey|accesskey|secretkey|privatekey|signingkey|secret|password|passwd|passphrase|token|authorization|credentials?|cookie)$/.test(flat);
}

/** Free text with every recognised secret replaced by `[redacted]` (its prefix kept). */
export function redactText(text: string): string {
  let out = text;
  for (const shape of SECRET_SHAPES) out = out.replace(shape, (_match, prefix: string) => `${prefix}${REDACTED}`);
  return out.replace(SECRET_ASSIGNMENT, (_match, name: string) => `${name}${REDACTED}`);
}

/** A parsed JSON value with secret-named fields and secret-shaped strings redacted. */
export function redactJson(value: unknown): unknown {
  if (typeof value === "string") return redactText(value);
  if (Array.isArray(value)) return value.map(redactJson);
  if (value !== null && typeof value === "object") {
    return Object.fromEntries(
      Object.entries(value).map(([name, field]) => [name, isSecretName(name) && typeof field === "string" && field !== "" ? REDACTED : redactJson(field)]),
    );
  }
  return value;
}

/** JSON objects and arrays are redacted by structure; anything else (plain text, broken JSON) as text. */
export function redactSecrets(text: string): string {
  const trimmed = text.trimStart();
  if (trimmed.startsWith("{") || trimmed.startsWith("[")) {
    try {
      return JSON.stringify(redactJson(JSON.parse(text)));
    } catch {
      // Not JSON after all: redacted as text below.
    }
  }
  return redactText(text);
}

/**
 * At most `max` characters (code points: an emoji or a non-Latin letter is
 * never split), then a visible marker saying how many were left out.
 */
export function boundText(text: string, max = STEP_PAYLOAD_MAX_CHARS): string {
  if (text.length <= max) return text; // UTF-16 length ≥ code points: nothing to cut
  const points = Array.from(text);
  if (points.length <= max) return text;
  const rest = points.length - max;
  return `${points.slice(0, max).join("")}… (${rest.toLocaleString("en-US")} more character${rest === 1 ? "" : "s"})`;
}

/** What a step keeps of an input or output: redacted, then bounded. */
export function keptPayload(text: string, max = STEP_PAYLOAD_MAX_CHARS): string {
  return boundText(redactSecrets(text), max);
}

/** `keptPayload` of a value as JSON (a step's structured input or output). */
export function keptJson(value: unknown, max = STEP_PAYLOAD_MAX_CHARS): string {
  return keptPayload(JSON.stringify(value) ?? "null", max);
}
