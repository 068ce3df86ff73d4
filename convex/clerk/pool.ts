import { Workpool } from "@convex-dev/workpool";
import { components } from "../_generated/api";

/**
 * Clerk events are processed on the `webhookPool` workpool (shared with
 * outbound webhook deliveries, which have their own client). No pool-wide
 * options are set here, so this client never overrides the other's.
 */
export const clerkPool = new Workpool(components.webhookPool, {});

/** A failed processing attempt is retried: 5 attempts, 1 s → 4 s → 16 s → 64 s (jittered). */
export const PROCESSING_RETRY = { maxAttempts: 5, initialBackoffMs: 1_000, base: 4 } as const;
