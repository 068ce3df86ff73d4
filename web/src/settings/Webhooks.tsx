/**
 * Outbound webhooks: subscribe a URL to events (its signing secret shown
 * once), the subscriptions with their state (a disabled one says why, with
 * Re-enable), a live delivery log per subscription, a test ping, delete with
 * a confirmation.
 */
import { useId, useState } from "react";
import { api } from "../../../convex/_generated/api";
import { FieldMessage, invalidProps } from "../agents/common";
import { useMutation, useQuery, type FunctionReturnType } from "../lib/convex";
import { fullTime, timeAgo } from "../lib/time";
import { useRun } from "../lib/useRun";
import { useAccount } from "../shell/AccountProvider";
import { PageErrorBoundary } from "../shell/PageError";
import { Deliveries } from "./Deliveries";
import { OnceSecret } from "./OnceSecret";
import { useFormSubmit } from "../lib/useFormSubmit";
import "./settings.css";

type Subscription = FunctionReturnType<typeof api.outbound.subscriptions.list>[number];
type EventType = Subscription["events"][number];

/** The events an account can subscribe to (convex/outbound/README.md has their payloads). */
const EVENTS: Record<EventType, string> = {
  "message.response": "an agent's final reply to a chat turn was saved",
  "interaction.completed": "a chat turn ended: completed, failed or cancelled, with its cost",
  "job.state_changed": "a background job changed state",
};
const EVENT_TYPES = Object.keys(EVENTS) as EventType[];

/** The arguments of `subscribe` a refusal can name as its `field`, each shown at its input. */
const WEBHOOK_FIELDS = ["url", "events", "description"] as const;

export function Webhooks() {
  const { accountId } = useAccount();
  const subscriptions = useQuery(api.outbound.subscriptions.list, { accountId });
  const [created, setCreated] = useState<{ subscription: Subscription; secret: string } | null>(null);
  return (
    <section aria-labelledby="webhooks-heading" data-testid="webhooks">
      <h2 id="webhooks-heading">Webhooks</h2>
      <p className="muted small">
        The harness POSTs events to your URL, signed with the subscription's secret (Standard Webhooks: headers <code>webhook-id</code>,{" "}
        <code>webhook-timestamp</code>, <code>webhook-signature</code>). Failed deliveries are retried with backoff; after 5 failed deliveries in a row the
        subscription is disabled.
      </p>
      {created !== null ? (
        <OnceSecret kind="webhook" title={`Signing secret for ${created.subscription.url}`} secret={created.secret} onDone={() => setCreated(null)}>
          <p className="small muted">
            Verify each delivery with it (any Standard Webhooks or svix library: <code>new Webhook(secret).verify(body, headers)</code>). The list shows only
            its last characters, <code>{created.subscription.secretHint}</code>.
          </p>
        </OnceSecret>
      ) : (
        <SubscribeForm onCreated={setCreated} />
      )}
      {subscriptions === undefined ? (
        <p className="muted" role="status" data-testid="webhooks-loading">
          Loading webhooks…
        </p>
      ) : subscriptions.length === 0 ? (
        <p className="muted" data-testid="webhooks-empty">
          No webhooks yet. Subscribe a URL above to be told when turns end or jobs change.
        </p>
      ) : (
        <ul className="cards" data-testid="webhook-list">
          {subscriptions.map((s) => (
            <SubscriptionCard key={s.subscriptionId} subscription={s} />
          ))}
        </ul>
      )}
    </section>
  );
}

function SubscribeForm({ onCreated }: { onCreated: (created: { subscription: Subscription; secret: string }) => void }) {
  const { accountId } = useAccount();
  const subscribe = useMutation(api.outbound.subscriptions.subscribe);
  const id = useId();
  const [url, setUrl] = useState("");
  const [events, setEvents] = useState<EventType[]>([]);
  const [description, setDescription] = useState("");
  const toggle = (event: EventType, on: boolean) => setEvents((current) => (on ? [...current, event] : current.filter((e) => e !== event)));

  const { submit, pending, fieldError, general } = useFormSubmit(WEBHOOK_FIELDS, async () => {
    const result = await subscribe({ accountId, url, events, ...(description.trim() !== "" ? { description } : {}) });
    setUrl("");
    setEvents([]);
    setDescription("");
    onCreated(result);
  });
  const err = (field: string) => `${id}-${field}-error`;

  return (
    <form className="card settings-form" onSubmit={submit} aria-labelledby={`${id}-h`} data-testid="webhook-form">
      <h3 id={`${id}-h`}>New webhook</h3>
      <div className="field">
        <label htmlFor={`${id}-url`}>Endpoint URL</label>
        <input
          id={`${id}-url`}
          type="url"
          required
          maxLength={2000}
          placeholder="https://example.com/harness-events"
          value={url}
          onChange={(e) => setUrl(e.target.value)}
          data-testid="webhook-url"
          {...invalidProps(err("url"), "url", fieldError)}
        />
        <FieldMessage id={err("url")} field="url" error={fieldError} />
      </div>
      <fieldset className="field-group" data-testid="webhook-events" {...invalidProps(err("events"), "events", fieldError)}>
        <legend>Events</legend>
        {EVENT_TYPES.map((event) => (
          <label key={event} className="checkbox event-choice">
            <input type="checkbox" checked={events.includes(event)} onChange={(e) => toggle(event, e.target.checked)} data-testid="webhook-event" data-event={event} />
            <span>
              <code>{event}</code> <span className="muted small">{EVENTS[event]}</span>
            </span>
          </label>
        ))}
        <FieldMessage id={err("events")} field="events" error={fieldError} />
      </fieldset>
      <div className="field">
        <label htmlFor={`${id}-description`}>Description (optional)</label>
        <input
          id={`${id}-description`}
          maxLength={200}
          value={description}
          onChange={(e) => setDescription(e.target.value)}
          data-testid="webhook-description"
          {...invalidProps(err("description"), "description", fieldError)}
        />
        <FieldMessage id={err("description")} field="description" error={fieldError} />
      </div>
      <div className="row">
        <button type="submit" className="button primary" disabled={pending} data-testid="webhook-subscribe">
          {pending ? "Subscribing…" : "Subscribe"}
        </button>
      </div>
      {general !== null && (
        <p className="error small" role="alert" data-testid="webhook-subscribe-error">
          Could not subscribe: {general}
        </p>
      )}
    </form>
  );
}

