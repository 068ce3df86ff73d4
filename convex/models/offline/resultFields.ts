/** Reading a tool's result (or input) without trusting its shape. */
import { snippet } from "../text";

/** The first of `names` that holds a non-empty string or a number, as text. */
export function field(value: unknown, names: string[]): string | undefined {
  if (typeof value !== "object" || value === null || Array.isArray(value)) return undefined;
  for (const name of names) {
    const found = (value as Record<string, unknown>)[name];
    if (typeof found === "string" && found.trim() !== "") return found.trim();
    if (typeof found === "number") return String(found);
  }
  return undefined;
}

const REPLY_FIELDS = ["reply", "text", "answer", "result", "output", "response", "message", "summary", "content"];

/** A result in at most `max` characters: its text, its reply-like field, or its JSON. */
export function summarize(value: unknown, max = 400): string {
  if (typeof value === "string") return snippet(value, max);
  const reply = field(value, REPLY_FIELDS);
  if (reply !== undefined) return snippet(reply, max);
  return snippet(JSON.stringify(value) ?? "nothing", max);
}
