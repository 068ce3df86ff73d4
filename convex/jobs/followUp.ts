/**
 * The job observer's follow-up: when a job an agent started (the
 * `schedule_job` tool) resolves with useful output, its agent takes another
 * turn in the thread it came from, with the result as the turn's context —
 * the conversation goes on instead of a fixed notice being posted.
 *
 * Exactly once: the turn starts inside the job's terminal write (`endJob` →
 * `notifyObservers`), keyed by the job's `notifiedGeneration` in that same
 * transaction, so a crash before it commits leaves neither the end nor the
 * turn, and after it commits leaves both. When the turn cannot start (agent
 * paused, platform paused, thread archived, sending rate used up) the result
 * is posted as text instead, so it is never lost.
 */
import type { Doc, Id } from "../_generated/dataModel";
import type { MutationCtx, QueryCtx } from "../_generated/server";
import { startTurn, type SendRate } from "../chat/startTurn";
import { isHarnessError } from "../lib/errors";
import type { Job } from "./jobRun";

/** Follow-ups per user: generous (jobs end when they end), but bounded so a runaway schedule cannot flood a thread. */
const FOLLOW_UP_RATE = { rate: 30, periodMs: 60_000, capacity: 30 };
/** The result as the follow-up's context: long results are cut (the job keeps all of it). */
const MAX_CONTEXT_CHARS = 6_000;

function followUpRate(userId: Id<"userProfiles">): SendRate {
  return { name: "jobFollowUp", key: userId, ...FOLLOW_UP_RATE, message: "Too many background results at once." };
}

/**
 * Whether `job`'s ending starts a follow-up turn (rather than a notice). Not
 * when the run that started the job is itself a follow-up: a job started by
 * a follow-up reports as text, so jobs and follow-ups cannot feed each other.
 */
export async function wantsFollowUp(ctx: QueryCtx, job: Job): Promise<boolean> {
  if (job.state !== "resolved" || !job.hasUsefulOutput || job.schedule !== undefined) return false;
  if (job.interactionId === undefined || job.threadId === undefined) return false;
  const origin = job.interactionId;
  const startedByFollowUp = await ctx.db
    .query("jobs")
    .withIndex("by_followUpInteractionId", (q) => q.eq("followUpInteractionId", origin))
    .first();
  return startedByFollowUp === null;
}

/** The follow-up turn's prompt: the result, labelled as a job's output, and what to do with it. */
export function followUpPrompt(job: Job, label: string): string {
  const result = (job.result ?? "").trim();
  const shown = result.length > MAX_CONTEXT_CHARS ? `${result.slice(0, MAX_CONTEXT_CHARS - 1)}…` : result;
  return [
    `[Background job “${label}” finished${job.input ? ` — task: ${job.input}` : ""}]`,
    "Its result:",
    shown,
    "Continue the conversation with this result: tell the user what it found.",
  ].join("\n\n");
}

/** Start the follow-up turn; false (nothing written) when it may not start now. */
export async function startFollowUp(ctx: MutationCtx, job: Job, thread: Doc<"threads">, label: string): Promise<Id<"interactions"> | null> {
  try {
    const { interactionId } = await startTurn(ctx, {
      accountId: job.accountId,
      userId: job.userId,
      thread,
      text: followUpPrompt(job, label),
      rate: followUpRate(job.userId),
    });
    return interactionId;
  } catch (error) {
    // startTurn refuses before its first write: nothing to undo; the caller posts the result instead.
    if (isHarnessError(error)) return null;
    throw error;
  }
}
