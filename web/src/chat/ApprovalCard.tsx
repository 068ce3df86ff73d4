import { useId, useState } from "react";
import { api } from "../../../convex/_generated/api";
import { useMutation, type FunctionReturnType } from "../lib/convex";
import { useRun } from "../lib/useRun";
import { useAccount } from "../shell/AccountProvider";
import "./thread.css";

export type PendingApproval = FunctionReturnType<typeof api.chat.approvals.pendingForThread>[number];

function prettyArgs(args: string): string {
  try {
    return JSON.stringify(JSON.parse(args), null, 2);
  } catch {
    return args;
  }
}

/** A tool call that waits for the user's go-ahead. */
export function ApprovalCard({ approval }: { approval: PendingApproval }) {
  const { accountId } = useAccount();
  const decide = useRun(useMutation(api.chat.approvals.decide));
  const [reason, setReason] = useState("");
  const titleId = useId();
  const reasonId = useId();
  const choose = (approve: boolean) =>
    void decide.run({ accountId, approvalId: approval.approvalId, approve, ...(reason.trim() ? { reason: reason.trim() } : {}) });

  return (
    <section className="approval-card" data-testid="approval-card" data-tool-name={approval.toolSlug} aria-labelledby={titleId}>
      <h3 id={titleId}>
        Allow the agent to use <code>{approval.toolSlug}</code>?
      </h3>
      <p className="small muted">It will run with these arguments:</p>
      <pre data-testid="approval-args">{prettyArgs(approval.args)}</pre>
      <div className="field">
        <label htmlFor={reasonId} className="small">
          Reason <span className="muted">(optional, shown to the agent)</span>
        </label>
        <input id={reasonId} data-testid="approval-reason" maxLength={500} value={reason} onChange={(e) => setReason(e.target.value)} />
      </div>
      <div className="row">
        <button type="button" className="button primary" data-testid="approval-approve" disabled={decide.pending} onClick={() => choose(true)}>
          Approve
        </button>
        <button type="button" className="button secondary" data-testid="approval-deny" disabled={decide.pending} onClick={() => choose(false)}>
          Deny
        </button>
      </div>
      {decide.error !== null && (
        <p role="alert" className="error small" data-testid="approval-error">
          {decide.error}
        </p>
      )}
    </section>
  );
}
