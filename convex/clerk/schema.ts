import { defineTable } from "convex/server";
import { v, type Infer } from "convex/values";

/**
 * `pending` → `processed` (or `ignored`: a type we do not handle); `failed`
 * when processing threw on every attempt or the payload cannot be read.
 */
export const vClerkEventStatus = v.union(v.literal("pending"), v.literal("processed"), v.literal("ignored"), v.literal("failed"));
export type ClerkEventStatus = Infer<typeof vClerkEventStatus>;

/** Tables of the clerk domain (spread into convex/schema.ts). */
export const clerkTables = {
  /**
   * Every verified Clerk webhook delivery, once per `svix-id` (Svix's message
   * id, the same on every redelivery): stored first, processed after.
   * Written by: the webhook route (`clerk/events:receive`, insert-if-absent),
   * processing (`clerk/process`: status, attempts, outcome), the retention
   * sweep (`clerk/retention`: deletes processed / ignored ones after 30 days).
   * Read by: processing, platform admins (`clerk/events:list`, `get`, `retry`).
   *
   * Indexes: `by_svixId` makes a redelivery find its row (one stored event,
   * even for concurrent deliveries); `by_receivedAt` and
   * `by_status_receivedAt` serve the admin list, newest first;
   * `by_status_receivedAt` also serves the sweep, oldest first.
   */
  clerkEvents: defineTable({
    svixId: v.string(),
    /** Clerk's event type, e.g. `user.created`. */
    type: v.string(),
    /**
     * The body exactly as signed, kept for inspection and parsed again when
     * processed. Text rather than a Convex object: Clerk's metadata may hold
     * keys a Convex document cannot (`$…`).
     */
    body: v.string(),
    /** The `svix-timestamp` header, in ms. */
    sentAt: v.number(),
    receivedAt: v.number(),
    status: vClerkEventStatus,
    /** Processing attempts so far (successful or not). */
    attempts: v.number(),
    lastError: v.optional(v.string()),
    /** What processing did, e.g. `user.created`, `ignored: stale update`. */
    outcome: v.optional(v.string()),
    processedAt: v.optional(v.number()),
  })
    .index("by_svixId", ["svixId"])
    .index("by_receivedAt", ["receivedAt"])
    .index("by_status_receivedAt", ["status", "receivedAt"]),
};
