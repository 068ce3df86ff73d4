/** /agents/:agentId — one agent: its definition, status, tools, versions and manifest. */
import { useEffect, useRef, useState } from "react";
import { Link, useParams } from "react-router";
import { api } from "../../../convex/_generated/api";
import type { Id } from "../../../convex/_generated/dataModel";
import { useMutation } from "../lib/convex";
import { errorCodeOf, errorText } from "../lib/errors";
import { useQueryResult } from "../lib/useQueryResult";
import { useRun } from "../lib/useRun";
import { StatusBadge } from "../runs/RunsPage";
import { useAccount } from "../shell/AccountProvider";
import { PageErrorBoundary } from "../shell/PageError";
import { AgentAvailability } from "../teams/AgentAvailability";
import { AGENT_FIELDS, AgentFields, type AgentValues } from "./AgentFields";
import { AgentsTabs, useCanBuild } from "./common";
import { AgentViewTabs } from "./AgentViewTabs";
import { ManifestExport } from "./ManifestExport";
import { ToolAssignments } from "./ToolAssignments";
import { Versions } from "./Versions";
import type { AgentDetail } from "./types";
import { useFormSubmit } from "../lib/useFormSubmit";
import "./agents.css";

export function AgentPage() {
  const { agentId } = useParams();
  return (
    <main className="page wide" id="main" data-testid="agent-page">
      <AgentsTabs />
      <p className="small">
        <Link to="/agents">← All agents</Link>
      </p>
      <PageErrorBoundary what="this agent">
        <AgentView key={agentId} agentId={agentId as Id<"agents">} />
      </PageErrorBoundary>
    </main>
  );
}

function AgentView({ agentId }: { agentId: Id<"agents"> }) {
  const { accountId } = useAccount();
  const { data: agent, error } = useQueryResult(api.agents.agents.get, { accountId, agentId });
  const canBuild = useCanBuild();
  if (error !== null) {
    return (
      <p role="alert" className="error" data-testid="agent-error">
        {errorCodeOf(error) === "not_found" ? "There is no such agent in this account." : `Could not load this agent: ${errorText(error)}`}
      </p>
    );
  }
  if (agent === undefined) {
    return (
      <p className="muted" role="status" data-testid="agent-loading">
        Loading the agent…
      </p>
    );
  }
  const editable = canBuild && agent.status !== "archived";
  return (
    <>
      <header className="run-header">
        <h1 data-testid="agent-title">
          <span className="swatch" aria-hidden="true" style={agent.accentColor ? { background: agent.accentColor } : undefined} /> {agent.name}
        </h1>
        <div className="row" data-testid="agent-summary" data-status={agent.status} data-version={agent.version}>
          <StatusBadge status={agent.status} />
          <span className="muted">{agent.slug}</span>
          <span>version {agent.version}</span>
          <span>{agent.modelLabel}</span>
          <span>capability {agent.capabilityLevel}</span>
          {agent.templateSlug && <span className="muted small">from the {agent.templateSlug} template</span>}
        </div>
        {canBuild && <StatusControls agent={agent} />}
        {agent.status === "archived" && <p className="muted small">Archived agents are read-only: they keep their history and their slug.</p>}
      </header>
      <AgentViewTabs
        agent={agent}
        settings={
          <>
            <PageErrorBoundary what="the definition">
              <EditAgent agent={agent} editable={editable} />
            </PageErrorBoundary>
            <PageErrorBoundary what="the tools">
              <ToolAssignments agent={agent} editable={editable} />
            </PageErrorBoundary>
            {canBuild && (
              <PageErrorBoundary what="who may use it">
                <AgentAvailability agentId={agent.agentId} editable={editable} />
              </PageErrorBoundary>
            )}
            <PageErrorBoundary what="the manifest">
              <ManifestExport agent={agent} />
            </PageErrorBoundary>
            <PageErrorBoundary what="the versions">
              <Versions agent={agent} />
            </PageErrorBoundary>
          </>
        }
      />
    </>
  );
}

type StatusAction = "pause" | "resume" | "archive";

const CONSEQUENCES: Record<StatusAction, (name: string) => string> = {
  pause: (name) => `${name} will refuse new messages and its pending background jobs are cancelled. Its conversations stay readable; you can resume it later.`,
  resume: (name) => `${name} will take new messages again.`,
  archive: (name) =>
    `Archiving is final. ${name} disappears from lists and chats, every delegation to or from it is removed, and its slug stays taken. Its history is kept.`,
};
const VERBS: Record<StatusAction, [string, string]> = {
  pause: ["Pause", "Pausing…"],
  resume: ["Resume", "Resuming…"],
  archive: ["Archive", "Archiving…"],
};

