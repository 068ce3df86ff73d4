/**
 * Validators of the MCP domain, in a module that imports only validators,
 * so that the schemas (this folder's and convex/tools/schema.ts)
 * can use them without loading the tool registry.
 */
import { v, type Infer } from "convex/values";
import { vPermission } from "../tools/validators";

/** ok: the last refresh (or the listing at registration) worked; failing: it did not. */
export const vMcpServerStatus = v.union(v.literal("ok"), v.literal("failing"));
export type McpServerStatus = Infer<typeof vMcpServerStatus>;

/** The last refresh: what it found, or the server's error in words. */
export const vMcpRefresh = v.object({
  ok: v.boolean(),
  message: v.string(),
  at: v.number(),
  latencyMs: v.number(),
});
export type McpRefresh = Infer<typeof vMcpRefresh>;

export const vMcpServerInfo = v.object({ name: v.string(), version: v.string(), title: v.optional(v.string()) });
export const vSkippedTool = v.object({ name: v.string(), reason: v.string() });
export const vHeader = v.object({ name: v.string(), value: v.string() });
export type Header = Infer<typeof vHeader>;

/**
 * What a registry row of kind "mcp" says about its MCP tool (convex/tools/schema.ts `mcp`).
 * `missingSince`: the server stopped listing it (the row was disabled then; a
 * later listing that has it again enables it).
 */
export const vMcpToolRef = v.object({
  serverId: v.id("mcpServers"),
  /** The tool's name on the server (the slug is sanitized for model providers). */
  toolName: v.string(),
  /** Safe to call again when an attempt's outcome is unknown (readOnlyHint or idempotentHint). */
  idempotent: v.boolean(),
  missingSince: v.optional(v.number()),
});
export type McpToolRef = Infer<typeof vMcpToolRef>;

/** A listed tool as a registry row wants it (schema already storable). */
export const vListedTool = v.object({
  toolName: v.string(),
  title: v.string(),
  description: v.string(),
  /** The server's JSON Schema for the tool's arguments: arbitrary JSON by nature. */
  parameters: v.any(),
  trustLevel: vPermission,
  idempotent: v.boolean(),
});
export type ListedTool = Infer<typeof vListedTool>;

/** What an action needs to reach a server: URL and headers WITH secrets. Never returned to a client. */
export const vMcpTarget = v.object({
  serverId: v.id("mcpServers"),
  name: v.string(),
  url: v.string(),
  headers: v.record(v.string(), v.string()),
  timeoutMs: v.number(),
  /** Secret values to keep out of any message (token, header values). */
  secrets: v.array(v.string()),
});
export type McpTarget = Infer<typeof vMcpTarget>;
