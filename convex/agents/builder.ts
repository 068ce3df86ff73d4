/**
 * The agent builder's rules, as plain functions taking `ctx`: creating and
 * editing agents, assigning tools, composing delegations. The public
 * functions (agents.ts, delegations.ts, ../tools/assignments.ts), template
 * instantiation and manifest import all go through these, so every path
 * checks the same things and records a version the same way.
 */
import { ConvexError } from "convex/values";
import type { Doc, Id } from "../_generated/dataModel";
import type { MutationCtx, QueryCtx } from "../_generated/server";
import { fail, isHarnessError, type HarnessErrorData } from "../lib/errors";
import { connectionConfig } from "../models/connectionStore";
import { parseConnectionModelId, resolveModel } from "../models/registry";
import { ensureAgentTool, findAccountTool, infoOf, type ToolInfo } from "../tools/catalogue";
import { permits, type Permission } from "../tools/validators";
import { checkComposition, describeRefusal, refusedChain } from "./graph";
import type { StoredView } from "./views";
import { checkChannels, type Channel } from "./channels";
import {
  accentColorProblem,
  check,
  descriptionProblem,
  instructionsProblem,
  LIMITS,
  nameProblem,
  slugProblem,
  type CapabilityLevel,
} from "./validators";
import { assignmentsOf, capabilityOf, commitEdit, recordVersion } from "./versions";

/** Most delegation edges an account may have (the graph is read whole to check a composition). */
export const MAX_DELEGATIONS = 500;

// --- agents -----------------------------------------------------------------

/** The account's agent, or `not_found` (another account's agent looks exactly like a missing one). */
export async function loadAgent(ctx: QueryCtx, accountId: Id<"accounts">, agentId: Id<"agents">): Promise<Doc<"agents">> {
  const agent = await ctx.db.get("agents", agentId);
  if (agent === null || agent.accountId !== accountId) fail("not_found", "Agent not found.");
  return agent;
}

/** As `loadAgent`, refusing archived agents (`conflict`): they are read-only. */
export async function loadEditableAgent(ctx: QueryCtx, accountId: Id<"accounts">, agentId: Id<"agents">): Promise<Doc<"agents">> {
  const agent = await loadAgent(ctx, accountId, agentId);
  if (agent.status === "archived") fail("conflict", `${agent.name} is archived; archived agents cannot be changed.`);
  return agent;
}

export async function agentBySlug(ctx: QueryCtx, accountId: Id<"accounts">, slug: string): Promise<Doc<"agents"> | null> {
  return await ctx.db
    .query("agents")
    .withIndex("by_accountId_slug", (q) => q.eq("accountId", accountId).eq("slug", slug))
    .unique();
}

/**
 * The canonical id to store for `modelId` (undefined = the deployment's
 * default), or `bad_request` when no configured provider serves it.
 * `field` is the refusal's field (e.g. "execution.model"); `label` prefixes
 * its message (the field, unless the caller says more).
 */
export function canonicalModelId(modelId: string | undefined, field = "modelId", label = field): string | undefined {
  if (modelId === undefined || modelId.trim() === "") return undefined;
  try {
    return resolveModel(modelId).modelId;
  } catch (error) {
    if (isHarnessError(error)) fail("bad_request", `${label}: ${error.data.message}`, { field });
    throw error;
  }
}

/**
 * As `canonicalModelId`, for an account: a connection's model id
 * (`@<slug>/<model>`) is valid while the account has that connection
 * (Settings → Models); every other id is checked against the deployment.
 */
export async function accountModelId(
  ctx: QueryCtx,
  accountId: Id<"accounts">,
  modelId: string | undefined,
  field = "modelId",
  label = field,
): Promise<string | undefined> {
  if (modelId === undefined || modelId.trim() === "" || !modelId.trim().startsWith("@")) return canonicalModelId(modelId, field, label);
  const parsed = parseConnectionModelId(modelId);
  try {
    const connection = parsed === undefined ? undefined : ((await connectionConfig(ctx, accountId, parsed.slug)) ?? undefined);
    return resolveModel(modelId, connection === undefined ? {} : { connection }).modelId;
  } catch (error) {
    if (isHarnessError(error)) fail("bad_request", `${label}: ${error.data.message}`, { field });
    throw error;
  }
}

