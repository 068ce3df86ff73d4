/**
 * What a configuration change changed: the fields whose value differs
 * between `before` and `after`, each side as JSON text with secrets replaced
 * by `[redacted]`. Pure: no ctx, so every writer and test shares it.
 *
 * A value is a secret when its field is named like one (token, secret,
 * password, key, credential, authorization, headers) or when it has the shape
 * of one of the secrets this app handles: API keys (`thk_…`), webhook signing
 * secrets (`whsec_…`), provider keys (`sk-…`), Telegram bot tokens
 * (`123456:AA…`), bearer credentials. Hints that exist to tell secrets apart
 * without revealing them (`hasKey`, `keyLast4`, `displayPrefix`) are kept.
 */
import type { AuditFieldChange } from "./schema";

export const REDACTED = "[redacted]";

/** Longest JSON text kept per side; longer values (a long prompt) are cut and marked. */
export const MAX_VALUE_CHARS = 2000;

/** Bookkeeping every row has; never a change anyone made. */
const IGNORED_FIELDS = new Set(["_id", "_creationTime", "updatedAt", "updatedBy"]);

const SECRET_FIELD = /token|secret|password|passwd|api_?key|credential|authorization|private_?key|^headers?$|^key$/i;
/** Not secrets themselves: they say whether one exists, or show the few characters meant to be shown. */
const SECRET_HINT = /^has[A-Z]|Last4$|Prefix$|^keyId$/;
const SECRET_VALUE = [
  /\bthk_[A-Za-z0-9_-]{8,}/,
  /\bwhsec_[A-Za-z0-9+/=_-]{8,}/,
  /\bsk-[A-Za-z0-9_-]{8,}/,
  /\b\d{6,}:[A-Za-z0-9_-]{30,}\b/,
  /\bBearer\s+\S{8,}/i,
];

export function isSecretField(field: string): boolean {
  return SECRET_FIELD.test(field) && !SECRET_HINT.test(field);
}

function looksSecret(value: string): boolean {
  return SECRET_VALUE.some((pattern) => pattern.test(value));
}

/** `value` with every secret inside it (by field name or by shape) replaced, keys sorted for stable comparison. */
export function redact(value: unknown, field = ""): unknown {
  if (value === undefined || value === null) return value;
  if (field !== "" && isSecretField(field)) return REDACTED;
  if (typeof value === "string") return looksSecret(value) ? REDACTED : value;
  if (Array.isArray(value)) return value.map((item) => redact(item));
  if (typeof value === "object") {
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(value).sort()) out[key] = redact((value as Record<string, unknown>)[key], key);
    return out;
  }
  return value;
}

function asText(value: unknown): string | undefined {
  if (value === undefined) return undefined;
  const text = JSON.stringify(value);
  return text.length > MAX_VALUE_CHARS ? `${text.slice(0, MAX_VALUE_CHARS)}…` : text;
}

/**
 * The changed fields, in field order. `before` null: created (every field of
 * `after`); `after` null: removed (every field of `before`).
 */
export function fieldChanges(before: object | null, after: object | null): AuditFieldChange[] {
  const left = (before ?? {}) as Record<string, unknown>;
  const right = (after ?? {}) as Record<string, unknown>;
  const fields = [...new Set([...Object.keys(left), ...Object.keys(right)])].filter((f) => !IGNORED_FIELDS.has(f)).sort();
  const changes: AuditFieldChange[] = [];
  for (const field of fields) {
    const secret = isSecretField(field);
    // Compare the real values (a replaced secret is a change), show only redacted ones.
    if (JSON.stringify(sorted(left[field])) === JSON.stringify(sorted(right[field]))) continue;
    const was = secret && left[field] !== undefined ? REDACTED : redact(left[field]);
    const now = secret && right[field] !== undefined ? REDACTED : redact(right[field]);
    changes.push({
      field,
      ...(was !== undefined ? { before: asText(was) } : {}),
      ...(now !== undefined ? { after: asText(now) } : {}),
    });
  }
  return changes;
}

/** Object keys sorted at every level, so `{a, b}` equals `{b, a}`. */
function sorted(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sorted);
  if (value !== null && typeof value === "object") {
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(value).sort()) out[key] = sorted((value as Record<string, unknown>)[key]);
    return out;
  }
  return value;
}
