/**
 * Which tools an agent may call. Everyone in the account can read an
 * agent's assignments; admins change them. Each change is a new agent
 * version (the tools are part of what a run ran with).
 *
 * An assignment's `permission` (read / write / admin) caps which tools the
 * agent may call: one below the tool's trust level is refused, and so is one
 * above the agent's capability level. `needsApproval` defaults to true for
 * write- and admin-level tools. Assigning an agent tool (`delegate_<slug>`)
 * composes the delegation, with the same cycle and depth checks as
 * `agents/delegations:compose`.
 */
import { v } from "convex/values";
import type { Doc, Id } from "../_generated/dataModel";
import type { MutationCtx, QueryCtx } from "../_generated/server";
import { auditChange, spaActor } from "../audit/changes";
import { accountMutation, accountQuery } from "../lib/functions";
import { fail } from "../lib/errors";
import {
  assignmentOf,
  assignTool,
  composeDelegation,
  loadAgent,
  loadEditableAgent,
  requireTool,
  unassignTool,
  updateAssignment,
} from "../agents/builder";
import { publicAssignments, vPublicAssignment } from "../agents/agents";
import { vPermission } from "./validators";

export const listForAgent = accountQuery({
  args: { agentId: v.id("agents") },
  returns: v.array(vPublicAssignment),
  handler: async (ctx, { accountId, agentId }) => await publicAssignments(ctx, await loadAgent(ctx, accountId, agentId)),
});

/** The agent's assignment of `toolSlug`, as the builder shows it. */
async function one(ctx: QueryCtx, accountId: Id<"accounts">, agentId: Id<"agents">, toolSlug: string) {
  const agent = await loadAgent(ctx, accountId, agentId);
  const all = await publicAssignments(ctx, agent);
  const found = all.find((a) => a.toolSlug === toolSlug);
  if (!found) fail("not_found", `${agent.name} has no tool "${toolSlug}".`);
  return found;
}

type Editor = MutationCtx & { user: Doc<"userProfiles">; membership: Doc<"memberships"> };

/** The audit entry of one assignment change (the row before and after; null when absent). */
async function auditAssignment(ctx: Editor, accountId: Id<"accounts">, agentId: Id<"agents">, toolSlug: string, action: string, before: Doc<"toolAssignments"> | null) {
  const after = await assignmentOf(ctx, agentId, toolSlug);
  await auditChange(ctx, spaActor(ctx), { accountId, action, targetKind: "toolAssignment", targetId: `${agentId}:${toolSlug}`, before, after });
}

export const assign = accountMutation({
  minRole: "admin",
  args: {
    agentId: v.id("agents"),
    toolSlug: v.string(),
    /** Default: the tool's trust level. */
    permission: v.optional(vPermission),
    /** Default: true for write- and admin-level tools. */
    needsApproval: v.optional(v.boolean()),
    /** Agent tools only: which of the delegate's tools it may use in this composition. */
    allowedToolSlugs: v.optional(v.array(v.string())),
  },
  returns: vPublicAssignment,
  handler: async (ctx, { accountId, agentId, toolSlug, permission, needsApproval, allowedToolSlugs }) => {
    const agent = await loadEditableAgent(ctx, accountId, agentId);
    const tool = await requireTool(ctx, accountId, toolSlug);
    if (tool.kind === "agent") {
      if (await assignmentOf(ctx, agentId, toolSlug)) fail("conflict", `${agent.name} already has ${toolSlug}; update the assignment instead.`);
      const to = await loadAgent(ctx, accountId, tool.agentId!);
      await composeDelegation(ctx, ctx.account, agent, to, { permission, needsApproval, allowedToolSlugs }, ctx.user._id);
    } else {
      if (allowedToolSlugs !== undefined) fail("bad_request", "allowedToolSlugs applies only to delegations (agent tools).", { field: "allowedToolSlugs" });
      await assignTool(ctx, agent, tool, { permission, needsApproval }, ctx.user._id);
    }
    await auditAssignment(ctx, accountId, agentId, toolSlug, "tool.assign", null);
    return await one(ctx, accountId, agentId, toolSlug);
  },
});

export const update = accountMutation({
  minRole: "admin",
  args: {
    agentId: v.id("agents"),
    toolSlug: v.string(),
    permission: v.optional(vPermission),
    needsApproval: v.optional(v.boolean()),
    /** Agent tools only; null lifts the restriction. */
    allowedToolSlugs: v.optional(v.union(v.array(v.string()), v.null())),
  },
  returns: vPublicAssignment,
  handler: async (ctx, { accountId, agentId, toolSlug, ...options }) => {
    const agent = await loadEditableAgent(ctx, accountId, agentId);
    const before = await assignmentOf(ctx, agentId, toolSlug);
    await updateAssignment(ctx, agent, toolSlug, options, ctx.user._id);
    await auditAssignment(ctx, accountId, agentId, toolSlug, "tool.assignment_update", before);
    return await one(ctx, accountId, agentId, toolSlug);
  },
});

export const unassign = accountMutation({
  minRole: "admin",
  args: { agentId: v.id("agents"), toolSlug: v.string() },
  returns: v.null(),
  handler: async (ctx, { accountId, agentId, toolSlug }) => {
    const agent = await loadEditableAgent(ctx, accountId, agentId);
    const before = await assignmentOf(ctx, agentId, toolSlug);
    await unassignTool(ctx, agent, toolSlug, ctx.user._id);
    await auditAssignment(ctx, accountId, agentId, toolSlug, "tool.unassign", before);
    return null;
  },
});
