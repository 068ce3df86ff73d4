import { Link } from "react-router";
import { api } from "../../../convex/_generated/api";
import { useMutation, type FunctionReturnType } from "../lib/convex";
import { turnErrorWords } from "../lib/errors";
import { useRun } from "../lib/useRun";
import { useIsStaff } from "../runs/staff";
import { useAccount } from "../shell/AccountProvider";

export type Turn = FunctionReturnType<typeof api.chat.runs.turnsForThread>[number];

const STATUS_WORDS: Record<Turn["status"], string> = {
  queued: "Queued",
  running: "Replying",
  waiting: "Waiting for approval",
  completed: "Done",
  failed: "Failed",
  cancelled: "Cancelled",
};

/** A held turn (saved during maintenance) says what it waits for; other turns say their status. */
export const statusWords = (turn: Turn): string => (turn.heldForMaintenance === true ? "Queued until maintenance ends" : STATUS_WORDS[turn.status]);

export const isActive = (turn: Turn) => turn.status === "queued" || turn.status === "running" || turn.status === "waiting";

function usage(turn: Turn): string | null {
  const tokens = turn.tokensIn + turn.tokensOut;
  if (tokens === 0) return null;
  const cost = turn.costUsd > 0 ? ` · $${turn.costUsd < 0.01 ? turn.costUsd.toFixed(4) : turn.costUsd.toFixed(2)}` : "";
  return `${tokens.toLocaleString()} tokens${cost}`;
}

/** Under a reply: which model, how it went, and Cancel / Retry. */
export function TurnFooter({ turn, latest }: { turn: Turn; latest: boolean }) {
  const { accountId } = useAccount();
  const cancel = useRun(useMutation(api.chat.runs.cancel));
  const retry = useRun(useMutation(api.chat.runs.retry));
  const active = isActive(turn);
  const words = turn.status === "failed" && turn.error ? turnErrorWords(turn.error) : null;
  const spent = usage(turn);
  const actionError = cancel.error ?? retry.error;
  const isStaff = useIsStaff();

  return (
    <div className={`turn status-${turn.status}`} data-testid="turn" data-status={turn.status} data-interaction-id={turn.interactionId}>
      <div className="turn-line small">
        <span className="turn-model" data-testid="turn-model-label" title="Model">
          {turn.modelLabel}
        </span>
        <span className={`chip status-${turn.status}`} data-testid="turn-status">
          {statusWords(turn)}
        </span>
        {spent !== null && !active && (
          <span className="muted" data-testid="turn-usage">
            {spent}
          </span>
        )}
        {active && (
          <button
            type="button"
            className="button small secondary"
            data-testid="turn-cancel"
            disabled={cancel.pending}
            onClick={() => void cancel.run({ accountId, interactionId: turn.interactionId })}
          >
            {cancel.pending ? "Cancelling…" : "Cancel"}
          </button>
        )}
        {turn.canRetry && (
          <button
            type="button"
            className="button small primary"
            data-testid="turn-retry"
            disabled={retry.pending}
            onClick={() => void retry.run({ accountId, interactionId: turn.interactionId })}
          >
            {retry.pending ? "Retrying…" : "Retry"}
          </button>
        )}
        {isStaff && (
          <Link to={`/runs/${turn.interactionId}`} className="turn-open-run" data-testid="turn-open-run">
            Inspect run
          </Link>
        )}
      </div>
      {words !== null && (
        <div className="turn-error" role={latest ? "alert" : undefined} data-testid="turn-error" data-code={turn.error?.code}>
          <strong>{words.title}</strong>
          {words.detail !== null && <span className="turn-error-detail"> {words.detail}</span>}
          {!turn.canRetry && <span className="muted"> You can send your message again.</span>}
        </div>
      )}
      {actionError !== null && (
        <p role="alert" className="error small" data-testid="turn-action-error">
          {actionError}
        </p>
      )}
    </div>
  );
}
