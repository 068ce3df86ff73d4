/** API keys: create one (its secret shown once), the account's keys with their state, revoke with a confirmation. */
import { useId, useMemo, useState } from "react";
import { api } from "../../../convex/_generated/api";
import type { Id } from "../../../convex/_generated/dataModel";
import { FieldMessage, invalidProps } from "../agents/common";
import { useAction, useMutation, useQuery, type FunctionArgs, type FunctionReturnType } from "../lib/convex";
import { fullTime, timeAgo } from "../lib/time";
import { useQueryResult } from "../lib/useQueryResult";
import { useRun } from "../lib/useRun";
import { useAccount } from "../shell/AccountProvider";
import { OnceSecret } from "./OnceSecret";
import { useFormSubmit } from "../lib/useFormSubmit";
import "./settings.css";

export type ApiKey = FunctionReturnType<typeof api.httpApi.keys.list>[number];
type Permission = ApiKey["permission"];
type Agent = FunctionReturnType<typeof api.agents.agents.list>[number];

/** What each permission lets a key do (convex/httpApi/README.md), weakest first. */
const PERMISSIONS: Record<Permission, string> = {
  read: "Read: list agents and tools, read turns",
  read_write: "Read and write: also send messages and events, answer job callbacks",
  admin: "Admin: also register agents and tools",
};
const PERIODS: ReadonlyArray<readonly [seconds: number, word: string]> = [
  [1, "second"],
  [60, "minute"],
  [3600, "hour"],
  [86_400, "day"],
];
const MAX_EXPIRY_DAYS = 730;

function rateWords({ requests, periodSeconds }: ApiKey["rateLimit"]): string {
  const period = PERIODS.find(([seconds]) => seconds === periodSeconds);
  return `${requests.toLocaleString()} per ${period !== undefined ? period[1] : `${periodSeconds.toLocaleString()} s`}`;
}

const STATUS_WORDS: Record<ApiKey["status"], string> = { active: "Active", revoked: "Revoked", expired: "Expired" };

