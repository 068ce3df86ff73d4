import { optimisticallySendMessage, useUIMessages, type UIMessage } from "@convex-dev/agent/react";
import { Fragment, useEffect, useMemo, useRef, useState } from "react";
import { api } from "../../../convex/_generated/api";
import type { Id } from "../../../convex/_generated/dataModel";
import { useMutation, useQuery } from "../lib/convex";
import { errorText } from "../lib/errors";
import { useQueryResult } from "../lib/useQueryResult";
import { useRun } from "../lib/useRun";
import { useAccount } from "../shell/AccountProvider";
import { ApprovalCard } from "./ApprovalCard";
import { ConversationPanel, useParticipants } from "./ConversationPanel";
import { Composer, type ComposerHandle } from "./Composer";
import { FeedbackButtons } from "./FeedbackButtons";
import { Message } from "./Message";
import { MessageActions } from "./MessageActions";
import { MessageScroller } from "./MessageScroller";
import { ReplyAnnouncer } from "./ReplyAnnouncer";
import { isActive, TurnFooter, type Turn } from "./TurnFooter";
import { useAgents } from "./useAgents";
import "./thread.css";

type Exchange = { key: string; prompt: UIMessage | null; replies: UIMessage[] };

/** Each user message with the replies that follow it (a turn's footer goes after its replies). */
function toExchanges(messages: UIMessage[]): Exchange[] {
  const exchanges: Exchange[] = [];
  for (const message of messages) {
    if (message.role === "system") continue;
    const last = exchanges.at(-1);
    if (message.role === "user" || last === undefined) {
      exchanges.push({ key: message.key, prompt: message.role === "user" ? message : null, replies: message.role === "user" ? [] : [message] });
    } else {
      last.replies.push(message);
    }
  }
  return exchanges;
}

const INDICATOR_WORDS: Record<string, string> = {
  queued: "Starting…",
  running: "The agent is replying…",
  waiting: "Waiting for your approval…",
};

