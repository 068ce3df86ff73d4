/**
 * What a run executes: the agent version it recorded when it started
 * (`interactions.agentVersion`), not the agent as it is now. An edit during
 * a long run (instructions, tools, a delegation's limits) makes a new
 * version; the run keeps the one it pinned, the next turn takes the new one.
 * The model is pinned too: the run stores its `modelId` at start.
 *
 * Runs recorded before versions had snapshots have none: they fall back to
 * the live agent (what they always ran with).
 */
import type { Doc, Id } from "../_generated/dataModel";
import type { QueryCtx } from "../_generated/server";
import type { Permission } from "../tools/validators";
import { delegationOf, type Delegation } from "./runtime";
import { assignmentsOf, snapshotOf } from "./versions";
import { type ChatRun } from "../runs/records";

/** One tool assignment as the pinned version has it (the shape of a `toolAssignments` row the runtime reads). */
export type PinnedAssignment = {
  toolSlug: string;
  permission: Permission;
  needsApproval: boolean;
  delegateToAgentId?: Id<"agents">;
  restrictions?: { allowedToolSlugs?: string[] };
};

export type PinnedAgent = { version: number; name: string; instructions: string; tools: PinnedAssignment[] };

type Run = Pick<ChatRun, "agentId" | "agentVersion">;

/** The run's agent as of its pinned version; null when the agent is gone. */
export async function pinnedAgent(ctx: QueryCtx, run: Run): Promise<PinnedAgent | null> {
  const snapshot = await snapshotOf(ctx, run.agentId, run.agentVersion);
  if (snapshot !== null) {
    return {
      version: snapshot.version,
      name: snapshot.name,
      instructions: snapshot.instructions,
      tools: snapshot.tools.map((t) => ({
        toolSlug: t.toolSlug,
        permission: t.permission,
        needsApproval: t.needsApproval,
        ...(t.delegateToAgentId ? { delegateToAgentId: t.delegateToAgentId } : {}),
        ...(t.allowedToolSlugs ? { restrictions: { allowedToolSlugs: t.allowedToolSlugs } } : {}),
      })),
    };
  }
  const agent = await ctx.db.get("agents", run.agentId);
  if (agent === null) return null;
  return { version: agent.version, name: agent.name, instructions: agent.instructions, tools: await assignmentsOf(ctx, agent._id) };
}

/** The pinned version's assignment of `toolSlug`, or null when that version did not have it. */
export async function pinnedAssignment(ctx: QueryCtx, run: Run, toolSlug: string): Promise<PinnedAssignment | null> {
  return (await pinnedAgent(ctx, run))?.tools.find((t) => t.toolSlug === toolSlug) ?? null;
}

/**
 * `delegationFor` as of the pinned version: to whom, under which limits.
 * Whether the agent tool is still enabled is read live: disabling a tool is
 * the account's switch, not part of the agent's definition.
 */
export async function pinnedDelegation(ctx: QueryCtx, run: Run & Pick<Doc<"interactions">, "accountId">, toolSlug: string): Promise<Delegation | null> {
  return await delegationOf(ctx, run.accountId, toolSlug, await pinnedAssignment(ctx, run, toolSlug));
}
