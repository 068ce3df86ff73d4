import { optimisticallySendMessage } from "@convex-dev/agent/react";
import { useId, useImperativeHandle, useLayoutEffect, useRef, useState, type FormEvent, type KeyboardEvent, type Ref } from "react";
import { api } from "../../../convex/_generated/api";
import type { Id } from "../../../convex/_generated/dataModel";
import { useMutation } from "../lib/convex";
import { useRun } from "../lib/useRun";
import { useAccount } from "../shell/AccountProvider";

const MAX_LENGTH = 8000;

export type ComposerHandle = { focus: () => void };

/** The message box: Enter sends, Shift+Enter adds a line. */
export function Composer({
  threadId,
  disabledReason,
  ref,
}: {
  threadId: Id<"threads">;
  disabledReason: string | null;
  ref?: Ref<ComposerHandle>;
}) {
  const { accountId } = useAccount();
  const send = useMutation(api.chat.messages.send).withOptimisticUpdate((store, args) =>
    optimisticallySendMessage(api.chat.messages.list)(store, { threadId: args.threadId, prompt: args.text.trim() }),
  );
  const { run, pending, error, clearError } = useRun(send);
  const [text, setText] = useState("");
  const textareaRef = useRef<HTMLTextAreaElement>(null);
  const inputId = useId();
  const hintId = useId();

  useImperativeHandle(ref, () => ({ focus: () => textareaRef.current?.focus() }), []);

  // Grow with the text (up to the CSS max-height).
  useLayoutEffect(() => {
    const el = textareaRef.current;
    if (el === null) return;
    el.style.height = "auto";
    el.style.height = `${el.scrollHeight}px`;
  }, [text]);

  const disabled = disabledReason !== null;
  const canSend = !disabled && !pending && text.trim() !== "" && text.length <= MAX_LENGTH;

  const submit = async (event?: FormEvent) => {
    event?.preventDefault();
    if (!canSend) return;
    const sent = text;
    setText("");
    const result = await run({ accountId, threadId, text: sent });
    // Keep what was typed when it could not be sent.
    if (result === undefined) setText((current) => (current === "" ? sent : current));
    textareaRef.current?.focus();
  };

  const onKeyDown = (event: KeyboardEvent<HTMLTextAreaElement>) => {
    if (event.key === "Enter" && !event.shiftKey && !event.nativeEvent.isComposing) {
      event.preventDefault();
      void submit();
    }
  };

  return (
    <form className="composer" onSubmit={(e) => void submit(e)} aria-label="Send a message">
      {disabledReason !== null && (
        <p className="muted small" data-testid="composer-disabled">
          {disabledReason}
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
          placeholder={disabled ? "" : "Message the agent…"}
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
          {pending ? "Sending…" : "Send"}
        </button>
      </div>
      <p id={hintId} className="muted small composer-hint">
        Enter to send, Shift+Enter for a new line.
      </p>
    </form>
  );
}
