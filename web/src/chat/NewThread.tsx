import { useEffect, useId, useState, type FormEvent } from "react";
import { useNavigate } from "react-router";
import { api } from "../../../convex/_generated/api";
import { useMutation } from "../lib/convex";
import { useRun } from "../lib/useRun";
import { useAccount } from "../shell/AccountProvider";
import { useAgents, type Agent } from "./useAgents";

/** Pick an agent and start a conversation with it. */
export function NewThread() {
  const { accountId, account } = useAccount();
  const agents = useAgents();
  const navigate = useNavigate();
  const create = useMutation(api.chat.threads.create);
  const [agentId, setAgentId] = useState<Agent["agentId"] | "">("");
  const { run, pending, error } = useRun(create);
  const pickerId = useId();

  const usable = agents?.filter((a) => a.status === "active") ?? [];
  // Default to the first usable agent (and again when the account changes).
  useEffect(() => {
    if (agents === undefined) return;
    if (!agents.some((a) => a.agentId === agentId && a.status === "active")) setAgentId(agents.find((a) => a.status === "active")?.agentId ?? "");
  }, [agents, agentId]);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    if (agentId === "") return;
    const thread = await run({ accountId, agentId });
    if (thread !== undefined) await navigate(`/chat/${thread.threadId}`);
  };

  const readOnly = account.role === "readonly";

  return (
    <form className="new-thread" onSubmit={(e) => void submit(e)} aria-label="New conversation">
      <label htmlFor={pickerId} className="small muted">
        Agent
      </label>
      <div className="row">
        <select
          id={pickerId}
          data-testid="agent-picker"
          value={agentId}
          disabled={agents === undefined || usable.length === 0}
          onChange={(e) => setAgentId(e.target.value as Agent["agentId"])}
        >
          {agents === undefined && <option value="">Loading agents…</option>}
          {agents !== undefined && agents.length === 0 && <option value="">No agents yet</option>}
          {agents?.map((agent) => (
            <option key={agent.agentId} value={agent.agentId} disabled={agent.status !== "active"}>
              {agent.name}
              {agent.status !== "active" ? ` (${agent.status})` : ""}
            </option>
          ))}
        </select>
        <button
          type="submit"
          className="button primary"
          data-testid="new-thread"
          disabled={pending || agentId === "" || readOnly}
          title={readOnly ? "Read-only members cannot start conversations" : undefined}
        >
          {pending ? "Starting…" : "New chat"}
        </button>
      </div>
      {error !== null && (
        <p role="alert" className="error small" data-testid="new-thread-error">
          {error}
        </p>
      )}
    </form>
  );
}
