/**
 * Agent versions: every edit of an agent's definition (prompt, model,
 * capability, tools) bumps `agents.version` and writes an immutable
 * `agentVersions` row in the same transaction, so a run that records the
 * version it ran with can show exactly that later.
 *
 * The runtime calls `currentVersion` / `snapshotOf` (plain functions taking
 * `ctx`, usable in any query or mutation).
 */
import { pick } from "convex-helpers";
import { v, type Infer } from "convex/values";
import type { Doc, Id } from "../_generated/dataModel";
import type { MutationCtx, QueryCtx } from "../_generated/server";
import { agentTables } from "./schema";
import { LIMITS, type CapabilityLevel, type VersionTool } from "./validators";

/** A version as stored (agents/schema.ts; `modelId` absent = the deployment's default model at run time). */
export const vAgentSnapshot = v.object(
  pick(agentTables.agentVersions.validator.fields, ["agentId", "version", "name", "description", "instructions", "modelId", "capabilityLevel", "tools", "createdAt"]),
);
export type AgentSnapshot = Infer<typeof vAgentSnapshot>;

/** Older rows carry no capability level: they are not capped. */
export function capabilityOf(agent: Pick<Doc<"agents">, "capabilityLevel">): CapabilityLevel {
  return agent.capabilityLevel ?? "admin";
}

/** The agent's tool assignments (bounded: an agent has at most `LIMITS.toolsPerAgent`). */
export async function assignmentsOf(ctx: QueryCtx, agentId: Id<"agents">): Promise<Doc<"toolAssignments">[]> {
  return await ctx.db
    .query("toolAssignments")
    .withIndex("by_agentId_toolSlug", (q) => q.eq("agentId", agentId))
    .take(LIMITS.toolsPerAgent);
}

function versionTools(assignments: Doc<"toolAssignments">[]): VersionTool[] {
  return assignments.map((a) => ({
    toolSlug: a.toolSlug,
    permission: a.permission,
    needsApproval: a.needsApproval,
    ...(a.delegateToAgentId ? { delegateToAgentId: a.delegateToAgentId } : {}),
    ...(a.restrictions?.allowedToolSlugs ? { allowedToolSlugs: a.restrictions.allowedToolSlugs } : {}),
  }));
}

function liveSnapshot(agent: Doc<"agents">, assignments: Doc<"toolAssignments">[]): AgentSnapshot {
  return {
    agentId: agent._id,
    version: agent.version,
    name: agent.name,
    description: agent.description,
    instructions: agent.instructions,
    ...(agent.modelId !== undefined ? { modelId: agent.modelId } : {}),
    capabilityLevel: capabilityOf(agent),
    tools: versionTools(assignments),
    createdAt: agent.updatedAt ?? agent._creationTime,
  };
}

function snapshotFromRow(row: Doc<"agentVersions">): AgentSnapshot {
  return {
    agentId: row.agentId,
    version: row.version,
    name: row.name,
    description: row.description,
    instructions: row.instructions,
    ...(row.modelId !== undefined ? { modelId: row.modelId } : {}),
    capabilityLevel: row.capabilityLevel,
    tools: row.tools,
    createdAt: row.createdAt,
  };
}

async function versionRow(ctx: QueryCtx, agentId: Id<"agents">, version: number) {
  return await ctx.db
    .query("agentVersions")
    .withIndex("by_agentId_version", (q) => q.eq("agentId", agentId).eq("version", version))
    .unique();
}

/** Write the snapshot of the agent's current version (call after the edit, in the same transaction). */
export async function recordVersion(ctx: MutationCtx, agentId: Id<"agents">, editedBy?: Id<"userProfiles">): Promise<void> {
  const agent = (await ctx.db.get("agents", agentId))!;
  const snapshot = liveSnapshot(agent, await assignmentsOf(ctx, agentId));
  const row = {
    accountId: agent.accountId,
    agentId,
    version: snapshot.version,
    name: snapshot.name,
    description: snapshot.description,
    instructions: snapshot.instructions,
    ...(snapshot.modelId !== undefined ? { modelId: snapshot.modelId } : {}),
    capabilityLevel: snapshot.capabilityLevel,
    tools: snapshot.tools,
    createdAt: Date.now(),
    ...(editedBy ? { editedBy } : {}),
  };
  const existing = await versionRow(ctx, agentId, snapshot.version);
  // Only reachable when one transaction edits twice before recording: the last state wins.
  if (existing) await ctx.db.replace("agentVersions", existing._id, row);
  else await ctx.db.insert("agentVersions", row);
}

/** Apply `patch` to the agent as a new version and record its snapshot. */
export async function commitEdit(
  ctx: MutationCtx,
  agent: Doc<"agents">,
  patch: Partial<Pick<Doc<"agents">, "name" | "description" | "instructions" | "modelId" | "capabilityLevel" | "accentColor" | "channels">>,
  editedBy?: Id<"userProfiles">,
): Promise<Doc<"agents">> {
  // Re-read: the caller's copy may predate other writes of this transaction.
  const current = (await ctx.db.get("agents", agent._id))!;
  await ctx.db.patch("agents", agent._id, { ...patch, version: current.version + 1, updatedAt: Date.now() });
  await recordVersion(ctx, agent._id, editedBy);
  return (await ctx.db.get("agents", agent._id))!;
}

/** The version number a run should record (null: no such agent). */
export async function currentVersion(ctx: QueryCtx, agentId: Id<"agents">): Promise<number | null> {
  const agent = await ctx.db.get("agents", agentId);
  return agent?.version ?? null;
}

/**
 * What the agent is (or was, at `version`): name, prompt, model, capability
 * and tool assignments. For the current version of an agent written before
 * versions existed, the live definition. Null when unknown.
 */
export async function snapshotOf(ctx: QueryCtx, agentId: Id<"agents">, version?: number): Promise<AgentSnapshot | null> {
  const agent = await ctx.db.get("agents", agentId);
  if (agent === null) return null;
  const wanted = version ?? agent.version;
  const row = await versionRow(ctx, agentId, wanted);
  if (row) return snapshotFromRow(row);
  if (wanted === agent.version) return liveSnapshot(agent, await assignmentsOf(ctx, agentId));
  return null;
}

/** The agent's versions, newest first, a page at a time (for the builder's history). */
export function versionsQuery(ctx: QueryCtx, agentId: Id<"agents">) {
  return ctx.db
    .query("agentVersions")
    .withIndex("by_agentId_version", (q) => q.eq("agentId", agentId))
    .order("desc");
}

export { snapshotFromRow };
