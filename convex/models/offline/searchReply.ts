/** A knowledge search's result in words: the first hits, numbered, or plainly that nothing was found. */
import type { ToolResultView } from "./conversation";
import { field, summarize } from "./resultFields";

export function describeSearch(result: ToolResultView): string {
  const query = field(result.input, ["query", "q", "question", "search"]);
  const value = result.value;
  const list = Array.isArray(value)
    ? value
    : typeof value === "object" && value !== null
      ? ((value as Record<string, unknown>).results ?? (value as Record<string, unknown>).entries ?? (value as Record<string, unknown>).hits)
      : undefined;
  if (Array.isArray(list)) {
    if (list.length === 0) return `I searched the knowledge base${query ? ` for “${query}”` : ""} but found nothing relevant.`;
    const cited = list.slice(0, 3).map((item, index) => `[${index + 1}] ${summarize(item, 200)}`);
    return `Here is what I found in the knowledge base${query ? ` about “${query}”` : ""}: ${cited.join(" ")}`;
  }
  const text = summarize(value);
  if (text === "" || /^no (?:results|matches)/i.test(text)) {
    return `I searched the knowledge base${query ? ` for “${query}”` : ""} but found nothing relevant.`;
  }
  return `Here is what I found in the knowledge base${query ? ` about “${query}”` : ""}: ${text}`;
}