export function ApiKeys() {
  const { accountId } = useAccount();
  const keys = useQuery(api.httpApi.keys.list, { accountId });
  // Archived agents too, so a key restricted to one still says which.
  const agents = useQuery(api.agents.agents.list, { accountId, includeArchived: true });
  const members = useQueryResult(api.tenancy.accounts.listMembers, { accountId, paginationOpts: { numItems: 100, cursor: null } });
  const [created, setCreated] = useState<{ key: ApiKey; secret: string } | null>(null);
  const agentNames = useMemo(() => new Map((agents ?? []).map((a) => [a.agentId as string, a.name] as const)), [agents]);
  const memberNames = useMemo(
    () => new Map((members.data?.page ?? []).map((m) => [m.userId as string, m.name ?? m.email ?? "a former member"] as const)),
    [members.data],
  );

  return (
    <section aria-labelledby="api-keys-heading" data-testid="api-keys">
      <h2 id="api-keys-heading">API keys</h2>
      <p className="muted small">
        Your servers call the HTTP API with a key. A key acts as the admin who created it (their budgets and approvals apply) and stops working when they are no
        longer an admin here.
      </p>
      {created !== null ? (
        <OnceSecret kind="api-key" title={`Your new key “${created.key.name}”`} secret={created.secret} onDone={() => setCreated(null)}>
          <p className="small muted">
            Servers send it in the header <code>Authorization: Bearer &lt;key&gt;</code>. In the list below it shows as <code>{created.key.displayPrefix}…</code>.
          </p>
        </OnceSecret>
      ) : (
        <NewKeyForm agents={agents?.filter((a) => a.status !== "archived")} onCreated={setCreated} />
      )}
      {keys === undefined ? (
        <p className="muted" role="status" data-testid="api-keys-loading">
          Loading keys…
        </p>
      ) : keys.length === 0 ? (
        <p className="muted" data-testid="api-keys-empty">
          No API keys yet. Create one above to call the API from a server.
        </p>
      ) : (
        <div className="table-scroll">
          <table className="table" data-testid="api-keys-table">
            <caption className="visually-hidden">The account's API keys, newest first</caption>
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">Key</th>
                <th scope="col">Permission</th>
                <th scope="col">Agent</th>
                <th scope="col">Rate limit</th>
                <th scope="col">Created</th>
                <th scope="col">Last used</th>
                <th scope="col">Expires</th>
                <th scope="col">Status</th>
                <th scope="col">
                  <span className="visually-hidden">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {keys.map((key) => (
                <KeyRow
                  key={key.keyId}
                  apiKey={key}
                  agentName={key.agentId === undefined ? null : (agentNames.get(key.agentId) ?? "an agent")}
                  creator={memberNames.get(key.createdBy) ?? null}
                />
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}

type CreateArgs = Omit<FunctionArgs<typeof api.httpApi.keys.create>, "accountId">;

/** The arguments of `create` a refusal can name as its `field`, each shown at its input. */
const KEY_FIELDS = ["name", "agentId", "rateLimit.requests", "rateLimit.periodSeconds", "expiresInDays"] as const;

function NewKeyForm({ agents, onCreated }: { agents: Agent[] | undefined; onCreated: (created: { key: ApiKey; secret: string }) => void }) {
  const { accountId } = useAccount();
  const create = useAction(api.httpApi.keys.create);
  const id = useId();
  const [name, setName] = useState("");
  const [permission, setPermission] = useState<Permission>("read");
  const [agentId, setAgentId] = useState("");
  const [requests, setRequests] = useState("60");
  const [period, setPeriod] = useState("60");
  const [expiresInDays, setExpiresInDays] = useState("");
  const { submit, pending, fieldError, general } = useFormSubmit(KEY_FIELDS, async () => {
    const args: CreateArgs = {
      name,
      permission,
      ...(agentId !== "" ? { agentId: agentId as Id<"agents"> } : {}),
      rateLimit: { requests: Number(requests), periodSeconds: Number(period) },
      ...(expiresInDays.trim() !== "" ? { expiresInDays: Number(expiresInDays) } : {}),
    };
    const result = await create({ accountId, ...args });
    setName("");
    setAgentId("");
    setExpiresInDays("");
    onCreated(result);
  });
  const err = (field: string) => `${id}-${field}-error`;

  return (
    <form className="card settings-form" onSubmit={submit} aria-labelledby={`${id}-h`} data-testid="api-key-form">
      <h3 id={`${id}-h`}>New key</h3>
      <div className="field-row">
        <div className="field">
          <label htmlFor={`${id}-name`}>Name</label>
          <input
            id={`${id}-name`}
            value={name}
            required
            maxLength={80}
            placeholder="e.g. CRM integration"
            onChange={(e) => setName(e.target.value)}
            data-testid="api-key-name"
            {...invalidProps(err("name"), "name", fieldError)}
          />
          <FieldMessage id={err("name")} field="name" error={fieldError} />
        </div>
        <div className="field">
          <label htmlFor={`${id}-permission`}>Permission</label>
          <select id={`${id}-permission`} value={permission} onChange={(e) => setPermission(e.target.value as Permission)} data-testid="api-key-permission">
            {(Object.keys(PERMISSIONS) as Permission[]).map((p) => (
              <option key={p} value={p}>
                {PERMISSIONS[p]}
              </option>
            ))}
          </select>
        </div>
      </div>
      <div className="field-row">
        <div className="field">
          <label htmlFor={`${id}-agent`}>Agent</label>
          <select
            id={`${id}-agent`}
            value={agentId}
            onChange={(e) => setAgentId(e.target.value)}
            disabled={agents === undefined}
            data-testid="api-key-agent"
            {...invalidProps(err("agentId"), "agentId", fieldError)}
          >
            <option value="">Every agent of the account</option>
            {agents?.map((a) => (
              <option key={a.agentId} value={a.agentId}>
                Only {a.name}
              </option>
            ))}
          </select>
          <FieldMessage id={err("agentId")} field="agentId" error={fieldError} />
        </div>
        <div className="field">
          <span id={`${id}-rate-label`} className="field-label">
            Rate limit
          </span>
          <div className="row rate-inputs" role="group" aria-labelledby={`${id}-rate-label`}>
            <input
              type="number"
              inputMode="numeric"
              min={1}
              max={10_000}
              step={1}
              required
              aria-label="Requests"
              value={requests}
              onChange={(e) => setRequests(e.target.value)}
              data-testid="api-key-rate-requests"
              {...invalidProps(err("requests"), "rateLimit.requests", fieldError)}
            />
            <label htmlFor={`${id}-period`}>per</label>
            <select
              id={`${id}-period`}
              value={period}
              onChange={(e) => setPeriod(e.target.value)}
              data-testid="api-key-rate-period"
              {...invalidProps(err("period"), "rateLimit.periodSeconds", fieldError)}
            >
              {PERIODS.map(([seconds, word]) => (
                <option key={seconds} value={seconds}>
                  {word}
                </option>
              ))}
            </select>
          </div>
          <FieldMessage id={err("requests")} field="rateLimit.requests" error={fieldError} />
          <FieldMessage id={err("period")} field="rateLimit.periodSeconds" error={fieldError} />
        </div>
        <div className="field">
          <label htmlFor={`${id}-expires`}>Expires after (days)</label>
          <input
            id={`${id}-expires`}
            type="number"
            inputMode="numeric"
            min={1}
            max={MAX_EXPIRY_DAYS}
            step={1}
            placeholder="Never"
            value={expiresInDays}
            onChange={(e) => setExpiresInDays(e.target.value)}
            data-testid="api-key-expires-days"
            {...invalidProps(err("expiresInDays"), "expiresInDays", fieldError)}
          />
          <FieldMessage id={err("expiresInDays")} field="expiresInDays" error={fieldError} />
        </div>
      </div>
      <div className="row">
        <button type="submit" className="button primary" disabled={pending} data-testid="api-key-create">
          {pending ? "Creating…" : "Create key"}
        </button>
        <span className="muted small">Leave “Expires” empty for a key that works until revoked.</span>
      </div>
      {general !== null && (
        <p className="error small" role="alert" data-testid="api-key-create-error">
          Could not create the key: {general}
        </p>
      )}
    </form>
  );
}

function KeyRow({ apiKey: key, agentName, creator }: { apiKey: ApiKey; agentName: string | null; creator: string | null }) {
  const { accountId } = useAccount();
  const revoke = useRun(useMutation(api.httpApi.keys.revoke));
  const [confirming, setConfirming] = useState(false);
  return (
    <tr data-testid="api-key-row" data-key-id={key.keyId} data-status={key.status} data-permission={key.permission}>
      <td>
        <strong>{key.name}</strong>
      </td>
      <td>
        <code data-testid="api-key-prefix">{key.displayPrefix}…</code>
      </td>
      <td>{key.permission.replace("_", " ")}</td>
      <td>{agentName ?? <span className="muted">every agent</span>}</td>
      <td>{rateWords(key.rateLimit)}</td>
      <td title={fullTime(key.createdAt)}>
        {timeAgo(key.createdAt)}
        {creator !== null && <div className="muted small">by {creator}</div>}
      </td>
      <td data-testid="api-key-last-used" title={key.lastUsedAt !== undefined ? fullTime(key.lastUsedAt) : undefined}>
        {key.lastUsedAt !== undefined ? timeAgo(key.lastUsedAt) : <span className="muted">never</span>}
      </td>
      <td title={key.expiresAt !== undefined ? fullTime(key.expiresAt) : undefined}>
        {key.expiresAt !== undefined ? timeAgo(key.expiresAt) : <span className="muted">never</span>}
      </td>
      <td>
        <span className={`status status-${key.status}`} data-testid="api-key-status">
          {STATUS_WORDS[key.status]}
        </span>
        {key.revokedAt !== undefined && (
          <div className="muted small" title={fullTime(key.revokedAt)}>
            {timeAgo(key.revokedAt)}
          </div>
        )}
      </td>
      <td>
        {key.status !== "revoked" &&
          (confirming ? (
            <div className="confirm-inline" role="group" aria-label={`Revoke ${key.name}`}>
              <p className="small">Revoke “{key.name}”? Requests with it are refused from now on. This cannot be undone.</p>
              <div className="row">
                <button
                  type="button"
                  className="button primary danger small"
                  disabled={revoke.pending}
                  data-testid="api-key-revoke-confirm"
                  onClick={() => void revoke.run({ accountId, keyId: key.keyId }).then((done) => done !== undefined && setConfirming(false))}
                >
                  {revoke.pending ? "Revoking…" : "Yes, revoke"}
                </button>
                {/* The safe choice has the focus. */}
                <button type="button" className="button ghost small" autoFocus onClick={() => setConfirming(false)} data-testid="api-key-revoke-cancel">
                  Keep it
                </button>
              </div>
            </div>
          ) : (
            <button type="button" className="button secondary small" onClick={() => setConfirming(true)} data-testid="api-key-revoke">
              Revoke
            </button>
          ))}
        {revoke.error !== null && (
          <p className="error small" role="alert" data-testid="api-key-revoke-error">
            Could not revoke: {revoke.error}
          </p>
        )}
      </td>
    </tr>
  );
}
