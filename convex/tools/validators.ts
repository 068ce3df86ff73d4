import { v, type Infer } from "convex/values";

/** Trust levels, weakest first: a tool's level, and an assignment's cap. */
export const TRUST_LEVELS = ["read", "write", "admin"] as const;
export const vPermission = v.union(v.literal("read"), v.literal("write"), v.literal("admin"));
export type Permission = Infer<typeof vPermission>;

export function permits(cap: Permission, toolLevel: Permission): boolean {
  return TRUST_LEVELS.indexOf(cap) >= TRUST_LEVELS.indexOf(toolLevel);
}
