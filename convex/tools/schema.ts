import { defineTable } from "convex/server";
import { v } from "convex/values";
import { vHttpEndpoint, vPermission, vToolKind, vToolStatus } from "./validators";
import { vMcpToolRef } from "../mcp/validators";

/**
 * The tool registry as accounts see it. Spread into `agentTables`
 * (convex/agents/schema.ts), which convex/schema.ts includes.
 */
export const toolTables = {
  /**
   * Every tool an account can assign: built-ins (`accountId: null`, one row
   * per `BUILTIN_TOOLS` entry, upserted by `tools/tools:seedBuiltins`),
   * agent-type tools (one per agent that can be delegated to, created by
   * composition) and external HTTP tools (registered by manifest).
   * Slugs are unique per account, and an account tool never takes a
   * built-in's slug.
   * Written by: the built-in seed, composition, `tools/tools:register`/`disable`/`enable`.
   * Read by: the agent builder (list, assign, compose), the delegation runtime.
   * `by_accountId_slug` serves slug lookups and the account's list (null = built-ins);
   * `by_agentId` finds an agent's own agent-type tool.
   */
  tools: defineTable({
    /** null: a platform built-in, visible to every account. */
    accountId: v.union(v.id("accounts"), v.null()),
    slug: v.string(),
    kind: vToolKind,
    name: v.string(),
    description: v.string(),
    /** A JSON Schema of type "object" for the call's arguments. */
    parameters: v.any(),
    /** What the tool can do; an assignment's permission must be at least this. */
    trustLevel: vPermission,
    status: vToolStatus,
    /** kind "agent": the agent this tool delegates to. */
    agentId: v.optional(v.id("agents")),
    /** kind "http": where it is served. */
    http: v.optional(vHttpEndpoint),
    /** kind "mcp": the MCP server and the tool's name there (convex/mcp, written by its listings). */
    mcp: v.optional(vMcpToolRef),
    updatedAt: v.number(),
  })
    .index("by_accountId_slug", ["accountId", "slug"])
    .index("by_agentId", ["agentId"])
    /** kind "mcp": a server's tools (refresh, removal). */
    .index("by_mcpServerId", ["mcp.serverId"]),
};
