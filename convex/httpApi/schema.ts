import { defineTable } from "convex/server";
import { v } from "convex/values";
import { vApiPermission } from "./validators";

/**
 * Tables of the platform HTTP API (`/v1/...`). Index names are
 * `by_<field>_<field>` in index order.
 */
export const httpApiTables = {
  /**
   * API keys. The secret (`thk_...`) is shown once at creation and never
   * stored: only its SHA-256 (`secretHash`) and a short display prefix.
   * Written by: `httpApi/keys:create` / `revoke`, authentication (`lastUsedAt`,
   * at most once a minute). Read by: authentication (`by_secretHash`, one
   * index lookup per request), the key list (`by_accountId_createdAt`, newest
   * first), the active-key cap at creation (`by_accountId_revokedAt`, revokedAt unset).
   */
  apiKeys: defineTable({
    accountId: v.id("accounts"),
    /** A label chosen by the admin ("billing integration"). */
    name: v.string(),
    /** Hex SHA-256 of the whole secret, `thk_` included. */
    secretHash: v.string(),
    /** Not secret: `thk_` and the first characters of the secret, to tell keys apart. */
    displayPrefix: v.string(),
    permission: vApiPermission,
    /** Set: the key reaches only this agent (its channel, its interactions, its callbacks). */
    agentId: v.optional(v.id("agents")),
    /** Requests per period (a token bucket holding at most `requests`). */
    rateLimit: v.object({ requests: v.number(), periodMs: v.number() }),
    /** The admin who created it; the key acts as this user and stops working when they are no longer an admin. */
    createdBy: v.id("userProfiles"),
    createdAt: v.number(),
    expiresAt: v.optional(v.number()),
    revokedAt: v.optional(v.number()),
    revokedBy: v.optional(v.id("userProfiles")),
    lastUsedAt: v.optional(v.number()),
  })
    .index("by_secretHash", ["secretHash"])
    .index("by_accountId_createdAt", ["accountId", "createdAt"])
    .index("by_accountId_revokedAt", ["accountId", "revokedAt"]),

  /**
   * Agent events delivered with an `event_id`, so a redelivered event starts
   * no second turn (for 7 days). Written by: `POST /v1/agent-events`, the
   * retention sweep (`httpApi/retention`: deletes rows older than 7 days,
   * `by_createdAt`). Read by: the same route (`by_accountId_eventId`).
   */
  apiAgentEvents: defineTable({
    accountId: v.id("accounts"),
    eventId: v.string(),
    keyId: v.id("apiKeys"),
    interactionId: v.id("interactions"),
    threadId: v.id("threads"),
    createdAt: v.number(),
  })
    .index("by_accountId_eventId", ["accountId", "eventId"])
    .index("by_createdAt", ["createdAt"]),
};
