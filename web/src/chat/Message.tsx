import { useSmoothText, type UIMessage } from "@convex-dev/agent/react";
import { memo, useMemo } from "react";
import { Link } from "react-router";
import { api } from "../../../convex/_generated/api";
import type { Id } from "../../../convex/_generated/dataModel";
import { useQueryResult } from "../lib/useQueryResult";
import { useAccount } from "../shell/AccountProvider";
import { citationsFromSearchTools, citedNumbers, documentHref, type Citation } from "./citations";
import { DelegationCall } from "./Delegation";
import { Markdown } from "./Markdown";
import { isToolPart, ToolCall, toolNameOf } from "./ToolCall";
import "./thread.css";

const NO_CITATIONS: Citation[] = [];

/** The text of a reply as Markdown, growing smoothly while it streams. */
function ReplyText({ text, streaming, citations }: { text: string; streaming: boolean; citations: readonly Citation[] }) {
  const [visible] = useSmoothText(text, { startStreaming: streaming });
  // "true" once the reply is complete and all of it is shown (the smoothing has caught up).
  const settled = !streaming && visible.length === text.length;
  return (
    <div className="message-text markdown" data-testid="message-text" data-settled={settled ? "true" : "false"}>
      <Markdown text={visible} citations={citations} />
      {streaming && <span className="caret" aria-hidden="true" />}
    </div>
  );
}

/**
 * What the reply's `[n]` refer to: the results of a knowledge search the
 * reply made itself, or else the knowledge put in the turn's prompt. Asked
 * of the server only when the text cites something.
 */
function useCitations(message: UIMessage, interactionId: Id<"interactions"> | undefined): Citation[] {
  const { accountId } = useAccount();
  const fromTools = useMemo(() => citationsFromSearchTools(message), [message]);
  const cites = message.role === "assistant" && citedNumbers(message.text).length > 0;
  const wanted = cites && fromTools === null && interactionId !== undefined;
  const { data } = useQueryResult(api.chat.turnView.citations, wanted ? { accountId, interactionId } : "skip");
  if (!cites) return NO_CITATIONS;
  return fromTools ?? data ?? NO_CITATIONS;
}

/** The sources an answer cites, listed under it. */
function Sources({ text, citations }: { text: string; citations: readonly Citation[] }) {
  const byNumber = new Map(citations.map((c) => [c.n, c]));
  const cited = citedNumbers(text).flatMap((n) => byNumber.get(n) ?? []);
  if (cited.length === 0) return null;
  return (
    <ol className="sources small" aria-label="Sources" data-testid="citations">
      {cited.map((c) => (
        <li key={c.n} data-testid="source" data-n={c.n}>
          <span className="muted">[{c.n}]</span>{" "}
          {c.documentId !== undefined && c.documentExists !== false ? (
            <Link to={documentHref(c.documentId, c.location)} data-testid="source-link">
              {c.title}
            </Link>
          ) : (
            <span>
              {c.title}
              {c.documentExists === false && c.documentId !== undefined && <span className="muted"> (deleted)</span>}
            </span>
          )}
          {c.score !== undefined && <span className="muted"> · score {c.score.toFixed(2)}</span>}
        </li>
      ))}
    </ol>
  );
}

/** One message: the user's prompt, or the agent's reply with its tool calls and delegations (collapsible) above its text. */
export const Message = memo(function Message({
  message,
  agentName,
  authorName,
  awaitingApproval,
  interactionId,
}: {
  message: UIMessage;
  agentName: string;
  /** Who sent a user message, when not the viewer (a shared conversation). */
  authorName?: string;
  /** Tool call ids waiting for the user's approval. */
  awaitingApproval?: ReadonlySet<string>;
  /** The turn this reply belongs to (for its delegations and citations). */
  interactionId?: Id<"interactions">;
}) {
  const streaming = message.status === "streaming" || message.status === "pending";
  const isUser = message.role === "user";
  const tools = isUser ? [] : message.parts.filter(isToolPart);
  const reasoning = isUser ? [] : message.parts.filter((p) => p.type === "reasoning");
  const author = isUser ? (authorName ?? "You") : message.role === "assistant" ? agentName : "System";
  const citations = useCitations(message, interactionId);
  return (
    <article
      className={`message ${message.role}${message.status === "failed" ? " failed" : ""}`}
      data-testid="message"
      data-role={message.role}
      data-status={message.status}
      data-message-id={message.id}
      aria-label={`${author} said`}
    >
      <div className="message-author small muted" aria-hidden="true" data-testid="message-author">
        {author}
      </div>
      {reasoning.length > 0 && (
        <details className="reasoning">
          <summary className="small muted">Reasoning</summary>
          <div className="small">{reasoning.map((p) => ("text" in p ? p.text : "")).join("\n")}</div>
        </details>
      )}
      {tools.map((part) =>
        toolNameOf(part).startsWith("delegate_") ? (
          <DelegationCall key={part.toolCallId} part={part} interactionId={interactionId} />
        ) : (
          <ToolCall key={part.toolCallId} part={part} awaitingApproval={awaitingApproval?.has(part.toolCallId) ?? false} />
        ),
      )}
      {isUser ? (
        <div className="message-text" data-testid="message-text">
          {message.text}
        </div>
      ) : message.text !== "" || streaming ? (
        <>
          <ReplyText text={message.text} streaming={streaming} citations={citations} />
          {!streaming && <Sources text={message.text} citations={citations} />}
        </>
      ) : null}
      {message.status === "failed" && message.text === "" && tools.length === 0 && (
        <div className="muted small">No reply.</div>
      )}
    </article>
  );
});
