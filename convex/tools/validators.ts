import { v, type Infer } from "convex/values";

/** Trust levels, weakest first: a tool's level, and an assignment's cap. */
export const TRUST_LEVELS = ["read", "write", "admin"] as const;
export const vPermission = v.union(v.literal("read"), v.literal("write"), v.literal("admin"));
export type Permission = Infer<typeof vPermission>;

export function permits(cap: Permission, toolLevel: Permission): boolean {
  return TRUST_LEVELS.indexOf(cap) >= TRUST_LEVELS.indexOf(toolLevel);
}

/** Where a tool comes from: code (built-in), another agent (delegation), an external HTTP endpoint, or an MCP server (convex/mcp). */
export const vToolKind = v.union(v.literal("builtin"), v.literal("agent"), v.literal("http"), v.literal("mcp"));
export type ToolKind = Infer<typeof vToolKind>;

export const vToolStatus = v.union(v.literal("active"), v.literal("disabled"));
export type ToolStatus = Infer<typeof vToolStatus>;

export const HTTP_METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE"] as const;
export const vHttpMethod = v.union(v.literal("GET"), v.literal("POST"), v.literal("PUT"), v.literal("PATCH"), v.literal("DELETE"));
export type HttpMethod = Infer<typeof vHttpMethod>;

/**
 * How an external HTTP tool answers: `sync` in the response to the request,
 * `deferred` later through `POST /v1/callbacks/{call_id}` (the manifest may
 * also say "async").
 */
export const vHttpExecutionMode = v.union(v.literal("sync"), v.literal("deferred"));
export type HttpExecutionMode = Infer<typeof vHttpExecutionMode>;

/**
 * How an external HTTP tool is reached (convex/tools/http executes it). Only
 * what the manifest said is stored; absent settings take the defaults in
 * convex/tools/http/settings.ts.
 */
export const vHttpEndpoint = v.object({
  url: v.string(),
  method: vHttpMethod,
  /** One attempt's time limit (manifest `execution.timeout_seconds`). */
  timeoutSeconds: v.optional(v.number()),
  executionMode: v.optional(vHttpExecutionMode),
  /** Deferred tools: how long the call waits for its callback. */
  callbackTimeoutSeconds: v.optional(v.number()),
  /** Probed on demand (`tools/http/health:probe`). */
  healthCheckUrl: v.optional(v.string()),
  /** JSON Schema the tool's result must match (manifest `return_schema`). */
  returnSchema: v.optional(v.any()),
});
export type HttpEndpoint = Infer<typeof vHttpEndpoint>;

/** The highest of two levels. */
export function maxLevel(a: Permission, b: Permission): Permission {
  return TRUST_LEVELS.indexOf(a) >= TRUST_LEVELS.indexOf(b) ? a : b;
}

export function isPermission(value: unknown): value is Permission {
  return typeof value === "string" && (TRUST_LEVELS as readonly string[]).includes(value);
}
