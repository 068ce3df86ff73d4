import { useEffect, useId } from "react";
import type { Agent } from "./useAgents";

export type AgentId = Agent["agentId"];

/** The first usable agent, unless `current` is one (the default when the account or its agents change). */
export function pickUsable(agents: Agent[] | undefined, current: AgentId | ""): AgentId | "" {
  if (agents === undefined) return current;
  if (agents.some((a) => a.agentId === current && a.status === "active")) return current;
  return agents.find((a) => a.status === "active")?.agentId ?? "";
}

/** Which agent a new conversation goes to (paused agents are listed, not choosable). */
export function AgentPicker({ agents, value, onChange }: { agents: Agent[] | undefined; value: AgentId | ""; onChange: (agentId: AgentId | "") => void }) {
  const pickerId = useId();
  const usable = agents?.filter((a) => a.status === "active") ?? [];

  useEffect(() => {
    const next = pickUsable(agents, value);
    if (next !== value) onChange(next);
  }, [agents, value, onChange]);

  return (
    <div className="agent-picker row small">
      <label htmlFor={pickerId} className="muted">
        Agent
      </label>
      <select
        id={pickerId}
        data-testid="agent-picker"
        value={value}
        disabled={agents === undefined || usable.length === 0}
        onChange={(e) => onChange(e.target.value as AgentId)}
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
    </div>
  );
}
