/**
 * Agents, as the agent builder and the chat see them.
 *
 * Roles: every member (readonly, member, admin) can read agents, their
 * versions and tools; only account admins create, edit, pause, resume and
 * archive them (agents are shared by the whole account and spend its budget).
 *
 * `version` tracks the definition (name, description, prompt, model,
 * capability level, accent colour, tools): every such edit bumps it and
 * keeps an immutable snapshot. Status changes (pause / resume) do not:
 * they change whether the agent runs, not what it is. The slug is fixed
 * once created (tools, delegations and manifests refer to it).
 */
import { pick } from "convex-helpers";
import { paginationOptsValidator, paginationResultValidator } from "convex/server";
import { v } from "convex/values";
import { internal } from "../_generated/api";
import type { Doc, Id } from "../_generated/dataModel";
import type { QueryCtx } from "../_generated/server";
import { fail } from "../lib/errors";
import { accountMutation, accountQuery } from "../lib/functions";
import { connectionModelLabel, connectionNames, type ConnectionNames } from "../models/connectionStore";
import { defaultModelId, resolveModel } from "../models/registry";
import { findAccountTool } from "../tools/catalogue";
import { permits, vPermission, vToolKind } from "../tools/validators";
import { archiveAgent, editAgent, insertAgent, loadAgent, loadEditableAgent } from "./builder";
import { agentTables } from "./schema";
import { vCapabilityLevel } from "./validators";
import { publicViews, vPublicView } from "./views";
import { assignmentsOf, capabilityOf, recordVersion, snapshotFromRow, snapshotOf, vAgentSnapshot, versionsQuery } from "./versions";
import { releaseHeld } from "../ops/hold";
import { auditChange, spaActor } from "../audit/changes";
import { availableAgents, requireAvailableAgent } from "../teams/availability";

export const vPublicAgent = v.object({
  agentId: v.id("agents"),
  /** As the agent row has them (agents/schema.ts); `channels` absent = every channel. */
  ...pick(agentTables.agents.validator.fields, ["name", "slug", "description", "status", "accentColor", "templateSlug", "channels", "version"]),
  /** The model it runs on: its own, else the deployment's default. */
  modelId: v.string(),
  /** What the UI shows for the model, decided by the backend. */
  modelLabel: v.string(),
  /** false when the agent names no model and runs on the deployment's default. */
  hasOwnModel: v.boolean(),
  capabilityLevel: vCapabilityLevel,
  /** An external agent's endpoint: its turns are answered there, not by the model. */
  externalEndpointUrl: v.optional(v.string()),
});

/**
 * An agent as the builder and the chat show it. `connections` (the account's
 * connection names: `connectionNames`) labels a connection's model
 * ("gpt-4o-mini via OpenRouter", or "(connection removed)"); without it the
 * label names the connection by its slug. No provider is called.
 */
export function publicAgent(agent: Doc<"agents">, connections?: ConnectionNames) {
  const modelId = agent.modelId ?? defaultModelId();
  let modelLabel: string;
  try {
    modelLabel = connectionModelLabel(modelId, connections) ?? resolveModel(modelId).label;
  } catch {
    modelLabel = `${modelId} (not available on this deployment)`;
  }
  return {
    agentId: agent._id,
    name: agent.name,
    slug: agent.slug,
    description: agent.description,
    status: agent.status,
    modelId,
    modelLabel,
    ...(agent.accentColor ? { accentColor: agent.accentColor } : {}),
    hasOwnModel: agent.modelId !== undefined,
    capabilityLevel: capabilityOf(agent),
    ...(agent.templateSlug ? { templateSlug: agent.templateSlug } : {}),
    ...(agent.external ? { externalEndpointUrl: agent.external.endpointUrl } : {}),
    ...(agent.channels !== undefined ? { channels: agent.channels } : {}),
    version: agent.version,
  };
}

export const vPublicAssignment = v.object({
  ...pick(agentTables.toolAssignments.validator.fields, ["toolSlug", "permission", "needsApproval"]),
  /** null: the tool no longer exists. */
  toolKind: v.union(vToolKind, v.null()),
  toolName: v.union(v.string(), v.null()),
  trustLevel: v.union(vPermission, v.null()),
  /** Whether the agent can call it now: the tool exists, is active, and the permission covers its trust level. */
  usable: v.boolean(),
  /** Delegations: the agent it delegates to, and which of that agent's tools it may use. */
  delegateToAgentId: v.optional(v.id("agents")),
  allowedToolSlugs: v.optional(v.array(v.string())),
});

