import { useId, useImperativeHandle, useLayoutEffect, useRef, useState, type FormEvent, type KeyboardEvent, type ReactNode, type Ref } from "react";
import { useRun } from "../lib/useRun";
import "./thread.css";

const MAX_LENGTH = 8000;

export type ComposerHandle = {
  focus: () => void;
  /** Put text in the box (to edit a message), cursor at the end. */
  fill: (text: string) => void;
};

/** Editing the last message instead of writing a new one. */
export type Editing = { onCancel: () => void };

/**
 * The message box: Enter sends, Shift+Enter adds a line, Esc leaves an edit.
 * `onSend` resolves to anything but undefined once the message is accepted;
 * when it throws, the error is shown and the text stays in the box.
 */
export function Composer({
  onSend,
  disabledReason,
  editing,
  before,
  placeholder = "Message the agent…",
  mentions,
  ref,
}: {
  onSend: (text: string) => Promise<unknown>;
  disabledReason: string | null;
  editing?: Editing | null;
  /** Controls above the box (the agent picker of a new chat). */
  before?: ReactNode;
  placeholder?: string;
  /** Agent handles (slugs) a message may start with as `@handle`: offered while one is typed, Tab completes. */
  mentions?: readonly string[];
  ref?: Ref<ComposerHandle>;
}) {
  const { run, pending, error, clearError } = useRun(onSend);
  const [text, setText] = useState("");
  const textareaRef = useRef<HTMLTextAreaElement>(null);
  const inputId = useId();
  const hintId = useId();

  useImperativeHandle(
    ref,
    () => ({
      focus: () => textareaRef.current?.focus(),
      fill: (next: string) => {
        setText(next);
        window.setTimeout(() => {
          const el = textareaRef.current;
          el?.focus();
          el?.setSelectionRange(next.length, next.length);
        }, 0);
      },
    }),
    [],
  );

  // Grow with the text (up to the CSS max-height).
  useLayoutEffect(() => {
    const el = textareaRef.current;
    if (el === null) return;
    el.style.height = "auto";
    el.style.height = `${el.scrollHeight}px`;
  }, [text]);

  // While the message is only "@" and the start of a handle: the agents it could name.
  const typed = mentions === undefined ? undefined : /^@([\p{L}\p{N}_-]*)$/u.exec(text)?.[1]?.toLowerCase();
  const suggestions = typed === undefined ? [] : (mentions ?? []).filter((h) => h.startsWith(typed) && h !== typed).slice(0, 5);
  const complete = (handle: string) => {
    setText(`@${handle} `);
    textareaRef.current?.focus();
  };

  const disabled = disabledReason !== null;
  const canSend = !disabled && !pending && text.trim() !== "" && text.length <= MAX_LENGTH;

  const submit = async (event?: FormEvent) => {
    event?.preventDefault();
    if (!canSend) return;
    const sent = text;
    setText("");
    const result = await run(sent);
    // Keep what was typed when it could not be sent.
    if (result === undefined) setText((current) => (current === "" ? sent : current));
    textareaRef.current?.focus();
  };

  const onKeyDown = (event: KeyboardEvent<HTMLTextAreaElement>) => {
    if (event.key === "Tab" && !event.shiftKey && suggestions.length > 0) {
      event.preventDefault();
      complete(suggestions[0]!);
    } else if (event.key === "Enter" && !event.shiftKey && !event.nativeEvent.isComposing) {
      event.preventDefault();
      void submit();
    } else if (event.key === "Escape" && editing) {
      // Handled here: the thread's Esc (stop a reply) must not also fire.
      event.preventDefault();
      setText("");
      clearError();
      editing.onCancel();
    }
  };

  return (
    <form className={`composer${editing ? " editing" : ""}`} onSubmit={(e) => void submit(e)} aria-label={editing ? "Edit your last message" : "Send a message"}>
      {before}
      {suggestions.length > 0 && (
        <div className="mention-suggestions small" data-testid="mention-suggestions" aria-label="Agents to address (Tab completes the first)">
          {suggestions.map((handle) => (
            <button key={handle} type="button" className="button small ghost" data-testid="mention-option" onClick={() => complete(handle)}>
              @{handle}
            </button>
          ))}
        </div>
      )}
      {disabledReason !== null && (
        <p className="muted small" data-testid="composer-disabled">
          {disabledReason}
        </p>
      )}
      {editing && (
        <p className="small composer-editing" data-testid="composer-editing">
          Editing your last message; sending it starts a new reply (the earlier one is kept).{" "}
          <button
            type="button"
            className="button small ghost"
            data-testid="composer-edit-cancel"
            onClick={() => {
              setText("");
              editing.onCancel();
            }}
          >
            Cancel edit
          </button>
        </p>
      )}
      {error !== null && (
        <p role="alert" className="error small" data-testid="composer-error">
          {error}
        </p>
      )}
      <div className="composer-row">
        <label htmlFor={inputId} className="visually-hidden">
          Message
        </label>
        <textarea
          id={inputId}
          ref={textareaRef}
          data-testid="composer-input"
          rows={1}
          placeholder={disabled ? "" : placeholder}
          aria-describedby={hintId}
          disabled={disabled}
          maxLength={MAX_LENGTH}
          value={text}
          onChange={(e) => {
            setText(e.target.value);
            if (error !== null) clearError();
          }}
          onKeyDown={onKeyDown}
        />
        <button type="submit" className="button primary" data-testid="composer-send" disabled={!canSend}>
          {pending ? "Sending…" : editing ? "Send edit" : "Send"}
        </button>
      </div>
      <p id={hintId} className="muted small composer-hint">
        Enter to send, Shift+Enter for a new line, Esc stops a reply, {NEW_CHAT_SHORTCUT_LABEL} starts a new chat.
      </p>
    </form>
  );
}

/** Ctrl+Shift+O (⌘⇧O on a Mac), as in other chat apps. */
export const NEW_CHAT_SHORTCUT_LABEL = "Ctrl+Shift+O";
export function isNewChatShortcut(event: globalThis.KeyboardEvent): boolean {
  return (event.ctrlKey || event.metaKey) && event.shiftKey && !event.altKey && event.key.toLowerCase() === "o";
}
