import { useCallback, useEffect, useRef, useState } from "react";
import { Link, useNavigate, useParams } from "react-router";
import type { Id } from "../../../convex/_generated/dataModel";
import { useStateResetBy } from "../lib/useStateResetBy";
import { ErrorBoundary } from "../shell/ErrorBoundary";
import type { AgentId } from "./AgentPicker";
import { isNewChatShortcut, NEW_CHAT_SHORTCUT_LABEL, type ComposerHandle } from "./Composer";
import { DraftThread } from "./DraftThread";
import { Thread } from "./Thread";
import { ThreadList } from "./ThreadList";
import { SharedConversations } from "./SharedConversations";
import { useKeyboardInset } from "./useKeyboardInset";
import "./chat.css";
import { PHONE, useMediaQuery } from "./useMediaQuery";
import "./thread.css";

/**
 * /chat (a new conversation, ready to type) and /chat/:threadId, beside the
 * list of conversations — a drawer on a phone.
 */
export function ChatPage() {
  const { threadId } = useParams();
  const navigate = useNavigate();
  const phone = useMediaQuery(PHONE);
  // The drawer closes when another conversation opens.
  const [drawerOpen, setDrawerOpen] = useStateResetBy(threadId, false);
  // The agent a new chat goes to; kept while moving between conversations.
  const [agentId, setAgentId] = useState<AgentId | "">("");
  const draftComposer = useRef<ComposerHandle>(null);
  const drawerRef = useRef<HTMLElement>(null);
  const drawerToggle = useRef<HTMLElement | null>(null);
  useKeyboardInset();

  const newChat = useCallback(() => {
    setDrawerOpen(false);
    void navigate("/chat");
    window.setTimeout(() => draftComposer.current?.focus(), 0);
  }, [navigate, setDrawerOpen]);

  useEffect(() => {
    const onKeyDown = (event: KeyboardEvent) => {
      if (!isNewChatShortcut(event)) return;
      event.preventDefault();
      newChat();
    };
    window.addEventListener("keydown", onKeyDown);
    return () => window.removeEventListener("keydown", onKeyDown);
  }, [newChat]);

  const drawerHidden = phone && !drawerOpen;
  const openDrawer = () => {
    drawerToggle.current = document.activeElement as HTMLElement | null;
    setDrawerOpen(true);
  };
  const closeDrawer = () => {
    setDrawerOpen(false);
    // Back to the button that opened it, for keyboard users.
    window.setTimeout(() => drawerToggle.current?.focus(), 0);
  };

  // Opening the drawer moves focus into it.
  useEffect(() => {
    if (!phone || !drawerOpen) return;
    // After the browser has applied the open state (an inert or hidden element cannot take focus).
    const frame = window.requestAnimationFrame(() => drawerRef.current?.querySelector<HTMLElement>("[data-testid='new-thread']")?.focus());
    return () => window.cancelAnimationFrame(frame);
  }, [phone, drawerOpen]);

  return (
    <div className={`chat${drawerOpen ? " sidebar-open" : ""}`}>
      <aside
        ref={drawerRef}
        className="thread-sidebar"
        id="thread-sidebar"
        aria-label="Conversations"
        data-testid="thread-sidebar"
        inert={drawerHidden}
        aria-hidden={drawerHidden ? true : undefined}
        onKeyDown={(event) => {
          if (event.key === "Escape" && phone && !event.defaultPrevented) {
            event.preventDefault();
            closeDrawer();
          }
        }}
      >
        <div className="sidebar-head">
          <button
            type="button"
            className="button primary"
            data-testid="new-thread"
            title={`New chat (${NEW_CHAT_SHORTCUT_LABEL})`}
            aria-keyshortcuts="Control+Shift+O"
            onClick={newChat}
          >
            New chat
          </button>
          <button type="button" className="button ghost mobile-only" data-testid="close-threads" onClick={closeDrawer}>
            Close
          </button>
        </div>
        <ErrorBoundary
          fallback={(message, reset) => (
            <div className="pad small" data-testid="thread-list-error">
              <p role="alert" className="error">
                Could not load your conversations: {message}
              </p>
              <button type="button" className="button small secondary" onClick={reset}>
                Try again
              </button>
            </div>
          )}
        >
          <SharedConversations activeThreadId={threadId} onPick={() => setDrawerOpen(false)} />
          <ThreadList activeThreadId={threadId} onPick={() => setDrawerOpen(false)} />
        </ErrorBoundary>
      </aside>
      {phone && drawerOpen && <button type="button" className="drawer-backdrop" aria-label="Close conversations" tabIndex={-1} onClick={closeDrawer} />}
      <main className="chat-main" id="main">
        {threadId === undefined ? (
          <DraftThread agentId={agentId} onAgentChange={setAgentId} onShowThreads={openDrawer} composerRef={draftComposer} />
        ) : (
          <ErrorBoundary
            key={threadId}
            fallback={(message, reset) => (
              <div className="chat-empty-state" data-testid="thread-error">
                <h1>Cannot open this conversation</h1>
                <p role="alert" className="error">
                  {message}
                </p>
                <div className="row" style={{ justifyContent: "center" }}>
                  <button type="button" className="button secondary" onClick={reset}>
                    Try again
                  </button>
                  <Link to="/chat">Start a new chat</Link>
                </div>
              </div>
            )}
          >
            <Thread threadId={threadId as Id<"threads">} onShowThreads={openDrawer} />
          </ErrorBoundary>
        )}
      </main>
    </div>
  );
}
