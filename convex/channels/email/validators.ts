import { v } from "convex/values";

export const vEmailInboundStatus = v.union(v.literal("pending"), v.literal("processed"), v.literal("ignored"), v.literal("failed"));
export const vEmailOutboxStatus = v.union(v.literal("waiting"), v.literal("queued"), v.literal("sent"), v.literal("held"), v.literal("failed"));
/** `outbox`: no transport configured, so the mail is kept for admins to read. */
export const vEmailTransport = v.union(v.literal("postmark"), v.literal("smtp"), v.literal("outbox"));
