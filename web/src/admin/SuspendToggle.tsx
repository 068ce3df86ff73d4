import { useId, useState, type FormEvent } from "react";
import { useRun } from "../lib/useRun";
import "./admin.css";

/**
 * Suspend / resume something, with the reason the audit log requires: a
 * button that opens a one-line form. Used for accounts and for users.
 * Test ids: `<testIdPrefix>-suspend` / `-resume`, `-reason`, `-confirm`, `-error`.
 */
export function SuspendToggle({
  suspended,
  verb,
  question,
  testIdPrefix,
  onConfirm,
}: {
  suspended: boolean;
  /** The button's words, e.g. "Suspend" or "Resume user". */
  verb: string;
  /** The reason field's label. */
  question: string;
  testIdPrefix: string;
  onConfirm: (reason: string) => Promise<unknown>;
}) {
  const [confirming, setConfirming] = useState(false);
  const [reason, setReason] = useState("");
  const id = useId();
  const { run, pending, error, clearError } = useRun(async () => {
    await onConfirm(reason.trim());
    setConfirming(false);
    setReason("");
  });
  const onSubmit = (e: FormEvent) => {
    e.preventDefault();
    if (reason.trim() !== "") void run();
  };
  return (
    <div>
      {confirming ? (
        <form className="admin-confirm" onSubmit={onSubmit}>
          <label htmlFor={`${id}-reason`} className="small">
            {question}
          </label>
          <div className="row">
            <input
              id={`${id}-reason`}
              value={reason}
              maxLength={500}
              required
              autoFocus
              onChange={(e) => setReason(e.target.value)}
              data-testid={`${testIdPrefix}-reason`}
            />
            <button type="submit" className="button primary small" disabled={pending || reason.trim() === ""} data-testid={`${testIdPrefix}-confirm`}>
              {pending ? "Saving…" : verb}
            </button>
            <button
              type="button"
              className="button ghost small"
              onClick={() => {
                setConfirming(false);
                clearError();
              }}
            >
              Cancel
            </button>
          </div>
        </form>
      ) : (
        <button
          type="button"
          className="button secondary small"
          data-testid={`${testIdPrefix}-${suspended ? "resume" : "suspend"}`}
          onClick={() => setConfirming(true)}
        >
          {verb}
        </button>
      )}
      {error !== null && (
        <p role="alert" className="error small" data-testid={`${testIdPrefix}-error`}>
          {error}
        </p>
      )}
    </div>
  );
}
