import { defineTable } from "convex/server";
import { v } from "convex/values";
import { vHeader, vMcpRefresh, vMcpServerInfo, vMcpServerStatus, vSkippedTool } from "./validators";

/**
 * Tables of the MCP domain (spread into convex/schema.ts): the MCP servers
 * an account's admins register in Settings → MCP servers, and their secrets,
 * kept apart so that no public query can read a token by reading a server.
 * The servers' tools are rows of the `tools` table (kind "mcp", field `mcp`).
 */
export const mcpTables = {
  /**
   * An MCP server reached over Streamable HTTP. Its tools are registry rows
   * `mcp_<slug>_<tool>` (convex/tools/schema.ts, `mcp.serverId`).
   * Written by: servers.ts (add, update, remove; `recordListing` / `recordFailure` after a refresh).
   * Read by: servers.ts (the account's list, admins), runtime.ts (a tool call's target).
   * `by_accountId_slug` serves the account's list and slug uniqueness.
   */
  mcpServers: defineTable({
    accountId: v.id("accounts"),
    /** Unique per account, fixed once created: every tool slug of the server starts `mcp_<slug>_`. */
    slug: v.string(),
    name: v.string(),
    /** The Streamable HTTP endpoint. */
    url: v.string(),
    /** Whether a bearer token is stored (in `mcpServerSecrets`), and its last four characters. */
    hasBearerToken: v.boolean(),
    bearerTokenLast4: v.optional(v.string()),
    /** Names of the extra headers stored (their values are secrets too). */
    headerNames: v.array(v.string()),
    /** One request's time limit. */
    timeoutSeconds: v.number(),
    status: vMcpServerStatus,
    /** The last refresh (or the listing at registration), good or bad. */
    lastRefresh: vMcpRefresh,
    /** The last failed refresh, kept after later successes. */
    lastError: v.optional(v.object({ message: v.string(), at: v.number() })),
    /** Who the server said it is at the last listing. */
    serverInfo: v.optional(vMcpServerInfo),
    /** Tools of the last listing left out, with why (schema, limit). */
    skippedTools: v.array(vSkippedTool),
    createdBy: v.id("userProfiles"),
    createdAt: v.number(),
    /** Changes when the URL or a secret changes: a listing started before is not recorded. */
    updatedAt: v.number(),
  }).index("by_accountId_slug", ["accountId", "slug"]),

  /**
   * A server's bearer token and extra headers, in their own table: no public
   * function reads them; they leave the database only inside an action's
   * request to the server. `by_serverId`: one row per server.
   */
  mcpServerSecrets: defineTable({
    serverId: v.id("mcpServers"),
    bearerToken: v.optional(v.string()),
    headers: v.array(vHeader),
  }).index("by_serverId", ["serverId"]),
};
