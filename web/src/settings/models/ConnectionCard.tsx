/** One model connection: its status, last test and models; test it, fetch its models, edit it, remove it (confirmed). */
import { useId, useState } from "react";
import { api } from "../../../../convex/_generated/api";
import { useAction, useMutation } from "../../lib/convex";
import { fullTime, timeAgo } from "../../lib/time";
import { useRun } from "../../lib/useRun";
import { useAccount } from "../../shell/AccountProvider";
import { EditConnectionForm } from "./ConnectionForms";
import { KINDS, testWords, type Connection, type TestResult } from "./connection";

const STATUS_WORDS: Record<Connection["status"], string> = { untested: "Not tested", ok: "Working", failing: "Failing" };

export function ConnectionCard({ connection: c }: { connection: Connection }) {
  const { accountId } = useAccount();
  const test = useRun(useAction(api.models.connections.testConnection));
  const refresh = useRun(useAction(api.models.connections.refreshModels));
  const remove = useRun(useMutation(api.models.connections.remove));
  const [testModel, setTestModel] = useState("");
  const [tested, setTested] = useState<TestResult | null>(null);
  const [refreshed, setRefreshed] = useState<{ ok: boolean; message: string } | null>(null);
  const [editing, setEditing] = useState(false);
  const [showModels, setShowModels] = useState(false);
  const [confirmingRemove, setConfirmingRemove] = useState(false);
  const modelsId = useId();
  const args = { accountId, connectionId: c.connectionId };
  const actionError = test.error ?? refresh.error ?? remove.error;

  const runTest = async () => {
    setTested(null);
    const result = await test.run({ ...args, ...(testModel !== "" ? { model: testModel } : {}) });
    if (result !== undefined) setTested(result);
  };
  const runRefresh = async () => {
    setRefreshed(null);
    const result = await refresh.run(args);
    if (result !== undefined) setRefreshed(result);
  };

  return (
    <li className="card model-connection" data-testid="model-connection" data-connection-id={c.connectionId} data-slug={c.slug} data-status={c.status}>
      <div className="row spread">
        <span>
          <strong data-testid="model-connection-title">{c.name}</strong> <code className="small">@{c.slug}</code>
        </span>
        <span className={`status status-${c.status}`} data-testid="model-connection-status">
          {STATUS_WORDS[c.status]}
        </span>
      </div>
      <div className="row small muted">
        <span data-testid="model-connection-kind-text">{KINDS[c.kind].label}</span>
        <code className="webhook-url" data-testid="model-connection-url">
          {c.baseUrl ?? "https://api.anthropic.com/v1 (default)"}
        </code>
        <span data-testid="model-connection-key">key {c.hasKey ? `••••${c.keyLast4 ?? ""}` : "none"}</span>
        <span title={fullTime(c.createdAt)}>added {timeAgo(c.createdAt)}</span>
      </div>
      <p className="small" data-testid="model-connection-last-test" data-ok={c.lastTest === undefined ? undefined : String(c.lastTest.ok)}>
        {c.lastTest === undefined ? (
          <span className="muted">Not tested yet.</span>
        ) : (
          <>
            Last test: {testWords(c.lastTest)} <span className="muted" title={fullTime(c.lastTest.at)}>({timeAgo(c.lastTest.at)})</span>
          </>
        )}
      </p>
      <div className="row small">
        <span data-testid="model-connection-model-count" data-count={c.models.length}>
          {c.modelsFetchedAt === undefined ? "Models not fetched yet." : `${c.models.length} model${c.models.length === 1 ? "" : "s"}`}
          {c.modelsFetchedAt !== undefined && <span className="muted" title={fullTime(c.modelsFetchedAt)}> (fetched {timeAgo(c.modelsFetchedAt)})</span>}
        </span>
        {c.models.length > 0 && (
          <button
            type="button"
            className="button ghost small"
            aria-expanded={showModels}
            aria-controls={modelsId}
            onClick={() => setShowModels((open) => !open)}
            data-testid="model-connection-models-toggle"
          >
            {showModels ? "Hide models" : "Show models"}
          </button>
        )}
      </div>
      {showModels && (
        <ul id={modelsId} className="small model-list" data-testid="model-connection-models">
          {c.models.map((m) => (
            <li key={m}>
              <code>
                @{c.slug}/{m}
              </code>
            </li>
          ))}
        </ul>
      )}
      <div className="row">
        {c.models.length > 0 && (
          <select
            aria-label={`Model to test ${c.name} with`}
            className="small"
            value={testModel}
            onChange={(e) => setTestModel(e.target.value)}
            data-testid="model-connection-test-model"
          >
            <option value="">a small model it lists</option>
            {c.models.map((m) => (
              <option key={m} value={m}>
                {m}
              </option>
            ))}
          </select>
        )}
        <button type="button" className="button secondary small" disabled={test.pending} onClick={() => void runTest()} data-testid="model-connection-test">
          {test.pending ? "Testing…" : "Test connection"}
        </button>
        <button type="button" className="button secondary small" disabled={refresh.pending} onClick={() => void runRefresh()} data-testid="model-connection-refresh">
          {refresh.pending ? "Fetching models…" : "Refresh models"}
        </button>
        <button type="button" className="button ghost small" aria-expanded={editing} onClick={() => setEditing((open) => !open)} data-testid="model-connection-edit">
          {editing ? "Close" : "Edit or replace key"}
        </button>
        {confirmingRemove ? (
          <span className="row confirm-inline" role="group" aria-label={`Remove the connection ${c.name}`}>
            <span className="small">Remove it and its key? Agents using its models must be moved first.</span>
            <button
              type="button"
              className="button primary danger small"
              disabled={remove.pending}
              onClick={() => void remove.run(args)}
              data-testid="model-connection-remove-confirm"
            >
              {remove.pending ? "Removing…" : "Yes, remove"}
            </button>
            <button type="button" className="button ghost small" autoFocus onClick={() => setConfirmingRemove(false)} data-testid="model-connection-remove-cancel">
              Keep it
            </button>
          </span>
        ) : (
          <button type="button" className="button ghost small" onClick={() => setConfirmingRemove(true)} data-testid="model-connection-remove">
            Remove
          </button>
        )}
      </div>
      {tested !== null && (
        <p className={tested.ok ? "small" : "error small"} role="status" data-testid="model-connection-test-result" data-ok={String(tested.ok)}>
          {tested.model}: {testWords(tested)}
        </p>
      )}
      {refreshed !== null && (
        <p className={refreshed.ok ? "small" : "error small"} role="status" data-testid="model-connection-refresh-result" data-ok={String(refreshed.ok)}>
          {refreshed.message}
        </p>
      )}
      {actionError !== null && (
        <p className="error small" role="alert" data-testid="model-connection-action-error">
          {actionError}
        </p>
      )}
      {editing && <EditConnectionForm connection={c} onDone={() => setEditing(false)} />}
    </li>
  );
}
