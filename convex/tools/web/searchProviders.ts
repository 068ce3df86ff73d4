/**
 * Web search providers behind `web_search`. One interface, one real provider
 * today: Tavily (https://docs.tavily.com/api-reference/endpoint/search),
 * configured by `TAVILY_API_KEY` (and `TAVILY_BASE_URL` for a proxy or a
 * test stub). A provider that is not configured says why; the tool refuses
 * with that reason.
 */
import { env } from "../../lib/env";
import { ToolInputError } from "../toolInputError";

export type SearchHit = { title: string; url: string; snippet: string; score?: number; publishedDate?: string };
export type SearchAnswer = { provider: string; query: string; answer?: string; results: SearchHit[] };
export type SearchOptions = { maxResults: number; signal: AbortSignal };

export interface SearchProvider {
  readonly name: string;
  /** Why it cannot search on this deployment (e.g. no key), or null. */
  notConfiguredReason(): string | null;
  search(query: string, options: SearchOptions): Promise<SearchAnswer>;
}

const TAVILY_DEFAULT_BASE_URL = "https://api.tavily.com";
const MAX_SNIPPET_CHARS = 800;

type TavilyResult = { title?: unknown; url?: unknown; content?: unknown; score?: unknown; published_date?: unknown };
type TavilyResponse = { query?: unknown; answer?: unknown; results?: unknown };

function text(value: unknown): string {
  return typeof value === "string" ? value.replace(/\s+/g, " ").trim() : "";
}

/** Tavily's JSON answer as hits (fields it documents; anything missing is left out). */
export function tavilyHits(body: unknown): { answer?: string; results: SearchHit[] } {
  const response = (typeof body === "object" && body !== null ? body : {}) as TavilyResponse;
  const results = Array.isArray(response.results) ? (response.results as TavilyResult[]) : [];
  const hits: SearchHit[] = [];
  for (const result of results) {
    const url = text(result.url);
    if (url === "") continue;
    const snippet = text(result.content);
    const score = typeof result.score === "number" ? result.score : typeof result.score === "string" ? Number(result.score) : undefined;
    hits.push({
      title: text(result.title) || url,
      url,
      snippet: snippet.length > MAX_SNIPPET_CHARS ? `${snippet.slice(0, MAX_SNIPPET_CHARS)}…` : snippet,
      ...(score !== undefined && Number.isFinite(score) ? { score } : {}),
      ...(text(result.published_date) ? { publishedDate: text(result.published_date) } : {}),
    });
  }
  const answer = text(response.answer);
  return { ...(answer ? { answer } : {}), results: hits };
}

export const tavily: SearchProvider = {
  name: "tavily",
  notConfiguredReason: () => (env.tavilyApiKey() ? null : "web_search is not configured on this deployment: it needs a Tavily API key (TAVILY_API_KEY)."),
  search: async (query, { maxResults, signal }) => {
    const key = env.tavilyApiKey();
    if (!key) throw new ToolInputError(tavily.notConfiguredReason()!);
    const base = (env.tavilyBaseUrl() ?? TAVILY_DEFAULT_BASE_URL).replace(/\/+$/, "");
    let response: Response;
    try {
      response = await fetch(`${base}/search`, {
        method: "POST",
        headers: { "Content-Type": "application/json", Authorization: `Bearer ${key}`, "User-Agent": "harness-web-search/1" },
        body: JSON.stringify({ query, max_results: maxResults, search_depth: "basic", topic: "general", include_answer: false, include_raw_content: false, include_images: false }),
        signal,
      });
    } catch (error) {
      if (signal.aborted) throw new ToolInputError("The search provider did not answer in time.");
      throw new Error(`Could not reach the search provider: ${error instanceof Error ? error.message : String(error)}`);
    }
    const raw = await response.text();
    if (response.status >= 500) throw new Error(`The search provider answered HTTP ${response.status}.`);
    if (!response.ok) {
      let detail = "";
      try {
        const parsed = JSON.parse(raw) as { detail?: { error?: unknown } | unknown; error?: unknown };
        detail = text((parsed.detail as { error?: unknown } | undefined)?.error ?? parsed.detail ?? parsed.error);
      } catch {
        detail = text(raw).slice(0, 200);
      }
      const why = response.status === 401 || response.status === 403 ? "the API key was refused" : response.status === 429 ? "too many searches (rate limit)" : "the search was refused";
      throw new ToolInputError(`Search failed: ${why} (HTTP ${response.status}${detail ? `: ${detail.slice(0, 200)}` : ""}).`);
    }
    let body: unknown;
    try {
      body = JSON.parse(raw);
    } catch {
      throw new Error("The search provider's answer is not JSON.");
    }
    return { provider: "tavily", query, ...tavilyHits(body) };
  },
};

/** The provider web_search uses. */
export function searchProvider(): SearchProvider {
  return tavily;
}