export type NewAgent = {
  name: string;
  slug: string;
  description?: string;
  instructions: string;
  modelId?: string;
  capabilityLevel?: CapabilityLevel;
  accentColor?: string;
  templateSlug?: string;
  /** An external agent: answered by its endpoint (manifest `execution.type: "external"`). */
  external?: { endpointUrl: string; timeoutSeconds?: number };
  /** How the app shows it (views.ts), already checked; absent = a conversation only. */
  views?: StoredView[];
  /** Where it answers (channels.ts); absent = every channel. */
  channels?: Channel[];
};

/** Check a new agent's fields (throws `bad_request` naming the field). */
export function validateNewAgent(fields: NewAgent, names: Partial<Record<keyof NewAgent, string>> = {}): void {
  check(names.name ?? "name", nameProblem(fields.name));
  check(names.slug ?? "slug", slugProblem(fields.slug));
  check(names.description ?? "description", descriptionProblem(fields.description ?? ""));
  check(names.instructions ?? "instructions", instructionsProblem(fields.instructions));
  if (fields.accentColor !== undefined) check(names.accentColor ?? "accentColor", accentColorProblem(fields.accentColor));
}

/** Refuse a slug already used in the account (archived agents keep theirs) or an account at its agent limit. */
export async function assertCanCreate(ctx: QueryCtx, accountId: Id<"accounts">, slug: string): Promise<void> {
  if (await agentBySlug(ctx, accountId, slug)) fail("conflict", `An agent with the slug "${slug}" already exists in this account.`, { field: "slug" });
  const agents = await ctx.db
    .query("agents")
    .withIndex("by_accountId_slug", (q) => q.eq("accountId", accountId))
    .take(LIMITS.agentsPerAccount);
  if (agents.length >= LIMITS.agentsPerAccount) fail("conflict", `An account can have at most ${LIMITS.agentsPerAccount} agents.`);
}

/**
 * Insert an agent at version 1. Does not record the version: callers add
 * its tools first, then call `recordVersion` once.
 */
export async function insertAgent(ctx: MutationCtx, accountId: Id<"accounts">, fields: NewAgent): Promise<Doc<"agents">> {
  validateNewAgent(fields);
  const modelId = await accountModelId(ctx, accountId, fields.modelId);
  await assertCanCreate(ctx, accountId, fields.slug);
  const agentId = await ctx.db.insert("agents", {
    accountId,
    name: fields.name.trim(),
    slug: fields.slug,
    description: (fields.description ?? "").trim(),
    instructions: fields.instructions.trim(),
    ...(modelId !== undefined ? { modelId } : {}),
    status: "active",
    ...(fields.accentColor !== undefined ? { accentColor: fields.accentColor } : {}),
    capabilityLevel: fields.capabilityLevel ?? "write",
    ...(fields.templateSlug !== undefined ? { templateSlug: fields.templateSlug } : {}),
    ...(fields.external !== undefined ? { external: fields.external } : {}),
    ...(fields.views !== undefined ? { views: fields.views } : {}),
    ...(fields.channels !== undefined ? { channels: fields.channels } : {}),
    version: 1,
    updatedAt: Date.now(),
  });
  return (await ctx.db.get("agents", agentId))!;
}

export type AgentEdit = {
  name?: string;
  description?: string;
  instructions?: string;
  /** null: back to the deployment's default. */
  modelId?: string | null;
  capabilityLevel?: CapabilityLevel;
  /** null: no accent colour. */
  accentColor?: string | null;
  /** Where it answers; [] = every channel. */
  channels?: string[];
};

