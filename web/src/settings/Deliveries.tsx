/** One subscription's delivery log, newest first; live (a pending delivery turns delivered or failed in place). */
import { api } from "../../../convex/_generated/api";
import { usePaginatedQuery, type FunctionReturnType } from "../lib/convex";
import { fullTime, timeAgo } from "../lib/time";
import { useAccount } from "../shell/AccountProvider";
import { LoadMore } from "../shell/LoadMore";
import "./settings.css";

type Delivery = FunctionReturnType<typeof api.outbound.subscriptions.deliveries>["page"][number];
const PAGE_SIZE = 10;

const STATUS_WORDS: Record<Delivery["status"], string> = {
  pending: "Sending",
  delivered: "Delivered",
  failed: "Failed",
  skipped: "Skipped",
};

export function Deliveries({ subscriptionId }: { subscriptionId: string }) {
  const { accountId } = useAccount();
  const { results, status, loadMore } = usePaginatedQuery(api.outbound.subscriptions.deliveries, { accountId, subscriptionId }, { initialNumItems: PAGE_SIZE });
  if (status === "LoadingFirstPage") {
    return (
      <p className="muted small" role="status" data-testid="deliveries-loading">
        Loading deliveries…
      </p>
    );
  }
  if (results.length === 0) {
    return (
      <p className="muted small" data-testid="deliveries-empty">
        Nothing has been sent yet. Send a test ping, or wait for one of its events.
      </p>
    );
  }
  return (
    <div className="deliveries" data-testid="deliveries">
      <div className="table-scroll">
        <table className="table">
          <caption className="visually-hidden">Deliveries, newest first</caption>
          <thead>
            <tr>
              <th scope="col">When</th>
              <th scope="col">Event</th>
              <th scope="col">Status</th>
              <th scope="col">Attempts</th>
              <th scope="col">Last answer</th>
              <th scope="col">Body</th>
            </tr>
          </thead>
          <tbody>
            {results.map((d) => (
              <DeliveryRow key={d.deliveryId} delivery={d} />
            ))}
          </tbody>
        </table>
      </div>
      <LoadMore status={status} onLoadMore={() => loadMore(PAGE_SIZE)} testId="deliveries-load-more" label="Older deliveries" small />
    </div>
  );
}

function DeliveryRow({ delivery: d }: { delivery: Delivery }) {
  const at = d.finishedAt ?? d.lastAttemptAt ?? d.createdAt;
  return (
    <tr data-testid="delivery" data-delivery-id={d.deliveryId} data-status={d.status} data-event-type={d.eventType}>
      <td title={fullTime(at)}>{timeAgo(at)}</td>
      <td>
        <code>{d.eventType}</code>
      </td>
      <td>
        <span className={`status status-${d.status}`} data-testid="delivery-status">
          {STATUS_WORDS[d.status]}
        </span>
      </td>
      <td data-testid="delivery-attempts">{d.attempts}</td>
      <td>
        {d.lastStatusCode !== undefined && <code data-testid="delivery-code">HTTP {d.lastStatusCode}</code>}
        {d.lastError !== undefined && (
          <div className="error small" data-testid="delivery-error">
            {d.lastError}
          </div>
        )}
        {d.lastStatusCode === undefined && d.lastError === undefined && <span className="muted">—</span>}
      </td>
      <td>
        <details data-testid="delivery-payload">
          <summary className="small">Show</summary>
          <pre className="delivery-body" tabIndex={0}>
            {prettyJson(d.payload)}
          </pre>
        </details>
      </td>
    </tr>
  );
}

function prettyJson(text: string): string {
  try {
    return JSON.stringify(JSON.parse(text), null, 2);
  } catch {
    return text;
  }
}
