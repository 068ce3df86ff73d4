/**
 * An agent's conversation view: the caller's latest conversation with it,
 * in the chat's own thread component, or a button to start one.
 */
import { useState } from "react";
import { useNavigate } from "react-router";
import { api } from "../../../convex/_generated/api";
import type { Id } from "../../../convex/_generated/dataModel";
import { Thread } from "../chat/Thread";
import { useMutation, useQuery } from "../lib/convex";
import { useRun } from "../lib/useRun";
import { useAccount } from "../shell/AccountProvider";
import { ErrorBoundary } from "../shell/ErrorBoundary";
import "./agents.css";

export function ConversationView({
  agentId,
  agentName,
  canChat,
}: {
  agentId: Id<"agents">;
  agentName: string;
  canChat: boolean;
}) {
  const { accountId } = useAccount();
  const navigate = useNavigate();
  const threads = useQuery(api.chat.threads.list, {
    accountId,
    paginationOpts: { numItems: 50, cursor: null },
  });
  const create = useMutation(api.chat.threads.create);
  const [started, setStarted] = useState<Id<"threads"> | null>(null);
  const { run, pending, error } = useRun(async () =>
    setStarted((await create({ accountId, agentId })).threadId),
  );
  if (threads === undefined) {
    return (
      <p className="muted" role="status">
        Loading the conversation…
      </p>
    );
  }
  const threadId =
    started ??
    threads.page.find((thread) => thread.agentId === agentId)?.threadId;
  if (threadId === undefined) {
    return (
      <div className="chat-empty" data-testid="conversation-empty">
        <p>You have no conversation with {agentName} yet.</p>
        {canChat && (
          <button
            type="button"
            className="button primary"
            disabled={pending}
            onClick={() => void run()}
            data-testid="conversation-start"
          >
            {pending ? "Starting…" : `Start a conversation with ${agentName}`}
          </button>
        )}
        {error && (
          <p role="alert" className="error small">
            {error}
          </p>
        )}
      </div>
    );
  }
  return (
    <>
      <HeldNotice threadId={threadId} />
      <div
        className="agent-conversation chat-main"
        data-testid="agent-conversation"
      >
        <ErrorBoundary
          key={threadId}
          fallback={(message) => (
            <p role="alert" className="error">
              {message}
            </p>
          )}
        >
          <Thread
            threadId={threadId}
            onShowThreads={() => void navigate(`/chat/${threadId}`)}
          />
        </ErrorBoundary>
      </div>
    </>
  );
}

/** A reply held by a kill switch (ops/hold.ts) says why, until it continues. */
function HeldNotice({ threadId }: { threadId: Id<"threads"> }) {
  const { accountId } = useAccount();
  const held = useQuery(api.ops.hold.heldInThread, { accountId, threadId });
  if (!held) return null;
  return (
    <p className="card small" role="status" data-testid="reply-held">
      The reply is on hold ({held.reason}); it continues when the pause ends.
    </p>
  );
}
