/**
 * Emitting an event: inside the mutation where the thing happened, insert one
 * delivery row per active subscription of the account that listens to the
 * event, and enqueue its send on the webhook pool. Same transaction, so an
 * event exists exactly when what it reports committed; and one delivery per
 * subscription and `eventId`, so emitting the same event again sends nothing.
 */
import { internal } from "../_generated/api";
import type { Doc, Id } from "../_generated/dataModel";
import type { MutationCtx, QueryCtx } from "../_generated/server";
import { deliveryRetry, webhookPool } from "./pool";
import { MAX_SUBSCRIPTIONS_PER_ACCOUNT, type DeliveryEventType, type EventType } from "./validators";

export type OutboundEvent = {
  accountId: Id<"accounts">;
  type: EventType;
  /** Stable for the event (e.g. `${interactionId}:completed:${generation}`): the idempotency key. */
  eventId: string;
  /** The event's `data`, JSON-serialisable. */
  data: Record<string, unknown>;
};

/** The account's active subscriptions (bounded: an account has at most a handful). */
export async function activeSubscriptions(ctx: QueryCtx, accountId: Id<"accounts">): Promise<Doc<"webhookSubscriptions">[]> {
  return await ctx.db
    .query("webhookSubscriptions")
    .withIndex("by_accountId_status", (q) => q.eq("accountId", accountId).eq("status", "active"))
    .take(MAX_SUBSCRIPTIONS_PER_ACCOUNT);
}

/**
 * Which of `types` anyone in the account listens to. Hooks call this first,
 * so a turn or a job in an account without subscriptions pays one index read
 * and builds no payload.
 */
export async function listenedTypes(ctx: QueryCtx, accountId: Id<"accounts">, types: readonly EventType[]): Promise<Set<EventType>> {
  const subscriptions = await activeSubscriptions(ctx, accountId);
  return new Set(types.filter((type) => subscriptions.some((s) => s.events.includes(type))));
}

/** Fan an event out to the account's subscriptions. Returns how many deliveries it enqueued. */
export async function emitEvent(ctx: MutationCtx, event: OutboundEvent): Promise<number> {
  let enqueued = 0;
  for (const subscription of await activeSubscriptions(ctx, event.accountId)) {
    if (!subscription.events.includes(event.type)) continue;
    if ((await enqueueDelivery(ctx, subscription, event)) !== null) enqueued++;
  }
  return enqueued;
}

/** The body sent (and signed): the Standard Webhooks envelope around `data`. */
export function envelope(event: { type: DeliveryEventType; eventId: string; accountId: Id<"accounts">; data: Record<string, unknown> }, now: number) {
  return JSON.stringify({ id: event.eventId, type: event.type, timestamp: new Date(now).toISOString(), accountId: event.accountId, data: event.data });
}

/**
 * One delivery of one event to one subscription, unless it already exists.
 * Returns the new delivery's id, or null when the event was delivered (or is being delivered) already.
 */
export async function enqueueDelivery(
  ctx: MutationCtx,
  subscription: Doc<"webhookSubscriptions">,
  event: { type: DeliveryEventType; eventId: string; data: Record<string, unknown> },
): Promise<Id<"webhookDeliveries"> | null> {
  const existing = await ctx.db
    .query("webhookDeliveries")
    .withIndex("by_subscriptionId_eventId", (q) => q.eq("subscriptionId", subscription._id).eq("eventId", event.eventId))
    .first();
  if (existing !== null) return null;
  const now = Date.now();
  const deliveryId = await ctx.db.insert("webhookDeliveries", {
    subscriptionId: subscription._id,
    accountId: subscription.accountId,
    eventType: event.type,
    eventId: event.eventId,
    payload: envelope({ ...event, accountId: subscription.accountId }, now),
    status: "pending",
    attempts: 0,
    createdAt: now,
  });
  await webhookPool.enqueueAction(ctx, internal.outbound.deliver.send, { deliveryId }, {
    retry: deliveryRetry(),
    onComplete: internal.outbound.deliver.onComplete,
    context: { deliveryId },
  });
  console.log(JSON.stringify({ event: "webhook_enqueued", deliveryId, subscriptionId: subscription._id, type: event.type, eventId: event.eventId }));
  return deliveryId;
}
