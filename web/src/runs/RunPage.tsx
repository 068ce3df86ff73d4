import { useState } from "react";
import { Link, useParams } from "react-router";
import { api } from "../../../convex/_generated/api";
import type { Id } from "../../../convex/_generated/dataModel";
import { usePaginatedQuery, type FunctionReturnType } from "../lib/convex";
import { duration, usd } from "../lib/format";
import { useQueryResult } from "../lib/useQueryResult";
import { fullTime, timeAgo } from "../lib/time";
import { errorText } from "../lib/errors";
import { config } from "../config";
import { useAccount } from "../shell/AccountProvider";
import { PageErrorBoundary } from "../shell/PageError";
import { RunControls } from "./RunControls";
import { RunFeedback } from "./RunFeedback";
import { StaffOnly, StatusBadge } from "./RunsPage";
import { useIsStaff } from "./staff";
import { StepIo } from "./StepIo";
import "./runs.css";

type Timeline = FunctionReturnType<typeof api.inspector.runs.getRun>;
type TreeNode = Timeline["tree"][number];

/** One run: live timeline of steps, the delegation tree beside it, controls and audit trail. */
export function RunPage() {
  const isStaff = useIsStaff();
  const { interactionId } = useParams();
  if (!isStaff) return <StaffOnly />;
  return (
    <main className="page wide" id="main" data-testid="run-page">
      <p className="small">
        <Link to="/runs">← All runs</Link>
      </p>
      <PageErrorBoundary what="this run">
        <RunView key={interactionId} interactionId={interactionId as Id<"interactions">} />
      </PageErrorBoundary>
    </main>
  );
}

function RunView({ interactionId }: { interactionId: Id<"interactions"> }) {
  const { accountId } = useAccount();
  const { data, error } = useQueryResult(api.inspector.runs.getRun, { accountId, interactionId });
  if (error !== null) {
    return (
      <p role="alert" className="error" data-testid="run-error">
        Could not load this run: {errorText(error)}
      </p>
    );
  }
  if (data === undefined) {
    return (
      <p className="muted" role="status" data-testid="run-loading">
        Loading the run…
      </p>
    );
  }
  const { run } = data;
  return (
    <>
      <header className="run-header">
        <h1 data-testid="run-title">
          {run.agentName} <span className="muted">· {run.kind}</span>
        </h1>
        <div className="row" data-testid="run-summary" data-status={run.status}>
          <StatusBadge status={run.status} />
          <span title={fullTime(run.createdAt)}>started {timeAgo(run.createdAt)}</span>
          <span>by {run.userName}</span>
          <span data-testid="run-channel">via {run.channel}</span>
          <span>{run.modelLabel}</span>
          <Link to={`/agents/${run.agentId}?version=${run.agentVersion}`} data-testid="run-agent-version" title="What this run ran with, and what changed since">
            agent version {run.agentVersion}
          </Link>
          <span data-testid="run-tokens">{(run.tokensIn + run.tokensOut).toLocaleString()} tokens</span>
          <span data-testid="run-cost">{usd(run.treeCostUsd)} with delegates</span>
          <span>{duration(run.durationMs)}</span>
          {run.parentInteractionId && <Link to={`/runs/${run.parentInteractionId}`}>Parent run</Link>}
          <Link to={`/chat/${run.threadId}`}>Open the thread</Link>
        </div>
        {run.error && (
          <p className="error" role="alert" data-testid="run-failure">
            {run.error.code}: {run.error.message}
          </p>
        )}
        <RunControls run={run} />
      </header>
      <div className="run-columns">
        <section aria-labelledby="steps-heading" className="run-steps">
          <h2 id="steps-heading">Steps</h2>
          <Steps steps={data.steps} />
        </section>
        <section aria-labelledby="tree-heading" className="run-tree">
          <h2 id="tree-heading">Delegation tree</h2>
          <Tree root={run} nodes={data.tree} truncated={data.treeTruncated} />
          <TreeLogs run={run} />
        </section>
      </div>
      {run.kind === "turn" && <RunFeedback interactionId={run.interactionId} />}
      <PageErrorBoundary what="the audit log">
        <RunAudit interactionId={run.interactionId} />
      </PageErrorBoundary>
    </>
  );
}

