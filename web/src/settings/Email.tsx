/**
 * Settings → Email. Admins turn on the account's mailbox and choose the agent
 * that answers mail whose address names none; everyone sees each agent's
 * address. Admins also read the outbox: every mail the harness sent for the
 * account — or, when this deployment has no mail transport (Postmark or
 * SMTP), kept here instead of sent, so the whole loop works offline.
 */
import { useId, useState } from "react";
import { api } from "../../../convex/_generated/api";
import { useAgents } from "../chat/useAgents";
import { useMutation, useQuery, type FunctionReturnType } from "../lib/convex";
import { fullTime, timeAgo } from "../lib/time";
import { useRun } from "../lib/useRun";
import { useAccount } from "../shell/AccountProvider";
import "./settings.css";

type Mailbox = NonNullable<FunctionReturnType<typeof api.channels.email.inboxes.mailbox>>;

const TRANSPORT_WORDS: Record<Mailbox["transport"], string> = {
  postmark: "Replies are sent through Postmark.",
  smtp: "Replies are sent through the configured SMTP server.",
  outbox: "No mail transport is configured on this deployment: replies are kept in the outbox below instead of being sent.",
};

export function Email() {
  const { accountId, account } = useAccount();
  const mailbox = useQuery(api.channels.email.inboxes.mailbox, { accountId });
  const isAdmin = account.role === "admin";
  return (
    <section aria-labelledby="email-heading" data-testid="email">
      <h2 id="email-heading">Email</h2>
      <p className="muted small">
        Members write to an agent&apos;s address from the address of their account; the agent answers by mail, in the same thread, as it does in the app.
      </p>
      {mailbox === undefined ? (
        <p className="muted" role="status">
          Loading the mailbox…
        </p>
      ) : (
        <>
          {isAdmin && <MailboxForm mailbox={mailbox} />}
          {mailbox === null ? (
            !isAdmin && <p className="muted">Email is not set up for this account; an admin can turn it on.</p>
          ) : (
            <>
              {!mailbox.enabled && <p className="muted small">The mailbox is off: mail to these addresses is not answered.</p>}
              <ul className="small" data-testid="email-addresses">
                {mailbox.addresses.map((a) => (
                  <li key={a.agentId}>
                    {a.agentName}: <code data-testid="email-address">{a.address}</code>
                  </li>
                ))}
              </ul>
              <p className="small muted" data-testid="email-transport">
                {TRANSPORT_WORDS[mailbox.transport]}
                {!mailbox.inboundConfigured && " Inbound mail is not configured on this deployment (HARNESS_EMAIL_INBOUND_SECRET), so nothing arrives yet."}
              </p>
            </>
          )}
          {isAdmin && mailbox !== null && <Outbox />}
        </>
      )}
    </section>
  );
}

function MailboxForm({ mailbox }: { mailbox: Mailbox | null }) {
  const { accountId } = useAccount();
  const agents = useAgents();
  const configure = useRun(useMutation(api.channels.email.inboxes.configure));
  const id = useId();
  const [agentId, setAgentId] = useState<string>(mailbox?.defaultAgentId ?? "");
  const chosen = agentId || agents?.[0]?.agentId || "";
  return (
    <div className="card settings-form" data-testid="email-form">
      <div className="field">
        <label htmlFor={`${id}-agent`}>Agent that answers mail to no agent in particular</label>
        <select id={`${id}-agent`} value={chosen} onChange={(e) => setAgentId(e.target.value)} data-testid="email-default-agent">
          {(agents ?? []).map((a) => (
            <option key={a.agentId} value={a.agentId}>
              {a.name}
            </option>
          ))}
        </select>
      </div>
      <div className="row">
        <button
          type="button"
          className="button primary"
          disabled={configure.pending || chosen === ""}
          onClick={() => void configure.run({ accountId, enabled: true, defaultAgentId: chosen })}
          data-testid="email-enable"
        >
          {mailbox === null ? "Turn on email" : mailbox.enabled ? "Save" : "Turn email back on"}
        </button>
        {mailbox?.enabled === true && (
          <button type="button" className="button" disabled={configure.pending} onClick={() => void configure.run({ accountId, enabled: false, defaultAgentId: chosen })} data-testid="email-disable">
            Turn off
          </button>
        )}
      </div>
      {configure.error !== null && (
        <p className="error small" role="alert">
          {configure.error}
        </p>
      )}
    </div>
  );
}

const STATUS_WORDS = { waiting: "Waiting for the reply", queued: "Sending", sent: "Sent", held: "In the outbox (not sent)", failed: "Failed" } as const;

function Outbox() {
  const { accountId } = useAccount();
  const mails = useQuery(api.channels.email.inboxes.outbox, { accountId });
  const [open, setOpen] = useState<string | null>(null);
  return (
    <div data-testid="email-outbox">
      <h3>Outbox</h3>
      {mails === undefined ? (
        <p className="muted" role="status">
          Loading the outbox…
        </p>
      ) : mails.length === 0 ? (
        <p className="muted small" data-testid="email-outbox-empty">
          No mail sent yet.
        </p>
      ) : (
        <ul className="cards">
          {mails.map((m) => (
            <li key={m.outboxId} className="card" data-testid="email-outbox-mail" data-status={m.status}>
              <div className="row spread">
                <span>
                  <strong>{m.subject}</strong> <span className="muted small">to {m.to}</span>
                </span>
                <span className="small">{STATUS_WORDS[m.status]}</span>
              </div>
              <p className="small muted">
                from {m.from} · <span title={fullTime(m.createdAt)}>{timeAgo(m.createdAt)}</span>
                {m.error !== undefined && <span className="error"> · {m.error}</span>}
              </p>
              <button type="button" className="button small" onClick={() => setOpen(open === m.outboxId ? null : m.outboxId)} aria-expanded={open === m.outboxId}>
                {open === m.outboxId ? "Hide" : "Read"}
              </button>
              {open === m.outboxId && (
                <pre className="small" data-testid="email-outbox-text" style={{ whiteSpace: "pre-wrap" }}>
                  {`Message-ID: ${m.messageId}\n${m.inReplyTo !== undefined ? `In-Reply-To: ${m.inReplyTo}\n` : ""}\n${m.text}`}
                </pre>
              )}
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}
