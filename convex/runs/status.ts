/**
 * One status machine for every run — chat turn, delegation, background job.
 * `transition` is the only place that decides whether a run may move from one
 * status to another, and `isEnded` the only place that decides it is over.
 *
 *   queued → running ⇄ waiting → completed | failed | cancelled | timed_out
 *   queued → cancelled (before it started)      ended → queued | running (retry, resume, restart)
 */
import type { RunStatus } from "./validators";

export type { RunStatus } from "./validators";

const ENDED: ReadonlySet<RunStatus> = new Set(["completed", "failed", "cancelled", "timed_out"]);

/** The statuses a run in progress has: not over, so it can still be cancelled. */
export const IN_PROGRESS: readonly RunStatus[] = ["queued", "running", "waiting"];

/** Where each status may go next. An ended run goes back only by a retry, resume or restart (`reopen`). */
const NEXT: Record<RunStatus, readonly RunStatus[]> = {
  queued: ["running", "waiting", "completed", "failed", "cancelled", "timed_out"],
  running: ["running", "waiting", "completed", "failed", "cancelled", "timed_out"],
  waiting: ["running", "waiting", "completed", "failed", "cancelled", "timed_out"],
  completed: [],
  failed: [],
  cancelled: [],
  timed_out: [],
};

/** What a retry, resume or restart may reopen, and into which status. */
const REOPENABLE: Record<"retry" | "resume" | "restart", readonly RunStatus[]> = {
  retry: ["failed", "cancelled"],
  resume: ["failed", "timed_out"],
  restart: ["failed", "timed_out", "cancelled"],
};

export function isEnded(run: { status: RunStatus }): boolean {
  return ENDED.has(run.status);
}

export function canMove(from: RunStatus, to: RunStatus): boolean {
  return NEXT[from].includes(to);
}

/** The status a run moves to, or an error naming the illegal move (a bug, not a user error). */
export function transition(from: RunStatus, to: RunStatus): RunStatus {
  if (!canMove(from, to)) throw new Error(`A run cannot go from ${from} to ${to}`);
  return to;
}

/** Whether an ended run may be brought back by `how`. */
export function canReopen(status: RunStatus, how: keyof typeof REOPENABLE): boolean {
  return REOPENABLE[how].includes(status);
}

/** The status an ended run is brought back to by `how` (`to`: running, or queued for a job started afresh); throws when it may not be. */
export function reopen(from: RunStatus, how: keyof typeof REOPENABLE, to: "running" | "queued" = "running"): RunStatus {
  if (!canReopen(from, how)) throw new Error(`A ${from} run cannot be reopened by ${how}`);
  return to;
}
