/**
 * An answer from retrieved knowledge: the context entries (`[1] …`) the
 * harness put in the system prompt, the ones sharing words with the question
 * first, each quoted with its citation number.
 */
import { snippet, STOP_WORDS, words } from "../text";

type ContextEntry = { number: string; text: string };

export function contextEntries(system: string): ContextEntry[] {
  const entries: ContextEntry[] = [];
  for (const found of system.matchAll(/^\s*\[(\d+)\]\s*(.*\S)\s*$/gm)) {
    if (found[1] && found[2]) entries.push({ number: found[1], text: found[2] });
  }
  return entries;
}

function keyTerms(text: string, count: number): string[] {
  const seen = new Set<string>();
  for (const word of words(text)) {
    if (word.length < 4 || STOP_WORDS.has(word) || seen.has(word)) continue;
    seen.add(word);
    if (seen.size === count) break;
  }
  return [...seen];
}

export function answerFromContext(message: string, entries: ContextEntry[]): string {
  const asked = new Set(keyTerms(message, 12));
  const scored = entries.map((entry, index) => ({ entry, index, score: words(entry.text).filter((word) => asked.has(word)).length }));
  // Entries sharing words with the question; all of them if none does (the retriever chose them).
  const relevant = scored.some((entry) => entry.score > 0) ? scored.filter((entry) => entry.score > 0) : scored;
  const ranked = relevant
    .sort((a, b) => b.score - a.score || a.index - b.index)
    .slice(0, 3)
    .sort((a, b) => a.index - b.index);
  const cited = ranked.map(({ entry }) => `${snippet(entry.text, 240).replace(/[.\s]+$/, "")} [${entry.number}].`);
  return ["Here is what I found in the knowledge I was given:", ...cited, "Let me know if you'd like more detail on any of these sources."].join(" ");
}
