import { defineTable } from "convex/server";
import { v } from "convex/values";
import { vDeliveryEventType, vDeliveryStatus, vEventType, vSubscriptionStatus } from "./validators";

/**
 * Tables of the outbound domain (spread into convex/schema.ts): accounts'
 * webhook subscriptions and the log of every delivery. Index names are
 * `by_<field>_<field>` in index order.
 */
export const outboundTables = {
  /**
   * An endpoint an account sends events to.
   * Written by: subscriptions.ts (subscribe, enable, remove), deliver.ts's
   * onComplete (failure streak, disabling). Read by: emitEvent (fan-out,
   * `by_accountId_status`), the send action (url + secret), the admin list
   * (`by_accountId_createdAt`, newest first).
   */
  webhookSubscriptions: defineTable({
    accountId: v.id("accounts"),
    url: v.string(),
    events: v.array(vEventType),
    description: v.optional(v.string()),
    /**
     * The signing secret (`whsec_` + base64 of 24 random bytes). Shown once,
     * on subscribe; stored because every delivery is signed with it. It signs,
     * it does not authenticate anyone, so it is not hashed.
     */
    secret: v.string(),
    status: vSubscriptionStatus,
    /** Why it was disabled (shown to the account's admins). */
    disabledReason: v.optional(v.string()),
    disabledAt: v.optional(v.number()),
    /** Deliveries that failed in a row (after their retries); a delivered one resets it. */
    consecutiveFailures: v.number(),
    lastDeliveredAt: v.optional(v.number()),
    lastFailedAt: v.optional(v.number()),
    createdBy: v.id("userProfiles"),
    createdAt: v.number(),
  })
    .index("by_accountId_status", ["accountId", "status"])
    .index("by_accountId_createdAt", ["accountId", "createdAt"]),

  /**
   * One event sent to one subscription: the exact body signed and sent on
   * every attempt, and how it went.
   * Written by: emitEvent (insert, once per subscription and event:
   * `by_subscriptionId_eventId`), the send action (each attempt), its
   * onComplete (outcome), remove (deleted with the subscription), the
   * retention sweep (`retention.ts`: older than 30 days, `by_createdAt`).
   * Read by: the send action, the admin list (`by_subscriptionId_createdAt`, newest first).
   */
  webhookDeliveries: defineTable({
    subscriptionId: v.id("webhookSubscriptions"),
    accountId: v.id("accounts"),
    eventType: vDeliveryEventType,
    /** The event's idempotency key, also the payload's `id`. */
    eventId: v.string(),
    /** The JSON body, exactly as signed and sent. */
    payload: v.string(),
    status: vDeliveryStatus,
    attempts: v.number(),
    lastStatusCode: v.optional(v.number()),
    lastError: v.optional(v.string()),
    createdAt: v.number(),
    lastAttemptAt: v.optional(v.number()),
    finishedAt: v.optional(v.number()),
  })
    .index("by_subscriptionId_eventId", ["subscriptionId", "eventId"])
    .index("by_subscriptionId_createdAt", ["subscriptionId", "createdAt"])
    .index("by_createdAt", ["createdAt"]),

  /**
   * A mutation a higher layer asked to have called when one root run ends
   * (e.g. the email channel, to send the reply by mail): a function handle,
   * so this domain never imports its caller.
   * Written by: watchRunEnd (insert), notifyRunWatchers (delete, once called).
   * Read by: notifyRunWatchers, from emitRunEnded (`by_interactionId`).
   */
  runEndWatchers: defineTable({
    interactionId: v.id("interactions"),
    /** `createFunctionHandle` of an internal mutation taking `{ interactionId }`. */
    handle: v.string(),
  }).index("by_interactionId", ["interactionId"]),
};
