/**
 * Settings → External tools: the account's external HTTP tools (registered
 * by manifest) with their status — the last health check and the last call
 * (status, latency, error) — and a "Check now" button probing the tool's
 * `health_check_url` (`tools/http/health:probe`). Above them, the account's
 * tool signing secret, which signs every call to an external tool or agent:
 * create or rotate it here; the new secret is shown once (like API keys).
 */
import { useState } from "react";
import { api } from "../../../convex/_generated/api";
import { useAction, useQuery, type FunctionReturnType } from "../lib/convex";
import { fullTime, timeAgo } from "../lib/time";
import { useRun } from "../lib/useRun";
import { useAccount } from "../shell/AccountProvider";
import { OnceSecret } from "./OnceSecret";
import "./settings.css";

type ExternalTool = FunctionReturnType<typeof api.tools.http.health.list>[number];

export function ExternalTools() {
  const { accountId } = useAccount();
  const tools = useQuery(api.tools.http.health.list, { accountId });
  return (
    <section aria-labelledby="external-tools-heading" data-testid="external-tools">
      <h2 id="external-tools-heading">External tools</h2>
      <p className="muted small">
        HTTP tools registered by manifest (<code>POST /v1/capabilities</code>). Every call to them — and to external agents — is signed with this account&apos;s tool
        signing secret; give agents the tools in the agent builder.
      </p>
      <SigningSecret />
      {tools === undefined ? (
        <p className="muted" role="status" data-testid="external-tools-loading">
          Loading external tools…
        </p>
      ) : tools.length === 0 ? (
        <p className="muted" data-testid="external-tools-empty">
          No external tools yet. Register one with a tool manifest.
        </p>
      ) : (
        <ul className="cards" data-testid="external-tool-list">
          {tools.map((tool) => (
            <ToolCard key={tool.toolId} tool={tool} />
          ))}
        </ul>
      )}
    </section>
  );
}

function SigningSecret() {
  const { accountId } = useAccount();
  const status = useQuery(api.tools.http.secret.status, { accountId });
  const create = useRun(useAction(api.tools.http.secret.create));
  const rotate = useRun(useAction(api.tools.http.secret.rotate));
  const [shown, setShown] = useState<string | null>(null);
  const [confirmingRotate, setConfirmingRotate] = useState(false);
  const error = create.error ?? rotate.error;
  const make = async (which: "create" | "rotate") => {
    setConfirmingRotate(false);
    const result = await (which === "create" ? create : rotate).run({ accountId });
    if (result !== undefined) setShown(result.secret);
  };
  return (
    <div className="card" data-testid="tool-secret" data-configured={status === undefined ? undefined : String(status.configured)}>
      <h3>Tool signing secret</h3>
      {shown !== null && (
        <OnceSecret kind="tool-secret" title="Your tool signing secret" secret={shown} onDone={() => setShown(null)}>
          <p className="small muted">Tool and agent servers check each request&apos;s <code>webhook-signature</code> with it (Standard Webhooks).</p>
        </OnceSecret>
      )}
      {status === undefined ? (
        <p className="muted small" role="status">
          Loading…
        </p>
      ) : !status.configured ? (
        <div className="row">
          <span className="small" data-testid="tool-secret-none">
            No secret yet: calls to external tools and agents fail until there is one (nothing is sent unsigned).
          </span>
          <button type="button" className="button primary small" disabled={create.pending} onClick={() => void make("create")} data-testid="tool-secret-create">
            {create.pending ? "Creating…" : "Create secret"}
          </button>
        </div>
      ) : (
        <div className="row">
          <span className="small" data-testid="tool-secret-hint">
            <code>{status.hint}</code> created <span title={fullTime(status.createdAt ?? 0)}>{timeAgo(status.createdAt ?? 0)}</span>
            {status.previousValidUntil !== undefined && <> · the previous secret still signs until {fullTime(status.previousValidUntil)}</>}
          </span>
          {confirmingRotate ? (
            <span className="row confirm-inline" role="group" aria-label="Rotate the tool signing secret">
              <span className="small">Replace it? The old one keeps signing for 24 hours.</span>
              <button type="button" className="button primary small" disabled={rotate.pending} onClick={() => void make("rotate")} data-testid="tool-secret-rotate-confirm">
                {rotate.pending ? "Rotating…" : "Yes, rotate"}
              </button>
              <button type="button" className="button ghost small" autoFocus onClick={() => setConfirmingRotate(false)}>
                Keep it
              </button>
            </span>
          ) : (
            <button type="button" className="button secondary small" onClick={() => setConfirmingRotate(true)} data-testid="tool-secret-rotate">
              Rotate
            </button>
          )}
        </div>
      )}
      {error !== null && (
        <p className="error small" role="alert" data-testid="tool-secret-error">
          {error}
        </p>
      )}
    </div>
  );
}

