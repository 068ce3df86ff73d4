import { useId, useState, type FormEvent } from "react";
import { api } from "../../../convex/_generated/api";
import type { Id } from "../../../convex/_generated/dataModel";
import { useMutation, usePaginatedQuery, useQuery, type FunctionReturnType } from "../lib/convex";
import { timeAgo } from "../lib/time";
import { useRun } from "../lib/useRun";
import "./admin.css";

type Flag = FunctionReturnType<typeof api.ops.flags.list>[number];
/** Accounts offered for an override (the newest; the CLI takes any account id). */
const ACCOUNT_CHOICES = 100;

/** Feature flags: default on / off for everyone, exceptions per account, and a form for a new flag. */
export function FeatureFlags() {
  const flags = useQuery(api.ops.flags.list, {});
  const accounts = usePaginatedQuery(api.admin.platform.listAccounts, {}, { initialNumItems: ACCOUNT_CHOICES }).results;
  return (
    <section aria-labelledby="admin-flags-heading">
      <h2 id="admin-flags-heading">Feature flags</h2>
      <p className="muted small">A flag's default applies to every account except those with an exception. The app hides what is off for an account.</p>
      {flags === undefined ? (
        <p className="muted" role="status" data-testid="admin-flags-loading">
          Loading flags…
        </p>
      ) : flags.length === 0 ? (
        <p className="muted" data-testid="admin-flags-empty">
          No feature flags yet. Add one below.
        </p>
      ) : (
        <div className="table-scroll">
          <table className="table" data-testid="admin-flags">
            <thead>
              <tr>
                <th scope="col">Flag</th>
                <th scope="col">Default</th>
                <th scope="col">Exceptions</th>
              </tr>
            </thead>
            <tbody>
              {flags.map((flag) => (
                <FlagRow key={flag.key} flag={flag} accounts={accounts} />
              ))}
            </tbody>
          </table>
        </div>
      )}
      <NewFlag />
    </section>
  );
}

type AccountChoice = { accountId: Id<"accounts">; name: string };

function FlagRow({ flag, accounts }: { flag: Flag; accounts: AccountChoice[] }) {
  const setFlag = useMutation(api.ops.flags.set);
  const setOverride = useMutation(api.ops.flags.setOverride);
  const toggle = useRun(() => setFlag({ key: flag.key, enabled: !flag.enabled }));
  const clear = useRun((accountId: Id<"accounts">) => setOverride({ key: flag.key, accountId, enabled: null }));
  const [accountId, setAccountId] = useState("");
  const id = useId();
  const add = useRun(async (enabled: boolean) => {
    await setOverride({ key: flag.key, accountId: accountId as Id<"accounts">, enabled });
    setAccountId("");
  });
  const error = toggle.error ?? clear.error ?? add.error;
  return (
    <tr data-testid="admin-flag-row" data-key={flag.key} data-enabled={flag.enabled}>
      <td>
        <code>{flag.key}</code>
        {flag.description !== "" && <div className="muted small">{flag.description}</div>}
        <div className="muted small">changed {timeAgo(flag.updatedAt)}</div>
      </td>
      <td>
        <label className="checkbox">
          <input type="checkbox" checked={flag.enabled} disabled={toggle.pending} onChange={() => void toggle.run()} data-testid="admin-flag-toggle" />
          {flag.enabled ? "On" : "Off"}
        </label>
      </td>
      <td>
        {flag.overrides.length > 0 && (
          <ul className="admin-overrides">
            {flag.overrides.map((o) => (
              <li key={o.accountId} className="row small" data-testid="admin-flag-override" data-account-id={o.accountId} data-enabled={o.enabled}>
                <span>
                  {o.accountName}: <strong>{o.enabled ? "on" : "off"}</strong>
                </span>
                <button
                  type="button"
                  className="button ghost small"
                  disabled={clear.pending}
                  onClick={() => void clear.run(o.accountId)}
                  data-testid="admin-flag-override-clear"
                >
                  Use the default
                </button>
              </li>
            ))}
            {flag.moreOverrides && <li className="muted small">…and more (list them with the CLI)</li>}
          </ul>
        )}
        <div className="row small">
          <label className="visually-hidden" htmlFor={`${id}-account`}>
            Account for an exception to {flag.key}
          </label>
          <select id={`${id}-account`} value={accountId} onChange={(e) => setAccountId(e.target.value)} data-testid="admin-flag-override-account">
            <option value="">Add an exception…</option>
            {accounts
              .filter((a) => !flag.overrides.some((o) => o.accountId === a.accountId))
              .map((a) => (
                <option key={a.accountId} value={a.accountId}>
                  {a.name}
                </option>
              ))}
          </select>
          <button type="button" className="button secondary small" disabled={accountId === "" || add.pending} onClick={() => void add.run(true)} data-testid="admin-flag-override-on">
            On
          </button>
          <button type="button" className="button secondary small" disabled={accountId === "" || add.pending} onClick={() => void add.run(false)} data-testid="admin-flag-override-off">
            Off
          </button>
        </div>
        {error !== null && (
          <p role="alert" className="error small" data-testid="admin-flag-error">
            {error}
          </p>
        )}
      </td>
    </tr>
  );
}

function NewFlag() {
  const setFlag = useMutation(api.ops.flags.set);
  const [key, setKey] = useState("");
  const [description, setDescription] = useState("");
  const [enabled, setEnabled] = useState(false);
  const id = useId();
  const { run, pending, error } = useRun(async () => {
    await setFlag({ key: key.trim(), enabled, ...(description.trim() ? { description: description.trim() } : {}) });
    setKey("");
    setDescription("");
    setEnabled(false);
  });
  const onSubmit = (e: FormEvent) => {
    e.preventDefault();
    if (key.trim() !== "") void run();
  };
  return (
    <form className="card admin-new-flag" onSubmit={onSubmit} aria-labelledby={`${id}-h`}>
      <h3 id={`${id}-h`}>New flag</h3>
      <div className="field-row">
        <div className="field">
          <label htmlFor={`${id}-key`}>Key</label>
          <input
            id={`${id}-key`}
            value={key}
            placeholder="e.g. new_inspector"
            pattern="[a-z][a-z0-9_.\-]{1,63}"
            title="2–64 characters: lowercase letters, digits, _ . -, starting with a letter"
            onChange={(e) => setKey(e.target.value)}
            data-testid="admin-flag-new-key"
          />
        </div>
        <div className="field">
          <label htmlFor={`${id}-description`}>What it turns on</label>
          <input id={`${id}-description`} value={description} maxLength={300} onChange={(e) => setDescription(e.target.value)} data-testid="admin-flag-new-description" />
        </div>
      </div>
      <div className="row">
        <label className="checkbox">
          <input type="checkbox" checked={enabled} onChange={(e) => setEnabled(e.target.checked)} data-testid="admin-flag-new-enabled" />
          On for everyone
        </label>
        <button type="submit" className="button primary" disabled={pending || key.trim() === ""} data-testid="admin-flag-create">
          {pending ? "Saving…" : "Add flag"}
        </button>
      </div>
      {error !== null && (
        <p role="alert" className="error small" data-testid="admin-flag-new-error">
          {error}
        </p>
      )}
    </form>
  );
}
