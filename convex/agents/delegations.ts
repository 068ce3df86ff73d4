/**
 * Delegation compositions ("agent A may delegate to agent B" = B's agent
 * tool assigned to A) and the account's delegation graph. Everyone in the
 * account can read the graph; admins compose and decompose.
 */
import { v } from "convex/values";
import type { Doc, Id } from "../_generated/dataModel";
import type { QueryCtx } from "../_generated/server";
import { auditChange, spaActor } from "../audit/changes";
import { accountMutation, accountQuery } from "../lib/functions";
import { vPermission } from "../tools/validators";
import { accountEdges, assignmentOf, composeDelegation, decomposeDelegation, edgeOf, loadAgent } from "./builder";
import { graphDepth } from "./graph";
import { publicAssignments, vPublicAssignment } from "./agents";
import { vAgentStatus } from "./validators";

/**
 * Let `fromAgentId` delegate to `toAgentId`: creates or reuses the target's
 * agent tool (`delegate_<slug>`, arguments `{ task, context? }`) and assigns
 * it to the source. Refused with `conflict` naming the agents when it would
 * close a cycle or make a chain longer than the account's
 * `maxDelegationDepth`; another account's agent is `not_found`.
 * Composing an existing delegation again updates its options.
 */
/** A delegation as the audit shows it: its edge's assignment (permission, approval, allowed tools); null when absent. */
async function delegationState(ctx: QueryCtx, from: Doc<"agents">, toAgentId: Id<"agents">): Promise<Doc<"toolAssignments"> | null> {
  const edge = await edgeOf(ctx, from.accountId, from._id, toAgentId);
  return edge === null ? null : await assignmentOf(ctx, from._id, edge.toolSlug);
}

export const compose = accountMutation({
  minRole: "admin",
  args: {
    fromAgentId: v.id("agents"),
    toAgentId: v.id("agents"),
    /** Which of the target's tools it may use in this composition (absent: all it has). */
    allowedToolSlugs: v.optional(v.array(v.string())),
    /** The authority lent to the target: it may use only tools at or below this trust level here. Default read. */
    permission: v.optional(vPermission),
    /** Ask the thread's user before each delegation. Default false. */
    needsApproval: v.optional(v.boolean()),
  },
  returns: v.object({ toolSlug: v.string(), created: v.boolean(), assignment: vPublicAssignment }),
  handler: async (ctx, { accountId, fromAgentId, toAgentId, ...options }) => {
    const from = await loadAgent(ctx, accountId, fromAgentId);
    const to = await loadAgent(ctx, accountId, toAgentId);
    const before = await delegationState(ctx, from, toAgentId);
    const result = await composeDelegation(ctx, ctx.account, from, to, options, ctx.user._id);
    const after = await delegationState(ctx, from, toAgentId);
    const action = before === null ? "delegation.compose" : "delegation.update";
    await auditChange(ctx, spaActor(ctx), { accountId, action, targetKind: "delegation", targetId: `${fromAgentId}->${toAgentId}`, before, after });
    const updated = (await ctx.db.get("agents", fromAgentId))!;
    const assignment = (await publicAssignments(ctx, updated)).find((a) => a.toolSlug === result.toolSlug)!;
    return { ...result, assignment };
  },
});

/** Remove a delegation. */
export const decompose = accountMutation({
  minRole: "admin",
  args: { fromAgentId: v.id("agents"), toAgentId: v.id("agents") },
  returns: v.null(),
  handler: async (ctx, { accountId, fromAgentId, toAgentId }) => {
    const from = await loadAgent(ctx, accountId, fromAgentId);
    const to = await loadAgent(ctx, accountId, toAgentId);
    const before = await delegationState(ctx, from, toAgentId);
    await decomposeDelegation(ctx, from, to, ctx.user._id);
    await auditChange(ctx, spaActor(ctx), { accountId, action: "delegation.decompose", targetKind: "delegation", targetId: `${fromAgentId}->${toAgentId}`, before, after: null });
    return null;
  },
});

const vGraphNode = v.object({ agentId: v.id("agents"), name: v.string(), slug: v.string(), status: vAgentStatus });
const vGraphEdge = v.object({ from: v.id("agents"), to: v.id("agents"), toolSlug: v.string() });

/** The account's delegation graph for the builder: agents (not archived), edges, current depth and the limit. */
export const delegationGraph = accountQuery({
  args: {},
  returns: v.object({ nodes: v.array(vGraphNode), edges: v.array(vGraphEdge), depth: v.number(), maxDepth: v.number() }),
  handler: async (ctx, { accountId }) => {
    const agents = await ctx.db
      .query("agents")
      .withIndex("by_accountId_slug", (q) => q.eq("accountId", accountId))
      .take(100);
    const nodes = agents
      .filter((a) => a.status !== "archived")
      .map((a) => ({ agentId: a._id, name: a.name, slug: a.slug, status: a.status }));
    const edges = (await accountEdges(ctx, accountId)).map((e) => ({ from: e.fromAgentId, to: e.toAgentId, toolSlug: e.toolSlug }));
    return { nodes, edges, depth: graphDepth(edges), maxDepth: ctx.account.maxDelegationDepth };
  },
});
