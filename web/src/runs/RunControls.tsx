import { useEffect, useId, useRef, useState, type FormEvent } from "react";
import { api } from "../../../convex/_generated/api";
import { useMutation, type FunctionReturnType } from "../lib/convex";
import { errorText } from "../lib/errors";
import { usd } from "../lib/format";
import { useQueryResult } from "../lib/useQueryResult";
import { useRun } from "../lib/useRun";
import { useAccount } from "../shell/AccountProvider";

type Run = FunctionReturnType<typeof api.inspector.runs.getRun>["run"];
type Action = "cancel" | "resume";
const ACTIVE = ["queued", "running", "waiting"];

/** Cancel a running run, or resume a failed one from its failed step — each after a confirmation with a reason. */
export function RunControls({ run }: { run: Run }) {
  const [action, setAction] = useState<Action | null>(null);
  const [done, setDone] = useState<string | null>(null);
  const canCancel = ACTIVE.includes(run.status) && run.kind !== "job";
  const canResume = run.status === "failed" && run.kind !== "job";
  if (run.kind === "job") {
    return <p className="muted small">Jobs are cancelled and resumed from the Jobs page of their owner.</p>;
  }
  return (
    <div className="run-controls">
      <div className="row">
        <button type="button" className="button secondary" data-testid="run-cancel" disabled={!canCancel} onClick={() => setAction("cancel")}>
          Cancel run
        </button>
        <button type="button" className="button secondary" data-testid="run-resume" disabled={!canResume} onClick={() => setAction("resume")}>
          Resume from failed step
        </button>
        {done && (
          <span className="small" role="status" data-testid="run-action-done">
            {done}
          </span>
        )}
      </div>
      {action && (
        <ConfirmAction
          key={action}
          action={action}
          run={run}
          onClose={(message) => {
            setAction(null);
            if (message) setDone(message);
          }}
        />
      )}
    </div>
  );
}

function ConfirmAction({ action, run, onClose }: { action: Action; run: Run; onClose: (message?: string) => void }) {
  const { accountId } = useAccount();
  const preview = useQueryResult(api.inspector.controls.resumePreview, { accountId, interactionId: run.interactionId });
  const cancelRun = useMutation(api.inspector.controls.cancelRun);
  const resumeRun = useMutation(api.inspector.controls.resumeRun);
  const [reason, setReason] = useState("");
  const { run: submit, pending, error } = useRun(async () => {
    if (action === "cancel") {
      const result = await cancelRun({ accountId, interactionId: run.interactionId, reason });
      return result.cancelled ? "Run cancelled." : `Nothing to cancel: the run is ${result.status}.`;
    }
    const result = await resumeRun({ accountId, interactionId: run.interactionId, reason });
    return `Resumed from ${String(result.from)}; re-running ${result.rerun.length} step${result.rerun.length === 1 ? "" : "s"}.`;
  });
  const reasonId = useId();
  const ref = useRef<HTMLDivElement>(null);
  useEffect(() => ref.current?.querySelector("textarea")?.focus(), []);

  const onSubmit = async (e: FormEvent) => {
    e.preventDefault();
    const message = await submit();
    if (message !== undefined) onClose(message);
  };
  const data = preview.data;
  const plan = data?.resume;
  return (
    <div
      ref={ref}
      className="confirm card"
      role="dialog"
      aria-modal="false"
      aria-labelledby={`${reasonId}-title`}
      data-testid="run-confirm"
      data-action={action}
      onKeyDown={(e) => {
        if (e.key === "Escape") onClose();
      }}
    >
      <h3 id={`${reasonId}-title`}>{action === "cancel" ? "Cancel this run?" : "Resume this run from its failed step?"}</h3>
      {preview.error ? (
        <p className="error">Could not load what the run has spent: {errorText(preview.error)}</p>
      ) : data === undefined ? (
        <p className="muted" role="status">
          Loading what the run has spent…
        </p>
      ) : (
        <div className="small" data-testid="run-preview">
          <p data-testid="run-preview-spent">
            Spent so far: {(data.spent.tokensIn + data.spent.tokensOut).toLocaleString()} tokens in {data.spent.llmCalls} model call
            {data.spent.llmCalls === 1 ? "" : "s"}, {usd(data.spent.costUsd)} ({usd(data.spent.treeCostUsd)} with delegates).
          </p>
          {action === "resume" &&
            plan &&
            (plan.allowed ? (
              <div data-testid="run-preview-rerun">
                <p>
                  Will run again ({plan.rerun.length}): {plan.rerun.join(", ") || "nothing"}
                </p>
                <p className="muted">Kept, not run again ({plan.kept.length}): {plan.kept.join(", ") || "nothing"}</p>
                <p className="muted">The next model call will hold up to {usd(data.nextCallHoldUsd)} of the budget (released if unspent).</p>
              </div>
            ) : (
              <p className="error" data-testid="run-preview-refused">
                It cannot be resumed: {plan.reason}
              </p>
            ))}
          {data.failedSteps.length > 0 && (
            <ul>
              {data.failedSteps.map((s) => (
                <li key={s.key}>
                  Failed step {s.name} ({s.kind}): {s.failedAttempts} failed attempt{s.failedAttempts === 1 ? "" : "s"}, charged {usd(s.chargedUsd)}
                  {s.error ? ` — ${s.error.message}` : ""}
                </li>
              ))}
            </ul>
          )}
        </div>
      )}
      <form onSubmit={(e) => void onSubmit(e)}>
        <label className="field" htmlFor={reasonId}>
          <span>Reason (required, kept in the audit log)</span>
        </label>
        <textarea id={reasonId} data-testid="run-confirm-reason" rows={2} maxLength={500} value={reason} onChange={(e) => setReason(e.target.value)} required />
        {error && (
          <p className="error" role="alert" data-testid="run-confirm-error">
            {error}
          </p>
        )}
        <div className="row">
          <button
            type="submit"
            className="button primary"
            data-testid="run-confirm-submit"
            disabled={pending || reason.trim() === "" || (action === "resume" && plan !== undefined && !plan.allowed)}
          >
            {pending ? "Working…" : action === "cancel" ? "Cancel the run" : "Resume the run"}
          </button>
          <button type="button" className="button ghost" data-testid="run-confirm-back" onClick={() => onClose()}>
            Back
          </button>
        </div>
      </form>
    </div>
  );
}