/** Edit an agent's definition: a new version with its snapshot. No change, no new version. */
export async function editAgent(ctx: MutationCtx, agent: Doc<"agents">, edit: AgentEdit, editedBy?: Id<"userProfiles">): Promise<Doc<"agents">> {
  const patch: Parameters<typeof commitEdit>[2] = {};
  if (edit.name !== undefined) {
    check("name", nameProblem(edit.name));
    if (edit.name.trim() !== agent.name) patch.name = edit.name.trim();
  }
  if (edit.description !== undefined) {
    check("description", descriptionProblem(edit.description));
    if (edit.description.trim() !== agent.description) patch.description = edit.description.trim();
  }
  if (edit.instructions !== undefined) {
    check("instructions", instructionsProblem(edit.instructions));
    if (edit.instructions.trim() !== agent.instructions) patch.instructions = edit.instructions.trim();
  }
  if (edit.modelId !== undefined) {
    const modelId = await accountModelId(ctx, agent.accountId, edit.modelId ?? undefined);
    if (modelId !== agent.modelId) patch.modelId = modelId;
  }
  if (edit.accentColor !== undefined) {
    if (edit.accentColor !== null) check("accentColor", accentColorProblem(edit.accentColor));
    const color = edit.accentColor ?? undefined;
    if (color !== agent.accentColor) patch.accentColor = color;
  }
  if (edit.capabilityLevel !== undefined && edit.capabilityLevel !== capabilityOf(agent)) {
    const over = (await assignmentsOf(ctx, agent._id)).filter((a) => !permits(edit.capabilityLevel!, a.permission));
    if (over.length > 0) {
      fail(
        "conflict",
        `${agent.name} has assignments above ${edit.capabilityLevel} (${over.map((a) => `${a.toolSlug}: ${a.permission}`).join(", ")}); lower or remove them first.`,
        { field: "capabilityLevel" },
      );
    }
    patch.capabilityLevel = edit.capabilityLevel;
  }
  if (edit.channels !== undefined) {
    const channels = checkChannels(edit.channels);
    if (JSON.stringify(channels ?? []) !== JSON.stringify(agent.channels ?? [])) patch.channels = channels;
  }
  if (Object.keys(patch).length === 0) return agent;
  return await commitEdit(ctx, agent, patch, editedBy);
}

// --- tool assignments ---------------------------------------------------------

export async function assignmentOf(ctx: QueryCtx, agentId: Id<"agents">, toolSlug: string) {
  return await ctx.db
    .query("toolAssignments")
    .withIndex("by_agentId_toolSlug", (q) => q.eq("agentId", agentId).eq("toolSlug", toolSlug))
    .unique();
}

/** Refuse a permission below the tool's trust level, or above the agent's capability level (`bad_request`). */
export function assertPermission(agent: Pick<Doc<"agents">, "name" | "capabilityLevel">, tool: ToolInfo, permission: Permission): void {
  if (!permits(permission, tool.trustLevel)) {
    fail(
      "bad_request",
      `${tool.slug} is a ${tool.trustLevel}-level tool: an assignment with ${permission} permission cannot call it. Assign it with ${tool.trustLevel} permission or higher.`,
      { field: "permission" },
    );
  }
  const capability = capabilityOf(agent);
  if (!permits(capability, permission)) {
    fail(
      "bad_request",
      `${agent.name}'s capability level is ${capability}: it cannot hold an assignment with ${permission} permission.`,
      { field: "permission" },
    );
  }
}

async function assertRoomForTool(ctx: QueryCtx, agent: Doc<"agents">) {
  if ((await assignmentsOf(ctx, agent._id)).length >= LIMITS.toolsPerAgent) {
    fail("conflict", `An agent can have at most ${LIMITS.toolsPerAgent} tools.`);
  }
}

/** The tool `slug` as the agent's account sees it, or `not_found`. */
export async function requireTool(ctx: QueryCtx, accountId: Id<"accounts">, slug: string): Promise<ToolInfo> {
  const tool = await findAccountTool(ctx, accountId, slug);
  if (tool === null) fail("not_found", `No tool "${slug}" in this account.`);
  return tool;
}

export type AssignOptions = { permission?: Permission; needsApproval?: boolean };

/**
 * Give a (non-agent) tool to an agent. `permission` defaults to the tool's
 * trust level; `needsApproval` to true for write- and admin-level tools.
 * `record: false` leaves the version to the caller (instantiation, import).
 */
