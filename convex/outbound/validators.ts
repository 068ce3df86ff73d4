import { v, type Infer } from "convex/values";

/** The events an account can subscribe to (payloads in convex/outbound/README.md). */
export const EVENT_TYPES = ["message.response", "interaction.completed", "job.state_changed"] as const;
export const vEventType = v.union(v.literal("message.response"), v.literal("interaction.completed"), v.literal("job.state_changed"));
export type EventType = Infer<typeof vEventType>;

/** Sent only by `subscriptions:ping`, to one subscription, whatever it listens to. */
export const PING_EVENT = "webhook.ping";
export const vDeliveryEventType = v.union(vEventType, v.literal(PING_EVENT));
export type DeliveryEventType = Infer<typeof vDeliveryEventType>;

export const vSubscriptionStatus = v.union(v.literal("active"), v.literal("disabled"));

/**
 * A delivery's life: pending (being sent, or waiting for a retry) → delivered
 * | failed (every attempt failed) | skipped (its subscription was disabled or
 * deleted before it went out).
 */
export const vDeliveryStatus = v.union(v.literal("pending"), v.literal("delivered"), v.literal("failed"), v.literal("skipped"));
export type DeliveryStatus = Infer<typeof vDeliveryStatus>;

/** Subscriptions per account: bounds the fan-out every event does inside the caller's transaction. */
export const MAX_SUBSCRIPTIONS_PER_ACCOUNT = 10;
/** Longest endpoint URL, in characters. */
export const MAX_URL_CHARS = 2_000;
export const MAX_DESCRIPTION_CHARS = 200;
/** A subscription whose deliveries fail this many times in a row (each after all its retries) is disabled. */
export const DISABLE_AFTER_FAILED_DELIVERIES = 5;
/** Longest text (a reply, a job's result) put in a payload; longer text is cut and flagged. */
export const MAX_PAYLOAD_TEXT_CHARS = 8_000;
/** Longest error text kept on a delivery row. */
export const MAX_ERROR_CHARS = 500;
/** How long one HTTP attempt may take before it counts as failed. */
export const SEND_TIMEOUT_MS = 15_000;
