import { useSmoothText, type UIMessage } from "@convex-dev/agent/react";
import { memo } from "react";
import { isToolPart, ToolCall } from "./ToolCall";

/** The text of a reply, growing smoothly while it streams. */
function ReplyText({ text, streaming }: { text: string; streaming: boolean }) {
  const [visible] = useSmoothText(text, { startStreaming: streaming });
  // "true" once the reply is complete and all of it is shown (the smoothing has caught up).
  const settled = !streaming && visible.length === text.length;
  return (
    <div className="message-text" data-testid="message-text" data-settled={settled ? "true" : "false"}>
      {visible}
      {streaming && <span className="caret" aria-hidden="true" />}
    </div>
  );
}

/** One message: the user's prompt, or the agent's reply with its tool calls (collapsible) above its text. */
export const Message = memo(function Message({
  message,
  agentName,
  awaitingApproval,
}: {
  message: UIMessage;
  agentName: string;
  /** Tool call ids waiting for the user's approval. */
  awaitingApproval?: ReadonlySet<string>;
}) {
  const streaming = message.status === "streaming" || message.status === "pending";
  const isUser = message.role === "user";
  const tools = isUser ? [] : message.parts.filter(isToolPart);
  const reasoning = isUser ? [] : message.parts.filter((p) => p.type === "reasoning");
  const author = isUser ? "You" : message.role === "assistant" ? agentName : "System";
  return (
    <article
      className={`message ${message.role}${message.status === "failed" ? " failed" : ""}`}
      data-testid="message"
      data-role={message.role}
      data-status={message.status}
      data-message-id={message.id}
      aria-label={`${author} said`}
    >
      <div className="message-author small muted" aria-hidden="true">
        {author}
      </div>
      {reasoning.length > 0 && (
        <details className="reasoning">
          <summary className="small muted">Reasoning</summary>
          <div className="small">{reasoning.map((p) => ("text" in p ? p.text : "")).join("\n")}</div>
        </details>
      )}
      {tools.map((part) => (
        <ToolCall key={part.toolCallId} part={part} awaitingApproval={awaitingApproval?.has(part.toolCallId) ?? false} />
      ))}
      {isUser ? (
        <div className="message-text" data-testid="message-text">
          {message.text}
        </div>
      ) : message.text !== "" || streaming ? (
        <ReplyText text={message.text} streaming={streaming} />
      ) : null}
      {message.status === "failed" && message.text === "" && tools.length === 0 && (
        <div className="muted small">No reply.</div>
      )}
    </article>
  );
});
