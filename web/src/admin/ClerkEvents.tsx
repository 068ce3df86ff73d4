import { Fragment, useId, useState } from "react";
import { api } from "../../../convex/_generated/api";
import { config } from "../config";
import { useMutation, usePaginatedQuery, useQuery, type FunctionReturnType } from "../lib/convex";
import { fullTime, timeAgo } from "../lib/time";
import { useRun } from "../lib/useRun";
import { LoadMore } from "../shell/LoadMore";
import "./admin.css";

type ClerkEvent = FunctionReturnType<typeof api.clerk.events.list>["page"][number];
type Status = ClerkEvent["status"];

const PAGE_SIZE = 20;
const STATUSES: Status[] = ["pending", "processed", "ignored", "failed"];
const STATUS_WORDS: Record<Status, string> = { pending: "Pending", processed: "Processed", ignored: "Ignored", failed: "Failed" };
const STATUS_CLASS: Record<Status, string> = {
  pending: "status-pending",
  processed: "status-completed",
  ignored: "status-archived",
  failed: "status-failed",
};

/** Where Clerk should send its events: this deployment's HTTP origin, when the SPA knows it. */
const webhookUrl = `${config.convexSiteUrl ?? "https://<deployment>.convex.site"}/clerk-webhook`;

/**
 * The Clerk webhook deliveries this deployment stored, newest first (live: a
 * pending event turns processed or failed in place), with a status filter,
 * each one's payload, and a retry for one that failed.
 */
export function ClerkEvents() {
  const [filter, setFilter] = useState<Status | "">("");
  const { results, status, loadMore } = usePaginatedQuery(api.clerk.events.list, filter === "" ? {} : { status: filter }, {
    initialNumItems: PAGE_SIZE,
  });
  const id = useId();
  return (
    <section aria-labelledby="admin-clerk-heading" data-testid="admin-clerk-events">
      <h2 id="admin-clerk-heading">Clerk webhook events</h2>
      <p className="muted small">
        Users, organisations and memberships changed in Clerk arrive here, are stored once per delivery id and applied in the background, with
        retries.
      </p>
      <div className="row small">
        <label htmlFor={`${id}-status`}>Status</label>
        <select id={`${id}-status`} value={filter} onChange={(e) => setFilter(e.target.value as Status | "")} data-testid="admin-clerk-filter">
          <option value="">All</option>
          {STATUSES.map((s) => (
            <option key={s} value={s}>
              {STATUS_WORDS[s]}
            </option>
          ))}
        </select>
      </div>
      {status === "LoadingFirstPage" ? (
        <p className="muted" role="status" data-testid="admin-clerk-loading">
          Loading events…
        </p>
      ) : results.length === 0 ? (
        filter !== "" ? (
          <p className="muted" data-testid="admin-clerk-empty" data-filtered="true">
            No {STATUS_WORDS[filter].toLowerCase()} events.
          </p>
        ) : (
          <div className="card small" data-testid="admin-clerk-empty" data-filtered="false">
            <p>No Clerk events yet. They come from Clerk's webhooks:</p>
            <ol>
              <li>
                In the Clerk dashboard, add a webhook endpoint <code data-testid="admin-clerk-webhook-url">{webhookUrl}</code> subscribed to{" "}
                <code>user.*</code>, <code>organization.*</code> and <code>organizationMembership.*</code>.
              </li>
              <li>
                Set its signing secret on the deployment: <code>npx convex env set CLERK_WEBHOOK_SECRET whsec_…</code>. Without it every delivery is
                refused and nothing is stored.
              </li>
            </ol>
          </div>
        )
      ) : (
        <div className="table-scroll">
          <table className="table" data-testid="admin-clerk-table">
            <caption className="visually-hidden">Clerk webhook events, newest first</caption>
            <thead>
              <tr>
                <th scope="col">Event</th>
                <th scope="col">Status</th>
                <th scope="col">Attempts</th>
                <th scope="col">Received</th>
                <th scope="col">Processed</th>
                <th scope="col">Actions</th>
              </tr>
            </thead>
            <tbody>
              {results.map((event) => (
                <EventRow key={event.svixId} event={event} />
              ))}
            </tbody>
          </table>
        </div>
      )}
      <LoadMore status={status} onLoadMore={() => loadMore(PAGE_SIZE)} testId="admin-clerk-load-more" label="Older events" />
    </section>
  );
}

function EventRow({ event }: { event: ClerkEvent }) {
  const retry = useMutation(api.clerk.events.retry);
  const [open, setOpen] = useState(false);
  const id = useId();
  const again = useRun(() => retry({ svixId: event.svixId }));
  return (
    <Fragment>
      <tr data-testid="admin-clerk-event" data-svix-id={event.svixId} data-status={event.status} data-type={event.type}>
        <td>
          <code>{event.type}</code>
          <div className="muted small" data-testid="admin-clerk-svix-id">
            {event.svixId}
          </div>
        </td>
        <td>
          <span className={`status ${STATUS_CLASS[event.status]}`} data-testid="admin-clerk-status">
            {STATUS_WORDS[event.status]}
          </span>
          {event.outcome !== null && event.outcome !== event.type && <div className="muted small">{event.outcome}</div>}
          {event.lastError !== null && (
            <div className="error small" data-testid="admin-clerk-error">
              {event.lastError}
            </div>
          )}
        </td>
        <td data-testid="admin-clerk-attempts">{event.attempts}</td>
        <td title={fullTime(event.receivedAt)}>{timeAgo(event.receivedAt)}</td>
        <td title={event.processedAt === null ? undefined : fullTime(event.processedAt)}>
          {event.processedAt === null ? <span className="muted">—</span> : timeAgo(event.processedAt)}
        </td>
        <td>
          <div className="row">
            <button
              type="button"
              className="button ghost small"
              aria-expanded={open}
              aria-controls={`${id}-payload`}
              onClick={() => setOpen((o) => !o)}
              data-testid="admin-clerk-payload-toggle"
            >
              {open ? "Hide payload" : "Payload"}
            </button>
            {event.status === "failed" && (
              <button
                type="button"
                className="button secondary small"
                disabled={again.pending}
                onClick={() => void again.run()}
                data-testid="admin-clerk-retry"
              >
                {again.pending ? "Queuing…" : "Retry"}
              </button>
            )}
          </div>
          {again.error !== null && (
            <p role="alert" className="error small" data-testid="admin-clerk-retry-error">
              {again.error}
            </p>
          )}
        </td>
      </tr>
      {open && (
        <tr className="admin-clerk-payload-row" id={`${id}-payload`}>
          <td colSpan={6}>
            <Payload svixId={event.svixId} />
          </td>
        </tr>
      )}
    </Fragment>
  );
}

/** The body exactly as Clerk signed it, pretty-printed (loaded only when opened). */
function Payload({ svixId }: { svixId: string }) {
  const event = useQuery(api.clerk.events.get, { svixId });
  if (event === undefined) {
    return (
      <p className="muted small" role="status" data-testid="admin-clerk-payload-loading">
        Loading the payload…
      </p>
    );
  }
  if (event === null) return <p className="muted small">This event is no longer stored.</p>;
  return (
    <pre className="admin-clerk-payload" tabIndex={0} aria-label={`Payload of ${event.type} ${svixId}`} data-testid="admin-clerk-payload">
      {prettyJson(event.body)}
    </pre>
  );
}

function prettyJson(text: string): string {
  try {
    return JSON.stringify(JSON.parse(text), null, 2);
  } catch {
    return text;
  }
}
