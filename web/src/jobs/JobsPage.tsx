import { useState } from "react";
import { Link } from "react-router";
import { api } from "../../../convex/_generated/api";
import { useMutation, usePaginatedQuery, type FunctionReturnType } from "../lib/convex";
import { fullTime, timeAgo } from "../lib/time";
import { useRun } from "../lib/useRun";
import { useAccount } from "../shell/AccountProvider";
import { PageErrorBoundary } from "../shell/PageError";
import { LoadMore } from "../shell/LoadMore";
import { useIsStaff } from "../runs/staff";

type Job = FunctionReturnType<typeof api.jobs.jobs.list>["page"][number];
const PAGE_SIZE = 20;

const STATE_WORDS: Record<Job["state"], string> = {
  pending: "Waiting to start",
  running: "Running",
  waiting: "Waiting for a reply",
  resolved: "Done",
  failed: "Failed",
  cancelled: "Cancelled",
  timed_out: "Timed out",
};

/** The signed-in user's background jobs: state, progress, result; cancel. */
export function JobsPage() {
  return (
    <main className="page wide" id="main" data-testid="jobs-page">
      <h1>Jobs</h1>
      <p className="muted small">Background work you or your agents started. It keeps going when you close the page.</p>
      <PageErrorBoundary what="your jobs">
        <JobList />
      </PageErrorBoundary>
    </main>
  );
}

function JobList() {
  const { accountId } = useAccount();
  const { results, status, loadMore } = usePaginatedQuery(api.jobs.jobs.list, { accountId }, { initialNumItems: PAGE_SIZE });
  if (status === "LoadingFirstPage") {
    return (
      <p className="muted" role="status" data-testid="jobs-loading">
        Loading your jobs…
      </p>
    );
  }
  if (results.length === 0) {
    return (
      <p className="muted" data-testid="jobs-empty">
        You have no jobs yet. When an agent starts background work for you (for example a long research task), it shows here with its progress.
      </p>
    );
  }
  return (
    <>
      <ul className="cards" data-testid="jobs-list">
        {results.map((job) => (
          <JobCard key={job.jobId} job={job} />
        ))}
      </ul>
      <LoadMore status={status} onLoadMore={() => loadMore(PAGE_SIZE)} testId="jobs-load-more" />
    </>
  );
}

function JobCard({ job }: { job: Job }) {
  const { accountId } = useAccount();
  const isStaff = useIsStaff();
  const cancel = useMutation(api.jobs.jobs.cancel);
  const [confirming, setConfirming] = useState(false);
  const { run, pending, error } = useRun(() => cancel({ accountId, jobId: job.jobId, reason: "Cancelled by the owner from the Jobs page" }));
  const { done, total } = job.progress;
  return (
    <li className="card" data-testid="job" data-job-id={job.jobId} data-state={job.state}>
      <div className="row">
        <strong>{job.label}</strong>
        <span className={`status status-${job.state}`} data-testid="job-state">
          {STATE_WORDS[job.state]}
        </span>
        <span className="muted small" title={fullTime(job.createdAt)}>
          started {timeAgo(job.createdAt)}
        </span>
      </div>
      {job.input && <p className="small">{job.input}</p>}
      <div className="row small" data-testid="job-progress">
        {total > 0 ? (
          <>
            <progress max={total} value={done} aria-label="Steps done" />
            <span>
              {done} of {total} steps
            </span>
          </>
        ) : (
          <span className="muted">{done} steps done</span>
        )}
        {job.attempts > 1 && <span className="muted">{job.attempts} attempts</span>}
        {job.agentId && job.agentVersion !== undefined && (
          <Link to={`/agents/${job.agentId}?version=${job.agentVersion}`} data-testid="job-agent-version" title="The agent version this job runs, and what changed since">
            agent version {job.agentVersion}
          </Link>
        )}
        {job.threadId && <Link to={`/chat/${job.threadId}`}>Open the chat</Link>}
        {isStaff && job.runId !== undefined && (
          <Link to={`/runs/${job.runId}`} data-testid="job-run-link" title="The job's run: every step with its input and output">
            Run timeline
          </Link>
        )}
      </div>
      {job.result !== undefined && (
        <details data-testid="job-result">
          <summary>Result</summary>
          <pre>{job.result}</pre>
        </details>
      )}
      {job.error && (
        <p className="error small" data-testid="job-error">
          {job.error.step ? `Step ${job.error.step} failed: ` : ""}
          {job.error.message}
        </p>
      )}
      {job.canCancel &&
        (confirming ? (
          <div className="row">
            <span className="small">Stop this job? Work already done is kept.</span>
            <button type="button" className="button primary" data-testid="job-cancel-confirm" disabled={pending} onClick={() => void run().then(() => setConfirming(false))}>
              {pending ? "Cancelling…" : "Yes, cancel it"}
            </button>
            <button type="button" className="button ghost" onClick={() => setConfirming(false)}>
              Keep it running
            </button>
          </div>
        ) : (
          <button type="button" className="button secondary" data-testid="job-cancel" onClick={() => setConfirming(true)}>
            Cancel job
          </button>
        ))}
      {error && (
        <p className="error small" role="alert" data-testid="job-cancel-error">
          Could not cancel: {error}
        </p>
      )}
    </li>
  );
}
