import { useEffect, useState } from "react";
import { Link } from "react-router";
import { api } from "../../../convex/_generated/api";
import { useMutation, type FunctionReturnType } from "../lib/convex";
import { turnErrorWords } from "../lib/errors";
import { useRun } from "../lib/useRun";
import { useIsStaff } from "../runs/staff";
import { useAccount } from "../shell/AccountProvider";
import "./thread.css";

export type Turn = FunctionReturnType<typeof api.chat.runs.turnsForThread>[number];

const STATUS_WORDS: Record<Turn["status"], string> = {
  queued: "Queued",
  running: "Replying",
  waiting: "Waiting for approval",
  completed: "Done",
  failed: "Failed",
  cancelled: "Cancelled",
  timed_out: "Timed out",
};

/** A held turn (saved during maintenance) says what it waits for; other turns say their status. */
export const statusWords = (turn: Turn): string => (turn.heldForMaintenance === true ? "Queued until maintenance ends" : STATUS_WORDS[turn.status]);

export const isActive = (turn: Turn) => turn.status === "queued" || turn.status === "running" || turn.status === "waiting";

function usage(turn: Turn): string | null {
  const tokens = turn.tokensIn + turn.tokensOut;
  if (tokens === 0) return null;
  // "≈": the provider reported no usage, so (some of) these tokens were counted by the harness.
  const approx = (turn.tokensEstimated ?? 0) > 0 ? "≈" : "";
  // A cheap model's single reply can cost a few millionths of a dollar: "<$0.0001", never a "$0.0000" that reads as free.
  const dollars = turn.costUsd < 0.0001 ? "<$0.0001" : `$${turn.costUsd < 0.01 ? turn.costUsd.toFixed(4) : turn.costUsd.toFixed(2)}`;
  const cost = turn.costUsd > 0 ? ` · ${approx}${dollars}` : "";
  return `${approx}${tokens.toLocaleString()} tokens${cost}`;
}

const RETRY_REASONS: Record<string, string> = {
  rate_limit: "provider busy (rate limit)",
  overloaded: "provider overloaded",
  server: "provider error",
  timeout: "provider slow to answer",
  dropped: "connection to the provider dropped",
  malformed: "provider sent an unreadable reply",
  unreachable: "provider unreachable",
};

/** "provider busy (rate limit), retrying in 8 s — attempt 2 of 4", counting down. */
function ProviderRetryNotice({ retry }: { retry: NonNullable<Turn["providerRetry"]> }) {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(timer);
  }, []);
  const seconds = Math.max(0, Math.ceil((retry.at - now) / 1000));
  const reason = RETRY_REASONS[retry.reason] ?? "provider failed";
  const when = seconds > 0 ? `retrying in ${seconds} s` : "retrying now";
  return (
    <div className="turn-retry small" role="status" data-testid="turn-provider-retry">
      {reason}, {when} — attempt {retry.attempt + 1} of {retry.maxAttempts}
    </div>
  );
}

/** Under a reply: which model, how it went, and Cancel / Retry. */
export function TurnFooter({ turn, latest }: { turn: Turn; latest: boolean }) {
  const { accountId, viewer } = useAccount();
  // In a shared conversation only the sender stops or retries their turn.
  const mine = turn.sentBy === viewer.userId;
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
        {active && mine && (
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
        {turn.canRetry && mine && (
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
      {active && turn.providerRetry !== undefined && <ProviderRetryNotice retry={turn.providerRetry} />}
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