function ToolCard({ tool }: { tool: ExternalTool }) {
  const { accountId } = useAccount();
  const probe = useRun(useAction(api.tools.http.health.probe));
  const health = tool.health;
  const last = tool.lastCall;
  const healthState = health === undefined ? "unknown" : health.ok ? "ok" : "failing";
  return (
    <li className="card" data-testid="external-tool" data-slug={tool.slug} data-health={healthState}>
      <div className="row spread">
        <span>
          <strong>{tool.name}</strong> <code className="small">{tool.slug}</code>
          {tool.status === "disabled" && <span className="muted small"> (disabled)</span>}
        </span>
        <span className={`status status-${healthState}`} data-testid="external-tool-health">
          {health === undefined ? "Not checked" : health.ok ? "Healthy" : "Failing"}
        </span>
      </div>
      <div className="row small muted">
        <code className="webhook-url">
          {tool.method} {tool.url}
        </code>
        <span>
          {tool.mode}, {tool.timeoutSeconds} s limit{tool.callbackTimeoutSeconds !== undefined ? `, callback within ${tool.callbackTimeoutSeconds} s` : ""}
          {tool.hasReturnSchema ? ", return_schema" : ""}
        </span>
      </div>
      <p className={health === undefined || health.ok ? "small" : "error small"} data-testid="external-tool-last-check">
        {health === undefined ? (
          tool.healthCheckUrl === undefined ? (
            "No health_check_url in its manifest."
          ) : (
            "Not checked yet."
          )
        ) : (
          <>
            Last check: {health.ok ? "healthy" : `failing: ${health.error ?? `HTTP ${health.statusCode ?? "?"}`}`}{" "}
            <span className="muted" title={fullTime(health.checkedAt)}>
              ({timeAgo(health.checkedAt)}
              {health.statusCode !== undefined ? `, HTTP ${health.statusCode}` : ""}, {health.latencyMs.toLocaleString()} ms)
            </span>
          </>
        )}
      </p>
      <p className="small muted" data-testid="external-tool-last-call">
        {last === undefined ? (
          "No calls yet."
        ) : (
          <>
            Last call <span title={fullTime(last.at)}>{timeAgo(last.at)}</span>: {last.status === "done" ? (last.outcome ?? "done") : last.status.replace("_", " ")}
            {last.statusCode !== undefined ? `, HTTP ${last.statusCode}` : ""}
            {last.latencyMs !== undefined ? `, ${last.latencyMs.toLocaleString()} ms` : ""}
            {last.attempts > 1 ? `, ${last.attempts} attempts` : ""}
            {last.error !== undefined && <span className="error"> — last error: {last.error}</span>}
          </>
        )}
      </p>
      {tool.healthCheckUrl !== undefined && (
        <div className="row">
          <button
            type="button"
            className="button secondary small"
            disabled={probe.pending}
            onClick={() => void probe.run({ accountId, slug: tool.slug })}
            data-testid="external-tool-check"
          >
            {probe.pending ? "Checking…" : "Check now"}
          </button>
        </div>
      )}
      {probe.error !== null && (
        <p className="error small" role="alert" data-testid="external-tool-check-error">
          {probe.error}
        </p>
      )}
    </li>
  );
}
