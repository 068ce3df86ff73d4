import { v, type Infer } from "convex/values";

/** What a key may do, weakest first: GETs; + messages, events, callbacks; + registering capabilities. */
export const API_PERMISSIONS = ["read", "read_write", "admin"] as const;
export const vApiPermission = v.union(v.literal("read"), v.literal("read_write"), v.literal("admin"));
export type ApiPermission = Infer<typeof vApiPermission>;

export function apiPermits(held: ApiPermission, needed: ApiPermission): boolean {
  return API_PERMISSIONS.indexOf(held) >= API_PERMISSIONS.indexOf(needed);
}