export async function assignTool(
  ctx: MutationCtx,
  agent: Doc<"agents">,
  tool: ToolInfo,
  options: AssignOptions,
  editedBy?: Id<"userProfiles">,
  record = true,
): Promise<Doc<"toolAssignments">> {
  if (tool.kind === "agent") fail("bad_request", `${tool.slug} delegates to another agent; compose the delegation instead.`);
  if (tool.status !== "active") fail("conflict", `The tool ${tool.slug} is disabled.`);
  if (await assignmentOf(ctx, agent._id, tool.slug)) {
    fail("conflict", `${agent.name} already has ${tool.slug}; update the assignment instead.`);
  }
  await assertRoomForTool(ctx, agent);
  const permission = options.permission ?? tool.trustLevel;
  assertPermission(agent, tool, permission);
  const assignmentId = await ctx.db.insert("toolAssignments", {
    agentId: agent._id,
    toolSlug: tool.slug,
    permission,
    needsApproval: options.needsApproval ?? tool.trustLevel !== "read",
  });
  if (record) await commitEdit(ctx, agent, {}, editedBy);
  return (await ctx.db.get("toolAssignments", assignmentId))!;
}

/** Check a composition's `allowedToolSlugs` against the delegate's tools; returns them deduplicated. */
async function validatedAllowedTools(ctx: QueryCtx, to: Doc<"agents">, allowed: string[] | undefined): Promise<string[] | undefined> {
  if (allowed === undefined) return undefined;
  const has = new Set((await assignmentsOf(ctx, to._id)).map((a) => a.toolSlug));
  allowed.forEach((slug, i) => {
    if (!has.has(slug)) fail("bad_request", `allowedToolSlugs[${i}]: ${to.name} has no tool "${slug}".`, { field: `allowedToolSlugs[${i}]` });
  });
  return [...new Set(allowed)];
}

/** Change an assignment's permission, approval, or (delegations) restrictions. */
export async function updateAssignment(
  ctx: MutationCtx,
  agent: Doc<"agents">,
  toolSlug: string,
  options: AssignOptions & { allowedToolSlugs?: string[] | null },
  editedBy?: Id<"userProfiles">,
): Promise<Doc<"toolAssignments">> {
  const assignment = await assignmentOf(ctx, agent._id, toolSlug);
  if (assignment === null) fail("not_found", `${agent.name} has no tool "${toolSlug}".`);
  const tool = await requireTool(ctx, agent.accountId, toolSlug);
  const patch: Partial<Doc<"toolAssignments">> = {};
  if (options.permission !== undefined && options.permission !== assignment.permission) {
    assertPermission(agent, tool, options.permission);
    patch.permission = options.permission;
  }
  if (options.needsApproval !== undefined && options.needsApproval !== assignment.needsApproval) patch.needsApproval = options.needsApproval;
  if (options.allowedToolSlugs !== undefined) {
    if (assignment.delegateToAgentId === undefined) {
      fail("bad_request", "allowedToolSlugs applies only to delegations (agent tools).", { field: "allowedToolSlugs" });
    }
    const to = await loadAgent(ctx, agent.accountId, assignment.delegateToAgentId);
    const allowed = await validatedAllowedTools(ctx, to, options.allowedToolSlugs ?? undefined);
    patch.restrictions = allowed === undefined ? undefined : { allowedToolSlugs: allowed };
  }
  if (Object.keys(patch).length === 0) return assignment;
  await ctx.db.patch("toolAssignments", assignment._id, patch);
  await commitEdit(ctx, agent, {}, editedBy);
  return (await ctx.db.get("toolAssignments", assignment._id))!;
}

/** Take a tool away from an agent (a delegation: decompose it). */
export async function unassignTool(ctx: MutationCtx, agent: Doc<"agents">, toolSlug: string, editedBy?: Id<"userProfiles">): Promise<void> {
  const assignment = await assignmentOf(ctx, agent._id, toolSlug);
  if (assignment === null) fail("not_found", `${agent.name} has no tool "${toolSlug}".`);
  if (assignment.delegateToAgentId !== undefined) {
    const edge = await edgeOf(ctx, agent.accountId, agent._id, assignment.delegateToAgentId);
    if (edge) await ctx.db.delete("delegations", edge._id);
  }
  await ctx.db.delete("toolAssignments", assignment._id);
  await commitEdit(ctx, agent, {}, editedBy);
}

