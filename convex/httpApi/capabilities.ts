/**
 * Capabilities: what an account offers through the API — its agents and the
 * tools it can assign (built-ins, agent tools, external HTTP tools). Each has
 * a stable id `agent:<slug>` or `tool:<slug>`. A key restricted to one agent
 * sees that agent and the tools assigned to it, nothing else.
 *
 * Registering reuses the SPA's logic (agents/manifests `importAgentManifest`,
 * tools/tools `registerHttpTool`): the same checks, the same `conflict` on a
 * taken slug, nothing written on any refusal.
 */
import { v, type Infer } from "convex/values";
import type { Doc } from "../_generated/dataModel";
import { internalMutation, internalQuery, type QueryCtx } from "../_generated/server";
import { publicAgent } from "../agents/agents";
import { auditImport, importAgentManifest } from "../agents/manifests";
import { apiKeyActor, auditChange } from "../audit/changes";
import { assignmentsOf, capabilityOf } from "../agents/versions";
import { fail } from "../lib/errors";
import { findAccountTool, listAccountTools, type ToolInfo } from "../tools/catalogue";
import { registerHttpTool } from "../tools/tools";
import { loadKeyScope, type KeyScope } from "./auth";

const MAX_AGENTS = 100;

export const vCapabilityKind = v.union(v.literal("agent"), v.literal("tool"));
export type CapabilityKind = Infer<typeof vCapabilityKind>;

export const vCapability = v.object({
  id: v.string(),
  kind: vCapabilityKind,
  slug: v.string(),
  name: v.string(),
  description: v.string(),
  status: v.union(v.literal("active"), v.literal("paused"), v.literal("disabled")),
  agent: v.optional(
    v.object({ agent_id: v.string(), model: v.string(), capability_level: v.string(), version: v.number() }),
  ),
  tool: v.optional(
    v.object({
      tool_kind: v.union(v.literal("builtin"), v.literal("agent"), v.literal("http"), v.literal("mcp")),
      trust_level: v.string(),
      /** The tool's JSON Schema for its arguments: arbitrary JSON by nature. */
      parameters: v.any(),
      account_owned: v.boolean(),
      endpoint: v.optional(v.object({ url: v.string(), method: v.string() })),
      delegates_to_agent_id: v.optional(v.string()),
    }),
  ),
});
export type Capability = Infer<typeof vCapability>;

function agentCapability(agent: Doc<"agents">): Capability {
  const shown = publicAgent(agent);
  return {
    id: `agent:${agent.slug}`,
    kind: "agent",
    slug: agent.slug,
    name: agent.name,
    description: agent.description,
    status: agent.status === "paused" ? "paused" : "active",
    agent: { agent_id: agent._id, model: shown.modelId, capability_level: capabilityOf(agent), version: agent.version },
  };
}

function toolCapability(tool: ToolInfo): Capability {
  return {
    id: `tool:${tool.slug}`,
    kind: "tool",
    slug: tool.slug,
    name: tool.name,
    description: tool.description,
    status: tool.status,
    tool: {
      tool_kind: tool.kind,
      trust_level: tool.trustLevel,
      parameters: tool.parameters,
      account_owned: tool.accountId !== null,
      ...(tool.http ? { endpoint: { url: tool.http.url, method: tool.http.method } } : {}),
      ...(tool.agentId ? { delegates_to_agent_id: tool.agentId } : {}),
    },
  };
}

/** What the key may see: all of the account, or one agent and its assigned tools. */
async function visible(ctx: QueryCtx, scope: KeyScope): Promise<{ agents: Doc<"agents">[]; tools: ToolInfo[] }> {
  if (scope.agentId !== undefined) {
    const agent = await ctx.db.get("agents", scope.agentId);
    if (agent === null || agent.accountId !== scope.accountId || agent.status === "archived") return { agents: [], tools: [] };
    const tools: ToolInfo[] = [];
    for (const assignment of await assignmentsOf(ctx, agent._id)) {
      const tool = await findAccountTool(ctx, scope.accountId, assignment.toolSlug);
      if (tool) tools.push(tool);
    }
    return { agents: [agent], tools };
  }
  const agents = await ctx.db
    .query("agents")
    .withIndex("by_accountId_slug", (q) => q.eq("accountId", scope.accountId))
    .take(MAX_AGENTS);
  return { agents: agents.filter((a) => a.status !== "archived"), tools: await listAccountTools(ctx, scope.accountId) };
}

export const list = internalQuery({
  args: { keyId: v.id("apiKeys"), kind: v.optional(vCapabilityKind) },
  returns: v.array(vCapability),
  handler: async (ctx, { keyId, kind }) => {
    const { agents, tools } = await visible(ctx, await loadKeyScope(ctx, keyId));
    return [
      ...(kind === undefined || kind === "agent" ? agents.map(agentCapability) : []),
      ...(kind === undefined || kind === "tool" ? tools.map(toolCapability) : []),
    ];
  },
});

export const get = internalQuery({
  args: { keyId: v.id("apiKeys"), capabilityId: v.string() },
  returns: vCapability,
  handler: async (ctx, { keyId, capabilityId }) => {
    const scope = await loadKeyScope(ctx, keyId);
    const colon = capabilityId.indexOf(":");
    const kind = capabilityId.slice(0, colon);
    const slug = capabilityId.slice(colon + 1);
    if (kind === "agent") {
      const agent = await ctx.db
        .query("agents")
        .withIndex("by_accountId_slug", (q) => q.eq("accountId", scope.accountId).eq("slug", slug))
        .unique();
      if (agent !== null && agent.status !== "archived" && (scope.agentId === undefined || scope.agentId === agent._id)) {
        return agentCapability(agent);
      }
    } else if (kind === "tool") {
      const tool = await findAccountTool(ctx, scope.accountId, slug);
      const reachable =
        scope.agentId === undefined ||
        (await ctx.db
          .query("toolAssignments")
          .withIndex("by_agentId_toolSlug", (q) => q.eq("agentId", scope.agentId!).eq("toolSlug", slug))
          .first()) !== null;
      if (tool !== null && reachable) return toolCapability(tool);
    }
    fail("not_found", `No capability "${capabilityId}".`);
  },
});

/** Register an agent (`kind: "agent"`) or an external HTTP tool (`kind: "tool"`) from its manifest (JSON text). */
export const register = internalMutation({
  args: { keyId: v.id("apiKeys"), kind: vCapabilityKind, manifest: v.string() },
  returns: vCapability,
  handler: async (ctx, { keyId, kind, manifest }) => {
    const scope = await loadKeyScope(ctx, keyId);
    if (scope.agentId !== undefined) fail("forbidden", "A key restricted to one agent cannot register capabilities.");
    const key = (await ctx.db.get("apiKeys", keyId))!;
    const account = await ctx.db.get("accounts", scope.accountId);
    if (account === null) fail("not_found", "Account not found.");
    if (kind === "agent") {
      const created = await importAgentManifest(ctx, account, scope.userId, manifest);
      await auditImport(ctx, apiKeyActor(key), created.agentId);
      return agentCapability((await ctx.db.get("agents", created.agentId))!);
    }
    const created = await registerHttpTool(ctx, scope.accountId, manifest);
    const tool = (await findAccountTool(ctx, scope.accountId, created.slug))!;
    await auditChange(ctx, apiKeyActor(key), { accountId: scope.accountId, action: "tool.register", targetKind: "tool", targetId: created.toolId ?? created.slug, before: null, after: created });
    return toolCapability(tool);
  },
});