function SubscriptionCard({ subscription: s }: { subscription: Subscription }) {
  const { accountId } = useAccount();
  const enable = useRun(useMutation(api.outbound.subscriptions.enable));
  const ping = useRun(useMutation(api.outbound.subscriptions.ping));
  const remove = useRun(useMutation(api.outbound.subscriptions.remove));
  const [showLog, setShowLog] = useState(false);
  const [pinged, setPinged] = useState(false);
  const [confirmingRemove, setConfirmingRemove] = useState(false);
  const logId = useId();
  const args = { accountId, subscriptionId: s.subscriptionId };
  const actionError = enable.error ?? ping.error ?? remove.error;
  const disabled = s.status === "disabled";

  const sendPing = async () => {
    setPinged(false);
    if ((await ping.run(args)) !== undefined) {
      setPinged(true);
      setShowLog(true);
    }
  };

  return (
    <li className={`card webhook${disabled ? " webhook-disabled" : ""}`} data-testid="webhook" data-subscription-id={s.subscriptionId} data-status={s.status}>
      <div className="row spread">
        <code className="webhook-url" data-testid="webhook-url-text">
          {s.url}
        </code>
        <span className={`status status-${s.status}`} data-testid="webhook-status">
          {disabled ? "Disabled" : "Active"}
        </span>
      </div>
      {s.description !== undefined && <p className="small">{s.description}</p>}
      {disabled && (
        <div className="webhook-disabled-notice" role="alert" data-testid="webhook-disabled-reason">
          <p>
            <strong>Nothing is being sent to this URL.</strong> {s.disabledReason ?? "It was disabled."}
            {s.disabledAt !== undefined && <span className="muted small"> ({timeAgo(s.disabledAt)})</span>}
          </p>
          <button type="button" className="button primary" disabled={enable.pending} onClick={() => void enable.run(args)} data-testid="webhook-enable">
            {enable.pending ? "Re-enabling…" : "Re-enable"}
          </button>
        </div>
      )}
      <div className="row small muted">
        <span>
          Events: {s.events.map((e, i) => (
            <span key={e}>
              {i > 0 && ", "}
              <code>{e}</code>
            </span>
          ))}
        </span>
        <span>secret {s.secretHint}</span>
        <span title={fullTime(s.createdAt)}>created {timeAgo(s.createdAt)}</span>
        {s.lastDeliveredAt !== undefined && <span title={fullTime(s.lastDeliveredAt)}>last delivered {timeAgo(s.lastDeliveredAt)}</span>}
        {s.consecutiveFailures > 0 && <span data-testid="webhook-failures">{s.consecutiveFailures} failed in a row</span>}
      </div>
      <div className="row">
        <button
          type="button"
          className="button secondary small"
          aria-expanded={showLog}
          aria-controls={logId}
          onClick={() => setShowLog((open) => !open)}
          data-testid="webhook-deliveries-toggle"
        >
          {showLog ? "Hide deliveries" : "Show deliveries"}
        </button>
        <button
          type="button"
          className="button secondary small"
          disabled={disabled || ping.pending}
          title={disabled ? "Re-enable it first" : undefined}
          onClick={() => void sendPing()}
          data-testid="webhook-ping"
        >
          {ping.pending ? "Sending…" : "Send test ping"}
        </button>
        {pinged && (
          <span className="small" role="status" data-testid="webhook-ping-sent">
            Ping queued: watch its delivery below.
          </span>
        )}
        {confirmingRemove ? (
          <span className="row confirm-inline" role="group" aria-label={`Delete the webhook to ${s.url}`}>
            <span className="small">Delete it? Nothing more is sent (retries included) and its delivery log is deleted.</span>
            <button
              type="button"
              className="button primary danger small"
              disabled={remove.pending}
              onClick={() => void remove.run(args)}
              data-testid="webhook-remove-confirm"
            >
              {remove.pending ? "Deleting…" : "Yes, delete"}
            </button>
            <button type="button" className="button ghost small" autoFocus onClick={() => setConfirmingRemove(false)} data-testid="webhook-remove-cancel">
              Keep it
            </button>
          </span>
        ) : (
          <button type="button" className="button ghost small" onClick={() => setConfirmingRemove(true)} data-testid="webhook-remove">
            Delete
          </button>
        )}
      </div>
      {actionError !== null && (
        <p className="error small" role="alert" data-testid="webhook-action-error">
          {actionError}
        </p>
      )}
      {showLog && (
        <div id={logId}>
          <PageErrorBoundary what="the delivery log">
            <Deliveries subscriptionId={s.subscriptionId} />
          </PageErrorBoundary>
        </div>
      )}
    </li>
  );
}
