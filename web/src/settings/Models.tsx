/**
 * Settings → Models: the account's provider connections (OpenAI-compatible
 * endpoints or Anthropic). Add one with its API key (stored on the server,
 * never shown again: the list shows "••••" and its last 4 characters), test
 * it with one tiny call (the provider's answer, or its error in words),
 * fetch its model list, edit it or replace its key, remove it with a
 * confirmation. Agents then name its models `@<slug>/<model>`. Below them,
 * the account's embedding model for knowledge: the deployment default or an
 * OpenAI-compatible connection's embedding model with its vector length.
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

type Connection = FunctionReturnType<typeof api.models.connections.list>[number];
type Kind = Connection["kind"];
type TestResult = FunctionReturnType<typeof api.models.connections.testConnection>;
type EmbeddingSettings = FunctionReturnType<typeof api.models.embeddingChoice.current>;

const KINDS: Record<Kind, { label: string; placeholder: string; hint: string }> = {
  "openai-compatible": {
    label: "OpenAI-compatible",
    placeholder: "https://api.openai.com/v1",
    hint: "OpenAI https://api.openai.com/v1 · OpenRouter https://openrouter.ai/api/v1 · a local Ollama http://localhost:11434/v1 or vLLM http://localhost:8000/v1",
  },
  anthropic: {
    label: "Anthropic",
    placeholder: "https://api.anthropic.com/v1 (leave empty)",
    hint: "Leave empty for Anthropic's own API; fill in only for a gateway in front of it.",
  },
};

/** The arguments of `create` / `update` a refusal can name as its `field`, each shown at its input. */
const CONNECTION_FIELDS = ["name", "slug", "kind", "baseUrl", "apiKey"] as const;

export function Models() {
  const { accountId } = useAccount();
  const connections = useQuery(api.models.connections.list, { accountId });
  return (
    <section aria-labelledby="models-heading" data-testid="models">
      <h2 id="models-heading">Models</h2>
      <p className="muted small">
        Connect the model providers this account pays for. Agents then pick their models in the agent builder, written <code>@connection/model</code>. API keys
        stay on the server: after saving, only their last 4 characters are shown. The deployment's own providers (environment variables) stay available to every
        agent.
      </p>
      <NewConnectionForm />
      {connections === undefined ? (
        <p className="muted" role="status" data-testid="models-loading">
          Loading connections…
        </p>
      ) : connections.length === 0 ? (
        <p className="muted" data-testid="models-empty">
          No model connections yet. Add one above to run agents on your own provider account.
        </p>
      ) : (
        <ul className="cards" data-testid="model-connection-list">
          {connections.map((c) => (
            <ConnectionCard key={c.connectionId} connection={c} />
          ))}
        </ul>
      )}
      <Embeddings connections={connections} />
    </section>
  );
}

/** The arguments of `setEmbeddingModel` a refusal can name as its `field`. */
const EMBEDDING_FIELDS = ["modelId", "dimension", "baseUrl"] as const;

/** Settings → Models → Embeddings: which model embeds this account's knowledge. */
function Embeddings({ connections }: { connections: Connection[] | undefined }) {
  const { accountId } = useAccount();
  const settings = useQuery(api.models.embeddingChoice.current, { accountId });
  return (
    <section className="card settings-form" aria-labelledby="embeddings-heading" data-testid="embeddings">
      <h3 id="embeddings-heading">Embeddings</h3>
      <p className="muted small">
        The model that turns this account&apos;s knowledge (documents and remembered facts) into vectors for search. Each embedding model keeps its own index:
        switching starts a fresh, empty one. Documents added before are searched only under the model they were added with (switching back finds them
        again) until you add them again. Platform knowledge always uses the deployment default.
      </p>
      {settings === undefined ? (
        <p className="muted" role="status" data-testid="embeddings-loading">
          Loading…
        </p>
      ) : (
        <>
          <p className="small" data-testid="embeddings-active" data-model-id={settings.active?.modelId}>
            {settings.active !== undefined ? (
              <>
                In use: <strong>{settings.active.label}</strong> <code className="small">{settings.active.modelId}</code>, {settings.active.dimension}{" "}
                dimensions{settings.active.source === "deployment" ? " (the deployment default)" : ""}.
              </>
            ) : (
              <>In use: none that works.</>
            )}
          </p>
          {settings.problem !== undefined && (
            <p className="error small" role="alert" data-testid="embeddings-problem">
              {settings.problem}
            </p>
          )}
          {/* Rendered once the settings are loaded: its fields start from the current choice. */}
          <EmbeddingForm settings={settings} connections={connections ?? []} />
        </>
      )}
    </section>
  );
}

