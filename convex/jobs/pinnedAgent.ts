/**
 * A background job runs the agent version it recorded when it started, like
 * a chat run (agents/pinned.ts): an edit of the agent's instructions or model
 * while the job waits for its `runAt`, retries or is restarted does not change
 * what it runs. The next job takes the new version.
 *
 * Which version a job records: the version of the run that asked for it when
 * an agent's turn started it (the job is part of that turn), else the agent's
 * version at the moment the job is created. A schedule's occurrences are jobs
 * of their own and record the version current when each one starts.
 */
import type { Doc, Id } from "../_generated/dataModel";
import type { QueryCtx } from "../_generated/server";
import { snapshotOf } from "../agents/versions";

/** The version a new job for `agentId` records, given the run that started it (if any); undefined: no agent, or it is gone. */
export async function versionAtStart(
  ctx: QueryCtx,
  agentId: Id<"agents"> | undefined,
  origin: Pick<Doc<"interactions">, "agentId" | "agentVersion"> | null,
): Promise<number | undefined> {
  if (agentId === undefined) return undefined;
  if (origin !== null && origin.agentId === agentId) return origin.agentVersion;
  return (await ctx.db.get("agents", agentId))?.version;
}

/** What a job's model call is given from its agent. */
export type JobAgent = { version: number; instructions: string; modelId?: string };

/**
 * The job's agent as of its pinned version. Jobs recorded before versions
 * were pinned (no `agentVersion`), or whose version has no snapshot, run the
 * live agent: what they always ran with.
 */
export async function jobAgent(ctx: QueryCtx, job: Pick<Doc<"jobs">, "agentVersion">, agent: Doc<"agents">): Promise<JobAgent> {
  const snapshot = job.agentVersion !== undefined ? await snapshotOf(ctx, agent._id, job.agentVersion) : null;
  const source = snapshot ?? agent;
  return { version: source.version, instructions: source.instructions, ...(source.modelId !== undefined ? { modelId: source.modelId } : {}) };
}