function Steps({ steps }: { steps: Timeline["steps"] }) {
  if (steps.length === 0) {
    return (
      <p className="muted" data-testid="steps-empty">
        No steps yet. They appear here as the run goes.
      </p>
    );
  }
  return (
    <ol className="timeline" data-testid="steps">
      {steps.map((step) => (
        <li key={step.stepId} className={`step step-${step.status}`} data-testid="step" data-kind={step.kind} data-status={step.status}>
          <div className="row">
            <strong>{step.name}</strong>
            <span className="chip">{step.kind}</span>
            <StatusBadge status={step.status} />
          </div>
          <div className="row small muted">
            <span>
              {step.attempt} attempt{step.attempt === 1 ? "" : "s"}
            </span>
            <span>{duration(step.durationMs)}</span>
            {(step.tokensIn !== undefined || step.tokensOut !== undefined) && (
              <span
                data-testid="step-tokens"
                title={step.usageEstimated ? "The provider reported no usage: counted by the harness" : undefined}
              >
                {step.usageEstimated ? "≈" : ""}
                {((step.tokensIn ?? 0) + (step.tokensOut ?? 0)).toLocaleString()} tokens
                {step.usageEstimated ? " (estimated)" : ""}
              </span>
            )}
            {step.retry && step.status === "failed" && (
              <span data-testid="step-retry">
                retry {step.retry.attempt + 1} of {step.retry.maxAttempts} at {new Date(step.retry.at).toLocaleTimeString()} ({step.retry.reason})
              </span>
            )}
            {step.costUsd !== undefined && <span>{usd(step.costUsd)}</span>}
            {step.childInteractionId && (
              <Link to={`/runs/${step.childInteractionId}`} data-testid="step-child-link">
                Open the delegate's run
              </Link>
            )}
          </div>
          {step.error && (
            <p className="error small" data-testid="step-error">
              {step.error.code}: {step.error.message}
            </p>
          )}
          {step.detail && !step.childInteractionId && <p className="small">{step.detail}</p>}
          {step.request && (
            <p className="small" data-testid="step-request" data-via={step.request.via}>
              <code>
                {step.request.via === "mcp" ? "MCP " : ""}
                {step.request.method} {step.request.url}
              </code>
              {step.request.statusCode !== undefined && <> → HTTP {step.request.statusCode}</>}
              {step.request.latencyMs !== undefined && <> in {step.request.latencyMs.toLocaleString()} ms</>}
              {step.request.attempts !== undefined && step.request.attempts > 1 && <> ({step.request.attempts} attempts)</>}
            </p>
          )}
          <StepIo input={step.input} output={step.output} />
          {/* Rows written before steps kept their input and output: the tool call's own record instead. */}
          {step.toolCall && step.input === undefined && step.output === undefined && (
            <details>
              <summary>Tool call {step.toolCall.toolSlug}</summary>
              <pre>{step.toolCall.args}</pre>
              {step.toolCall.result !== undefined && <pre>{step.toolCall.result}</pre>}
              {step.toolCall.error !== undefined && <p className="error small">{step.toolCall.error}</p>}
            </details>
          )}
        </li>
      ))}
    </ol>
  );
}

/**
 * Where this tree's log lines are: every run's JSON log line carries
 * `root_interaction_id` (ops/runLog.ts), so one filter follows the whole tree.
 * On the local engine (it says where its log view is) a link opens those
 * lines; on a cloud deployment the filter goes with a link to its dashboard,
 * whose Logs page searches them; elsewhere (self-hosted) the filter alone.
 */
