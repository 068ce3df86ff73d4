import { useId, useState, type FormEvent } from "react";
import { Link } from "react-router";
import { api } from "../../../convex/_generated/api";
import { useAction, type FunctionReturnType } from "../lib/convex";
import { useRun } from "../lib/useRun";
import { useAccount } from "../shell/AccountProvider";
import { documentHref } from "../chat/citations";
import type { ScopeView } from "./scope";
import "./knowledge.css";

type Hit = FunctionReturnType<typeof api.knowledge.search.search>[number];
const LIMIT = 8;

function snippet(text: string, max = 280): string {
  const flat = text.replace(/\s+/g, " ").trim();
  return flat.length > max ? `${flat.slice(0, max - 1).trimEnd()}…` : flat;
}

/**
 * Search everything you may see (yours, the account's, the platform's and,
 * when an agent's scope is picked, that agent's), best match first, with the
 * similarity score each hit got.
 */
export function KnowledgeSearch({ scope }: { scope: ScopeView }) {
  const { accountId } = useAccount();
  const search = useAction(api.knowledge.search.search);
  const [query, setQuery] = useState("");
  const [results, setResults] = useState<{ query: string; hits: Hit[] } | null>(null);
  const agentId = scope.scope.kind === "agent" ? scope.scope.agentId : undefined;
  const { run, pending, error } = useRun(async (text: string) => ({
    query: text,
    hits: await search({ accountId, query: text, limit: LIMIT, ...(agentId !== undefined ? { agentId } : {}) }),
  }));
  const id = useId();
  const onSubmit = async (event: FormEvent) => {
    event.preventDefault();
    const text = query.trim();
    if (text === "") return;
    const found = await run(text);
    if (found !== undefined) setResults(found);
  };
  return (
    <section aria-labelledby={`${id}-h`} data-testid="knowledge-search">
      <h2 id={`${id}-h`}>Search</h2>
      <form role="search" className="row" onSubmit={(e) => void onSubmit(e)}>
        <label className="field">
          <span className="visually-hidden">Search knowledge</span>
          <input type="search" value={query} placeholder="What do you want to find?" onChange={(e) => setQuery(e.target.value)} data-testid="knowledge-search-input" />
        </label>
        <button type="submit" className="button primary" disabled={pending || query.trim() === ""} data-testid="knowledge-search-submit">
          {pending ? "Searching…" : "Search"}
        </button>
      </form>
      <p className="muted small">
        Searches yours, the account's and the platform's knowledge{agentId !== undefined ? `, and ${scope.label}'s` : ""}. Scores are similarities from 0 to 1.
      </p>
      {error !== null && (
        <p className="error" role="alert" data-testid="search-error">
          The search failed: {error}
        </p>
      )}
      <div aria-live="polite">
        {pending && (
          <p className="muted small" role="status" data-testid="search-loading">
            Searching…
          </p>
        )}
        {!pending && results !== null && results.hits.length === 0 && (
          <p className="muted" data-testid="search-empty">
            Nothing found for “{results.query}”.
          </p>
        )}
        {results !== null && results.hits.length > 0 && (
          <ol className="search-hits" data-testid="search-results" aria-label={`Results for ${results.query}`}>
            {results.hits.map((hit, index) => (
              <li key={hit.entryId} className="card" data-testid="search-hit" data-rank={index + 1} data-score={hit.score} data-document-id={hit.documentId ?? ""}>
                <div className="row">
                  <span className="muted small">{index + 1}.</span>
                  {hit.documentId !== undefined ? (
                    <Link to={documentHref(hit.documentId, hit.location)} data-testid="search-hit-title">
                      {hit.title || "Untitled"}
                      {hit.location !== undefined && <span data-testid="search-hit-location">, {hit.location}</span>}
                    </Link>
                  ) : (
                    <strong data-testid="search-hit-title">{hit.title || "A fact"}</strong>
                  )}
                  <span className="chip">{hit.scope}</span>
                  <span className="chip" title="Similarity to your search, 0 to 1" data-testid="search-hit-score">
                    score {hit.score.toFixed(3)}
                  </span>
                </div>
                <p className="small">{snippet(hit.text)}</p>
              </li>
            ))}
          </ol>
        )}
      </div>
    </section>
  );
}
