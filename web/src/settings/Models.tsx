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
import { api } from "../../../convex/_generated/api";
import { useQuery } from "../lib/convex";
import { useAccount } from "../shell/AccountProvider";
import { ConnectionCard } from "./models/ConnectionCard";
import { NewConnectionForm } from "./models/ConnectionForms";
import { Embeddings } from "./models/Embeddings";
import "./settings.css";

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
