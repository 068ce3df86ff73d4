import { defineTable } from "convex/server";
import { v } from "convex/values";
import { vAccountKind, vAccountStatus, vMembershipStatus, vRole, vUserStatus } from "../lib/validators";

/**
 * Tenancy tables. Index names are `by_<field>_<field>` in index order.
 */
export const tenancyTables = {
  /**
   * One row per person, keyed by the identity provider's token identifier.
   * Written by: viewer sync (first use), Clerk webhooks (tenancy/lifecycle.ts),
   * platform admin tools (suspension). Read by: every auth builder.
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
    /**
     * Clerk's user id (`user_...`), so a profile the Clerk webhook created is
     * the row the first sign-in finds (tenancy/lifecycle.ts).
     */
    clerkUserId: v.optional(v.string()),
    /** Clerk's `updated_at` of the last user event applied; older events are ignored. */
    clerkUpdatedAt: v.optional(v.number()),
  })
    .index("by_tokenIdentifier", ["tokenIdentifier"])
    // Clerk webhooks: the profile of a Clerk user
    .index("by_clerkUserId", ["clerkUserId"])
    // Platform admins find a user by email or name prefix (admin/platform.ts `findUsers`)
    .index("by_email", ["email"])
    .index("by_name", ["name"]),

  /**
   * A tenant: a Clerk organisation, or a personal account for a user with none.
   * Written by: viewer sync, Clerk webhooks, admin tools. Read by: account builders.
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
    /** Clerk's `updated_at` of the last organisation event applied; older events are ignored. */
    clerkUpdatedAt: v.optional(v.number()),
    /** Set when the Clerk organisation was deleted: a tombstone (status `suspended`) that nothing revives. */
    deletedAt: v.optional(v.number()),
  })
    .index("by_clerkOrgId", ["clerkOrgId"])
    .index("by_personalOwnerId", ["personalOwnerId"])
    .index("by_slug", ["slug"]),

  /**
   * Who belongs to which account, with which role. A revoked membership is
   * kept (status `revoked`) so that stale token claims cannot revive it.
   * Written by: viewer sync, Clerk webhooks, account admins. Read by: account builders.
   */
  memberships: defineTable({
    accountId: v.id("accounts"),
    userId: v.id("userProfiles"),
    role: vRole,
    status: vMembershipStatus,
    /**
     * When the Clerk webhook last set this membership (event time): older
     * membership events are ignored, and token claims no longer change its role.
     */
    clerkUpdatedAt: v.optional(v.number()),
  })
    .index("by_userId_accountId", ["userId", "accountId"])
    .index("by_accountId_userId", ["accountId", "userId"]),
};
