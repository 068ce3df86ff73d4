/**
 * What the turn runtime needs from the agent builder, as plain functions
 * taking `ctx` (call them inside the runtime's own queries and mutations):
 *
 * - `currentVersion(ctx, agentId)` / `snapshotOf(ctx, agentId, version?)`:
 *   record the version a run starts with; show what an old run ran with.
 * - `delegationFor(ctx, agentId, toolSlug)`: is this tool call a
 *   delegation, to whom, under which limits.
 * - `checkDelegationAtRunTime(ctx, accountId, lineage, toAgentId)`: the
 *   cycle / depth re-check, with the refusal in words.
 * - `delegateMayCall(delegation, toolSlug, trustLevel)`: whether the delegate,
 *   working for this composition, may call one of its own tools.
 */
import type { Id } from "../_generated/dataModel";
import type { QueryCtx } from "../_generated/server";
import { DELEGATE_PARAMETERS, findAccountTool } from "../tools/catalogue";
import { permits, type Permission } from "../tools/validators";
import { agentNames, assignmentOf } from "./builder";
import { checkLineage, describeRefusal } from "./graph";

export { currentVersion, snapshotOf, type AgentSnapshot } from "./versions";
export { checkComposition, checkLineage, findCycle, longestChainThrough } from "./graph";

/** The invocation contract of every agent tool: `{ task: string, context?: string }`. */
export const DELEGATION_CONTRACT = DELEGATE_PARAMETERS;

export type Delegation = {
  /** The agent-type tool the parent called. */
  toolSlug: string;
  toAgentId: Id<"agents">;
  /** The authority lent: the delegate may use only tools at or below this trust level. */
  permission: Permission;
  needsApproval: boolean;
  /** Which of the delegate's tools it may use here (undefined: all it has). */
  allowedToolSlugs?: string[];
  /** false when the agent tool was disabled (refuse the call). */
  toolActive: boolean;
};

/**
 * The delegation behind `agentId` calling `toolSlug`, or null when that call
 * is not a delegation this agent holds (not assigned, or not an agent tool).
 */
export async function delegationFor(ctx: QueryCtx, agentId: Id<"agents">, toolSlug: string): Promise<Delegation | null> {
  const assignment = await assignmentOf(ctx, agentId, toolSlug);
  const agent = await ctx.db.get("agents", agentId);
  if (agent === null) return null;
  return await delegationOf(ctx, agent.accountId, toolSlug, assignment);
}

/** An assignment as a delegation (null when it is none); whether its agent tool is enabled is read now. */
export async function delegationOf(
  ctx: QueryCtx,
  accountId: Id<"accounts">,
  toolSlug: string,
  assignment: { permission: Permission; needsApproval: boolean; delegateToAgentId?: Id<"agents">; restrictions?: { allowedToolSlugs?: string[] } } | null,
): Promise<Delegation | null> {
  if (assignment === null || assignment.delegateToAgentId === undefined) return null;
  const tool = await findAccountTool(ctx, accountId, toolSlug);
  return {
    toolSlug,
    toAgentId: assignment.delegateToAgentId,
    permission: assignment.permission,
    needsApproval: assignment.needsApproval,
    ...(assignment.restrictions?.allowedToolSlugs ? { allowedToolSlugs: assignment.restrictions.allowedToolSlugs } : {}),
    toolActive: tool !== null && tool.kind === "agent" && tool.status === "active",
  };
}

/** Whether a delegate working under `delegation` may call its own tool `toolSlug` of trust level `trustLevel`. */
export function delegateMayCall(
  delegation: Pick<Delegation, "permission" | "allowedToolSlugs">,
  toolSlug: string,
  trustLevel: Permission,
): boolean {
  if (delegation.allowedToolSlugs !== undefined && !delegation.allowedToolSlugs.includes(toolSlug)) return false;
  return permits(delegation.permission, trustLevel);
}

/**
 * The run-time re-check. `lineage` is the agents of the run's chain, root
 * first and the delegating agent last. Refuses (with the message to return
 * to the parent model as a tool error) a target already in the lineage, a
 * chain over the account's `maxDelegationDepth`, or a target that is
 * missing, paused or archived.
 */
export async function checkDelegationAtRunTime(
  ctx: QueryCtx,
  accountId: Id<"accounts">,
  lineage: readonly Id<"agents">[],
  toAgentId: Id<"agents">,
): Promise<{ ok: true } | { ok: false; code: "conflict" | "policy_denied" | "not_found"; message: string }> {
  const account = await ctx.db.get("accounts", accountId);
  const target = await ctx.db.get("agents", toAgentId);
  if (account === null || target === null || target.accountId !== accountId || target.status === "archived") {
    return { ok: false, code: "not_found", message: "The agent to delegate to no longer exists." };
  }
  const checked = checkLineage(lineage, toAgentId, account.maxDelegationDepth);
  if (!checked.ok) {
    const nameOf = await agentNames(ctx, checked.reason === "cycle" ? checked.cycle : checked.chain);
    return { ok: false, code: "conflict", message: describeRefusal(checked, nameOf, account.maxDelegationDepth) };
  }
  if (target.status === "paused") return { ok: false, code: "policy_denied", message: `${target.name} is paused.` };
  return { ok: true };
}
