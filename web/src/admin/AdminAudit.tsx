import { api } from "../../../convex/_generated/api";
import { usePaginatedQuery } from "../lib/convex";
import { fullTime, timeAgo } from "../lib/time";
import { LoadMore } from "../shell/LoadMore";
import { ConfigAudit } from "./ConfigAudit";

const PAGE_SIZE = 20;

const ACTION_WORDS: Record<string, string> = {
  "platform.pause": "paused the platform",
  "platform.resume": "resumed the platform",
  "maintenance.on": "started maintenance",
  "maintenance.off": "ended maintenance",
  "flag.set": "set a feature flag",
  "flag.override.set": "set an account's exception to a flag",
  "flag.override.clear": "cleared an account's exception to a flag",
  "platform_admin.grant": "made someone a platform admin",
  "platform_admin.revoke": "removed someone's platform admin rights",
};

/** Configuration changes of every account (filterable, CSV), then platform-level actions, newest first: who, what, when, why. */
export function AdminAudit() {
  const { results, status, loadMore } = usePaginatedQuery(api.ops.audit.list, {}, { initialNumItems: PAGE_SIZE });
  return (
    <>
      <ConfigAudit />
      <section aria-labelledby="admin-audit-heading">
        <h2 id="admin-audit-heading">Platform audit log</h2>
        {status === "LoadingFirstPage" ? (
          <p className="muted" role="status" data-testid="admin-audit-loading">
            Loading the audit log…
          </p>
        ) : results.length === 0 ? (
          <p className="muted" data-testid="admin-audit-empty">
            Nothing recorded yet. Pausing, maintenance and flag changes show here. (Account and user suspensions are in each account's own audit log.)
          </p>
        ) : (
          <ul className="cards" data-testid="admin-audit">
            {results.map((entry) => (
              <li key={entry.auditId} className="card small" data-testid="admin-audit-entry" data-action={entry.action}>
                <div className="row">
                  <strong>{entry.actorName}</strong>
                  <span>{ACTION_WORDS[entry.action] ?? entry.action}</span>
                  {entry.targetKind === "feature_flag" && <code>{entry.targetId}</code>}
                  <span className="muted" title={fullTime(entry.at)}>
                    {timeAgo(entry.at)}
                  </span>
                </div>
                {entry.reason !== "" && <div className="muted">“{entry.reason}”</div>}
                {entry.changes?.map((change) => (
                  <div key={change.field} className="muted small" data-testid="admin-audit-change">
                    <code>{change.field}</code>: {change.before ?? "—"} → {change.after ?? "—"} {entry.surface === "cli" ? "(CLI)" : ""}
                  </div>
                ))}
              </li>
            ))}
          </ul>
        )}
        <LoadMore status={status} onLoadMore={() => loadMore(PAGE_SIZE)} testId="admin-audit-load-more" />
      </section>
    </>
  );
}
