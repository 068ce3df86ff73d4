/** An agent's tools: permission level and approval per assignment, add and remove. */
import { useId, useState, type FormEvent } from "react";
import { Link } from "react-router";
import { api } from "../../../convex/_generated/api";
import { useAgents } from "../chat/useAgents";
import { useMutation, useQuery } from "../lib/convex";
import { useRun } from "../lib/useRun";
import { useAccount } from "../shell/AccountProvider";
import type { AgentDetail } from "./types";
import { PERMISSIONS, type Permission } from "./common";
import "./agents.css";

type Assignment = AgentDetail["tools"][number];

export function ToolAssignments({ agent, editable }: { agent: AgentDetail; editable: boolean }) {
  const agents = useAgents();
  const nameOf = (id: string) => agents?.find((a) => a.agentId === id)?.name ?? "another agent";
  return (
    <section aria-labelledby="tools-heading" data-testid="tool-assignments">
      <h2 id="tools-heading">Tools</h2>
      <p className="muted small">
        A tool runs only when the assignment's permission covers the tool's trust level; {agent.name}'s capability level ({agent.capabilityLevel}) caps the
        permission. Tools that ask for approval wait for the person in the chat to allow each call.
      </p>
      {agent.tools.length === 0 ? (
        <p className="muted" data-testid="tools-empty">
          {agent.name} has no tools yet{editable ? ": add one below" : ""}.
        </p>
      ) : (
        <div className="table-scroll">
          <table className="table">
            <thead>
              <tr>
                <th scope="col">Tool</th>
                <th scope="col">Trust level</th>
                <th scope="col">Permission</th>
                <th scope="col">Asks for approval</th>
                {editable && (
                  <th scope="col">
                    <span className="visually-hidden">Remove</span>
                  </th>
                )}
              </tr>
            </thead>
            <tbody>
              {agent.tools.map((a) => (
                <AssignmentRow key={a.toolSlug} agent={agent} assignment={a} editable={editable} delegateName={a.delegateToAgentId ? nameOf(a.delegateToAgentId) : null} />
              ))}
            </tbody>
          </table>
        </div>
      )}
      {editable && <AddTool agent={agent} />}
    </section>
  );
}

function AssignmentRow({ agent, assignment: a, editable, delegateName }: { agent: AgentDetail; assignment: Assignment; editable: boolean; delegateName: string | null }) {
  const { accountId } = useAccount();
  const update = useMutation(api.tools.assignments.update);
  const unassign = useMutation(api.tools.assignments.unassign);
  const [confirming, setConfirming] = useState(false);
  // What was just chosen, shown until the server has it (or has refused it: then the row shows the saved value again).
  const [choice, setChoice] = useState<{ permission?: Permission; needsApproval?: boolean } | null>(null);
  const { run, pending, error } = useRun(async (change: { permission?: Permission; needsApproval?: boolean } | "remove") => {
    if (change === "remove") {
      await unassign({ accountId, agentId: agent.agentId, toolSlug: a.toolSlug });
      return;
    }
    setChoice(change);
    try {
      await update({ accountId, agentId: agent.agentId, toolSlug: a.toolSlug, ...change });
    } finally {
      setChoice(null);
    }
  });
  const permission = choice?.permission ?? a.permission;
  const needsApproval = choice?.needsApproval ?? a.needsApproval;
  const label = a.toolName ?? a.toolSlug;
  return (
    <tr data-testid="tool-row" data-tool-slug={a.toolSlug} data-permission={a.permission} data-needs-approval={String(a.needsApproval)} data-usable={String(a.usable)}>
      <td>
        <strong>{label}</strong> <code className="small">{a.toolSlug}</code>
        {a.delegateToAgentId && (
          <div className="small">
            delegates to <Link to={`/agents/${a.delegateToAgentId}`}>{delegateName}</Link>
            {a.allowedToolSlugs && <span className="muted"> (may use only {a.allowedToolSlugs.join(", ") || "no tools"})</span>}
          </div>
        )}
        {a.toolKind === null && <div className="error small">This tool no longer exists.</div>}
        {a.toolKind !== null && !a.usable && <div className="error small">Not callable now: the tool is disabled or the permission is below its trust level.</div>}
        {error && (
          <div className="error small" role="alert" data-testid="tool-error">
            {error}
          </div>
        )}
      </td>
      <td>{a.trustLevel ?? "—"}</td>
      <td>
        <select
          aria-label={`Permission for ${label}`}
          value={permission}
          disabled={!editable || pending}
          data-testid="tool-permission"
          onChange={(e) => void run({ permission: e.target.value as Permission })}
        >
          {PERMISSIONS.map((p) => (
            <option key={p} value={p}>
              {p}
            </option>
          ))}
        </select>
      </td>
      <td>
        <input
          type="checkbox"
          aria-label={`Ask before each call of ${label}`}
          checked={needsApproval}
          disabled={!editable || pending}
          data-testid="tool-approval"
          onChange={(e) => void run({ needsApproval: e.target.checked })}
        />
      </td>
      {editable && (
        <td>
          {confirming ? (
            <span className="row">
              <button type="button" className="button small primary" disabled={pending} data-testid="tool-remove-confirm" onClick={() => void run("remove")}>
                {a.delegateToAgentId ? "Remove the delegation" : "Remove"}
              </button>
              <button type="button" className="button small ghost" onClick={() => setConfirming(false)}>
                Keep
              </button>
            </span>
          ) : (
            <button type="button" className="button small ghost" aria-label={`Remove ${label}`} data-testid="tool-remove" onClick={() => setConfirming(true)}>
              Remove
            </button>
          )}
        </td>
      )}
    </tr>
  );
}

