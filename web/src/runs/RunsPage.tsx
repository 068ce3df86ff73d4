import { useId, useMemo, useState, type FormEvent } from "react";
import { Link, useSearchParams } from "react-router";
import { api } from "../../../convex/_generated/api";
import type { Id } from "../../../convex/_generated/dataModel";
import { useAgents } from "../chat/useAgents";
import { usePaginatedQuery, type FunctionReturnType } from "../lib/convex";
import { errorText } from "../lib/errors";
import { duration, usd } from "../lib/format";
import { readJson, writeJson } from "../lib/storage";
import { fullTime, timeAgo } from "../lib/time";
import { useQueryResult } from "../lib/useQueryResult";
import { useAccount } from "../shell/AccountProvider";
import { PageErrorBoundary } from "../shell/PageError";
import { ApprovalInbox } from "./ApprovalInbox";
import { useIsStaff } from "./staff";
import { LoadMore } from "../shell/LoadMore";
import "./runs.css";

type RunRow = FunctionReturnType<typeof api.inspector.runs.listRuns>["page"][number];
export const RUN_STATUSES = ["queued", "running", "waiting", "completed", "failed", "cancelled", "timed_out"] as const;
export const RUN_KINDS = ["turn", "delegation", "job"] as const;
const PAGE_SIZE = 25;

/** Time presets: how far back from when the view was opened. `custom` uses `from` / `to` (local date-times). */
const TIME_PRESETS = { "1h": ["Last hour", 3_600_000], "24h": ["Last 24 hours", 86_400_000], "7d": ["Last 7 days", 7 * 86_400_000] } as const;
type TimePreset = keyof typeof TIME_PRESETS;
/** Every query-string key that is a filter (what a saved filter keeps). */
const FILTER_KEYS = ["status", "kind", "agent", "user", "time", "from", "to"] as const;
const MAX_SAVED = 20;

/** `from` / `to` of the `createdAt` range a URL asks for (inclusive; `to` covers its whole minute). */
function timeRange(time: string, from: string, to: string, now: number): { from?: number; to?: number } {
  if (time in TIME_PRESETS) return { from: now - TIME_PRESETS[time as TimePreset][1] };
  if (time !== "custom") return {};
  const start = from === "" ? NaN : new Date(from).getTime();
  const end = to === "" ? NaN : new Date(to).getTime() + 59_999;
  return { ...(Number.isFinite(start) ? { from: start } : {}), ...(Number.isFinite(end) ? { to: end } : {}) };
}

