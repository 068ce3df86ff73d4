/**
 * `web_search`: search the web through the configured provider
 * (searchProviders.ts; Tavily). Read level. Without a provider key the tool
 * is listed as not configured and every call is refused with that reason.
 */
import type { ToolDefinition } from "../types";
import { ToolInputError } from "../toolInputError";
import { searchProvider } from "./searchProviders";

export const DEFAULT_RESULTS = 5;
export const MAX_RESULTS = 10;
const SEARCH_TIMEOUT_MS = 20_000;
const MAX_QUERY_CHARS = 400;

export const webSearch: ToolDefinition = {
  slug: "web_search",
  description: "Search the web: returns result titles, URLs and snippets for a query (read a result with web_reader).",
  trustLevel: "read",
  idempotent: true,
  parameters: {
    type: "object",
    properties: {
      query: { type: "string", description: "What to search for, as a search query" },
      max_results: { type: "integer", minimum: 1, maximum: MAX_RESULTS, description: `How many results (default ${DEFAULT_RESULTS})` },
    },
    required: ["query"],
    additionalProperties: false,
  },
  unavailableReason: () => searchProvider().notConfiguredReason(),
  execute: async (_run, args) => {
    const provider = searchProvider();
    const reason = provider.notConfiguredReason();
    if (reason !== null) throw new ToolInputError(reason);
    const query = typeof args.query === "string" ? args.query.replace(/\s+/g, " ").trim() : "";
    if (query === "" || query.length > MAX_QUERY_CHARS) throw new ToolInputError(`A search query must be 1 to ${MAX_QUERY_CHARS} characters.`);
    const maxResults = typeof args.max_results === "number" ? Math.min(Math.max(Math.round(args.max_results), 1), MAX_RESULTS) : DEFAULT_RESULTS;
    const abort = new AbortController();
    const timer = setTimeout(() => abort.abort(), SEARCH_TIMEOUT_MS);
    try {
      const found = await provider.search(query, { maxResults, signal: abort.signal });
      return { ...found, results: found.results.slice(0, maxResults) };
    } finally {
      clearTimeout(timer);
    }
  },
};
