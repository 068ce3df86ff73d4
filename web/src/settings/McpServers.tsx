/**
 * Settings → MCP servers: the account's MCP servers (Streamable HTTP). Add
 * one by URL with an optional bearer token (stored on the server, never
 * shown again: the list shows "••••" and its last 4 characters); the harness
 * lists its tools into the tool registry (`mcp_<server>_<tool>`), which the
 * agent builder then assigns like any tool. Each server shows its status,
 * last refresh and last error; "Refresh tools" lists them again, "Remove"
 * takes the server and its tools away (refused while an agent holds one).
 */
import { useId, useState } from "react";
import { api } from "../../../convex/_generated/api";
import { FieldMessage, invalidProps } from "../agents/common";
import { useAction, useMutation, useQuery, type FunctionReturnType } from "../lib/convex";
import { fullTime, timeAgo } from "../lib/time";
import { useFormSubmit } from "../lib/useFormSubmit";
import { useRun } from "../lib/useRun";
import { useAccount } from "../shell/AccountProvider";
import "./settings.css";

type Server = FunctionReturnType<typeof api.mcp.servers.list>[number];
type Listing = FunctionReturnType<typeof api.mcp.servers.refresh>;

/** The arguments of `add` a refusal can name as its `field`, each shown at its input. */
const SERVER_FIELDS = ["url", "name", "bearerToken"] as const;

export function McpServers() {
  const { accountId } = useAccount();
  const servers = useQuery(api.mcp.servers.list, { accountId });
  return (
    <section aria-labelledby="mcp-heading" data-testid="mcp-servers">
      <h2 id="mcp-heading">MCP servers</h2>
      <p className="muted small">
        Connect Model Context Protocol servers over Streamable HTTP. Their tools join this account&apos;s tool registry as <code>mcp_server_tool</code>; give them
        to agents in the agent builder, with a permission level and approval like any tool. Bearer tokens stay on the server: after saving, only their last 4
        characters are shown.
      </p>
      <NewServerForm />
      {servers === undefined ? (
        <p className="muted" role="status" data-testid="mcp-loading">
          Loading MCP servers…
        </p>
      ) : servers.length === 0 ? (
        <p className="muted" data-testid="mcp-empty">
          No MCP servers yet. Add one above to give agents its tools.
        </p>
      ) : (
        <ul className="cards" data-testid="mcp-server-list">
          {servers.map((s) => (
            <ServerCard key={s.serverId} server={s} />
          ))}
        </ul>
      )}
    </section>
  );
}

function NewServerForm() {
  const { accountId } = useAccount();
  const add = useAction(api.mcp.servers.add);
  const id = useId();
  const [url, setUrl] = useState("");
  const [name, setName] = useState("");
  const [bearerToken, setBearerToken] = useState("");
  const [added, setAdded] = useState<string | null>(null);
  const { submit, pending, fieldError, general } = useFormSubmit(SERVER_FIELDS, async () => {
    setAdded(null);
    const result = await add({
      accountId,
      url,
      ...(name.trim() !== "" ? { name } : {}),
      ...(bearerToken.trim() !== "" ? { bearerToken } : {}),
    });
    setUrl("");
    setName("");
    setBearerToken("");
    setAdded(`${result.server.name} added: ${result.listing.message}`);
  });
  const err = (field: string) => `${id}-${field}-error`;
  return (
    <form className="card settings-form" onSubmit={submit} aria-labelledby={`${id}-h`} data-testid="mcp-server-form">
      <h3 id={`${id}-h`}>New MCP server</h3>
      <div className="field">
        <label htmlFor={`${id}-url`}>URL</label>
        <input
          id={`${id}-url`}
          type="url"
          required
          maxLength={500}
          placeholder="https://mcp.example.com/mcp"
          value={url}
          onChange={(e) => setUrl(e.target.value)}
          data-testid="mcp-server-url"
          {...invalidProps(err("url"), "url", fieldError)}
        />
        <FieldMessage id={err("url")} field="url" error={fieldError} />
      </div>
      <div className="field-row">
        <div className="field">
          <label htmlFor={`${id}-name`}>Name (optional)</label>
          <input
            id={`${id}-name`}
            maxLength={60}
            placeholder="the name the server gives itself"
            value={name}
            onChange={(e) => setName(e.target.value)}
            data-testid="mcp-server-name"
            {...invalidProps(err("name"), "name", fieldError)}
          />
          <FieldMessage id={err("name")} field="name" error={fieldError} />
        </div>
        <div className="field">
          <label htmlFor={`${id}-token`}>Bearer token (optional)</label>
          <input
            id={`${id}-token`}
            type="password"
            autoComplete="off"
            spellCheck={false}
            maxLength={2000}
            value={bearerToken}
            onChange={(e) => setBearerToken(e.target.value)}
            data-testid="mcp-server-token"
            {...invalidProps(err("bearerToken"), "bearerToken", fieldError)}
          />
          <FieldMessage id={err("bearerToken")} field="bearerToken" error={fieldError} />
        </div>
      </div>
      <div className="row">
        <button type="submit" className="button primary" disabled={pending} data-testid="mcp-server-add">
          {pending ? "Connecting and listing tools…" : "Add server"}
        </button>
        {added !== null && (
          <span className="small" role="status" data-testid="mcp-server-added">
            {added}
          </span>
        )}
      </div>
      {general !== null && (
        <p className="error small" role="alert" data-testid="mcp-server-add-error">
          Could not add the server: {general}
        </p>
      )}
    </form>
  );
}

