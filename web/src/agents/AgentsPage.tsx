/** /agents: the account's agents with their status, a form to create one, and the template gallery. */
import { useState } from "react";
import { Link, useNavigate } from "react-router";
import { api } from "../../../convex/_generated/api";
import { useMutation, useQuery, type FunctionReturnType } from "../lib/convex";
import { StatusBadge } from "../runs/RunsPage";
import { useAccount } from "../shell/AccountProvider";
import { PageErrorBoundary } from "../shell/PageError";
import { AGENT_FIELDS, AgentFields, EMPTY_AGENT, type AgentValues } from "./AgentFields";
import { AgentsTabs, useCanBuild } from "./common";
import { Templates } from "./Templates";
import { useFormSubmit } from "../lib/useFormSubmit";
import "./agents.css";

export type AgentSummary = FunctionReturnType<typeof api.agents.agents.list>[number];

export function AgentsPage() {
  const canBuild = useCanBuild();
  return (
    <main className="page wide" id="main" data-testid="agents-page">
      <h1>Agents</h1>
      <AgentsTabs />
      <PageErrorBoundary what="the agents">
        <AgentList />
      </PageErrorBoundary>
      {canBuild ? (
        <>
          <PageErrorBoundary what="the create form">
            <CreateAgent />
          </PageErrorBoundary>
          <PageErrorBoundary what="the templates">
            <Templates />
          </PageErrorBoundary>
        </>
      ) : (
        <p className="muted small" data-testid="agents-read-only">
          You can see this account's agents. Only account admins can create, change or compose them.
        </p>
      )}
    </main>
  );
}

function AgentList() {
  const { accountId } = useAccount();
  const [showArchived, setShowArchived] = useState(false);
  const agents = useQuery(api.agents.agents.list, { accountId, includeArchived: showArchived });
  return (
    <section aria-labelledby="agents-heading">
      <div className="row spread">
        <h2 id="agents-heading">Agents in this account</h2>
        <label className="checkbox small">
          <input type="checkbox" checked={showArchived} onChange={(e) => setShowArchived(e.target.checked)} data-testid="agents-show-archived" />
          Show archived
        </label>
      </div>
      {agents === undefined ? (
        <p className="muted" role="status" data-testid="agents-loading">
          Loading agents…
        </p>
      ) : agents.length === 0 ? (
        <p className="muted" data-testid="agents-empty">
          No agents yet. Create one below, or start from a template.
        </p>
      ) : (
        <div className="table-scroll">
          <table className="table" data-testid="agents-list">
            <thead>
              <tr>
                <th scope="col">Agent</th>
                <th scope="col">Status</th>
                <th scope="col">Capability</th>
                <th scope="col">Model</th>
                <th scope="col">Version</th>
              </tr>
            </thead>
            <tbody>
              {agents.map((agent) => (
                <tr key={agent.agentId} data-testid="agent-row" data-agent-id={agent.agentId} data-slug={agent.slug} data-status={agent.status}>
                  <td>
                    <span className="swatch small-swatch" aria-hidden="true" style={agent.accentColor ? { background: agent.accentColor } : undefined} />
                    <Link to={`/agents/${agent.agentId}`} data-testid="agent-link">
                      {agent.name}
                    </Link>{" "}
                    <span className="muted small">{agent.slug}</span>
                    {agent.description && <div className="muted small">{agent.description}</div>}
                  </td>
                  <td>
                    <StatusBadge status={agent.status} />
                  </td>
                  <td>{agent.capabilityLevel}</td>
                  <td className="small">{agent.modelLabel}</td>
                  <td>v{agent.version}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}

function CreateAgent() {
  const { accountId } = useAccount();
  const create = useMutation(api.agents.agents.create);
  const navigate = useNavigate();
  const [values, setValues] = useState<AgentValues>(EMPTY_AGENT);
  const [slugEdited, setSlugEdited] = useState(false);
  const { submit, pending, fieldError, general: error } = useFormSubmit(AGENT_FIELDS, async () => {
    const agent = await create({
        accountId,
        name: values.name,
        slug: values.slug,
        description: values.description,
        instructions: values.instructions,
        capabilityLevel: values.capabilityLevel,
        ...(values.modelId.trim() !== "" ? { modelId: values.modelId.trim() } : {}),
        ...(values.accentColor.trim() !== "" ? { accentColor: values.accentColor.trim() } : {}),
    });
    await navigate(`/agents/${agent.agentId}`);
  });

  return (
    <section aria-labelledby="create-heading" className="card section-card" data-testid="agent-create">
      <h2 id="create-heading">Create an agent</h2>
      <form onSubmit={submit} className="stack">
        <AgentFields
          values={values}
          onChange={setValues}
          error={fieldError}
          testPrefix="agent-create"
          slugEditable
          slugFollowsName={!slugEdited}
          onSlugEdited={() => setSlugEdited(true)}
          disabled={pending}
        />
        {error && (
          <p className="error" role="alert" data-testid="agent-create-error">
            Could not create the agent: {error}
          </p>
        )}
        <button type="submit" className="button primary" disabled={pending} data-testid="agent-create-submit">
          {pending ? "Creating…" : "Create agent"}
        </button>
      </form>
    </section>
  );
}
