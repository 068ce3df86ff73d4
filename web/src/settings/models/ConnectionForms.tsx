/** Adding a model connection, and editing one (its name, base URL, or a new key: the stored key is never shown). */
import { useId, useState } from "react";
import { api } from "../../../../convex/_generated/api";
import { FieldMessage, invalidProps } from "../../agents/common";
import { useMutation } from "../../lib/convex";
import { useFormSubmit } from "../../lib/useFormSubmit";
import { useAccount } from "../../shell/AccountProvider";
import { CONNECTION_FIELDS, KINDS, type Connection, type Kind } from "./connection";

export function NewConnectionForm() {
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

export function EditConnectionForm({ connection: c, onDone }: { connection: Connection; onDone: () => void }) {
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