function AddTool({ agent }: { agent: AgentDetail }) {
  const { accountId } = useAccount();
  const catalogue = useQuery(api.tools.tools.list, { accountId });
  const assign = useMutation(api.tools.assignments.assign);
  const id = useId();
  const [slug, setSlug] = useState("");
  const [permission, setPermission] = useState<Permission | "">("");
  const [approval, setApproval] = useState<boolean | null>(null);
  const has = new Set(agent.tools.map((t) => t.toolSlug));
  // Delegations are composed on the Delegations view, where cycles and depth are shown.
  const choices = catalogue?.filter((t) => t.kind !== "agent" && !has.has(t.slug)) ?? [];
  const tool = choices.find((t) => t.slug === slug);
  const effectivePermission = permission === "" ? (tool?.trustLevel ?? "read") : permission;
  const effectiveApproval = approval ?? (tool !== undefined && tool.trustLevel !== "read");
  const { run, pending, error } = useRun(() => assign({ accountId, agentId: agent.agentId, toolSlug: slug, permission: effectivePermission, needsApproval: effectiveApproval }));
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    if (slug === "") return;
    if ((await run()) !== undefined) {
      setSlug("");
      setPermission("");
      setApproval(null);
    }
  };
  return (
    <form className="filters row" aria-labelledby={`${id}-h`} onSubmit={(e) => void submit(e)} data-testid="tool-add">
      <h3 id={`${id}-h`} className="visually-hidden">
        Add a tool
      </h3>
      <label className="field">
        <span>Add a tool</span>
        <select
          value={slug}
          disabled={catalogue === undefined}
          data-testid="tool-add-select"
          onChange={(e) => {
            setSlug(e.target.value);
            setPermission("");
            setApproval(null);
          }}
        >
          <option value="">{catalogue === undefined ? "Loading tools…" : choices.length === 0 ? "No more tools to add" : "Choose a tool"}</option>
          {choices.map((t) => (
            <option key={t.slug} value={t.slug}>
              {t.name} ({t.trustLevel})
            </option>
          ))}
        </select>
      </label>
      <label className="field">
        <span>Permission</span>
        <select value={effectivePermission} onChange={(e) => setPermission(e.target.value as Permission)} data-testid="tool-add-permission">
          {PERMISSIONS.map((p) => (
            <option key={p} value={p}>
              {p}
            </option>
          ))}
        </select>
      </label>
      <label className="checkbox">
        <input type="checkbox" checked={effectiveApproval} onChange={(e) => setApproval(e.target.checked)} data-testid="tool-add-approval" />
        Ask for approval
      </label>
      <button type="submit" className="button secondary" disabled={pending || slug === ""} data-testid="tool-add-submit">
        {pending ? "Adding…" : "Add tool"}
      </button>
      {tool && <p className="muted small full-width">{tool.description}</p>}
      {error && (
        <p className="error small full-width" role="alert" data-testid="tool-add-error">
          Could not add the tool: {error}
        </p>
      )}
    </form>
  );
}
