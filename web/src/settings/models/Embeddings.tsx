/** Settings → Models → Embeddings: the deployment default, or an OpenAI-compatible connection's embedding model with its vector length. */
import { useId, useState } from "react";
import { api } from "../../../../convex/_generated/api";
import { FieldMessage, invalidProps } from "../../agents/common";
import { useMutation, useQuery, type FunctionReturnType } from "../../lib/convex";
import { useFormSubmit } from "../../lib/useFormSubmit";
import { useAccount } from "../../shell/AccountProvider";
import type { Connection } from "./connection";

type EmbeddingSettings = FunctionReturnType<typeof api.models.embeddingChoice.current>;

/** The arguments of `setEmbeddingModel` a refusal can name as its `field`. */
const EMBEDDING_FIELDS = ["modelId", "dimension", "baseUrl"] as const;

/** Settings → Models → Embeddings: which model embeds this account's knowledge. */
export function Embeddings({ connections }: { connections: Connection[] | undefined }) {
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
