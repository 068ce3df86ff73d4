import { v, type Infer } from "convex/values";

/** Trust levels, weakest first: a tool's level, and an assignment's cap. */
export const TRUST_LEVELS = ["read", "write", "admin"] as const;
export const vPermission = v.union(v.literal("read"), v.literal("write"), v.literal("admin"));
export type Permission = Infer<typeof vPermission>;

export function permits(cap: Permission, toolLevel: Permission): boolean {
  return TRUST_LEVELS.indexOf(cap) >= TRUST_LEVELS.indexOf(toolLevel);
}

/** Where a tool comes from: code (built-in), another agent (delegation), or an external HTTP endpoint. */
export const vToolKind = v.union(v.literal("builtin"), v.literal("agent"), v.literal("http"));
export type ToolKind = Infer<typeof vToolKind>;

export const vToolStatus = v.union(v.literal("active"), v.literal("disabled"));
export type ToolStatus = Infer<typeof vToolStatus>;

export const HTTP_METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE"] as const;
export const vHttpMethod = v.union(v.literal("GET"), v.literal("POST"), v.literal("PUT"), v.literal("PATCH"), v.literal("DELETE"));
export type HttpMethod = Infer<typeof vHttpMethod>;

/** How an external HTTP tool is reached (stored and validated now; executed in a later issue). */
export const vHttpEndpoint = v.object({ url: v.string(), method: vHttpMethod });

/** The highest of two levels. */
export function maxLevel(a: Permission, b: Permission): Permission {
  return TRUST_LEVELS.indexOf(a) >= TRUST_LEVELS.indexOf(b) ? a : b;
}

export function isPermission(value: unknown): value is Permission {
  return typeof value === "string" && (TRUST_LEVELS as readonly string[]).includes(value);
}