function StatusControls({ agent }: { agent: AgentDetail }) {
  const { accountId } = useAccount();
  const pause = useMutation(api.agents.agents.pause);
  const resume = useMutation(api.agents.agents.resume);
  const archive = useMutation(api.agents.agents.archive);
  const [action, setAction] = useState<StatusAction | null>(null);
  const [done, setDone] = useState<string | null>(null);
  const confirmRef = useRef<HTMLButtonElement>(null);
  const { run, pending, error, clearError } = useRun(async (which: StatusAction) => {
    const mutation = which === "pause" ? pause : which === "resume" ? resume : archive;
    return await mutation({ accountId, agentId: agent.agentId });
  });
  useEffect(() => {
    if (action !== null) confirmRef.current?.focus();
  }, [action]);
  if (agent.status === "archived") return null;
  const available: StatusAction[] = agent.status === "active" ? ["pause", "archive"] : ["resume", "archive"];
  const open = (which: StatusAction) => {
    clearError();
    setDone(null);
    setAction(which);
  };
  const confirm = async () => {
    if (action === null) return;
    const result = await run(action);
    if (result !== undefined) {
      setDone(`${result.name} is ${result.status}.`);
      setAction(null);
    }
  };
  return (
    <div className="run-controls">
      <div className="row">
        {available.map((which) => (
          <button key={which} type="button" className="button secondary" data-testid={`agent-${which}`} onClick={() => open(which)}>
            {VERBS[which][0]}
          </button>
        ))}
        {done && (
          <span className="small" role="status" data-testid="agent-action-done">
            {done}
          </span>
        )}
      </div>
      {action && (
        <div className="card confirm" role="group" aria-label={`${VERBS[action][0]} ${agent.name}`} data-testid="agent-confirm" data-action={action}>
          <p className="small">{CONSEQUENCES[action](agent.name)}</p>
          <div className="row">
            <button ref={confirmRef} type="button" className="button primary" disabled={pending} data-testid="agent-confirm-submit" onClick={() => void confirm()}>
              {pending ? VERBS[action][1] : `${VERBS[action][0]} ${agent.name}`}
            </button>
            <button type="button" className="button ghost" data-testid="agent-confirm-back" onClick={() => setAction(null)}>
              Keep as it is
            </button>
          </div>
          {error && (
            <p className="error small" role="alert" data-testid="agent-action-error">
              Could not {action} the agent: {error}
            </p>
          )}
        </div>
      )}
    </div>
  );
}

function valuesOf(agent: AgentDetail): AgentValues {
  return {
    name: agent.name,
    slug: agent.slug,
    description: agent.description,
    instructions: agent.instructions,
    modelId: agent.hasOwnModel ? agent.modelId : "",
    capabilityLevel: agent.capabilityLevel,
    accentColor: agent.accentColor ?? "",
    channels: agent.channels ?? [],
  };
}

/** The definition form; saving makes a new version. */
function EditAgent({ agent, editable }: { agent: AgentDetail; editable: boolean }) {
  const { accountId } = useAccount();
  const update = useMutation(api.agents.agents.update);
  const [values, setValues] = useState<AgentValues>(() => valuesOf(agent));
  const [saved, setSaved] = useState<string | null>(null);
  const changed = JSON.stringify(values) !== JSON.stringify(valuesOf(agent));

  const { submit, pending, fieldError, general: error } = useFormSubmit(AGENT_FIELDS, async () => {
    setSaved(null);
    const result = await update({
        accountId,
        agentId: agent.agentId,
        name: values.name,
        description: values.description,
        instructions: values.instructions,
        modelId: values.modelId.trim() === "" ? null : values.modelId.trim(),
        capabilityLevel: values.capabilityLevel,
        accentColor: values.accentColor.trim() === "" ? null : values.accentColor.trim(),
        channels: values.channels,
      });
    setValues(valuesOf(result));
    setSaved(result.version === agent.version ? "Nothing changed." : `Saved as version ${result.version}.`);
  });

  return (
    <section aria-labelledby="definition-heading" className="card section-card" data-testid="agent-edit">
      <h2 id="definition-heading">Definition</h2>
      <form onSubmit={submit} className="stack">
        <AgentFields
          values={values}
          onChange={(next) => {
            setSaved(null);
            setValues(next);
          }}
          error={fieldError}
          testPrefix="agent-edit"
          slugEditable={false}
          defaultModelLabel={agent.hasOwnModel ? undefined : agent.modelLabel}
          disabled={!editable || pending}
        />
        {error && (
          <p className="error" role="alert" data-testid="agent-edit-error">
            Could not save: {error}
          </p>
        )}
        {editable && (
          <div className="row">
            <button type="submit" className="button primary" disabled={pending || !changed} data-testid="agent-edit-save">
              {pending ? "Saving…" : "Save changes"}
            </button>
            <button type="button" className="button ghost" disabled={pending || !changed} onClick={() => setValues(valuesOf(agent))}>
              Undo changes
            </button>
            {saved && (
              <span className="small" role="status" data-testid="agent-edit-saved">
                {saved}
              </span>
            )}
          </div>
        )}
      </form>
    </section>
  );
}