// --- delegation compositions ------------------------------------------------------

export async function edgeOf(ctx: QueryCtx, accountId: Id<"accounts">, fromAgentId: Id<"agents">, toAgentId: Id<"agents">) {
  return await ctx.db
    .query("delegations")
    .withIndex("by_accountId_fromAgentId_toAgentId", (q) =>
      q.eq("accountId", accountId).eq("fromAgentId", fromAgentId).eq("toAgentId", toAgentId),
    )
    .unique();
}

/** Every delegation edge of the account (bounded by `MAX_DELEGATIONS`). */
export async function accountEdges(ctx: QueryCtx, accountId: Id<"accounts">): Promise<Doc<"delegations">[]> {
  return await ctx.db
    .query("delegations")
    .withIndex("by_accountId_fromAgentId_toAgentId", (q) => q.eq("accountId", accountId))
    .take(MAX_DELEGATIONS);
}

/** Names for the agents in `ids`, for messages (unknown ids show as "an unknown agent"). */
export async function agentNames(ctx: QueryCtx, ids: readonly Id<"agents">[]): Promise<(id: Id<"agents">) => string> {
  const names = new Map<Id<"agents">, string>();
  for (const id of new Set(ids)) {
    const agent = await ctx.db.get("agents", id);
    names.set(id, agent?.name ?? "an unknown agent");
  }
  return (id) => names.get(id) ?? "an unknown agent";
}

export type ComposeOptions = {
  /** Which of the delegate's tools it may use in this composition (absent = all it has). */
  allowedToolSlugs?: string[];
  /**
   * The authority lent to the delegate: it may use only tools whose trust
   * level this permission covers while working for `from`. Default read.
   */
  permission?: Permission;
  /** Ask the thread's user before each delegation. Default false. */
  needsApproval?: boolean;
};

/**
 * "`from` may delegate to `to`": creates or reuses `to`'s agent-type tool
 * and assigns it to `from`, after refusing (`conflict`, naming the agents) a
 * cycle or a chain longer than the account's `maxDelegationDepth`.
 * Composing an existing delegation again updates its options.
 */
export async function composeDelegation(
  ctx: MutationCtx,
  account: Doc<"accounts">,
  from: Doc<"agents">,
  to: Doc<"agents">,
  options: ComposeOptions,
  editedBy?: Id<"userProfiles">,
  record = true,
): Promise<{ toolSlug: string; created: boolean }> {
  if (from.accountId !== account._id || to.accountId !== account._id) fail("not_found", "Agent not found.");
  for (const agent of [from, to]) {
    if (agent.status === "archived") fail("conflict", `${agent.name} is archived; archived agents cannot be composed.`);
  }
  const existing = await edgeOf(ctx, account._id, from._id, to._id);
  if (existing) {
    const { allowedToolSlugs, ...rest } = options;
    await updateAssignment(ctx, from, existing.toolSlug, { ...rest, ...(allowedToolSlugs !== undefined ? { allowedToolSlugs } : {}) }, editedBy);
    return { toolSlug: existing.toolSlug, created: false };
  }

  const edges = await accountEdges(ctx, account._id);
  if (edges.length >= MAX_DELEGATIONS) fail("conflict", `An account can have at most ${MAX_DELEGATIONS} delegations.`);
  const checked = checkComposition(
    edges.map((e) => ({ from: e.fromAgentId, to: e.toAgentId })),
    from._id,
    to._id,
    account.maxDelegationDepth,
  );
  if (!checked.ok) {
    const nameOf = await agentNames(ctx, checked.reason === "cycle" ? checked.cycle : checked.chain);
    fail("conflict", describeRefusal(checked, nameOf, account.maxDelegationDepth), { chain: refusedChain(checked, nameOf) });
  }

  const tool = await ensureAgentTool(ctx, to);
  if (tool.status !== "active") fail("conflict", `The tool ${tool.slug} is disabled; enable it to compose delegations to ${to.name}.`);
  const allowed = await validatedAllowedTools(ctx, to, options.allowedToolSlugs);
  const permission = options.permission ?? "read";
  assertPermission(from, infoOf(tool), permission);
  await assertRoomForTool(ctx, from);
  const stale = await assignmentOf(ctx, from._id, tool.slug);
  if (stale) await ctx.db.delete("toolAssignments", stale._id);
  await ctx.db.insert("toolAssignments", {
    agentId: from._id,
    toolSlug: tool.slug,
    permission,
    needsApproval: options.needsApproval ?? false,
    delegateToAgentId: to._id,
    ...(allowed !== undefined ? { restrictions: { allowedToolSlugs: allowed } } : {}),
  });
  await ctx.db.insert("delegations", {
    accountId: account._id,
    fromAgentId: from._id,
    toAgentId: to._id,
    toolSlug: tool.slug,
    createdAt: Date.now(),
  });
  if (record) await commitEdit(ctx, from, {}, editedBy);
  return { toolSlug: tool.slug, created: true };
}

