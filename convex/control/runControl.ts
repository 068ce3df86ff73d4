/**
 * One cancel, one resume and one restart for every kind of run. Whoever asks
 * calls these: the chat (a user stopping or retrying their turn), the jobs
 * page and API, the run inspector, the kill switches. The run's kind decides
 * the rest:
 * - a chat run (a turn or a delegation) ends through `endRun`, which also ends
 *   the runs below it; its workflow is cancelled, or restarted from a step;
 * - a job's run goes through the jobs module, which also settles the job's
 *   callbacks, its schedule's occurrences, its observers and its audit trail.
 * What may be reopened, and how, is the run kernel's status machine (runs/status.ts).
 */
import type { Doc } from "../_generated/dataModel";
import type { MutationCtx } from "../_generated/server";
import { endRun } from "../chat/turnSteps";
import { jobOfRun, type Job } from "../jobs/jobRun";
import { cancelJob, restartJob, resumeJob, type Actor } from "../jobs/model";
import { fail } from "../lib/errors";
import { workflow } from "../lib/workflow";
import { isChatRun } from "../runs/records";
import { canReopen, isEnded, reopen } from "../runs/status";

export type { Actor };

/** A member of the account, or a staff member, acting with their role. */
export function memberActor(user: Doc<"userProfiles">, role: string): Actor {
  return { kind: "user", userId: user._id, role };
}

/** Who asks and why: the job's audit trail records both (a chat run's caller audits its own surface). */
export type Request = { actor: Actor; reason: string };

/** How an ended run is brought back: from its failed step (`retry` is the chat's word for it, `resume` the operator's) or from the start. */
export type Reopen = "retry" | "resume" | "restart";

async function jobOf(ctx: MutationCtx, run: Doc<"interactions">): Promise<Job> {
  const job = await jobOfRun(ctx, run._id);
  if (job === null) fail("not_found", "This job no longer exists.");
  return job;
}

/**
 * Cancel a run that has not ended (`action` names the audit entry a job's
 * cancel writes, e.g. `cancel.platform_paused`). Returns whether anything
 * changed: a second cancel changes nothing.
 */
export async function cancelRun(ctx: MutationCtx, run: Doc<"interactions">, request: Request & { action?: string }): Promise<boolean> {
  if (run.kind === "job") return await cancelJob(ctx, await jobOf(ctx, run), request.actor, request.reason, request.action);
  if (!isChatRun(run)) fail("conflict", "This run has no chat turn to cancel.");
  if (isEnded(run)) return false;
  // The workflow may have finished a moment ago (its onComplete not yet run): cancel only what still runs.
  if (run.workflowId !== undefined && (await workflow.status(ctx, run.workflowId)).type === "inProgress") {
    await workflow.cancel(ctx, run.workflowId);
  }
  await endRun(ctx, run, { status: "cancelled" });
  return true;
}

/**
 * Bring an ended run back: from its failed step (`retry`, `resume`) or from
 * the beginning (`restart`); `from` overrides where a chat run starts again
 * (the inspector's recovery plan). Steps before it are replayed from the
 * workflow's journal, not run again. Refused with `conflict` when the run may
 * not be reopened that way.
 */
export async function reopenRun(
  ctx: MutationCtx,
  run: Doc<"interactions">,
  how: Reopen,
  request: Request & { from?: string | number },
): Promise<{ from: string | number }> {
  if (run.kind === "job") {
    const job = await jobOf(ctx, run);
    if (how === "restart") {
      await restartJob(ctx, job, request.actor, request.reason);
      return { from: 0 };
    }
    return { from: (await resumeJob(ctx, job, request.actor, request.reason)).fromStep };
  }
  const from = request.from ?? (how === "restart" ? 0 : run.failedStepKey);
  if (!canReopen(run.status, how) || run.workflowId === undefined || from === undefined) {
    fail("conflict", how === "restart" ? "Only a run that failed, timed out or was cancelled can be restarted." : "Only a failed run can be resumed from its failed step.");
  }
  await ctx.db.patch("interactions", run._id, {
    status: reopen(run.status, how),
    error: undefined,
    endedAt: undefined,
    failedStepKey: undefined,
    // A model call reserves its budget keyed by generation: the re-run reserves afresh.
    generation: run.generation + 1,
  });
  await workflow.restart(ctx, run.workflowId, { from, startAsync: true });
  return { from };
}
