import { Link } from "react-router";
import { api } from "../../../convex/_generated/api";
import type { Id } from "../../../convex/_generated/dataModel";
import type { FunctionReturnType } from "../lib/convex";
import { errorText } from "../lib/errors";
import { duration, usd } from "../lib/format";
import { useQueryResult } from "../lib/useQueryResult";
import { useIsStaff } from "../runs/staff";
import { useAccount } from "../shell/AccountProvider";
import { ToolCall, type ToolPart } from "./ToolCall";
import "./thread.css";

type Delegate = FunctionReturnType<typeof api.chat.turnView.delegations>[number];

const STATUS_WORDS: Record<Delegate["status"], string> = {
  queued: "Starting",
  running: "Working",
  waiting: "Waiting for approval",
  completed: "Done",
  failed: "Failed",
  cancelled: "Cancelled",
  timed_out: "Timed out",
};

const STEP_WORDS: Record<Delegate["steps"][number]["status"], string> = {
  running: "running",
  waiting: "waiting",
  succeeded: "done",
  failed: "failed",
  skipped: "skipped",
  cancelled: "cancelled",
};

function spent(d: { tokens: number; costUsd: number }): string {
  return `${d.tokens.toLocaleString()} tokens · ${usd(d.costUsd)}`;
}

/** The delegate's answer, as the parent received it (the tool result). */
function answerOf(part: ToolPart): string | null {
  const output = (part as { output?: unknown }).output;
  if (typeof output === "object" && output !== null && typeof (output as { result?: unknown }).result === "string") {
    return (output as { result: string }).result;
  }
  return null;
}

/**
 * A `delegate_*` tool call in a reply: the delegate's name, status and cost
 * in one line, opening onto its task, its steps (live) and any delegations of
 * its own. Until the delegate's run exists (or if it cannot be loaded), the
 * plain tool call shows instead.
 */
export function DelegationCall({ part, interactionId }: { part: ToolPart; interactionId: Id<"interactions"> | undefined }) {
  const { accountId } = useAccount();
  const { data: delegates, error } = useQueryResult(api.chat.turnView.delegations, interactionId === undefined ? "skip" : { accountId, interactionId });
  const mine = delegates?.find((d) => d.parentToolCallId === part.toolCallId);
  if (mine === undefined) {
    return (
      <>
        <ToolCall part={part} />
        {error !== null && (
          <p className="error small" data-testid="delegation-error">
            Could not load this delegation: {errorText(error)}
          </p>
        )}
      </>
    );
  }
  return <DelegateCard delegate={mine} all={delegates ?? []} answer={answerOf(part)} />;
}

function DelegateCard({ delegate, all, answer }: { delegate: Delegate; all: Delegate[]; answer: string | null }) {
  const isStaff = useIsStaff();
  const children = all.filter((d) => d.parentInteractionId === delegate.interactionId);
  const active = delegate.status === "queued" || delegate.status === "running" || delegate.status === "waiting";
  return (
    <details
      className={`delegation delegation-${delegate.status}`}
      data-testid="delegation"
      data-agent-name={delegate.agentName}
      data-status={delegate.status}
      data-interaction-id={delegate.interactionId}
    >
      <summary>
        <span>
          Asked <strong data-testid="delegation-agent">{delegate.agentName}</strong>
        </span>
        <span className={`chip status-${delegate.status}`} data-testid="delegation-status">
          {STATUS_WORDS[delegate.status]}
          {active && <span className="visually-hidden"> (updates live)</span>}
        </span>
        <span className="muted small" data-testid="delegation-cost">
          {spent(delegate)}
        </span>
      </summary>
      <div className="delegation-body">
        <p className="small" data-testid="delegation-task">
          <span className="muted">Task: </span>
          {delegate.task}
        </p>
        {delegate.error && (
          <p className="error small" data-testid="delegation-failure">
            {delegate.error.message}
          </p>
        )}
        <h4>Steps</h4>
        {delegate.steps.length === 0 ? (
          <p className="muted small">No steps yet.</p>
        ) : (
          <ol className="delegation-steps" data-testid="delegation-steps">
            {delegate.steps.map((step) => (
              <li key={step.key} className={`small step-${step.status}`} data-testid="delegation-step" data-kind={step.kind} data-status={step.status}>
                <span>{step.name}</span> <span className={`chip status-${step.status}`}>{STEP_WORDS[step.status]}</span>
                {step.attempt > 1 && <span className="muted"> · attempt {step.attempt}</span>}
                {step.tokens > 0 && <span className="muted"> · {spent(step)}</span>}
                {step.durationMs !== undefined && <span className="muted"> · {duration(step.durationMs)}</span>}
                {step.error && <span className="error"> · {step.error.message}</span>}
              </li>
            ))}
            {delegate.stepsTruncated && <li className="muted small">…and more steps</li>}
          </ol>
        )}
        {children.length > 0 && (
          <div className="delegation-children">
            {children.map((child) => (
              <DelegateCard key={child.interactionId} delegate={child} all={all} answer={null} />
            ))}
          </div>
        )}
        {answer !== null && answer !== "" && (
          <details className="delegation-answer" data-testid="delegation-answer">
            <summary className="small">What {delegate.agentName} answered</summary>
            <pre>{answer}</pre>
          </details>
        )}
        {isStaff && (
          <Link className="small" to={`/runs/${delegate.interactionId}`} data-testid="delegation-open-run">
            Inspect this run
          </Link>
        )}
      </div>
    </details>
  );
}
