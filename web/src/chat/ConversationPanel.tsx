import { useId, useState } from "react";
import { useNavigate } from "react-router";
import { api } from "../../../convex/_generated/api";
import type { Id } from "../../../convex/_generated/dataModel";
import { useMutation, usePaginatedQuery, type FunctionReturnType } from "../lib/convex";
import { useQueryResult } from "../lib/useQueryResult";
import { useRun } from "../lib/useRun";
import { useAccount } from "../shell/AccountProvider";
import type { Agent } from "./useAgents";
import "./conversations.css";

type Thread = FunctionReturnType<typeof api.chat.threads.get>;
export type Participant = FunctionReturnType<typeof api.conversations.conversations.participants>[number];

/** The people in a shared conversation, by id (to show who sent each message). */
export function useParticipants(thread: Thread | undefined): Map<string, Participant> | undefined {
  const { accountId } = useAccount();
  const { data } = useQueryResult(
    api.conversations.conversations.participants,
    thread?.sharing !== undefined ? { accountId, threadId: thread.threadId } : "skip",
  );
  return data === undefined ? undefined : new Map(data.map((p) => [p.userId, p] as const));
}

/**
 * Under a shared conversation's title: who is in it, its default agent
 * (changeable by whoever started it or an admin) and how to @mention another.
 */
export function ConversationPanel({ thread, agents, participants }: { thread: Thread; agents: Agent[] | undefined; participants: Map<string, Participant> | undefined }) {
  const { accountId, account, viewer } = useAccount();
  const setDefault = useRun(useMutation(api.conversations.conversations.setDefaultAgent));
  const pickerId = useId();
  const mayManage = thread.startedBy === viewer.userId || account.role === "admin";
  const people = participants === undefined ? [] : [...participants.values()];
  const handles = (agents ?? []).filter((a) => a.status === "active").map((a) => `@${a.slug}`);

  return (
    <div className="conversation-panel small" data-testid="conversation-panel">
      <details>
        <summary data-testid="conversation-members-summary">
          {thread.sharing === "account" ? "Everyone in the account" : "Private"} · {people.length} {people.length === 1 ? "person" : "people"}
        </summary>
        <ul className="conversation-members" data-testid="conversation-members">
          {people.map((p) => (
            <li key={p.userId} data-testid="conversation-member">
              {p.name ?? "A member"}
              {p.userId === viewer.userId ? " (you)" : ""}
              {p.startedIt ? <span className="muted"> · started it</span> : null}
            </li>
          ))}
        </ul>
      </details>
      <label htmlFor={pickerId} className="muted">
        Default agent
      </label>
      <select
        id={pickerId}
        data-testid="default-agent"
        value={thread.agentId}
        disabled={!mayManage || agents === undefined || setDefault.pending}
        title={mayManage ? "Answers messages that @mention no agent" : "Whoever started this conversation or an admin can change it"}
        onChange={(e) => void setDefault.run({ accountId, threadId: thread.threadId, agentId: e.target.value as Id<"agents"> })}
      >
        {agents?.map((agent) => (
          <option key={agent.agentId} value={agent.agentId} disabled={agent.status !== "active"}>
            {agent.name}
          </option>
        ))}
      </select>
      {handles.length > 0 && (
        <span className="muted" data-testid="mention-hint">
          Start with {handles.slice(0, 4).join(", ")} to ask another agent.
        </span>
      )}
      {thread.sharing === "members" && <PrivateMembership thread={thread} participants={participants} mayManage={mayManage} />}
      {setDefault.error !== null && (
        <p role="alert" className="error">
          {setDefault.error}
        </p>
      )}
    </div>
  );
}

/** A private conversation: add someone from the account (whoever started it, or an admin), or leave it. */
function PrivateMembership({ thread, participants, mayManage }: { thread: Thread; participants: Map<string, Participant> | undefined; mayManage: boolean }) {
  const { accountId, viewer } = useAccount();
  const navigate = useNavigate();
  const members = usePaginatedQuery(api.tenancy.accounts.listMembers, mayManage ? { accountId } : "skip", { initialNumItems: 100 });
  const add = useRun(useMutation(api.conversations.conversations.addMembers));
  const leave = useRun(useMutation(api.conversations.conversations.removeMember));
  const [picked, setPicked] = useState("");
  const addId = useId();
  const outside = members.results.filter((m) => m.status === "active" && participants?.has(m.userId) !== true);

  const onLeave = async () => {
    const left = await leave.run({ accountId, threadId: thread.threadId, userId: viewer.userId });
    if (left !== undefined) await navigate("/chat");
  };

  return (
    <>
      {mayManage && outside.length > 0 && (
        <span className="row small">
          <label htmlFor={addId} className="muted">
            Add
          </label>
          <select id={addId} data-testid="conversation-add-member" value={picked} onChange={(e) => setPicked(e.target.value)}>
            <option value="">Someone…</option>
            {outside.map((m) => (
              <option key={m.userId} value={m.userId}>
                {m.name ?? m.email ?? "A member"}
              </option>
            ))}
          </select>
          <button
            type="button"
            className="button small secondary"
            data-testid="conversation-add-submit"
            disabled={picked === "" || add.pending}
            onClick={() => void add.run({ accountId, threadId: thread.threadId, userIds: [picked as Id<"userProfiles">] }).then(() => setPicked(""))}
          >
            Add
          </button>
        </span>
      )}
      <button type="button" className="button small ghost" data-testid="conversation-leave" disabled={leave.pending} onClick={() => void onLeave()}>
        Leave
      </button>
      {(add.error ?? leave.error) !== null && (
        <p role="alert" className="error">
          {add.error ?? leave.error}
        </p>
      )}
    </>
  );
}
