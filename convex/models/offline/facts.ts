/**
 * The offline model's fact extraction: durable facts read deterministically
 * from plain statements in a user's message, so remembering from
 * conversations works (and is tested) with no provider. It understands:
 *
 *   "my name is Kim" / "call me Kim" / "I'm called Kim"     → the user is named Kim
 *   "I live in Porto" / "I moved to Lisbon"                 → the user lives in …  (a move supersedes)
 *   "I work at Harbour" / "I work as a pilot"               → the user works at / as …
 *   "I prefer window seats" / "I like …" / "I'm vegetarian" → the user prefers / likes / is …
 *   "my favourite colour is green"                          → the user's favourite colour is green
 *   "I have two kids"                                        → the user has two kids
 *   "remember that our fiscal year starts in April"         → explicit: stored even when sensitive;
 *                                                              "our / we" makes it about the account
 *
 * Questions and negations are skipped. Pure: the same message, the same facts.
 */

export type OfflineFact = {
  about: "user" | "account";
  subject: string;
  predicate: string;
  value: string;
  /** The user asked for it to be remembered ("remember that …"). */
  explicit: boolean;
};

type Rule = { pattern: RegExp; fact: (match: RegExpExecArray) => Omit<OfflineFact, "explicit" | "about"> & { about?: OfflineFact["about"] } };

const USER = "the user";
const VERB: Record<string, string> = { prefer: "prefers", like: "likes", love: "likes", hate: "dislikes", dislike: "dislikes", speak: "speaks", use: "uses" };

const RULES: Rule[] = [
  { pattern: /\b(?:my name is|call me|i am called|i'm called)\s+(.+)/i, fact: (m) => ({ subject: USER, predicate: "is named", value: m[1]! }) },
  { pattern: /\bi(?: have)? (?:live|lives|moved|relocated) (?:in|to)\s+(.+)/i, fact: (m) => ({ subject: USER, predicate: "lives in", value: m[1]! }) },
  { pattern: /\bi(?:'m| am) (?:based|living) in\s+(.+)/i, fact: (m) => ({ subject: USER, predicate: "lives in", value: m[1]! }) },
  { pattern: /\bi work (at|for|as)\s+(.+)/i, fact: (m) => ({ subject: USER, predicate: `works ${m[1]!.toLowerCase() === "as" ? "as" : "at"}`, value: m[2]! }) },
  { pattern: /\bi (prefer|like|love|hate|dislike|speak|use)\s+(.+)/i, fact: (m) => ({ subject: USER, predicate: VERB[m[1]!.toLowerCase()]!, value: m[2]! }) },
  { pattern: /\bi have (?!been\b|to\b|had\b|got to\b)(an? |\d+ |one |two |three |four |five )(.+)/i, fact: (m) => ({ subject: USER, predicate: "has", value: `${m[1]!}${m[2]!}` }) },
  { pattern: /\bi(?:'m| am) (?:a |an )?(vegetarian|vegan|pescatarian|left-handed|right-handed|colou?r-?blind)\b/i, fact: (m) => ({ subject: USER, predicate: "is", value: m[1]!.toLowerCase() }) },
  { pattern: /\bmy ([\p{L}\s'-]{2,40}?) (is|are)\s+(.+)/iu, fact: (m) => ({ subject: `${USER}'s ${m[1]!.trim().toLowerCase()}`, predicate: m[2]!.toLowerCase(), value: m[3]! }) },
  { pattern: /\bour ([\p{L}\s'-]{2,40}?) (is|are|starts|start|ends|end|begins|begin|opens|open|closes|close)\s+(.+)/iu, fact: (m) => ({ about: "account", subject: `the account's ${m[1]!.trim().toLowerCase()}`, predicate: m[2]!.toLowerCase(), value: m[3]! }) },
];

const QUESTION = /\?\s*$|^\s*(?:what|who|where|when|why|how|do|does|did|is|are|can|could|would|should)\b/i;
const NEGATION = /\b(?:not|never|no longer|don't|doesn't|didn't|isn't|aren't)\b/i;
const EXPLICIT = /^\s*(?:please\s+)?(?:remember|note|keep in mind)(?: that)?\s+/i;

/** Sentences of a message, and clauses joined by "and I / and my" (a fact never spans two). */
function sentences(text: string): string[] {
  return text
    .split(/(?<=[.!?;])\s+|\n+|,?\s+and\s+(?=(?:i|i'm|my)\b)/i)
    .map((sentence) => sentence.trim())
    .filter((sentence) => sentence !== "");
}

/** A value as stored: trimmed, without closing punctuation or a trailing clause ("…, thanks"). */
function cleanValue(value: string): string {
  return value
    .replace(/\s*(?:,|\bbut\b|\band i\b|\bso\b|\bthanks?\b|\bplease\b).*$/i, "")
    // When it happened is not part of the fact ("Lisbon last spring"), nor is a relative clause ("two kids who love football").
    .replace(/\s+(?:last|this|next) (?:week|month|year|spring|summer|autumn|fall|winter)\b.*$|\s+(?:yesterday|recently|in \d{4})\b.*$/i, "")
    .replace(/\s+(?:who|which|that)\b.*$/i, "")
    .replace(/[.!;:]+$/, "")
    .trim();
}

/** The facts a message states, in order, at most `limit`. */
export function offlineFacts(message: string, limit = 5): OfflineFact[] {
  const found: OfflineFact[] = [];
  for (const raw of sentences(message)) {
    const explicit = EXPLICIT.test(raw);
    const sentence = raw.replace(EXPLICIT, "");
    if (QUESTION.test(sentence) || NEGATION.test(sentence)) continue;
    const before = found.length;
    for (const rule of RULES) {
      const match = rule.pattern.exec(sentence);
      if (match === null) continue;
      const fact = rule.fact(match);
      const value = cleanValue(fact.value);
      if (value !== "" && value.length <= 200) found.push({ about: fact.about ?? "user", subject: fact.subject, predicate: fact.predicate, value, explicit });
      break;
    }
    // "Remember that the plumber comes on Tuesday": asked for, so kept as a note even when no rule reads it.
    const note = sentence.replace(/[.!;:]+$/, "").trim();
    if (found.length === before && explicit && note !== "" && note.length <= 300) {
      found.push({ about: /\b(?:our|we)\b/i.test(note) ? "account" : "user", subject: note, predicate: "", value: "", explicit });
    }
    if (found.length === limit) break;
  }
  return found;
}
