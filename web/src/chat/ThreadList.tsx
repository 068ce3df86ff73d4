import { useEffect, useId, useRef, useState, type FormEvent, type KeyboardEvent } from "react";
import { Link, useNavigate } from "react-router";
import { api } from "../../../convex/_generated/api";
import { useMutation, usePaginatedQuery, type FunctionReturnType } from "../lib/convex";
import { errorText } from "../lib/errors";
import { useQueryResult } from "../lib/useQueryResult";
import { timeAgo, fullTime } from "../lib/time";
import { useDebounced } from "../lib/useDebounced";
import { useRun } from "../lib/useRun";
import { useAccount } from "../shell/AccountProvider";
import "./thread.css";

type ThreadSummary = FunctionReturnType<typeof api.chat.threads.get>;
type Match = FunctionReturnType<typeof api.chat.threads.search>[number]["match"];

/** The caller's threads in this account: search (titles and what was said), active/archived, rename, archive. */
export function ThreadList({ activeThreadId, onPick }: { activeThreadId: string | undefined; onPick: () => void }) {
  const { accountId } = useAccount();
  const [showArchived, setShowArchived] = useState(false);
  const [search, setSearch] = useState("");
  const query = useDebounced(search.trim(), 250);
  const searchId = useId();
  const archivedId = useId();

  const paged = usePaginatedQuery(
    api.chat.threads.list,
    query === "" ? { accountId, archived: showArchived } : "skip",
    { initialNumItems: 30 },
  );
  const { data: hits, error: searchError } = useQueryResult(api.chat.threads.search, query === "" ? "skip" : { accountId, query, archived: showArchived });
  const rows: { thread: ThreadSummary; match?: Match }[] | undefined =
    query === "" ? (paged.status === "LoadingFirstPage" ? undefined : paged.results.map((thread) => ({ thread }))) : hits;
  const searching = query !== search.trim();

  return (
    <div className="thread-list">
      <div className="thread-filters">
        <label htmlFor={searchId} className="visually-hidden">
          Search conversations
        </label>
        <input
          id={searchId}
          type="search"
          placeholder="Search titles and messages"
          data-testid="thread-search"
          value={search}
          maxLength={200}
          onChange={(e) => setSearch(e.target.value)}
        />
        <label htmlFor={archivedId} className="checkbox small">
          <input
            id={archivedId}
            type="checkbox"
            data-testid="thread-archived-toggle"
            checked={showArchived}
            onChange={(e) => setShowArchived(e.target.checked)}
          />
          Show archived
        </label>
      </div>
      <nav aria-label={showArchived ? "Archived conversations" : "Conversations"}>
        {searchError !== null && query !== "" ? (
          <p role="alert" className="error small pad" data-testid="thread-search-error">
            Search failed: {errorText(searchError)}
          </p>
        ) : rows === undefined ? (
          <p className="muted small pad" role="status" data-testid="thread-list-loading">
            {query !== "" ? "Searching…" : "Loading conversations…"}
          </p>
        ) : rows.length === 0 ? (
          <p className="muted small pad" data-testid="thread-list-empty" role={query !== "" ? "status" : undefined}>
            {query !== ""
              ? searching
                ? "Searching…"
                : `No ${showArchived ? "archived " : ""}conversation mentions “${query}”.`
              : showArchived
                ? "No archived conversations."
                : "No conversations yet. Type a message to start one."}
          </p>
        ) : (
          <ul data-testid="thread-list">
            {rows.map(({ thread, match }) => (
              <ThreadItem key={thread.threadId} thread={thread} match={match} active={thread.threadId === activeThreadId} onPick={onPick} />
            ))}
          </ul>
        )}
        {query === "" && paged.status === "CanLoadMore" && (
          <button type="button" className="button ghost block" data-testid="thread-load-more" onClick={() => paged.loadMore(30)}>
            Load more
          </button>
        )}
        {query === "" && paged.status === "LoadingMore" && (
          <p className="muted small pad" role="status">
            Loading more…
          </p>
        )}
      </nav>
    </div>
  );
}

