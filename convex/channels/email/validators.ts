import { v, type Infer } from "convex/values";
import { vDocumentFormat } from "../../knowledge/validators";

export const vEmailInboundStatus = v.union(v.literal("pending"), v.literal("processed"), v.literal("ignored"), v.literal("failed"));
export const vEmailOutboxStatus = v.union(v.literal("waiting"), v.literal("queued"), v.literal("sent"), v.literal("held"), v.literal("failed"));
/** `outbox`: no transport configured, so the mail is kept for admins to read. */
export const vEmailTransport = v.union(v.literal("postmark"), v.literal("smtp"), v.literal("outbox"));

/** A mail attachment knowledge can read, kept in file storage until `apply` adds it to the sender's knowledge (attachments.ts). */
export const vKeptAttachment = v.object({
  name: v.string(),
  contentType: v.string(),
  storageId: v.id("_storage"),
  format: vDocumentFormat,
  /** Text and Markdown: the text; other formats are extracted from the stored file during ingestion. */
  text: v.optional(v.string()),
  file: v.optional(v.object({ bytes: v.number(), contentHash: v.string() })),
});
export type KeptAttachment = Infer<typeof vKeptAttachment>;

export const vSkippedAttachment = v.object({ name: v.string(), contentType: v.string(), bytes: v.number(), reason: v.string() });
export type SkippedAttachment = Infer<typeof vSkippedAttachment>;
