import type { Doc, Id } from "../_generated/dataModel";
import type { QueryCtx } from "../_generated/server";
import { fail } from "../lib/errors";
import { getJob, type Job } from "./jobRun";

/**
 * A job is its owner's, and visible to the account's admins. Anyone else —
 * another member, another account — gets `not_found`, exactly as for a job
 * that does not exist.
 */
export async function jobForCaller(
  ctx: QueryCtx,
  caller: { accountId: Id<"accounts">; user: Doc<"userProfiles">; membership: Doc<"memberships"> },
  jobId: Id<"jobs">,
): Promise<Job> {
  const job = await getJob(ctx, jobId);
  if (
    job === null ||
    job.accountId !== caller.accountId ||
    (job.userId !== caller.user._id && caller.membership.role !== "admin")
  ) {
    fail("not_found", "Job not found.");
  }
  return job;
}
