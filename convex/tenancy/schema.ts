import { defineTable } from "convex/server";
import { v } from "convex/values";
import { vAccountKind, vAccountStatus, vMembershipStatus, vRole, vUserStatus } from "../lib/validators";

/**
 * Tenancy tables. Index names are `by_<field>_<field>` in index order.
 */
export const tenancyTables = {
  /**
   * One row per person, keyed by the identity provider's token identifier.
   * Written by: viewer sync (first use), platform admin tools. Read by: every auth builder.
   */
  userProfiles: defineTable({
    tokenIdentifier: v.string(),
    subject: v.string(),
    email: v.optional(v.string()),
    name: v.optional(v.string()),
    isPlatformAdmin: v.boolean(),
    status: vUserStatus,
    /** The account selected last; the SPA opens it by default. */
    lastAccountId: v.optional(v.id("accounts")),
  }).index("by_tokenIdentifier", ["tokenIdentifier"]),

  /**
   * A tenant: a Clerk organisation, or a personal account for a user with none.
   * Written by: viewer sync, admin tools. Read by: account builders.
   */
  accounts: defineTable({
    name: v.string(),
    slug: v.string(),
    kind: vAccountKind,
    status: vAccountStatus,
    /** Set for organisation accounts. */
    clerkOrgId: v.optional(v.string()),
    /** Set for personal accounts. */
    personalOwnerId: v.optional(v.id("userProfiles")),
    /** Longest allowed delegation chain (agents), default 3. */
    maxDelegationDepth: v.number(),
  })
    .index("by_clerkOrgId", ["clerkOrgId"])
    .index("by_personalOwnerId", ["personalOwnerId"])
    .index("by_slug", ["slug"]),

  /**
   * Who belongs to which account, with which role. A revoked membership is
   * kept (status `revoked`) so that stale token claims cannot revive it.
   * Written by: viewer sync, account admins. Read by: account builders.
   */
  memberships: defineTable({
    accountId: v.id("accounts"),
    userId: v.id("userProfiles"),
    role: vRole,
    status: vMembershipStatus,
  })
    .index("by_userId_accountId", ["userId", "accountId"])
    .index("by_accountId_userId", ["accountId", "userId"]),
};