function EmbeddingForm({ settings, connections }: { settings: EmbeddingSettings; connections: Connection[] }) {
  const { accountId } = useAccount();
  const setEmbeddingModel = useMutation(api.models.embeddingChoice.setEmbeddingModel);
  const id = useId();
  const usable = connections.filter((c) => c.kind === "openai-compatible");
  const chosen = settings.choice?.modelId.match(/^@([^/]+)\/(.+)$/);
  const [slug, setSlug] = useState(chosen?.[1] ?? "");
  const [model, setModel] = useState(chosen?.[2] ?? "");
  const [dimension, setDimension] = useState(settings.choice !== undefined ? String(settings.choice.dimension) : "");
  const [saved, setSaved] = useState<string | null>(null);
  const known = settings.knownDimensions[model.trim().replace(/^.*\//, "").replace(/:.*$/, "")];
  const connection = usable.find((c) => c.slug === slug);
  const { submit, pending, fieldError, general } = useFormSubmit(EMBEDDING_FIELDS, async () => {
    setSaved(null);
    const next = await setEmbeddingModel({
      accountId,
      ...(slug !== "" ? { modelId: `@${slug}/${model.trim()}` } : {}),
      ...(slug !== "" && dimension !== "" ? { dimension: Number(dimension) } : {}),
    });
    setSaved(
      next.active !== undefined
        ? `Now embedding with ${next.active.label}. New documents go to its index; add earlier documents again to search them under it.`
        : "Saved.",
    );
  });
  const err = (field: string) => `${id}-${field}-error`;
  const modelsId = `${id}-models`;

  return (
    <form onSubmit={submit} aria-label="Embedding model" data-testid="embedding-form">
      <div className="field-row">
        <div className="field">
          <label htmlFor={`${id}-source`}>Embedding model from</label>
          <select
            id={`${id}-source`}
            value={slug}
            onChange={(e) => {
              setSlug(e.target.value);
              setSaved(null);
            }}
            data-testid="embedding-source"
          >
            <option value="">Deployment default{settings.deploymentDefault !== undefined ? ` (${settings.deploymentDefault.label})` : ""}</option>
            {usable.map((c) => (
              <option key={c.slug} value={c.slug}>
                {c.name} (@{c.slug})
              </option>
            ))}
          </select>
        </div>
        {slug !== "" && (
          <>
            <div className="field">
              <label htmlFor={`${id}-model`}>Model</label>
              <input
                id={`${id}-model`}
                value={model}
                required
                maxLength={200}
                list={connection !== undefined && connection.models.length > 0 ? modelsId : undefined}
                placeholder="e.g. text-embedding-3-small"
                onChange={(e) => setModel(e.target.value)}
                data-testid="embedding-model"
                {...invalidProps(err("modelId"), "modelId", fieldError)}
              />
              {connection !== undefined && connection.models.length > 0 && (
                <datalist id={modelsId}>
                  {connection.models.map((m) => (
                    <option key={m} value={m} />
                  ))}
                </datalist>
              )}
              <FieldMessage id={err("modelId")} field="modelId" error={fieldError} />
            </div>
            <div className="field">
              <label htmlFor={`${id}-dimension`}>Dimensions</label>
              <select
                id={`${id}-dimension`}
                value={dimension}
                onChange={(e) => setDimension(e.target.value)}
                data-testid="embedding-dimension"
                {...invalidProps(err("dimension"), "dimension", fieldError)}
              >
                <option value="">{known !== undefined ? `Known: ${known}` : "Choose…"}</option>
                {settings.dimensions.map((d) => (
                  <option key={d} value={String(d)}>
                    {d}
                  </option>
                ))}
              </select>
              <FieldMessage id={err("dimension")} field="dimension" error={fieldError} />
            </div>
          </>
        )}
      </div>
      {usable.length === 0 && (
        <p className="muted small" data-testid="embedding-no-connections">
          Add an OpenAI-compatible connection above to embed with your own provider (OpenAI, or a local Ollama&apos;s nomic-embed-text).
        </p>
      )}
      <FieldMessage id={err("baseUrl")} field="baseUrl" error={fieldError} />
      <div className="row">
        <button type="submit" className="button primary small" disabled={pending} data-testid="embedding-save">
          {pending ? "Saving…" : "Use this embedding model"}
        </button>
        <span className="muted small">Switching starts a fresh index.</span>
        {saved !== null && (
          <span className="small" role="status" data-testid="embedding-saved">
            {saved}
          </span>
        )}
      </div>
      {general !== null && (
        <p className="error small" role="alert" data-testid="embedding-error">
          Could not change the embedding model: {general}
        </p>
      )}
    </form>
  );
}

function NewConnectionForm() {
  const { accountId } = useAccount();
  const create = useMutation(api.models.connections.create);
  const id = useId();
  const [kind, setKind] = useState<Kind>("openai-compatible");
  const [name, setName] = useState("");
  const [slug, setSlug] = useState("");
  const [baseUrl, setBaseUrl] = useState("");
  const [apiKey, setApiKey] = useState("");
  const [added, setAdded] = useState<string | null>(null);
  const { submit, pending, fieldError, general } = useFormSubmit(CONNECTION_FIELDS, async () => {
    setAdded(null);
    const created = await create({
      accountId,
      kind,
      name,
      ...(slug.trim() !== "" ? { slug: slug.trim() } : {}),
      ...(baseUrl.trim() !== "" ? { baseUrl } : {}),
      ...(apiKey.trim() !== "" ? { apiKey } : {}),
    });
    setName("");
    setSlug("");
    setBaseUrl("");
    setApiKey("");
    setAdded(`${created.name} added: its models are written @${created.slug}/<model>. Test it, then refresh its models.`);
  });
  const err = (field: string) => `${id}-${field}-error`;

  return (
    <form className="card settings-form" onSubmit={submit} aria-labelledby={`${id}-h`} data-testid="model-connection-form">
      <h3 id={`${id}-h`}>New connection</h3>
      <div className="field-row">
        <div className="field">
          <label htmlFor={`${id}-kind`}>Kind</label>
          <select id={`${id}-kind`} value={kind} onChange={(e) => setKind(e.target.value as Kind)} data-testid="model-connection-kind">
            {(Object.keys(KINDS) as Kind[]).map((k) => (
              <option key={k} value={k}>
                {KINDS[k].label}
              </option>
            ))}
          </select>
        </div>
        <div className="field">
          <label htmlFor={`${id}-name`}>Name</label>
          <input
            id={`${id}-name`}
            value={name}
            required
            maxLength={60}
            placeholder="e.g. OpenRouter"
            onChange={(e) => setName(e.target.value)}
            data-testid="model-connection-name"
            {...invalidProps(err("name"), "name", fieldError)}
          />
          <FieldMessage id={err("name")} field="name" error={fieldError} />
        </div>
        <div className="field">
          <label htmlFor={`${id}-slug`}>Slug (optional)</label>
          <input
            id={`${id}-slug`}
            value={slug}
            maxLength={40}
            pattern="[a-z0-9][a-z0-9\-]{0,39}"
            title="1 to 40 characters: lowercase letters, digits or '-'"
            placeholder="made from the name"
            onChange={(e) => setSlug(e.target.value)}
            data-testid="model-connection-slug"
            {...invalidProps(err("slug"), "slug", fieldError)}
          />
          <FieldMessage id={err("slug")} field="slug" error={fieldError} />
        </div>
      </div>
      <div className="field">
        <label htmlFor={`${id}-base-url`}>Base URL{kind === "anthropic" ? " (optional)" : ""}</label>
        <input
          id={`${id}-base-url`}
          type="url"
          required={kind !== "anthropic"}
          maxLength={500}
          placeholder={KINDS[kind].placeholder}
          value={baseUrl}
          onChange={(e) => setBaseUrl(e.target.value)}
          data-testid="model-connection-base-url"
          {...invalidProps(err("baseUrl"), "baseUrl", fieldError)}
          aria-describedby={[`${id}-base-url-hint`, invalidProps(err("baseUrl"), "baseUrl", fieldError)["aria-describedby"]].filter(Boolean).join(" ")}
        />
        <span id={`${id}-base-url-hint`} className="muted small">
          {KINDS[kind].hint}
        </span>
        <FieldMessage id={err("baseUrl")} field="baseUrl" error={fieldError} />
      </div>
      <div className="field">
        <label htmlFor={`${id}-api-key`}>API key{kind === "openai-compatible" ? " (optional for a local server)" : ""}</label>
        <input
          id={`${id}-api-key`}
          type="password"
          autoComplete="off"
          spellCheck={false}
          required={kind === "anthropic"}
          maxLength={1000}
          value={apiKey}
          onChange={(e) => setApiKey(e.target.value)}
          data-testid="model-connection-api-key"
          {...invalidProps(err("apiKey"), "apiKey", fieldError)}
        />
        <FieldMessage id={err("apiKey")} field="apiKey" error={fieldError} />
      </div>
      <div className="row">
        <button type="submit" className="button primary" disabled={pending} data-testid="model-connection-create">
          {pending ? "Adding…" : "Add connection"}
        </button>
        {added !== null && (
          <span className="small" role="status" data-testid="model-connection-created">
            {added}
          </span>
        )}
      </div>
      {general !== null && (
        <p className="error small" role="alert" data-testid="model-connection-create-error">
          Could not add the connection: {general}
        </p>
      )}
    </form>
  );
}

/** A test's outcome in words: the provider's answer, or its error. */
function testWords(test: { ok: boolean; message: string; latencyMs?: number }): string {
  const took = test.latencyMs !== undefined ? ` in ${test.latencyMs.toLocaleString()} ms` : "";
  return test.ok ? `Answered “${test.message}”${took}.` : `Failed${took}: ${test.message}`;
}

const STATUS_WORDS: Record<Connection["status"], string> = { untested: "Not tested", ok: "Working", failing: "Failing" };

function ConnectionCard({ connection: c }: { connection: Connection }) {
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

function EditConnectionForm({ connection: c, onDone }: { connection: Connection; onDone: () => void }) {
  const { accountId } = useAccount();
  const update = useMutation(api.models.connections.update);
  const id = useId();
  const [name, setName] = useState(c.name);
  const [baseUrl, setBaseUrl] = useState(c.baseUrl ?? "");
  const [apiKey, setApiKey] = useState("");
  const { submit, pending, fieldError, general } = useFormSubmit(CONNECTION_FIELDS, async () => {
    await update({
      accountId,
      connectionId: c.connectionId,
      name,
      baseUrl,
      ...(apiKey.trim() !== "" ? { apiKey } : {}),
    });
    setApiKey("");
    onDone();
  });
  const err = (field: string) => `${id}-${field}-error`;
  return (
    <form className="settings-form" onSubmit={submit} aria-labelledby={`${id}-h`} data-testid="model-connection-edit-form">
      <h3 id={`${id}-h`}>Edit {c.name}</h3>
      <div className="field-row">
        <div className="field">
          <label htmlFor={`${id}-name`}>Name</label>
          <input
            id={`${id}-name`}
            value={name}
            required
            maxLength={60}
            onChange={(e) => setName(e.target.value)}
            data-testid="model-connection-edit-name"
            {...invalidProps(err("name"), "name", fieldError)}
          />
          <FieldMessage id={err("name")} field="name" error={fieldError} />
        </div>
        <div className="field">
          <label htmlFor={`${id}-base-url`}>Base URL{c.kind === "anthropic" ? " (optional)" : ""}</label>
          <input
            id={`${id}-base-url`}
            type="url"
            required={c.kind !== "anthropic"}
            maxLength={500}
            placeholder={KINDS[c.kind].placeholder}
            value={baseUrl}
            onChange={(e) => setBaseUrl(e.target.value)}
            data-testid="model-connection-edit-base-url"
            {...invalidProps(err("baseUrl"), "baseUrl", fieldError)}
          />
          <FieldMessage id={err("baseUrl")} field="baseUrl" error={fieldError} />
        </div>
      </div>
      <div className="field">
        <label htmlFor={`${id}-api-key`}>New API key</label>
        <input
          id={`${id}-api-key`}
          type="password"
          autoComplete="off"
          spellCheck={false}
          maxLength={1000}
          placeholder={c.hasKey ? `Leave empty to keep ••••${c.keyLast4 ?? ""}` : "None stored"}
          value={apiKey}
          onChange={(e) => setApiKey(e.target.value)}
          data-testid="model-connection-edit-api-key"
          {...invalidProps(err("apiKey"), "apiKey", fieldError)}
        />
        <FieldMessage id={err("apiKey")} field="apiKey" error={fieldError} />
      </div>
      <div className="row">
        <button type="submit" className="button primary small" disabled={pending} data-testid="model-connection-edit-save">
          {pending ? "Saving…" : "Save"}
        </button>
        <button type="button" className="button ghost small" onClick={onDone}>
          Cancel
        </button>
      </div>
      {general !== null && (
        <p className="error small" role="alert" data-testid="model-connection-edit-error">
          Could not save: {general}
        </p>
      )}
    </form>
  );
}
