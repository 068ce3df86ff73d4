import { useId, useState } from "react";
import { api } from "../../../convex/_generated/api";
import { useConvex, usePaginatedQuery, type FunctionArgs, type FunctionReturnType } from "../lib/convex";
import { useRun } from "../lib/useRun";
import { fullTime, timeAgo } from "../lib/time";
import { LoadMore } from "../shell/LoadMore";
import "./configAudit.css";

const PAGE_SIZE = 25;
type Filters = FunctionArgs<typeof api.audit.search.list>["filters"];
type Entry = FunctionReturnType<typeof api.audit.search.list>["page"][number];
type Surface = NonNullable<Filters["surface"]>;

const SURFACES: { value: Surface; label: string }[] = [
  { value: "spa", label: "App (SPA)" },
  { value: "api_key", label: "API key" },
  { value: "cli", label: "CLI" },
  { value: "webhook", label: "Webhook" },
  { value: "system", label: "System" },
];
const ENTITY_TYPES = [
  "agent",
  "tool",
  "toolAssignment",
  "delegation",
  "budget",
  "membership",
  "account",
  "apiKey",
  "model_connection",
  "mcp_server",
  "telegram_bot",
  "telegram_link",
  "email_inbox",
  "webhook_subscription",
  "team",
  "rate_limits",
];

/** A `<input type="date">` value as the first (or last) millisecond of that day, local time. */
function dayBound(value: string, end: boolean): number | undefined {
  if (value === "") return undefined;
  const day = new Date(`${value}T00:00:00`);
  return end ? day.getTime() + 86_399_999 : day.getTime();
}

/**
 * Configuration changes of every account (platform admins): who changed
 * what, from where, the fields before and after (secrets redacted), with
 * filters and a CSV export of the filtered entries.
 */
export function ConfigAudit() {
  const id = useId();
  const [targetKind, setTargetKind] = useState("");
  const [surface, setSurface] = useState("");
  const [actor, setActor] = useState("");
  const [from, setFrom] = useState("");
  const [to, setTo] = useState("");
  const filters: Filters = {
    ...(targetKind !== "" ? { targetKind } : {}),
    ...(surface !== "" ? { surface: surface as Surface } : {}),
    ...(actor.trim() !== "" ? { actor: actor.trim() } : {}),
    ...(dayBound(from, false) !== undefined ? { from: dayBound(from, false) } : {}),
    ...(dayBound(to, true) !== undefined ? { to: dayBound(to, true) } : {}),
  };
  const { results, status, loadMore } = usePaginatedQuery(api.audit.search.list, { filters }, { initialNumItems: PAGE_SIZE });
  return (
    <section aria-labelledby={`${id}-heading`} data-testid="config-audit">
      <h2 id={`${id}-heading`}>Configuration changes</h2>
      <form className="config-audit-filters" onSubmit={(e) => e.preventDefault()} aria-label="Filter configuration changes">
        <label>
          Entity
          <select value={targetKind} onChange={(e) => setTargetKind(e.target.value)} data-testid="config-audit-entity">
            <option value="">Any</option>
            {ENTITY_TYPES.map((kind) => (
              <option key={kind} value={kind}>
                {kind}
              </option>
            ))}
          </select>
        </label>
        <label>
          Surface
          <select value={surface} onChange={(e) => setSurface(e.target.value)} data-testid="config-audit-surface">
            <option value="">Any</option>
            {SURFACES.map((s) => (
              <option key={s.value} value={s.value}>
                {s.label}
              </option>
            ))}
          </select>
        </label>
        <label>
          Actor (email or user id)
          <input value={actor} onChange={(e) => setActor(e.target.value)} data-testid="config-audit-actor" />
        </label>
        <label>
          From
          <input type="date" value={from} onChange={(e) => setFrom(e.target.value)} data-testid="config-audit-from" />
        </label>
        <label>
          To
          <input type="date" value={to} onChange={(e) => setTo(e.target.value)} data-testid="config-audit-to" />
        </label>
        <CsvExport filters={filters} />
      </form>
      {status === "LoadingFirstPage" ? (
        <p className="muted" role="status">
          Loading changes…
        </p>
      ) : results.length === 0 ? (
        <p className="muted" data-testid="config-audit-empty">
          No configuration change matches these filters.
        </p>
      ) : (
        <ul className="cards" data-testid="config-audit-entries">
          {results.map((entry) => (
            <ChangeEntry key={entry.auditId} entry={entry} />
          ))}
        </ul>
      )}
      <LoadMore status={status} onLoadMore={() => loadMore(PAGE_SIZE)} testId="config-audit-load-more" />
    </section>
  );
}

function ChangeEntry({ entry }: { entry: Entry }) {
  return (
    <li className="card small" data-testid="config-audit-entry" data-action={entry.action} data-surface={entry.surface ?? ""}>
      <div className="row">
        <strong>{entry.actorName}</strong>
        <span className="config-audit-surface">{SURFACES.find((s) => s.value === entry.surface)?.label ?? "—"}</span>
        <code>{entry.action}</code>
        <span className="muted">
          {entry.targetKind} <code>{entry.targetId}</code> in {entry.accountName}
        </span>
        <span className="muted" title={fullTime(entry.at)}>
          {timeAgo(entry.at)}
        </span>
      </div>
      {entry.changes !== undefined && entry.changes.length > 0 ? (
        <table className="config-audit-diff">
          <tbody>
            {entry.changes.map((change) => (
              <tr key={change.field}>
                <th scope="row">{change.field}</th>
                <td className="config-audit-before">{change.before ?? "—"}</td>
                <td className="config-audit-after">{change.after ?? "—"}</td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : (
        entry.reason !== "" && <div className="muted">{entry.reason}</div>
      )}
    </li>
  );
}

/** Asks the server for the filtered entries as CSV (bounded) and downloads the file. */
function CsvExport({ filters }: { filters: Filters }) {
  const convex = useConvex();
  const exportCsv = useRun(async () => {
    const answer = await convex.query(api.audit.search.csv, { filters });
    const url = URL.createObjectURL(new Blob([answer.csv], { type: "text/csv" }));
    const link = document.createElement("a");
    link.href = url;
    link.download = `audit-${new Date().toISOString().slice(0, 10)}.csv`;
    link.click();
    URL.revokeObjectURL(url);
    return answer;
  });
  return (
    <>
      <button type="button" className="button secondary" disabled={exportCsv.pending} onClick={() => void exportCsv.run()} data-testid="config-audit-csv">
        {exportCsv.pending ? "Preparing CSV…" : "Export CSV"}
      </button>
      {exportCsv.error !== null && (
        <span role="alert" className="error">
          {exportCsv.error}
        </span>
      )}
    </>
  );
}
