import { useUIMessages, type UIMessage } from "@convex-dev/agent/react";
import { Fragment, useEffect, useLayoutEffect, useMemo, useRef, type ReactNode } from "react";
import { api } from "../../../convex/_generated/api";
import type { Id } from "../../../convex/_generated/dataModel";
import { useMutation, useQuery } from "../lib/convex";
import { errorText } from "../lib/errors";
import { useQueryResult } from "../lib/useQueryResult";
import { useRun } from "../lib/useRun";
import { useAccount } from "../shell/AccountProvider";
import { ApprovalCard } from "./ApprovalCard";
import { Composer, type ComposerHandle } from "./Composer";
import { Message } from "./Message";
import { isActive, TurnFooter, type Turn } from "./TurnFooter";
import { useAgents } from "./useAgents";

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
  const { accountId } = useAccount();
  const thread = useQuery(api.chat.threads.get, { accountId, threadId });
  const agents = useAgents();
  const agent = agents?.find((a) => a.agentId === thread?.agentId);
  const messages = useUIMessages(api.chat.messages.list, { accountId, threadId }, { initialNumItems: 30, stream: true });
  // Run status and approvals failing to load must not hide the conversation.
  const { data: turns, error: turnsError } = useQueryResult(api.chat.runs.turnsForThread, { accountId, threadId });
  const { data: approvals, error: approvalsError } = useQueryResult(api.chat.approvals.pendingForThread, { accountId, threadId });
  const awaitingApproval = useMemo(() => new Set((approvals ?? []).map((a) => a.toolCallId)), [approvals]);
  const setArchived = useRun(useMutation(api.chat.threads.setArchived));
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
          ← Chats
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

      <MessageScroller>
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
                      <Message message={exchange.prompt} agentName={agentName} />
                    </li>
                  )}
                  {exchange.replies.map((reply) => (
                    <li key={reply.key}>
                      <Message message={reply} agentName={agentName} awaitingApproval={awaitingApproval} interactionId={turn?.interactionId} />
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

      {setArchived.error !== null && (
        <p role="alert" className="error small pad">
          {setArchived.error}
        </p>
      )}
      <Composer ref={composerRef} threadId={threadId} disabledReason={disabledReason} />
    </section>
  );
}

/**
 * The scrolling message area. Stays pinned to the bottom while the reader is
 * there (including while text streams in), and leaves them alone when they
 * have scrolled up to read.
 */
function MessageScroller({ children }: { children: ReactNode }) {
  const outer = useRef<HTMLDivElement>(null);
  const inner = useRef<HTMLDivElement>(null);
  const pinned = useRef(true);

  useLayoutEffect(() => {
    const scroller = outer.current;
    const content = inner.current;
    if (scroller === null || content === null) return;
    const toBottom = () => {
      if (pinned.current) scroller.scrollTop = scroller.scrollHeight;
    };
    toBottom();
    const observer = new ResizeObserver(toBottom);
    observer.observe(content);
    return () => observer.disconnect();
  }, []);

  return (
    <div
      ref={outer}
      className="message-scroller"
      data-testid="message-scroller"
      tabIndex={0}
      aria-label="Conversation"
      onScroll={(event) => {
        const el = event.currentTarget;
        pinned.current = el.scrollHeight - el.scrollTop - el.clientHeight < 48;
      }}
    >
      <div ref={inner}>{children}</div>
    </div>
  );
}
