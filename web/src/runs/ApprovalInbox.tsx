import { Link } from "react-router";
import { api } from "../../../convex/_generated/api";
import { usePaginatedQuery } from "../lib/convex";
import { fullTime, timeAgo } from "../lib/time";
import { useAccount } from "../shell/AccountProvider";

/** Pending tool approvals in the account (read-only here: the user decides in the chat). */
export function ApprovalInbox() {
  const { accountId } = useAccount();
  const { results, status, loadMore } = usePaginatedQuery(api.inspector.approvals.approvalInbox, { accountId }, { initialNumItems: 10 });
  return (
    <section aria-labelledby="inbox-heading" data-testid="approval-inbox">
      <h2 id="inbox-heading">Waiting for approval</h2>
      {status === "LoadingFirstPage" ? (
        <p className="muted" role="status">
          Loading approvals…
        </p>
      ) : results.length === 0 ? (
        <p className="muted" data-testid="approval-inbox-empty">
          No tool calls are waiting for approval.
        </p>
      ) : (
        <ul className="cards">
          {results.map((item) => (
            <li key={item.approvalId} className="card" data-testid="approval-inbox-item" data-tool-name={item.toolSlug}>
              <div className="row">
                <strong>{item.toolSlug}</strong>
                <span className="muted small">
                  asked by {item.agentName} for {item.userName}, <span title={fullTime(item.requestedAt)}>{timeAgo(item.requestedAt)}</span>
                </span>
              </div>
              <pre>{item.args}</pre>
              <Link to={`/runs/${item.interactionId}`} data-testid="approval-inbox-open">
                Open the run
              </Link>
            </li>
          ))}
        </ul>
      )}
      {status === "CanLoadMore" && (
        <button type="button" className="button secondary" onClick={() => loadMore(10)}>
          Load more
        </button>
      )}
    </section>
  );
}