/** Only the filter keys of a query string, in a stable order (so equal filters compare equal). */
function filterQuery(params: URLSearchParams): string {
  const out = new URLSearchParams();
  for (const key of FILTER_KEYS) {
    const value = params.get(key);
    if (value !== null && value !== "") out.set(key, value);
  }
  return out.toString();
}

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
  const members = useQueryResult(api.tenancy.accounts.listMembers, { accountId, paginationOpts: { numItems: 100, cursor: null } });
  const status = params.get("status") ?? "";
  const kind = params.get("kind") ?? "";
  const agentId = params.get("agent") ?? "";
  const userId = params.get("user") ?? "";
  const time = params.get("time") ?? "";
  const from = params.get("from") ?? "";
  const to = params.get("to") ?? "";
  // A preset ("last hour") is measured from when the filters were last set (or the page opened), so the query stays put while the list is open.
  const [setAt, setSetAt] = useState(() => Date.now());
  const replaceParams = (next: URLSearchParams) => {
    setSetAt(Date.now());
    setParams(next, { replace: true });
  };
  const setFilters = (changes: Record<string, string>) => {
    const next = new URLSearchParams(params);
    for (const [name, value] of Object.entries(changes)) {
      if (value === "") next.delete(name);
      else next.set(name, value);
    }
    replaceParams(next);
  };
  const setFilter = (name: string, value: string) => setFilters({ [name]: value });
  const validStatus = (RUN_STATUSES as readonly string[]).includes(status) ? (status as RunRow["status"]) : undefined;
  const validKind = (RUN_KINDS as readonly string[]).includes(kind) ? (kind as RunRow["kind"]) : undefined;
  const validAgent = agents?.some((a) => a.agentId === agentId) ? (agentId as Id<"agents">) : undefined;
  const memberList = members.data?.page;
  const validUser = memberList?.some((m) => m.userId === userId) ? (userId as Id<"userProfiles">) : undefined;
  const range = useMemo(() => timeRange(time, from, to, setAt), [time, from, to, setAt]);
  const { results, status: pageStatus, loadMore } = usePaginatedQuery(
    api.inspector.runs.listRuns,
    // An agent or user filter in the URL waits for its list, so the runs never flash unfiltered.
    (agentId !== "" && agents === undefined) || (userId !== "" && memberList === undefined && members.error === null)
      ? "skip"
      : {
          accountId,
          ...(validStatus ? { status: validStatus } : {}),
          ...(validKind ? { kind: validKind } : {}),
          ...(validAgent ? { agentId: validAgent } : {}),
          ...(validUser ? { userId: validUser } : {}),
          ...range,
        },
    { initialNumItems: PAGE_SIZE },
  );
  const current = filterQuery(params);
  const filtered = current !== "";

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
        <label className="field">
          <span>User</span>
          <select
            data-testid="runs-filter-user"
            value={userId}
            onChange={(e) => setFilter("user", e.target.value)}
            disabled={memberList === undefined}
            title={members.error ? `Could not load the members: ${errorText(members.error)}` : undefined}
          >
            <option value="">Anyone</option>
            {memberList?.map((m) => (
              <option key={m.userId} value={m.userId}>
                {m.name ?? m.email ?? "A member without a name"}
                {m.status !== "active" ? ` (${m.status})` : ""}
              </option>
            ))}
          </select>
        </label>
        <label className="field">
          <span>Started</span>
          <select
            data-testid="runs-filter-time"
            value={time}
            onChange={(e) => setFilters({ time: e.target.value, ...(e.target.value === "custom" ? {} : { from: "", to: "" }) })}
          >
            <option value="">Any time</option>
            {Object.entries(TIME_PRESETS).map(([key, [label]]) => (
              <option key={key} value={key}>
                {label}
              </option>
            ))}
            <option value="custom">Between…</option>
          </select>
        </label>
        {time === "custom" && (
          <>
            <label className="field">
              <span>From</span>
              <input type="datetime-local" data-testid="runs-filter-from" value={from} max={to || undefined} onChange={(e) => setFilter("from", e.target.value)} />
            </label>
            <label className="field">
              <span>To</span>
              <input type="datetime-local" data-testid="runs-filter-to" value={to} min={from || undefined} onChange={(e) => setFilter("to", e.target.value)} />
            </label>
          </>
        )}
        {filtered && (
          <button type="button" className="button ghost" data-testid="runs-filter-clear" onClick={() => replaceParams(new URLSearchParams())}>
            Clear filters
          </button>
        )}
      </div>
      {members.error && userId !== "" && (
        <p className="error small" role="alert" data-testid="runs-filter-user-error">
          The user filter is off: could not load the account's members ({errorText(members.error)}).
        </p>
      )}
      <SavedFilters key={accountId} current={current} onApply={(query) => replaceParams(new URLSearchParams(query))} />
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
                <th scope="col">Channel</th>
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
                  <td data-testid="run-channel">{run.channel}</td>
                  <td>{(run.tokensIn + run.tokensOut).toLocaleString()}</td>
                  <td>{usd(run.treeCostUsd)}</td>
                  <td>{duration(run.durationMs)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <LoadMore status={pageStatus} onLoadMore={() => loadMore(PAGE_SIZE)} testId="runs-load-more" />
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

type SavedFilter = { name: string; query: string };
const savedKey = (accountId: string) => `harness.runFilters.${accountId}`;

/** Filter sets saved under a name in this browser (per account), applied back into the URL. */
function SavedFilters({ current, onApply }: { current: string; onApply: (query: string) => void }) {
  const { accountId } = useAccount();
  const [saved, setSaved] = useState<SavedFilter[]>(() => readJson<SavedFilter[]>(savedKey(accountId)) ?? []);
  const [name, setName] = useState("");
  const id = useId();
  const store = (next: SavedFilter[]) => {
    setSaved(next);
    writeJson(savedKey(accountId), next);
  };
  const save = (e: FormEvent) => {
    e.preventDefault();
    const trimmed = name.trim();
    if (trimmed === "" || current === "") return;
    // The same name replaces the older filter; the newest comes first.
    store([{ name: trimmed, query: current }, ...saved.filter((f) => f.name !== trimmed)].slice(0, MAX_SAVED));
    setName("");
  };
  const active = saved.find((f) => f.query === current);
  return (
    <div className="saved-filters row" role="group" aria-labelledby={`${id}-label`} data-testid="runs-saved">
      <span id={`${id}-label`} className="visually-hidden">
        Saved filters
      </span>
      {saved.length > 0 && (
        <label className="field">
          <span>Saved filters</span>
          <select
            data-testid="runs-saved-select"
            value={active?.name ?? ""}
            onChange={(e) => {
              const picked = saved.find((f) => f.name === e.target.value);
              if (picked) onApply(picked.query);
            }}
          >
            <option value="">Apply a saved filter…</option>
            {saved.map((f) => (
              <option key={f.name} value={f.name}>
                {f.name}
              </option>
            ))}
          </select>
        </label>
      )}
      {active && (
        <button type="button" className="button ghost small" data-testid="runs-saved-delete" onClick={() => store(saved.filter((f) => f !== active))}>
          Forget “{active.name}”
        </button>
      )}
      <form className="row" onSubmit={save} aria-label="Save these filters">
        <label className="field">
          <span>Save these filters as</span>
          <input data-testid="runs-save-name" value={name} maxLength={60} placeholder={current === "" ? "Pick some filters first" : "e.g. failed jobs today"} disabled={current === ""} onChange={(e) => setName(e.target.value)} />
        </label>
        <button type="submit" className="button secondary" data-testid="runs-save" disabled={current === "" || name.trim() === ""}>
          Save
        </button>
      </form>
    </div>
  );
}
