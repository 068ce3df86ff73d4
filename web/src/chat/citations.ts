import type { UIMessage } from "@convex-dev/agent/react";
import { isToolPart, toolNameOf } from "./ToolCall";

/** What an answer's `[n]` refers to. */
export type Citation = { n: number; title: string; score?: number; documentId?: string; documentExists?: boolean; location?: string };

const SEARCH_TOOLS = new Set(["knowledge_search", "memory_search"]);

/** Where a cited document opens: the Knowledge page, with that document selected (at a place such as "p. 4", when known). */
export function documentHref(documentId: string, at?: string): string {
  return `/knowledge?document=${encodeURIComponent(documentId)}${at ? `&at=${encodeURIComponent(at)}` : ""}`;
}

/** The `[n]` numbers a text cites, in order of first appearance. */
export function citedNumbers(text: string): number[] {
  const seen: number[] = [];
  for (const found of text.matchAll(/\[(\d{1,2})\]/g)) {
    const n = Number(found[1]);
    if (!seen.includes(n)) seen.push(n);
  }
  return seen;
}

/**
 * Citations from a knowledge search the reply itself made: after a
 * `knowledge_search` tool call the answer numbers that tool's results
 * (first search of the reply wins). Null when the reply made none.
 */
export function citationsFromSearchTools(message: UIMessage): Citation[] | null {
  for (const part of message.parts) {
    if (!isToolPart(part) || !SEARCH_TOOLS.has(toolNameOf(part))) continue;
    const output = (part as { output?: unknown }).output;
    const results = typeof output === "object" && output !== null ? (output as { results?: unknown }).results : undefined;
    if (!Array.isArray(results)) continue;
    return results.map((result: unknown, index): Citation => {
      const hit = (typeof result === "object" && result !== null ? result : {}) as { title?: unknown; text?: unknown; score?: unknown; documentId?: unknown };
      const title = typeof hit.title === "string" && hit.title !== "" ? hit.title : typeof hit.text === "string" ? hit.text.slice(0, 80) : "Knowledge entry";
      return {
        n: index + 1,
        title,
        ...(typeof hit.score === "number" ? { score: hit.score } : {}),
        ...(typeof hit.documentId === "string" ? { documentId: hit.documentId, documentExists: true } : {}),
      };
    });
  }
  return null;
}