const STATUS_WORDS: Record<Server["status"], string> = { ok: "Working", failing: "Failing" };

function ServerCard({ server: s }: { server: Server }) {
  const { accountId } = useAccount();
  const refresh = useRun(useAction(api.mcp.servers.refresh));
  const remove = useRun(useMutation(api.mcp.servers.remove));
  const [refreshed, setRefreshed] = useState<Listing | null>(null);
  const [showTools, setShowTools] = useState(false);
  const [confirmingRemove, setConfirmingRemove] = useState(false);
  const toolsId = useId();
  const args = { accountId, serverId: s.serverId };
  const active = s.tools.filter((t) => t.status === "active").length;
  const actionError = refresh.error ?? remove.error;

  const runRefresh = async () => {
    setRefreshed(null);
    const result = await refresh.run(args);
    if (result !== undefined) setRefreshed(result);
  };

  return (
    <li className="card" data-testid="mcp-server" data-server-id={s.serverId} data-slug={s.slug} data-status={s.status}>
      <div className="row spread">
        <span>
          <strong data-testid="mcp-server-title">{s.name}</strong> <code className="small">mcp_{s.slug.replace(/-/g, "_")}_…</code>
        </span>
        <span className={`status status-${s.status}`} data-testid="mcp-server-status">
          {STATUS_WORDS[s.status]}
        </span>
      </div>
      <div className="row small muted">
        <code className="webhook-url" data-testid="mcp-server-url-text">
          {s.url}
        </code>
        <span data-testid="mcp-server-token-text">token {s.hasBearerToken ? `••••${s.bearerTokenLast4 ?? ""}` : "none"}</span>
        {s.headerNames.length > 0 && <span>headers {s.headerNames.join(", ")}</span>}
        {s.serverInfo !== undefined && (
          <span>
            {s.serverInfo.title ?? s.serverInfo.name} {s.serverInfo.version}
          </span>
        )}
        <span title={fullTime(s.createdAt)}>added {timeAgo(s.createdAt)}</span>
      </div>
      <p className={s.lastRefresh.ok ? "small" : "error small"} data-testid="mcp-server-last-refresh" data-ok={String(s.lastRefresh.ok)}>
        Last refresh: {s.lastRefresh.ok ? s.lastRefresh.message : `failed: ${s.lastRefresh.message}`}{" "}
        <span className="muted" title={fullTime(s.lastRefresh.at)}>
          ({timeAgo(s.lastRefresh.at)}, {s.lastRefresh.latencyMs.toLocaleString()} ms)
        </span>
      </p>
      {s.lastError !== undefined && s.lastRefresh.ok && (
        <p className="small muted" data-testid="mcp-server-last-error">
          Last error: {s.lastError.message} <span title={fullTime(s.lastError.at)}>({timeAgo(s.lastError.at)})</span>
        </p>
      )}
      {s.skippedTools.length > 0 && (
        <p className="small muted" data-testid="mcp-server-skipped">
          Left out: {s.skippedTools.map((t) => `${t.name} (${t.reason})`).join("; ")}
        </p>
      )}
      <div className="row small">
        <span data-testid="mcp-server-tool-count" data-count={active}>
          {active} tool{active === 1 ? "" : "s"} active{s.tools.length > active ? `, ${s.tools.length - active} disabled` : ""}
        </span>
        {s.tools.length > 0 && (
          <button
            type="button"
            className="button ghost small"
            aria-expanded={showTools}
            aria-controls={toolsId}
            onClick={() => setShowTools((open) => !open)}
            data-testid="mcp-server-tools-toggle"
          >
            {showTools ? "Hide tools" : "Show tools"}
          </button>
        )}
      </div>
      {showTools && (
        <ul id={toolsId} className="small model-list" data-testid="mcp-server-tools">
          {s.tools.map((t) => (
            <li key={t.slug} data-status={t.status}>
              <code>{t.slug}</code> {t.name} <span className="muted">({t.trustLevel}{t.status !== "active" ? `, ${t.missing ? "no longer listed" : "disabled"}` : ""})</span>
            </li>
          ))}
        </ul>
      )}
      <div className="row">
        <button type="button" className="button secondary small" disabled={refresh.pending} onClick={() => void runRefresh()} data-testid="mcp-server-refresh">
          {refresh.pending ? "Listing tools…" : "Refresh tools"}
        </button>
        {confirmingRemove ? (
          <span className="row confirm-inline" role="group" aria-label={`Remove the MCP server ${s.name}`}>
            <span className="small">Remove it, its token and its tools? Agents holding its tools must give them up first.</span>
            <button type="button" className="button primary danger small" disabled={remove.pending} onClick={() => void remove.run(args)} data-testid="mcp-server-remove-confirm">
              {remove.pending ? "Removing…" : "Yes, remove"}
            </button>
            <button type="button" className="button ghost small" autoFocus onClick={() => setConfirmingRemove(false)} data-testid="mcp-server-remove-cancel">
              Keep it
            </button>
          </span>
        ) : (
          <button type="button" className="button ghost small" onClick={() => setConfirmingRemove(true)} data-testid="mcp-server-remove">
            Remove
          </button>
        )}
      </div>
      {refreshed !== null && (
        <p className={refreshed.ok ? "small" : "error small"} role="status" data-testid="mcp-server-refresh-result" data-ok={String(refreshed.ok)}>
          {refreshed.message}
        </p>
      )}
      {actionError !== null && (
        <p className="error small" role="alert" data-testid="mcp-server-action-error">
          {actionError}
        </p>
      )}
    </li>
  );
}
