import { v, type Infer } from "convex/values";

/** Roles inside an account, weakest first. */
export const ROLES = ["readonly", "member", "admin"] as const;
export const vRole = v.union(v.literal("readonly"), v.literal("member"), v.literal("admin"));
export type Role = Infer<typeof vRole>;

export function roleAtLeast(role: Role, minimum: Role): boolean {
  return ROLES.indexOf(role) >= ROLES.indexOf(minimum);
}

export const vAccountKind = v.union(v.literal("organization"), v.literal("personal"));
export type AccountKind = Infer<typeof vAccountKind>;

export const vAccountStatus = v.union(v.literal("active"), v.literal("suspended"));
export const vUserStatus = v.union(v.literal("active"), v.literal("suspended"), v.literal("deleted"));
export const vMembershipStatus = v.union(v.literal("active"), v.literal("revoked"));
