import { useEffect, useEffectEvent, useId } from "react";
import { Link, useSearchParams } from "react-router";
import { api } from "../../../convex/_generated/api";
import type { Id } from "../../../convex/_generated/dataModel";
import { useQuery } from "../lib/convex";
import { errorText } from "../lib/errors";
import { useQueryResult } from "../lib/useQueryResult";
import { useAccount } from "../shell/AccountProvider";
import { PageErrorBoundary } from "../shell/PageError";
import { AddDocument } from "./AddDocument";
import { DocumentDetail, Documents } from "./Documents";
import { Facts } from "./Facts";
import { KnowledgeSearch } from "./KnowledgeSearch";
import { SCOPE_WORDS, scopeKey, scopeOfDocument, type ScopeView } from "./scope";
import "./knowledge.css";

/**
 * /knowledge — the scopes you may see; a scope's documents (status, upload,
 * delete) and facts; search across everything you may see, with scores.
 * `?scope=user|account|platform|agent:<id>` picks the scope;
 * `?document=<id>` opens one document (answers' citations link here),
 * `&at=p. 4` at the place a citation names.
 */
export function KnowledgePage() {
  useEffect(() => {
    document.title = "Knowledge · Harness";
  }, []);
  return (
    <main className="page wide" id="main" data-testid="knowledge-page">
      <h1>Knowledge</h1>
      <p className="muted small">
        What your agents can look up: documents and facts, in layers from yours to the whole platform. Turns search every layer they may see.{" "}
        <Link to="/knowledge/about-me" data-testid="about-me-link">
          What the agents know about you
        </Link>
      </p>
      <PageErrorBoundary what="the knowledge scopes">
        <KnowledgeView />
      </PageErrorBoundary>
    </main>
  );
}

function KnowledgeView() {
  const { accountId } = useAccount();
  const scopes = useQuery(api.knowledge.browse.scopes, { accountId });
  const [params, setParams] = useSearchParams();
  const documentId = params.get("document");
  const selectId = useId();

  // A linked document opens in its own scope.
  const { data: linked, error: linkedError } = useQueryResult(
    api.knowledge.documents.get,
    documentId === null ? "skip" : { accountId, documentId: documentId as Id<"knowledgeDocuments"> },
  );
  const linkedScope = linked === undefined ? null : scopeOfDocument(linked);
  const requested = params.get("scope") ?? (linkedScope !== null ? scopeKey(linkedScope) : "user");

  // Once, when the linked document's scope becomes known (choosing another scope afterwards is not undone).
  const linkedScopeKey = linkedScope === null ? null : scopeKey(linkedScope);
  const openScope = useEffectEvent((key: string) => {
    if (params.get("scope") === key) return;
    const next = new URLSearchParams(params);
    next.set("scope", key);
    setParams(next, { replace: true });
  });
  useEffect(() => {
    if (linkedScopeKey !== null) openScope(linkedScopeKey);
  }, [linkedScopeKey]);

  if (scopes === undefined) {
    return (
      <p className="muted" role="status" data-testid="knowledge-loading">
        Loading knowledge…
      </p>
    );
  }
  const selected: ScopeView = scopes.find((s) => scopeKey(s.scope) === requested) ?? scopes[0]!;
  const pick = (key: string) => {
    const next = new URLSearchParams(params);
    next.set("scope", key);
    next.delete("document");
    setParams(next, { replace: false });
  };

  return (
    <>
      <div className="row knowledge-scope">
        <label className="field" htmlFor={selectId}>
          <span>Scope</span>
        </label>
        <select id={selectId} value={scopeKey(selected.scope)} onChange={(e) => pick(e.target.value)} data-testid="knowledge-scope">
          {scopes.map((s) => (
            <option key={scopeKey(s.scope)} value={scopeKey(s.scope)}>
              {s.kind === "agent" ? `Agent: ${s.label}` : s.kind === "account" ? `Account: ${s.label}` : s.label}
            </option>
          ))}
        </select>
        <span className="muted small" data-testid="knowledge-scope-note">
          {SCOPE_WORDS[selected.kind]} {selected.canWrite ? "You can change it." : "You can read it."}
        </span>
      </div>

      {documentId !== null && (
        <div data-testid="document-linked">
          {linkedError !== null ? (
            <p className="error" role="alert" data-testid="document-missing">
              Could not open the linked document: {errorText(linkedError)}{" "}
              <Link to={`/knowledge?scope=${encodeURIComponent(scopeKey(selected.scope))}`}>Close</Link>
            </p>
          ) : linked === undefined ? (
            <p className="muted" role="status">
              Opening the document…
            </p>
          ) : (
            <DocumentDetail document={linked} at={params.get("at")} closeHref={`/knowledge?scope=${encodeURIComponent(scopeKey(selected.scope))}`} />
          )}
        </div>
      )}

      <div className="knowledge-columns">
        <div className="knowledge-main">
          <PageErrorBoundary what="the documents">
            <Documents key={scopeKey(selected.scope)} scope={selected} highlightId={documentId} />
          </PageErrorBoundary>
          {selected.canWrite && <AddDocument key={`add-${scopeKey(selected.scope)}`} scope={selected} />}
        </div>
        <div className="knowledge-side">
          <KnowledgeSearch scope={selected} />
          {selected.holdsFacts && (
            <PageErrorBoundary what="the facts">
              <Facts key={`facts-${scopeKey(selected.scope)}`} scope={selected} />
            </PageErrorBoundary>
          )}
        </div>
      </div>
    </>
  );
}