/** One conversation: messages (streaming), tool calls, approvals, turn status, composer. */
export function Thread({ threadId, onShowThreads }: { threadId: Id<"threads">; onShowThreads: () => void }) {
  const { accountId, viewer } = useAccount();
  const thread = useQuery(api.chat.threads.get, { accountId, threadId });
  const shared = thread?.sharing !== undefined;
  const participants = useParticipants(thread);
  // In a shared conversation each message says who sent it.
  const senderOf = (message: UIMessage) =>
    !shared || message.userId === viewer.userId ? undefined : (participants?.get(message.userId ?? "")?.name ?? "A member");
  const agents = useAgents();
  const agent = agents?.find((a) => a.agentId === thread?.agentId);
  const messages = useUIMessages(api.chat.messages.list, { accountId, threadId }, { initialNumItems: 30, stream: true });
  // Run status and approvals failing to load must not hide the conversation.
  const { data: turns, error: turnsError } = useQueryResult(api.chat.runs.turnsForThread, { accountId, threadId });
  const { data: approvals, error: approvalsError } = useQueryResult(api.chat.approvals.pendingForThread, { accountId, threadId });
  const awaitingApproval = useMemo(() => new Set((approvals ?? []).map((a) => a.toolCallId)), [approvals]);
  const { data: feedback } = useQueryResult(api.feedback.feedback.forThread, { accountId, threadId });
  const feedbackByMessage = useMemo(() => new Map((feedback ?? []).map((f) => [f.messageId, f] as const)), [feedback]);
  const setArchived = useRun(useMutation(api.chat.threads.setArchived));
  const send = useMutation(api.chat.messages.send).withOptimisticUpdate((store, args) =>
    optimisticallySendMessage(api.chat.messages.list)(store, { threadId: args.threadId, prompt: args.text.trim() }),
  );
  const editLast = useMutation(api.chat.messages.editLast);
  const regenerate = useRun(useMutation(api.chat.messages.regenerate));
  const cancel = useMutation(api.chat.runs.cancel);
  // The turn whose prompt is being edited in the composer.
  const [editing, setEditing] = useState<Id<"interactions"> | null>(null);
  const composerRef = useRef<ComposerHandle>(null);

  const results = messages.results as unknown as UIMessage[];
  const exchanges = useMemo(() => toExchanges(results), [results]);
  const turnsByPrompt = useMemo(() => new Map((turns ?? []).map((t) => [t.promptMessageId, t] as const)), [turns]);
  const latestTurn: Turn | undefined = turns?.[0];
  const anyStreaming = results.some((m) => m.role === "assistant" && (m.status === "streaming" || m.status === "pending"));
  const indicator = latestTurn !== undefined && isActive(latestTurn) ? latestTurn.status : anyStreaming ? "running" : null;
  const agentName = agent?.name ?? "Agent";
  const modelLabel = agent?.modelLabel ?? latestTurn?.modelLabel;

  useEffect(() => {
    document.title = `${thread?.title ?? "Chat"} · Harness`;
  }, [thread?.title]);

  // Ready to type as soon as the thread opens.
  useEffect(() => {
    composerRef.current?.focus();
  }, [threadId]);

  // Esc stops the reply that is coming (unless something closer — an edit, a dialog — took the key).
  const activeTurnId = latestTurn !== undefined && isActive(latestTurn) ? latestTurn.interactionId : null;
  useEffect(() => {
    if (activeTurnId === null) return;
    const onKeyDown = (event: KeyboardEvent) => {
      if (event.key !== "Escape" || event.defaultPrevented) return;
      event.preventDefault();
      cancel({ accountId, interactionId: activeTurnId }).catch(() => {
        // Already ended: nothing to stop. The footer's Cancel shows any real failure.
      });
    };
    window.addEventListener("keydown", onKeyDown);
    return () => window.removeEventListener("keydown", onKeyDown);
  }, [activeTurnId, accountId, cancel]);

  const onSend = async (text: string) => {
    if (editing !== null) {
      const started = await editLast({ accountId, threadId, interactionId: editing, text });
      setEditing(null);
      return started;
    }
    return await send({ accountId, threadId, text });
  };

  // Regenerate and edit act on the last turn once it has ended.
  const lastExchange = exchanges.at(-1);
  const canRedo =
    latestTurn !== undefined &&
    !isActive(latestTurn) &&
    latestTurn.sentBy === viewer.userId &&
    thread?.status === "active" &&
    lastExchange?.prompt?.id === latestTurn.promptMessageId;
  const lastReply = lastExchange?.replies.at(-1);

  const archived = thread?.status === "archived";
  const disabledReason = archived
    ? "This conversation is archived. Restore it to continue."
    : agent !== undefined && agent.status !== "active"
      ? `${agent.name} is ${agent.status}; an account admin can resume it.`
      : null;

  return (
    <section className="thread" aria-labelledby="thread-title" data-testid="thread" data-thread-id={threadId}>
      <header className="thread-header">
        <button type="button" className="button ghost mobile-only" data-testid="show-threads" onClick={onShowThreads}>
          Chats
        </button>
        <div className="thread-heading">
          <h1 id="thread-title" data-testid="thread-title">
            {thread?.title ?? "Loading…"}
          </h1>
          <p className="small muted">
            {agent !== undefined && <span data-testid="thread-agent">{agent.name}</span>}
            {modelLabel !== undefined && (
              <>
                {" · "}
                <span data-testid="model-label" title="Model">
                  {modelLabel}
                </span>
              </>
            )}
          </p>
          {thread !== undefined && shared && <ConversationPanel thread={thread} agents={agents} participants={participants} />}
        </div>
        {archived && (
          <button
            type="button"
            className="button secondary"
            data-testid="thread-restore-header"
            disabled={setArchived.pending}
            onClick={() => void setArchived.run({ accountId, threadId, archived: false })}
          >
            Restore
          </button>
        )}
      </header>

      <MessageScroller followFrom={exchanges.length}>
        {messages.status === "CanLoadMore" && (
          <button type="button" className="button ghost load-earlier" data-testid="load-earlier" onClick={() => messages.loadMore(30)}>
            Load earlier messages
          </button>
        )}
        {messages.status === "LoadingFirstPage" ? (
          <p className="muted pad" role="status">
            Loading messages…
          </p>
        ) : results.length === 0 ? (
          <p className="muted pad empty-thread" data-testid="thread-empty">
            Say hello to {agentName}.
          </p>
        ) : (
          <ol className="messages" aria-label="Messages">
            {exchanges.map((exchange, index) => {
              const turn = exchange.prompt !== null ? turnsByPrompt.get(exchange.prompt.id) : undefined;
              return (
                <Fragment key={exchange.key}>
                  {exchange.prompt !== null && (
                    <li>
                      {exchange.prompt.text === exchanges[index - 1]?.prompt?.text && (
                        <p className="small muted asked-again" data-testid="asked-again">
                          Asked again (regenerated); the earlier reply is above.
                        </p>
                      )}
                      <Message message={exchange.prompt} agentName={agentName} authorName={senderOf(exchange.prompt)} />
                      <MessageActions text={exchange.prompt.text} who="your">
                        {canRedo && exchange === lastExchange && editing === null && (
                          <button
                            type="button"
                            className="button small ghost"
                            data-testid="message-edit"
                            onClick={() => {
                              setEditing(latestTurn.interactionId);
                              composerRef.current?.fill(exchange.prompt?.text ?? "");
                            }}
                          >
                            Edit
                          </button>
                        )}
                      </MessageActions>
                    </li>
                  )}
                  {exchange.replies.map((reply) => (
                    <li key={reply.key}>
                      <Message
                        message={reply}
                        agentName={shared ? (reply.agentName ?? agentName) : agentName}
                        awaitingApproval={awaitingApproval}
                        interactionId={turn?.interactionId}
                      />
                      {reply.status === "success" && reply.text !== "" && (
                        <MessageActions text={reply.text} who={`${agentName}’s`}>
                          {canRedo && reply === lastReply && (
                            <button
                              type="button"
                              className="button small ghost"
                              data-testid="message-regenerate"
                              disabled={regenerate.pending}
                              onClick={() => void regenerate.run({ accountId, threadId, interactionId: latestTurn.interactionId }).then(() => composerRef.current?.focus())}
                            >
                              {regenerate.pending ? "Regenerating…" : "Regenerate"}
                            </button>
                          )}
                          {turn !== undefined && (
                            <FeedbackButtons threadId={threadId} interactionId={turn.interactionId} messageId={reply.id} current={feedbackByMessage.get(reply.id)} />
                          )}
                        </MessageActions>
                      )}
                    </li>
                  ))}
                  {turn !== undefined && (
                    <li>
                      <TurnFooter turn={turn} latest={index === exchanges.length - 1} />
                    </li>
                  )}
                </Fragment>
              );
            })}
          </ol>
        )}
        {approvals !== undefined && approvals.length > 0 && (
          <div className="approvals" aria-label="Waiting for your approval">
            {approvals.map((approval) => (
              <ApprovalCard key={approval.approvalId} approval={approval} />
            ))}
          </div>
        )}
        {(turnsError ?? approvalsError) !== null && (
          <p role="alert" className="error small" data-testid="thread-status-error">
            Could not load {turnsError !== null ? "the replies' status" : "pending approvals"}: {errorText(turnsError ?? approvalsError)}
          </p>
        )}
        {/* Always the same height, so the view does not jump when a reply starts or ends. */}
        <div className="stream-slot" role="status" aria-live="polite">
          {indicator !== null && (
            <span className="streaming-indicator" data-testid="streaming-indicator" data-status={indicator}>
              <span className="dots" aria-hidden="true">
                <span />
                <span />
                <span />
              </span>
              {indicator === "queued" && latestTurn?.heldForMaintenance === true ? "Queued until maintenance ends" : (INDICATOR_WORDS[indicator] ?? "Working…")}
            </span>
          )}
        </div>
      </MessageScroller>

      {(setArchived.error ?? regenerate.error) !== null && (
        <p role="alert" className="error small pad" data-testid="thread-action-error">
          {setArchived.error ?? regenerate.error}
        </p>
      )}
      <ReplyAnnouncer active={indicator !== null} outcome={latestTurn?.status} agentName={agentName} reply={lastReply?.text ?? null} />
      <Composer
        ref={composerRef}
        onSend={onSend}
        disabledReason={disabledReason}
        editing={editing !== null ? { onCancel: () => setEditing(null) } : null}
        mentions={shared ? agents?.filter((a) => a.status === "active").map((a) => a.slug) : undefined}
        placeholder={shared ? `Message ${thread?.title ?? "everyone"} — ${agentName} answers, or start with @agent…` : `Message ${agentName}…`}
      />
    </section>
  );
}