function TreeLogs({ run }: { run: { interactionId: string; rootInteractionId?: string } }) {
  const root = run.rootInteractionId ?? run.interactionId;
  if (config.engineLogsUrl !== undefined) {
    return (
      <p className="small" data-testid="tree-logs">
        <a href={`${config.engineLogsUrl}?root=${encodeURIComponent(root)}`} target="_blank" rel="noreferrer" data-testid="tree-logs-link">
          Logs of this run tree
        </a>{" "}
        <span className="muted">(the local engine&apos;s kept lines of every run under the root)</span>
      </p>
    );
  }
  const filter = `"root_interaction_id":"${root}"`;
  return (
    <p className="muted small" data-testid="tree-logs">
      Logs of this whole tree: search the deployment&apos;s logs for <code data-testid="tree-logs-filter">{filter}</code>
      {config.convexDashboardUrl !== undefined ? (
        <>
          {" "}
          on the Logs page of{" "}
          <a href={config.convexDashboardUrl} target="_blank" rel="noreferrer" data-testid="tree-logs-dashboard">
            the Convex dashboard
          </a>
        </>
      ) : null}{" "}
      (or <code>npx convex logs | grep &apos;{filter}&apos;</code>).
    </p>
  );
}

type RootLike = Pick<TreeNode, "interactionId" | "agentName" | "status" | "treeCostUsd" | "tokensIn" | "tokensOut" | "depth">;

function Tree({ root, nodes, truncated }: { root: RootLike; nodes: TreeNode[]; truncated: boolean }) {
  const children = (id: string) => nodes.filter((n) => n.parentInteractionId === id);
  const render = (node: RootLike, isRoot: boolean) => {
    const kids = children(node.interactionId);
    return (
      <li key={node.interactionId} data-testid="tree-node" data-interaction-id={node.interactionId} data-status={node.status} data-root={isRoot}>
        <div className="tree-node">
          {isRoot ? <strong>{node.agentName}</strong> : <Link to={`/runs/${node.interactionId}`}>{node.agentName}</Link>}
          <StatusBadge status={node.status} />
          <span className="muted small">
            {(node.tokensIn + node.tokensOut).toLocaleString()} tokens · {usd(node.treeCostUsd)}
          </span>
        </div>
        {kids.length > 0 && <ul className="tree">{kids.map((kid) => render(kid, false))}</ul>}
      </li>
    );
  };
  return (
    <div data-testid="delegation-tree">
      <ul className="tree tree-root">{render(root, true)}</ul>
      {nodes.length === 0 && <p className="muted small">This run has not delegated to another agent.</p>}
      {truncated && <p className="muted small">Only part of a large tree is shown.</p>}
    </div>
  );
}

function RunAudit({ interactionId }: { interactionId: string }) {
  const { accountId } = useAccount();
  const { results, status, loadMore } = usePaginatedQuery(
    api.audit.log.auditLog,
    { accountId, target: { kind: "interaction", id: interactionId } },
    { initialNumItems: 20 },
  );
  const [open, setOpen] = useState(true);
  return (
    <section aria-labelledby="audit-heading" data-testid="run-audit">
      <h2 id="audit-heading">
        <button type="button" className="button ghost" aria-expanded={open} onClick={() => setOpen((o) => !o)}>
          Audit log {open ? "▾" : "▸"}
        </button>
      </h2>
      {open &&
        (status === "LoadingFirstPage" ? (
          <p className="muted" role="status">
            Loading the audit log…
          </p>
        ) : results.length === 0 ? (
          <p className="muted" data-testid="run-audit-empty">
            Nobody has cancelled, resumed or restarted this run.
          </p>
        ) : (
          <ul className="cards">
            {results.map((entry) => (
              <li key={entry.auditId} className="card small" data-testid="audit-entry" data-action={entry.action}>
                <strong>{entry.action}</strong> by {entry.actorName} ({entry.actorRole}), <span title={fullTime(entry.at)}>{timeAgo(entry.at)}</span>
                <div>Reason: {entry.reason}</div>
              </li>
            ))}
          </ul>
        ))}
      {open && status === "CanLoadMore" && (
        <button type="button" className="button secondary" onClick={() => loadMore(20)}>
          Load more
        </button>
      )}
    </section>
  );
}
