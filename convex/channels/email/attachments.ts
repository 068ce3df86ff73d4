/**
 * Mail attachments into the conversation's knowledge. The webhook (an HTTP
 * action) checks each attachment as a knowledge upload would — its type,
 * size and first bytes — and keeps the ones knowledge reads (text, Markdown,
 * CSV, JSON-as-text, HTML, PDF, DOCX) in file storage; `apply` adds them to
 * the sender's own knowledge once they are known to be a member, where every
 * later turn of theirs (this email conversation first) can search them.
 * The others are named in the stored message with why, never dropped
 * silently; kept files of a mail that goes nowhere are deleted.
 */
import type { Id } from "../../_generated/dataModel";
import type { ActionCtx, MutationCtx } from "../../_generated/server";
import { isHarnessError } from "../../lib/errors";
import type { KnowledgeCaller } from "../../knowledge/access";
import { checkText, createDocument } from "../../knowledge/documents";
import { checkContent, checkUploadSize, decodeUtf8, formatOfUpload } from "../../knowledge/formats";
import { sha256HexOfBytes } from "../../knowledge/rag";
import { MAX_TITLE_LENGTH, type DocumentFormat } from "../../knowledge/validators";
import type { PostmarkAttachment } from "./postmark";
import type { KeptAttachment, SkippedAttachment } from "./validators";

/** Attachments of one mail that may become documents; the rest are listed. */
export const MAX_KEPT_ATTACHMENTS = 5;
/** The knowledge category of documents that came by mail (a filter in the Knowledge page and in search). */
export const EMAIL_CATEGORY = "email";

function sizeWords(bytes: number): string {
  return bytes >= 1024 * 1024 ? `${(bytes / (1024 * 1024)).toFixed(1)} MB` : `${Math.max(1, Math.ceil(bytes / 1024))} KB`;
}

/** "x.zip (application/zip, 12 KB): why" for the stored message. */
export function describeSkipped(skipped: SkippedAttachment): string {
  return `${skipped.name} (${skipped.contentType || "unknown type"}, ${sizeWords(skipped.bytes)}): ${skipped.reason}`;
}

type Checked = { ok: true; content: Pick<KeptAttachment, "format" | "text" | "file"> } | { ok: false; reason: string };

/** The bytes of one attachment as knowledge would take them, or why not (a refusal's own words). */
async function checked(attachment: PostmarkAttachment, bytes: Uint8Array<ArrayBuffer>): Promise<Checked> {
  let format: DocumentFormat;
  try {
    format = formatOfUpload(attachment.ContentType, attachment.Name);
  } catch (error) {
    if (isHarnessError(error)) return { ok: false, reason: "not a format knowledge reads" };
    throw error;
  }
  try {
    checkUploadSize(format, bytes.length);
    checkContent(format, bytes);
    if (format === "text" || format === "markdown") {
      const text = decodeUtf8(bytes);
      checkText(text);
      return { ok: true, content: { format, text } };
    }
    return { ok: true, content: { format, file: { bytes: bytes.length, contentHash: await sha256HexOfBytes(bytes) } } };
  } catch (error) {
    if (isHarnessError(error)) return { ok: false, reason: error.data.message.replace(/\.$/, "") };
    throw error;
  }
}

/** In the webhook: store what knowledge can read (at most MAX_KEPT_ATTACHMENTS), name the rest with why. */
export async function keepAttachments(ctx: ActionCtx, attachments: PostmarkAttachment[]): Promise<{ kept: KeptAttachment[]; skipped: SkippedAttachment[] }> {
  const kept: KeptAttachment[] = [];
  const skipped: SkippedAttachment[] = [];
  for (const attachment of attachments) {
    const bytes = Uint8Array.from(atob(attachment.Content ?? ""), (c) => c.charCodeAt(0));
    const base = { name: attachment.Name, contentType: attachment.ContentType, bytes: attachment.ContentLength || bytes.length };
    if (kept.length >= MAX_KEPT_ATTACHMENTS) {
      skipped.push({ ...base, reason: `only ${MAX_KEPT_ATTACHMENTS} attachments per mail are read` });
      continue;
    }
    const result = await checked(attachment, bytes);
    if (!result.ok) {
      skipped.push({ ...base, reason: result.reason });
      continue;
    }
    const storageId = await ctx.storage.store(new Blob([bytes], { type: attachment.ContentType || "application/octet-stream" }));
    kept.push({ name: attachment.Name, contentType: attachment.ContentType, storageId, ...result.content });
  }
  return { kept, skipped };
}

/** Delete kept files that will not become documents (the mail was a duplicate, refused or ignored). */
export async function discardKept(ctx: Pick<MutationCtx, "storage">, kept: { storageId: Id<"_storage"> }[]): Promise<void> {
  for (const file of kept) await ctx.storage.delete(file.storageId);
}

/**
 * In `apply`, for a member's mail: each kept attachment becomes a document
 * in the member's own knowledge (category `email`, titled after the file and
 * the subject). Returns what was saved and, for any refused, why.
 */
export async function addToKnowledge(
  ctx: MutationCtx,
  caller: KnowledgeCaller,
  accountId: Id<"accounts">,
  kept: KeptAttachment[],
  subject: string,
): Promise<{ saved: string[]; refused: SkippedAttachment[] }> {
  const saved: string[] = [];
  const refused: SkippedAttachment[] = [];
  for (const { name, contentType, storageId, format, text, file } of kept) {
    const title = `${name}${subject.trim() !== "" ? ` — ${subject.trim()}` : ""}`.slice(0, MAX_TITLE_LENGTH);
    try {
      const result = await createDocument(ctx, caller, accountId, {
        scope: { kind: "user" },
        title,
        format,
        source: "upload",
        category: EMAIL_CATEGORY,
        upload: { storageId, fileName: name, contentType },
        ...(text !== undefined ? { text } : {}),
        ...(file !== undefined ? { file } : {}),
      });
      // The same file was already there: this copy is not needed.
      if (result.unchanged) await ctx.storage.delete(storageId);
      saved.push(name);
    } catch (error) {
      if (!isHarnessError(error)) throw error;
      await ctx.storage.delete(storageId);
      refused.push({ name, contentType, bytes: file?.bytes ?? text?.length ?? 0, reason: error.data.message.replace(/\.$/, "") });
    }
  }
  return { saved, refused };
}