function ThreadItem({ thread, match, active, onPick }: { thread: ThreadSummary; match?: Match; active: boolean; onPick: () => void }) {
  const { accountId } = useAccount();
  const navigate = useNavigate();
  const rename = useMutation(api.chat.threads.rename);
  const setArchived = useMutation(api.chat.threads.setArchived);
  const [editing, setEditing] = useState(false);
  const [title, setTitle] = useState(thread.title);
  const renameRun = useRun(rename);
  const archiveRun = useRun(setArchived);
  const inputRef = useRef<HTMLInputElement>(null);
  const renameButtonRef = useRef<HTMLButtonElement>(null);
  const archived = thread.status === "archived";

  useEffect(() => {
    if (editing) inputRef.current?.select();
  }, [editing]);

  const stopEditing = () => {
    setEditing(false);
    renameRun.clearError();
    // Return focus to where it was for keyboard users.
    window.setTimeout(() => renameButtonRef.current?.focus(), 0);
  };

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    const next = title.trim();
    if (next === thread.title) return stopEditing();
    const ok = await renameRun.run({ accountId, threadId: thread.threadId, title: next });
    if (ok !== undefined) stopEditing();
  };

  const onKeyDown = (event: KeyboardEvent) => {
    if (event.key === "Escape") {
      event.preventDefault();
      setTitle(thread.title);
      stopEditing();
    }
  };

  const toggleArchived = async () => {
    const ok = await archiveRun.run({ accountId, threadId: thread.threadId, archived: !archived });
    // Archiving the open thread leaves it: it moves to the other list.
    if (ok !== undefined && active && !archived) await navigate("/chat");
  };

  const error = renameRun.error ?? archiveRun.error;

  return (
    <li className={`thread-item${active ? " active" : ""}`} data-testid="thread-item" data-thread-id={thread.threadId} data-status={thread.status}>
      {editing ? (
        <form className="thread-rename" onSubmit={(e) => void submit(e)}>
          <label htmlFor={`rename-${thread.threadId}`} className="visually-hidden">
            New title
          </label>
          <input
            id={`rename-${thread.threadId}`}
            ref={inputRef}
            data-testid="thread-rename-input"
            value={title}
            maxLength={120}
            required
            onChange={(e) => setTitle(e.target.value)}
            onKeyDown={onKeyDown}
          />
          <button type="submit" className="button small primary" data-testid="thread-rename-save" disabled={renameRun.pending}>
            Save
          </button>
          <button
            type="button"
            className="button small ghost"
            onClick={() => {
              setTitle(thread.title);
              stopEditing();
            }}
          >
            Cancel
          </button>
        </form>
      ) : (
        <>
          <Link
            to={`/chat/${thread.threadId}`}
            className="thread-link"
            data-testid="thread-link"
            aria-current={active ? "page" : undefined}
            onClick={onPick}
          >
            <span className="thread-title" data-testid="thread-item-title">
              {thread.title}
            </span>
            {thread.source === "api" && (
              <span className="badge" data-testid="thread-source-api" title="Started through the HTTP API with an API key">
                API
              </span>
            )}
            {match?.in === "message" && (
              <span className="thread-snippet muted small" data-testid="thread-item-snippet">
                {match.snippet}
              </span>
            )}
            <time className="muted small" dateTime={new Date(thread.lastMessageAt).toISOString()} title={fullTime(thread.lastMessageAt)}>
              {timeAgo(thread.lastMessageAt)}
            </time>
          </Link>
          <div className="thread-actions">
            <button
              ref={renameButtonRef}
              type="button"
              className="button small ghost"
              data-testid="thread-rename"
              aria-label={`Rename “${thread.title}”`}
              onClick={() => {
                setTitle(thread.title);
                setEditing(true);
              }}
            >
              Rename
            </button>
            <button
              type="button"
              className="button small ghost"
              data-testid={archived ? "thread-restore" : "thread-archive"}
              aria-label={`${archived ? "Restore" : "Archive"} “${thread.title}”`}
              disabled={archiveRun.pending}
              onClick={() => void toggleArchived()}
            >
              {archived ? "Restore" : "Archive"}
            </button>
          </div>
        </>
      )}
      {error !== null && (
        <p role="alert" className="error small">
          {error}
        </p>
      )}
    </li>
  );
}