/** Remove "`from` may delegate to `to`" (its edge and `from`'s assignment). */
export async function decomposeDelegation(
  ctx: MutationCtx,
  from: Doc<"agents">,
  to: Doc<"agents">,
  editedBy?: Id<"userProfiles">,
): Promise<void> {
  const edge = await edgeOf(ctx, from.accountId, from._id, to._id);
  if (edge === null) fail("not_found", `${from.name} does not delegate to ${to.name}.`);
  await ctx.db.delete("delegations", edge._id);
  const assignment = await assignmentOf(ctx, from._id, edge.toolSlug);
  if (assignment) await ctx.db.delete("toolAssignments", assignment._id);
  const current = (await ctx.db.get("agents", from._id))!;
  await commitEdit(ctx, current, {}, editedBy);
}

/**
 * Archive an agent: it stops appearing in lists and cannot be chatted with;
 * its delegations (both ways) are removed — the agents that delegated to it
 * get a new version without that tool — and its agent-type tool is disabled.
 */
export async function archiveAgent(ctx: MutationCtx, agent: Doc<"agents">, editedBy?: Id<"userProfiles">): Promise<Doc<"agents">> {
  const incoming = await ctx.db
    .query("delegations")
    .withIndex("by_toAgentId", (q) => q.eq("toAgentId", agent._id))
    .take(LIMITS.agentsPerAccount);
  for (const edge of incoming) {
    const from = await ctx.db.get("agents", edge.fromAgentId);
    if (from) await decomposeDelegation(ctx, from, agent, editedBy);
    else await ctx.db.delete("delegations", edge._id);
  }
  const outgoing = await ctx.db
    .query("delegations")
    .withIndex("by_accountId_fromAgentId_toAgentId", (q) => q.eq("accountId", agent.accountId).eq("fromAgentId", agent._id))
    .take(LIMITS.toolsPerAgent);
  for (const edge of outgoing) {
    await ctx.db.delete("delegations", edge._id);
    const assignment = await assignmentOf(ctx, agent._id, edge.toolSlug);
    if (assignment) await ctx.db.delete("toolAssignments", assignment._id);
  }
  const tool = await ctx.db
    .query("tools")
    .withIndex("by_agentId", (q) => q.eq("agentId", agent._id))
    .first();
  if (tool && tool.status !== "disabled") await ctx.db.patch("tools", tool._id, { status: "disabled", updatedAt: Date.now() });
  await ctx.db.patch("agents", agent._id, { status: "archived", updatedAt: Date.now() });
  const archived = (await ctx.db.get("agents", agent._id))!;
  if (outgoing.length > 0) return await commitEdit(ctx, archived, {}, editedBy);
  return archived;
}

export { recordVersion };

/**
 * Runs `run`, pinning a harness error to `field` (manifest import,
 * templates): `field` becomes its field — replacing any the inner check
 * named, which is in the builder's terms, not the caller's — and `label`
 * (the field, unless the caller says more) prefixes its message.
 */
export async function withField<T>(field: string, run: () => Promise<T> | T, label = field): Promise<T> {
  try {
    return await run();
  } catch (error) {
    if (isHarnessError(error)) throw new ConvexError<HarnessErrorData>({ ...error.data, message: `${label}: ${error.data.message}`, field });
    throw error;
  }
}
