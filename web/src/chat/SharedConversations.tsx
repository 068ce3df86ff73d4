import { useEffect, useId, useRef, useState, type FormEvent } from "react";
import { Link, useNavigate } from "react-router";
import { api } from "../../../convex/_generated/api";
import type { Id } from "../../../convex/_generated/dataModel";
import { useMutation, usePaginatedQuery, type FunctionReturnType } from "../lib/convex";
import { errorText } from "../lib/errors";
import { useQueryResult } from "../lib/useQueryResult";
import { useRun } from "../lib/useRun";
import { useAccount } from "../shell/AccountProvider";
import { AgentPicker, type AgentId } from "./AgentPicker";
import { useAgents } from "./useAgents";
import "./conversations.css";

type Conversation = FunctionReturnType<typeof api.conversations.conversations.list>[number];

/**
 * The account's shared conversations above the caller's own threads: General
 * (opened once for an organisation that predates it) and the account-wide or
 * private ones the caller is in, with a form to start another.
 */
export function SharedConversations({ activeThreadId, onPick }: { activeThreadId: string | undefined; onPick: () => void }) {
  const { accountId, account } = useAccount();
  const { data: shared, error } = useQueryResult(api.conversations.conversations.list, { accountId });
  const openGeneral = useMutation(api.conversations.conversations.openGeneral);
  const [creating, setCreating] = useState(false);
  const askedFor = useRef<string | null>(null);

  useEffect(() => {
    if (shared === undefined || account.kind !== "organization" || shared.some((c) => c.general === true)) return;
    if (askedFor.current === accountId) return;
    askedFor.current = accountId;
    openGeneral({ accountId }).catch(() => {
      // Readers of an account without agents: no General to open; the list stays as it is.
    });
  }, [shared, account.kind, accountId, openGeneral]);

  if (account.kind !== "organization") return null;
  return (
    <section className="shared-conversations" aria-labelledby="shared-heading" data-testid="shared-conversations">
      <div className="shared-head">
        <h2 id="shared-heading" className="small muted">
          Shared
        </h2>
        {account.role !== "readonly" && (
          <button type="button" className="button small ghost" data-testid="new-shared" aria-expanded={creating} onClick={() => setCreating((open) => !open)}>
            {creating ? "Close" : "New"}
          </button>
        )}
      </div>
      {creating && <NewConversation onDone={() => setCreating(false)} />}
      {error !== null ? (
        <p role="alert" className="error small pad">
          Could not load shared conversations: {errorText(error)}
        </p>
      ) : shared === undefined ? (
        <p className="muted small pad" role="status">
          Loading…
        </p>
      ) : (
        <ul data-testid="shared-list">
          {shared.map((conversation) => (
            <SharedItem key={conversation.threadId} conversation={conversation} active={conversation.threadId === activeThreadId} onPick={onPick} />
          ))}
        </ul>
      )}
    </section>
  );
}

function SharedItem({ conversation, active, onPick }: { conversation: Conversation; active: boolean; onPick: () => void }) {
  return (
    <li className={`thread-item${active ? " active" : ""}`} data-testid="shared-item" data-thread-id={conversation.threadId}>
      <Link to={`/chat/${conversation.threadId}`} className="thread-link" aria-current={active ? "page" : undefined} onClick={onPick}>
        <span className="thread-title" data-testid="shared-item-title">
          {conversation.general === true ? "# " : ""}
          {conversation.title}
        </span>
        <span className="badge" data-testid="shared-item-sharing" title={conversation.sharing === "account" ? "Everyone in the account" : "Only the people in it"}>
          {conversation.sharing === "account" ? "Everyone" : "Private"}
        </span>
      </Link>
    </li>
  );
}

/** Start a shared conversation: for everyone in the account, or for the people picked here. */
function NewConversation({ onDone }: { onDone: () => void }) {
  const { accountId, viewer } = useAccount();
  const navigate = useNavigate();
  const agents = useAgents();
  const members = usePaginatedQuery(api.tenancy.accounts.listMembers, { accountId }, { initialNumItems: 100 });
  const create = useRun(useMutation(api.conversations.conversations.create));
  const [title, setTitle] = useState("");
  const [sharing, setSharing] = useState<"account" | "members">("account");
  const [picked, setPicked] = useState<Set<Id<"userProfiles">>>(new Set());
  const [agentId, setAgentId] = useState<AgentId | "">("");
  const titleId = useId();
  const others = members.results.filter((m) => m.status === "active" && m.userId !== viewer.userId);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    const created = await create.run({
      accountId,
      title,
      sharing,
      ...(sharing === "members" ? { memberIds: [...picked] } : {}),
      ...(agentId !== "" ? { agentId } : {}),
    });
    if (created === undefined) return;
    onDone();
    await navigate(`/chat/${created.threadId}`);
  };

  const toggle = (userId: Id<"userProfiles">) =>
    setPicked((current) => {
      const next = new Set(current);
      if (next.has(userId)) next.delete(userId);
      else next.add(userId);
      return next;
    });

  return (
    <form className="new-shared stack small" data-testid="new-shared-form" onSubmit={(e) => void submit(e)}>
      <label htmlFor={titleId}>Title</label>
      <input id={titleId} data-testid="new-shared-title" value={title} maxLength={120} required onChange={(e) => setTitle(e.target.value)} />
      <fieldset>
        <legend>Who is in it</legend>
        <label className="checkbox">
          <input type="radio" name="sharing" data-testid="new-shared-account" checked={sharing === "account"} onChange={() => setSharing("account")} />
          Everyone in the account
        </label>
        <label className="checkbox">
          <input type="radio" name="sharing" data-testid="new-shared-members" checked={sharing === "members"} onChange={() => setSharing("members")} />
          Only the people I pick
        </label>
      </fieldset>
      {sharing === "members" && (
        <fieldset className="member-picker" data-testid="member-picker">
          <legend>Members (you are in it)</legend>
          {others.length === 0 && <p className="muted">Nobody else is in this account yet.</p>}
          {others.map((member) => (
            <label key={member.userId} className="checkbox">
              <input type="checkbox" data-testid="member-option" checked={picked.has(member.userId)} onChange={() => toggle(member.userId)} />
              {member.name ?? member.email ?? "A member"}
            </label>
          ))}
        </fieldset>
      )}
      <AgentPicker agents={agents} value={agentId} onChange={setAgentId} />
      {create.error !== null && (
        <p role="alert" className="error">
          {create.error}
        </p>
      )}
      <button type="submit" className="button primary small" data-testid="new-shared-create" disabled={create.pending}>
        {create.pending ? "Creating…" : "Create"}
      </button>
    </form>
  );
}
