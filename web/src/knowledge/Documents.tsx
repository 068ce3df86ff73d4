import { useEffect, useRef, useState } from "react";
import { Link } from "react-router";
import { api } from "../../../convex/_generated/api";
import { useMutation, usePaginatedQuery } from "../lib/convex";
import { fullTime, timeAgo } from "../lib/time";
import { useRun } from "../lib/useRun";
import { useAccount } from "../shell/AccountProvider";
import { kilobytes, STATUS_WORDS, type KnowledgeDocument, type ScopeView } from "./scope";
import { LoadMore } from "../shell/LoadMore";
import { DocumentContent } from "./DocumentContent";
import "./knowledge.css";

const PAGE_SIZE = 20;

const chunks = (n: number) => `${n} chunk${n === 1 ? "" : "s"}`;

export function StatusBadge({ document }: { document: Pick<KnowledgeDocument, "status" | "error" | "chunkCount" | "embeddedChunks"> }) {
  const progress =
    document.status === "embedding" && document.chunkCount !== undefined ? ` ${document.embeddedChunks ?? 0}/${document.chunkCount}` : "";
  return (
    <span className={`status status-${document.status}`} data-testid="document-status" title={document.error}>
      {STATUS_WORDS[document.status]}
      {progress}
    </span>
  );
}

/** A scope's documents, newest change first, with ingestion status (live) and delete. */
export function Documents({ scope, highlightId }: { scope: ScopeView; highlightId: string | null }) {
  const { accountId } = useAccount();
  const { results, status, loadMore } = usePaginatedQuery(api.knowledge.documents.list, { accountId, scope: scope.scope }, { initialNumItems: PAGE_SIZE });
  return (
    <section aria-labelledby="documents-heading">
      <h2 id="documents-heading">Documents</h2>
      {status === "LoadingFirstPage" ? (
        <p className="muted" role="status" data-testid="documents-loading">
          Loading documents…
        </p>
      ) : results.length === 0 ? (
        <p className="muted" data-testid="documents-empty">
          No documents here yet.{scope.canWrite ? " Add one below: paste text or upload a .txt or .md file." : ""}
        </p>
      ) : (
        <div className="table-scroll">
          <table className="table" data-testid="documents-table">
            <thead>
              <tr>
                <th scope="col">Title</th>
                <th scope="col">Status</th>
                <th scope="col">Size</th>
                <th scope="col">Changed</th>
                {scope.canWrite && (
                  <th scope="col">
                    <span className="visually-hidden">Actions</span>
                  </th>
                )}
              </tr>
            </thead>
            <tbody>
              {results.map((document) => (
                <DocumentRow key={document.documentId} document={document} canWrite={scope.canWrite} highlighted={document.documentId === highlightId} />
              ))}
            </tbody>
          </table>
        </div>
      )}
      <LoadMore status={status} onLoadMore={() => loadMore(PAGE_SIZE)} testId="documents-load-more" />
    </section>
  );
}

function DocumentRow({ document, canWrite, highlighted }: { document: KnowledgeDocument; canWrite: boolean; highlighted: boolean }) {
  const { accountId } = useAccount();
  const remove = useRun(useMutation(api.knowledge.documents.remove));
  const [confirming, setConfirming] = useState(false);
  const ref = useRef<HTMLTableRowElement>(null);
  useEffect(() => {
    if (highlighted) ref.current?.scrollIntoView({ block: "nearest" });
  }, [highlighted]);
  return (
    <tr
      ref={ref}
      className={highlighted ? "highlighted" : undefined}
      data-testid="document-row"
      data-document-id={document.documentId}
      data-status={document.status}
      data-highlighted={highlighted ? "true" : "false"}
    >
      <td>
        <Link to={`/knowledge?document=${document.documentId}`} data-testid="document-open">
          {document.title}
        </Link>
        {document.fileName !== undefined && document.fileName !== document.title && <div className="muted small">{document.fileName}</div>}
      </td>
      <td>
        <StatusBadge document={document} />
        {document.status === "failed" && document.error !== undefined && (
          <div className="error small" data-testid="document-error">
            {document.error}
          </div>
        )}
      </td>
      <td className="small">
        {kilobytes(document.bytes)}
        {document.chunkCount !== undefined && <span className="muted"> · {chunks(document.chunkCount)}</span>}
      </td>
      <td className="small" title={fullTime(document.updatedAt)}>
        {timeAgo(document.updatedAt)}
      </td>
      {canWrite && (
        <td>
          {confirming ? (
            <div className="row" role="group" aria-label={`Delete ${document.title}?`}>
              <span className="small">Delete it? It leaves search at once.</span>
              <button
                type="button"
                className="button small primary"
                data-testid="document-delete-confirm"
                disabled={remove.pending}
                onClick={() => void remove.run({ accountId, documentId: document.documentId }).then(() => setConfirming(false))}
              >
                {remove.pending ? "Deleting…" : "Delete"}
              </button>
              <button type="button" className="button small ghost" data-testid="document-delete-cancel" onClick={() => setConfirming(false)}>
                Keep
              </button>
            </div>
          ) : (
            <button type="button" className="button small secondary" data-testid="document-delete" onClick={() => setConfirming(true)}>
              Delete
            </button>
          )}
          {remove.error !== null && (
            <p className="error small" role="alert" data-testid="document-delete-error">
              Could not delete: {remove.error}
            </p>
          )}
        </td>
      )}
    </tr>
  );
}

/** One document opened from a link (a citation, a search hit): what it is and how its ingestion went. */
export function DocumentDetail({ document, closeHref, at }: { document: KnowledgeDocument; closeHref: string; at: string | null }) {
  const ref = useRef<HTMLElement>(null);
  useEffect(() => ref.current?.focus(), [document.documentId]);
  return (
    <section ref={ref} tabIndex={-1} className="card document-detail" aria-labelledby="document-detail-title" data-testid="document-detail" data-document-id={document.documentId} data-status={document.status}>
      <div className="row">
        <h2 id="document-detail-title" data-testid="document-detail-title">
          {document.title}
        </h2>
        <StatusBadge document={document} />
        <Link to={closeHref} className="small" data-testid="document-detail-close">
          Close
        </Link>
      </div>
      <dl className="facts-grid small">
        <dt>Scope</dt>
        <dd>{document.scope}</dd>
        <dt>Source</dt>
        <dd>{document.fileName ?? (document.source === "upload" ? "an uploaded file" : document.source === "memory" ? "memory" : "text added on this page")}</dd>
        <dt>Size</dt>
        <dd>
          {kilobytes(document.bytes)}
          {document.pageCount !== undefined && `, ${document.pageCount} page${document.pageCount === 1 ? "" : "s"}`}
          {document.chunkCount !== undefined && ` in ${chunks(document.chunkCount)}`}
        </dd>
        <dt>Category</dt>
        <dd>{document.category}</dd>
        <dt>Changed</dt>
        <dd title={fullTime(document.updatedAt)}>{timeAgo(document.updatedAt)}</dd>
        <dt>Embedding</dt>
        <dd>{document.modelId}</dd>
      </dl>
      {document.status !== "ready" && document.status !== "failed" && <p className="muted small">Being read and indexed; it becomes searchable when ready.</p>}
      {document.status === "failed" && (
        <p className="error small" data-testid="document-detail-error">
          Ingestion failed: {document.error ?? "no reason was recorded"}
        </p>
      )}
      <DocumentContent documentId={document.documentId} at={at} />
    </section>
  );
}
