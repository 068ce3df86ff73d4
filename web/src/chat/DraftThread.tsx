import { useEffect, type RefObject } from "react";
import { useNavigate } from "react-router";
import { api } from "../../../convex/_generated/api";
import { useMutation } from "../lib/convex";
import { useAccount } from "../shell/AccountProvider";
import { AgentPicker, type AgentId } from "./AgentPicker";
import { Composer, type ComposerHandle } from "./Composer";
import { useAgents } from "./useAgents";
import "./thread.css";

/**
 * /chat: a new conversation that does not exist yet — a ready composer with
 * the agent to talk to. The first message creates the thread (titled from
 * the message) and opens it.
 */
export function DraftThread({
  agentId,
  onAgentChange,
  onShowThreads,
  composerRef,
}: {
  agentId: AgentId | "";
  onAgentChange: (agentId: AgentId | "") => void;
  onShowThreads: () => void;
  composerRef: RefObject<ComposerHandle | null>;
}) {
  const { accountId, account } = useAccount();
  const agents = useAgents();
  const navigate = useNavigate();
  const start = useMutation(api.chat.threads.start);
  const agent = agents?.find((a) => a.agentId === agentId);

  useEffect(() => {
    document.title = "New chat · Harness";
  }, []);

  const disabledReason =
    account.role === "readonly"
      ? "Read-only members can read conversations but not start them."
      : agents === undefined
        ? "Loading agents…"
        : agentId === ""
          ? "No agent is available in this account yet; an account admin can create or resume one on the Agents page."
          : null;

  // The cursor is in the box as soon as it can be typed in.
  const ready = disabledReason === null;
  useEffect(() => {
    if (ready) composerRef.current?.focus();
  }, [ready, composerRef]);

  const send = async (text: string) => {
    if (agentId === "") return undefined;
    const started = await start({ accountId, agentId, text });
    await navigate(`/chat/${started.thread.threadId}`);
    return started;
  };

  return (
    <section className="thread draft" aria-labelledby="draft-title" data-testid="chat-empty">
      <header className="thread-header">
        <button type="button" className="button ghost mobile-only" data-testid="show-threads" onClick={onShowThreads} aria-label="Show conversations">
          Chats
        </button>
        <div className="thread-heading">
          <h1 id="draft-title">New chat</h1>
          <p className="small muted">
            {agent !== undefined && <span data-testid="thread-agent">{agent.name}</span>}
            {agent !== undefined && (
              <>
                {" · "}
                <span data-testid="model-label" title="Model">
                  {agent.modelLabel}
                </span>
              </>
            )}
          </p>
        </div>
      </header>
      <div className="message-scroller draft-body">
        <div className="chat-welcome">
          <h2>Start a conversation</h2>
          <p className="muted" data-testid="thread-empty">
            {agent !== undefined ? `Say hello to ${agent.name}: type below and press Enter.` : "Pick an agent below and type your first message."} Earlier conversations are in the
            list of chats.
          </p>
        </div>
      </div>
      <Composer
        ref={composerRef}
        onSend={send}
        disabledReason={disabledReason}
        placeholder={agent !== undefined ? `Message ${agent.name}…` : "Message the agent…"}
        before={<AgentPicker agents={agents} value={agentId} onChange={onAgentChange} />}
      />
    </section>
  );
}
