import { useEffect, useState } from "react";
import { Link, useParams } from "react-router";
import type { Id } from "../../../convex/_generated/dataModel";
import { ErrorBoundary } from "../shell/ErrorBoundary";
import { NewThread } from "./NewThread";
import { Thread } from "./Thread";
import { ThreadList } from "./ThreadList";

/** /chat and /chat/:threadId — the threads sidebar beside the open thread. On a phone, one at a time. */
export function ChatPage() {
  const { threadId } = useParams();
  const [sidebarOpen, setSidebarOpen] = useState(threadId === undefined);

  useEffect(() => {
    setSidebarOpen(threadId === undefined);
    if (threadId === undefined) document.title = "Chat · Harness";
  }, [threadId]);

  return (
    <div className={`chat${sidebarOpen ? " sidebar-open" : ""}`}>
      <aside className="thread-sidebar" id="thread-sidebar" aria-label="Conversations" data-testid="thread-sidebar">
        <NewThread />
        <ThreadList activeThreadId={threadId} onPick={() => setSidebarOpen(false)} />
      </aside>
      <main className="chat-main" id="main">
        {threadId === undefined ? (
          <div className="chat-empty" data-testid="chat-empty">
            <h1>Start a conversation</h1>
            <p className="muted">Pick an agent and press “New chat”, or open a conversation from the list.</p>
          </div>
        ) : (
          <ErrorBoundary
            key={threadId}
            fallback={(message, reset) => (
              <div className="chat-empty" data-testid="thread-error">
                <h1>Cannot open this conversation</h1>
                <p role="alert" className="error">
                  {message}
                </p>
                <div className="row" style={{ justifyContent: "center" }}>
                  <button type="button" className="button secondary" onClick={reset}>
                    Try again
                  </button>
                  <Link to="/chat">Back to your chats</Link>
                </div>
              </div>
            )}
          >
            <Thread threadId={threadId as Id<"threads">} onShowThreads={() => setSidebarOpen(true)} />
          </ErrorBoundary>
        )}
      </main>
    </div>
  );
}
