/**
 * Small, deterministic text helpers shared by the offline language model and
 * the offline embedding model. No Node built-ins: this runs in the Convex
 * runtime.
 */

/** 32-bit FNV-1a hash of a string (UTF-16 code units), as an unsigned integer. */
export function fnv1a(text: string, seed = 0x811c9dc5): number {
  let hash = seed >>> 0;
  for (let index = 0; index < text.length; index++) {
    hash ^= text.charCodeAt(index);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash >>> 0;
}

/** A 16-hex-digit digest (two FNV-1a passes with different seeds): stable ids, not security. */
export function digest(text: string): string {
  const a = fnv1a(text).toString(16).padStart(8, "0");
  const b = fnv1a(text, 0x9747b28c).toString(16).padStart(8, "0");
  return a + b;
}

/** Lower-case, strip accents, collapse whitespace. */
export function normalizeText(text: string): string {
  return text
    .normalize("NFKD")
    .replace(/[\u0300-\u036f]/g, "")
    .toLowerCase()
    .replace(/\s+/g, " ")
    .trim();
}

/** Words (letters and digits) of a normalised text. */
export function words(text: string): string[] {
  return normalizeText(text).match(/[\p{L}\p{N}]+/gu) ?? [];
}

export const STOP_WORDS: ReadonlySet<string> = new Set(
  (
    "a an and are as at be been but by can could did do does for from had has have he her his how i if in into is it " +
    "its just me my no not of on or our please she so than that the their them then there these they this to too us " +
    "was we were what when where which who why will with would you your yours about also any some"
  ).split(" "),
);

/** Estimated tokens for a number of characters (about four characters a token). */
export function tokensForChars(chars: number): number {
  return Math.ceil(Math.max(0, chars) / 4);
}

/** Collapse whitespace and cut to `max` characters with an ellipsis. */
export function snippet(text: string, max = 160): string {
  const flat = text.replace(/\s+/g, " ").trim();
  return flat.length <= max ? flat : `${flat.slice(0, max - 1).trimEnd()}…`;
}

/** Escape a string for use inside a RegExp. */
export function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}
