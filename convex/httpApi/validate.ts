/**
 * Request checks for the HTTP API: every body field and query parameter is
 * checked here, and anything not documented is refused (400 `bad_request`
 * naming it) before any work is done. A refusal about one body field carries
 * its path as `field` in the error envelope (`text`, `tools[0].extra`);
 * query parameters are named in the message only.
 */
import { HttpError } from "../lib/http";

function bad(message: string, field?: string): never {
  throw new HttpError("bad_request", message, field !== undefined ? { field } : {});
}

/**
 * Refuse fields outside `allowed`. `path` is where the object sits in the
 * body (`execution`, `tools[0]`; empty for the body itself, which the
 * message calls `topName`); `field` is the first unknown key's path.
 */
export function onlyFields(object: Record<string, unknown>, allowed: readonly string[], path = "", topName = "The body"): void {
  const unknown = Object.keys(object).filter((key) => !allowed.includes(key));
  if (unknown.length > 0) {
    bad(
      `${path || topName} has unknown field${unknown.length > 1 ? "s" : ""} ${unknown.map((k) => `"${k}"`).join(", ")}; allowed: ${allowed.join(", ")}.`,
      path ? `${path}.${unknown[0]}` : unknown[0],
    );
  }
}

type StringRule = { maxLength: number; pattern?: RegExp; hint?: string; allowEmpty?: boolean };

function checkString(value: unknown, name: string, rule: StringRule): string {
  if (typeof value !== "string") bad(`${name} must be a string.`, name);
  if (!rule.allowEmpty && value.trim() === "") bad(`${name} must not be empty.`, name);
  if (value.length > rule.maxLength) bad(`${name} is at most ${rule.maxLength} characters.`, name);
  if (rule.pattern && !rule.pattern.test(value)) bad(`${name} ${rule.hint ?? "has the wrong form"}.`, name);
  return value;
}

export function requiredString(object: Record<string, unknown>, name: string, rule: StringRule): string {
  if (!(name in object) || object[name] === undefined) bad(`${name} is required.`, name);
  return checkString(object[name], name, rule);
}

export function optionalString(object: Record<string, unknown>, name: string, rule: StringRule): string | undefined {
  const value = object[name];
  return value === undefined ? undefined : checkString(value, name, rule);
}

/** Refuse query parameters outside `allowed`, and repeated ones. */
export function queryParams(url: URL, allowed: readonly string[]): Record<string, string> {
  const params: Record<string, string> = {};
  for (const [key, value] of url.searchParams) {
    if (!allowed.includes(key)) bad(`Unknown query parameter "${key}"${allowed.length ? `; allowed: ${allowed.join(", ")}` : ""}.`);
    if (key in params) bad(`The query parameter "${key}" is given twice.`);
    params[key] = value;
  }
  return params;
}

/**
 * The `{id}` segment of `/prefix/{id}/suffix`: one non-empty path segment,
 * percent-decoded. Anything else is a path that does not exist (404).
 */
export function pathParam(url: URL, prefix: string, suffix = ""): string {
  const path = url.pathname;
  const inner = path.startsWith(prefix) && path.endsWith(suffix) ? path.slice(prefix.length, path.length - suffix.length) : "";
  let decoded = "";
  try {
    decoded = decodeURIComponent(inner);
  } catch {
    decoded = "";
  }
  if (inner === "" || inner.includes("/") || decoded === "" || decoded.length > 200) {
    throw new HttpError("not_found", `No route ${path}.`);
  }
  return decoded;
}