export async function publicAssignments(ctx: QueryCtx, agent: Doc<"agents">) {
  const assignments = await assignmentsOf(ctx, agent._id);
  return await Promise.all(
    assignments.map(async (a) => {
      const tool = await findAccountTool(ctx, agent.accountId, a.toolSlug);
      return {
        toolSlug: a.toolSlug,
        permission: a.permission,
        needsApproval: a.needsApproval,
        toolKind: tool?.kind ?? null,
        toolName: tool?.name ?? null,
        trustLevel: tool?.trustLevel ?? null,
        usable: tool !== null && tool.status === "active" && permits(a.permission, tool.trustLevel),
        ...(a.delegateToAgentId ? { delegateToAgentId: a.delegateToAgentId } : {}),
        ...(a.restrictions?.allowedToolSlugs ? { allowedToolSlugs: a.restrictions.allowedToolSlugs } : {}),
      };
    }),
  );
}

export const vAgentDetail = v.object({
  ...vPublicAgent.fields,
  instructions: v.string(),
  tools: v.array(vPublicAssignment),
});

async function detail(ctx: QueryCtx, agent: Doc<"agents">) {
  return { ...(await agentView(ctx, agent)), instructions: agent.instructions, tools: await publicAssignments(ctx, agent) };
}

/** `publicAgent` with its account's connection names loaded (for a connection model's label). */
export async function agentView(ctx: QueryCtx, agent: Doc<"agents">) {
  return publicAgent(agent, await connectionNames(ctx, agent.accountId));
}

const MAX_AGENTS = 100;

/** The account's agents, by slug; archived ones only when asked. */
export const list = accountQuery({
  args: { includeArchived: v.optional(v.boolean()) },
  returns: v.array(vPublicAgent),
  handler: async (ctx, { accountId, includeArchived }) => {
    const agents = await ctx.db
      .query("agents")
      .withIndex("by_accountId_slug", (q) => q.eq("accountId", accountId))
      .take(MAX_AGENTS);
    const names = await connectionNames(ctx, accountId);
    const listed = agents.filter((a) => includeArchived === true || a.status !== "archived");
    // Agents made available to other teams or people only are not listed (teams/availability.ts).
    const viewer = { accountId, userId: ctx.user._id, role: ctx.membership.role };
    return (await availableAgents(ctx, viewer, listed)).map((a) => publicAgent(a, names));
  },
});

/** An agent of the account the caller may use; one available to others only is `not_found`. */
async function visibleAgent(ctx: QueryCtx & { user: Doc<"userProfiles">; membership: Doc<"memberships"> }, accountId: Id<"accounts">, agentId: Id<"agents">) {
  const agent = await loadAgent(ctx, accountId, agentId);
  await requireAvailableAgent(ctx, agent, ctx.user._id, ctx.membership.role);
  return agent;
}

/** One agent with its prompt and tools. */
export const get = accountQuery({
  args: { agentId: v.id("agents") },
  returns: vAgentDetail,
  handler: async (ctx, { accountId, agentId }) => await detail(ctx, await visibleAgent(ctx, accountId, agentId)),
});

/** The agent's views (tabs of its page), checked: unknown or broken ones come back as "unsupported" with the reason. */
export const getViews = accountQuery({
  args: { agentId: v.id("agents") },
  returns: v.array(vPublicView),
  handler: async (ctx, { accountId, agentId }) => publicViews((await visibleAgent(ctx, accountId, agentId)).views),
});

export const create = accountMutation({
  minRole: "admin",
  args: {
    name: v.string(),
    slug: v.string(),
    description: v.optional(v.string()),
    instructions: v.string(),
    /** Absent: the deployment's default model. */
    modelId: v.optional(v.string()),
    /** Default write. */
    capabilityLevel: v.optional(vCapabilityLevel),
    accentColor: v.optional(v.string()),
  },
  returns: vAgentDetail,
  handler: async (ctx, { accountId, ...fields }) => {
    const agent = await insertAgent(ctx, accountId, fields);
    await recordVersion(ctx, agent._id, ctx.user._id);
    await auditChange(ctx, spaActor(ctx), { accountId, action: "agent.create", targetKind: "agent", targetId: agent._id, before: null, after: agent });
    return await detail(ctx, agent);
  },
});

