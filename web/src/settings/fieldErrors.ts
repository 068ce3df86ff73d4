/**
 * Which form field a refusal from the keys / webhooks backend concerns. Those
 * functions name the field in their message ("rateLimit.requests must be…",
 * "The URL must…", "Choose at least one event…"), so the message is matched
 * against a short list of patterns per form; anything else is shown for the
 * whole form.
 */
import type { FieldError } from "../agents/errors";
import { errorText, isHarnessError } from "../lib/errors";

export type { FieldError };

/** `[field, pattern]`: the first pattern the message matches names the field. */
export type FieldRules = ReadonlyArray<readonly [field: string, pattern: RegExp]>;

export const KEY_FIELDS: FieldRules = [
  ["name", /key name/i],
  ["rateRequests", /^rateLimit\.requests\b/],
  ["ratePeriod", /^rateLimit\.periodSeconds\b/],
  ["expiresInDays", /^expiresInDays\b/],
  ["agentId", /^Agent not found/i],
];

export const WEBHOOK_FIELDS: FieldRules = [
  ["url", /\bURL\b/],
  ["events", /\bevents?\b/i],
  ["description", /\bdescription\b/i],
];

/** Split a refusal into the field it concerns (when the rules recognise it) and words for the rest. */
export function splitByField(error: unknown, rules: FieldRules): { field: FieldError | null; general: string | null } {
  if (isHarnessError(error) && (error.data.code === "bad_request" || error.data.code === "not_found")) {
    const message = error.data.message;
    const match = rules.find(([, pattern]) => pattern.test(message));
    if (match !== undefined) return { field: { field: match[0], message }, general: null };
  }
  return { field: null, general: errorText(error) };
}
