import { Link, useSearchParams } from "react-router";
import { api } from "../../../convex/_generated/api";
import type { Id } from "../../../convex/_generated/dataModel";
import { useAgents } from "../chat/useAgents";
import { usePaginatedQuery, type FunctionReturnType } from "../lib/convex";
import { duration, usd } from "../lib/format";
import { fullTime, timeAgo } from "../lib/time";
import { useAccount } from "../shell/AccountProvider";
import { PageErrorBoundary } from "../shell/PageError";
import { ApprovalInbox } from "./ApprovalInbox";
import { useIsStaff } from "./staff";

type RunRow = FunctionReturnType<typeof api.inspector.runs.listRuns>["page"][number];
export const RUN_STATUSES = ["queued", "running", "waiting", "completed", "failed", "cancelled"] as const;
export const RUN_KINDS = ["turn", "delegation", "job"] as const;
const PAGE_SIZE = 25;

/** Support staff only: everything that ran in the account, newest first, filtered through the URL. */
export function RunsPage() {
  const isStaff = useIsStaff();
  if (!isStaff) return <StaffOnly />;
  return (
    <main className="page wide" id="main" data-testid="runs-page">
      <h1>Runs</h1>
      <p className="muted small">Every turn, delegation and job in this account. Filters are kept in the address, so you can share a view.</p>
      <PageErrorBoundary what="the runs">
        <RunList />
      </PageErrorBoundary>
      <PageErrorBoundary what="the approval inbox">
        <ApprovalInbox />
      </PageErrorBoundary>
    </main>
  );
}

export function StaffOnly() {
  return (
    <main className="page" id="main" data-testid="staff-only">
      <h1>Runs</h1>
      <p>Only account admins and platform admins can inspect runs. Ask an account admin if you need help with a run.</p>
    </main>
  );
}

function RunList() {
  const { accountId } = useAccount();
  const agents = useAgents();
  const [params, setParams] = useSearchParams();
  const status = params.get("status") ?? "";
  const kind = params.get("kind") ?? "";
  const agentId = params.get("agent") ?? "";
  const setFilter = (name: string, value: string) => {
    const next = new URLSearchParams(params);
    if (value === "") next.delete(name);
    else next.set(name, value);
    setParams(next, { replace: true });
  };
  const validStatus = (RUN_STATUSES as readonly string[]).includes(status) ? (status as RunRow["status"]) : undefined;
  const validKind = (RUN_KINDS as readonly string[]).includes(kind) ? (kind as RunRow["kind"]) : undefined;
  const validAgent = agents?.some((a) => a.agentId === agentId) ? (agentId as Id<"agents">) : undefined;
  const { results, status: pageStatus, loadMore } = usePaginatedQuery(
    api.inspector.runs.listRuns,
    // An agent filter in the URL waits for the agents, so the list never flashes unfiltered.
    agentId !== "" && agents === undefined
      ? "skip"
      : {
          accountId,
          ...(validStatus ? { status: validStatus } : {}),
          ...(validKind ? { kind: validKind } : {}),
          ...(validAgent ? { agentId: validAgent } : {}),
        },
    { initialNumItems: PAGE_SIZE },
  );
  const filtered = status !== "" || kind !== "" || agentId !== "";

  return (
    <section aria-labelledby="runs-heading">
      <h2 id="runs-heading" className="visually-hidden">
        Run list
      </h2>
      <div className="filters row" role="group" aria-label="Filters">
        <label className="field">
          <span>Status</span>
          <select data-testid="runs-filter-status" value={status} onChange={(e) => setFilter("status", e.target.value)}>
            <option value="">Any status</option>
            {RUN_STATUSES.map((s) => (
              <option key={s} value={s}>
                {s}
              </option>
            ))}
          </select>
        </label>
        <label className="field">
          <span>Kind</span>
          <select data-testid="runs-filter-kind" value={kind} onChange={(e) => setFilter("kind", e.target.value)}>
            <option value="">Any kind</option>
            {RUN_KINDS.map((k) => (
              <option key={k} value={k}>
                {k}
              </option>
            ))}
          </select>
        </label>
        <label className="field">
          <span>Agent</span>
          <select data-testid="runs-filter-agent" value={agentId} onChange={(e) => setFilter("agent", e.target.value)} disabled={agents === undefined}>
            <option value="">Any agent</option>
            {agents?.map((a) => (
              <option key={a.agentId} value={a.agentId}>
                {a.name}
              </option>
            ))}
          </select>
        </label>
        {filtered && (
          <button type="button" className="button ghost" data-testid="runs-filter-clear" onClick={() => setParams(new URLSearchParams(), { replace: true })}>
            Clear filters
          </button>
        )}
      </div>
      {pageStatus === "LoadingFirstPage" ? (
        <p className="muted" role="status" data-testid="runs-loading">
          Loading runs…
        </p>
      ) : results.length === 0 && pageStatus === "Exhausted" ? (
        <p className="muted" data-testid="runs-empty">
          {filtered ? "No runs match these filters." : "Nothing has run in this account yet. Runs appear here when someone chats with an agent."}
        </p>
      ) : (
        <div className="table-scroll">
          <table className="table" data-testid="runs-table">
            <thead>
              <tr>
                <th scope="col">Started</th>
                <th scope="col">Agent</th>
                <th scope="col">Kind</th>
                <th scope="col">Status</th>
                <th scope="col">User</th>
                <th scope="col">Tokens</th>
                <th scope="col">Cost</th>
                <th scope="col">Duration</th>
              </tr>
            </thead>
            <tbody>
              {results.map((run) => (
                <tr key={run.interactionId} data-testid="run-row" data-interaction-id={run.interactionId} data-status={run.status} data-kind={run.kind}>
                  <td title={fullTime(run.createdAt)}>
                    <Link to={`/runs/${run.interactionId}`} data-testid="run-link">
                      {timeAgo(run.createdAt)}
                    </Link>
                  </td>
                  <td>
                    {run.agentName}
                    {run.depth > 0 && <span className="muted small"> (depth {run.depth})</span>}
                  </td>
                  <td>{run.kind}</td>
                  <td>
                    <StatusBadge status={run.status} />
                  </td>
                  <td>{run.userName}</td>
                  <td>{(run.tokensIn + run.tokensOut).toLocaleString()}</td>
                  <td>{usd(run.treeCostUsd)}</td>
                  <td>{duration(run.durationMs)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {(pageStatus === "CanLoadMore" || pageStatus === "LoadingMore") && (
        <button type="button" className="button secondary" data-testid="runs-load-more" disabled={pageStatus === "LoadingMore"} onClick={() => loadMore(PAGE_SIZE)}>
          {pageStatus === "LoadingMore" ? "Loading…" : "Load more"}
        </button>
      )}
    </section>
  );
}

export function StatusBadge({ status }: { status: string }) {
  return (
    <span className={`status status-${status}`} data-testid="status-badge">
      {status}
    </span>
  );
}
