import { defineTable } from "convex/server";
import { v } from "convex/values";

/**
 * Per-account rate limits a platform admin set (convex/usage/accountRates.ts).
 * No row, or an absent field: the deployment default. At most one row per
 * account (`by_accountId`).
 * Written by: `accountRates.setLimits` (platform admins, audited).
 * Read by: `consumeAccountRate` (every turn start, every authenticated API
 * request), `accountRates.limits` (the admin page).
 */
export const accountRateTables = {
  accountRateLimits: defineTable({
    accountId: v.id("accounts"),
    /** Turns started per minute, over every surface (SPA, API, channels). */
    turnsPerMinute: v.optional(v.number()),
    /** Authenticated HTTP API requests per minute, over all the account's keys. */
    apiRequestsPerMinute: v.optional(v.number()),
    updatedBy: v.id("userProfiles"),
    updatedAt: v.number(),
  }).index("by_accountId", ["accountId"]),
};
