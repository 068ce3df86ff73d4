import type { ReactNode } from "react";
import { COPY_WORDS, useCopy } from "./useCopy";
import "./thread.css";

/** The row under a message: copy, plus whatever else applies to it (regenerate, edit, feedback). */
export function MessageActions({ text, who, children }: { text: string; who: string; children?: ReactNode }) {
  const { state, copy } = useCopy();
  return (
    <div className="message-actions" role="group" aria-label={`Actions on ${who} message`} data-testid="message-actions">
      <button
        type="button"
        className="button small ghost"
        data-testid="message-copy"
        aria-label={state === "idle" ? `Copy ${who} message` : COPY_WORDS[state]}
        onClick={() => void copy(text)}
      >
        {COPY_WORDS[state]}
      </button>
      {children}
    </div>
  );
}