/** Edit the definition; each change is a new version. `null` clears the model (deployment default) or the colour. */
export const update = accountMutation({
  minRole: "admin",
  args: {
    agentId: v.id("agents"),
    name: v.optional(v.string()),
    description: v.optional(v.string()),
    instructions: v.optional(v.string()),
    modelId: v.optional(v.union(v.string(), v.null())),
    capabilityLevel: v.optional(vCapabilityLevel),
    accentColor: v.optional(v.union(v.string(), v.null())),
    /** Where it answers: some of app, api, telegram, email; [] = every channel. */
    channels: v.optional(v.array(v.string())),
  },
  returns: vAgentDetail,
  handler: async (ctx, { accountId, agentId, ...edit }) => {
    const agent = await loadEditableAgent(ctx, accountId, agentId);
    const edited = await editAgent(ctx, agent, edit, ctx.user._id);
    await auditChange(ctx, spaActor(ctx), { accountId, action: "agent.update", targetKind: "agent", targetId: agentId, before: agent, after: edited });
    return await detail(ctx, edited);
  },
});

/** Stop an agent from taking new messages (its threads stay readable). */
export const pause = accountMutation({
  minRole: "admin",
  args: { agentId: v.id("agents") },
  returns: vPublicAgent,
  handler: async (ctx, { accountId, agentId }) => {
    const agent = await loadEditableAgent(ctx, accountId, agentId);
    if (agent.status !== "paused") await ctx.db.patch("agents", agentId, { status: "paused", updatedAt: Date.now() });
    // Kill switch: no new turns (send refuses a paused agent) and its pending jobs are cancelled —
    // in this transaction, by reference (jobs are a layer above agents: README, "Layers of convex/").
    await ctx.runMutation(internal.jobs.platform.cancelForAgent, { agentId });
    const paused = (await ctx.db.get("agents", agentId))!;
    await auditChange(ctx, spaActor(ctx), { accountId, action: "agent.pause", targetKind: "agent", targetId: agentId, before: agent, after: paused });
    return await agentView(ctx, paused);
  },
});

export const resume = accountMutation({
  minRole: "admin",
  args: { agentId: v.id("agents") },
  returns: vPublicAgent,
  handler: async (ctx, { accountId, agentId }) => {
    const agent = await loadEditableAgent(ctx, accountId, agentId);
    if (agent.status !== "active") await ctx.db.patch("agents", agentId, { status: "active", updatedAt: Date.now() });
    // Its turns held at a step boundary by the pause continue (ops/hold.ts).
    await releaseHeld(ctx, agentId);
    const resumed = (await ctx.db.get("agents", agentId))!;
    await auditChange(ctx, spaActor(ctx), { accountId, action: "agent.resume", targetKind: "agent", targetId: agentId, before: agent, after: resumed });
    return await agentView(ctx, resumed);
  },
});

/**
 * Archive an agent (final): hidden from lists and chats; its delegations are
 * removed both ways and its agent tool disabled. Its slug stays taken.
 */
export const archive = accountMutation({
  minRole: "admin",
  args: { agentId: v.id("agents") },
  returns: vPublicAgent,
  handler: async (ctx, { accountId, agentId }) => {
    const agent = await loadAgent(ctx, accountId, agentId);
    if (agent.status === "archived") return await agentView(ctx, agent);
    const archived = await archiveAgent(ctx, agent, ctx.user._id);
    await auditChange(ctx, spaActor(ctx), { accountId, action: "agent.archive", targetKind: "agent", targetId: agentId, before: agent, after: archived });
    return await agentView(ctx, archived);
  },
});

/** The agent's versions, newest first. */
export const versions = accountQuery({
  args: { agentId: v.id("agents"), paginationOpts: paginationOptsValidator },
  returns: paginationResultValidator(vAgentSnapshot),
  handler: async (ctx, { accountId, agentId, paginationOpts }) => {
    await visibleAgent(ctx, accountId, agentId);
    const page = await versionsQuery(ctx, agentId).paginate(paginationOpts);
    return { ...page, page: page.page.map(snapshotFromRow) };
  },
});

/** What the agent was at `version` (what a run that recorded it ran with). */
export const getVersion = accountQuery({
  args: { agentId: v.id("agents"), version: v.number() },
  returns: vAgentSnapshot,
  handler: async (ctx, { accountId, agentId, version }) => {
    await visibleAgent(ctx, accountId, agentId);
    const snapshot = await snapshotOf(ctx, agentId, version);
    if (snapshot === null) fail("not_found", `Version ${version} of this agent is not recorded.`);
    return snapshot;
  },
});
