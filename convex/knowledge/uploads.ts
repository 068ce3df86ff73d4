/**
 * Files into knowledge: PDF, DOCX, HTML, Markdown, plain text and CSV.
 *
 * Two ways in, one path after: `uploadFile` takes the file's bytes in the
 * call (what the SPA uses; it works on a deployment and on the local engine,
 * which serves no upload URLs), or `generateUploadUrl` + `addFile` for a file
 * already POSTed to storage. Either way the file is checked before anything
 * is made — its type (declared, or by name), its size against its format's
 * limit, its first bytes (a renamed file is refused) — and kept in Convex
 * file storage; text and Markdown become the document's text at once, the
 * other formats are extracted during ingestion (ingest.ts → extractFile.ts).
 * A refused upload is deleted; nothing else is written.
 */
import { v } from "convex/values";
import { internal } from "../_generated/api";
import type { Id } from "../_generated/dataModel";
import { internalMutation, internalQuery, type ActionCtx } from "../_generated/server";
import { fail, isHarnessError } from "../lib/errors";
import { accountAction, accountMutation } from "../lib/functions";
import { vRole } from "../lib/validators";
import { accessibleDocument, callerOf, writableScope, type KnowledgeCaller } from "./access";
import { createDocument, deleteUpload, startIngestion, writeBody, checkText, type StoredFile } from "./documents";
import { checkContent, checkUploadSize, decodeUtf8, formatOfUpload } from "./formats";
import { sha256Hex, sha256HexOfBytes } from "./rag";
import { IN_PROGRESS_STATUSES, vAddResult, vDocumentFormat, vScopeArg, type AddResult, type DocumentFormat } from "./validators";

const vCaller = v.object({ userId: v.id("userProfiles"), role: vRole, isPlatformAdmin: v.boolean() });
const vLabels = { category: v.optional(v.string()), locale: v.optional(v.string()) };
/** A checked upload: the text of a text or Markdown file, or the size and hash of a file ingestion extracts. */
const vContent = v.object({
  format: vDocumentFormat,
  text: v.optional(v.string()),
  file: v.optional(v.object({ bytes: v.number(), contentHash: v.string() })),
});
type CheckedContent = { format: DocumentFormat; text?: string; file?: StoredFile };

/** Checks a file's type, size and first bytes; refuses it in words (`bad_request`). */
async function checkedContent(name: string, contentType: string, bytes: Uint8Array<ArrayBuffer>): Promise<CheckedContent> {
  const format = formatOfUpload(contentType, name);
  checkUploadSize(format, bytes.length);
  checkContent(format, bytes);
  if (format === "text" || format === "markdown") {
    const text = decodeUtf8(bytes);
    checkText(text);
    return { format, text };
  }
  return { format, file: { bytes: bytes.length, contentHash: await sha256HexOfBytes(bytes) } };
}

type UploadArgs = {
  accountId: Id<"accounts">;
  scope: typeof vScopeArg.type;
  name: string;
  contentType: string;
  title?: string;
  category?: string;
  locale?: string;
};

/** A checked, stored upload becomes a document; an upload whose content is already there is deleted. */
async function addStored(ctx: ActionCtx, caller: KnowledgeCaller, args: UploadArgs, storageId: Id<"_storage">, content: CheckedContent): Promise<AddResult> {
  const result: AddResult = await ctx.runMutation(internal.knowledge.uploads.insertUpload, {
    accountId: args.accountId,
    caller,
    scope: args.scope,
    title: args.title ?? args.name,
    content,
    storageId,
    fileName: args.name,
    contentType: args.contentType,
    ...(args.category !== undefined ? { category: args.category } : {}),
    ...(args.locale !== undefined ? { locale: args.locale } : {}),
  });
  // Identical content was already there: the new upload is not needed.
  if (result.unchanged) await ctx.storage.delete(storageId);
  return result;
}

/** Runs `work` with a stored upload; deletes the upload when the work refuses it or fails before using it. */
async function deletingOnRefusal<T>(ctx: ActionCtx, storageId: Id<"_storage">, work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    if (isHarnessError(error) && error.data.code !== "internal_error") await ctx.storage.delete(storageId);
    throw error;
  }
}

const vUploadArgs = { scope: vScopeArg, name: v.string(), contentType: v.string(), title: v.optional(v.string()), ...vLabels };

/**
 * Add a file to a scope the caller may write, its bytes in the call
 * (up to 8 MB; text and Markdown up to 200 KB). Refused before anything is
 * stored when its type, size or content is wrong.
 */
export const uploadFile = accountAction({
  args: { ...vUploadArgs, bytes: v.bytes() },
  returns: vAddResult,
  handler: async (ctx, { bytes, ...args }): Promise<AddResult> => {
    const caller = callerOf(ctx);
    await ctx.runQuery(internal.knowledge.uploads.checkWritable, { accountId: args.accountId, caller, scope: args.scope });
    const data = new Uint8Array(bytes);
    const content = await checkedContent(args.name, args.contentType, data);
    const storageId = await ctx.storage.store(new Blob([data], { type: args.contentType || "application/octet-stream" }));
    return await deletingOnRefusal(ctx, storageId, () => addStored(ctx, caller, args, storageId, content));
  },
});

/** Step 1 of an upload through storage: a URL to POST the file to; then call `addFile` with the storage id. */
export const generateUploadUrl = accountMutation({
  args: {},
  returns: v.string(),
  handler: async (ctx) => await ctx.storage.generateUploadUrl(),
});

/** Step 2 of an upload through storage: turn the uploaded file into a document. A refused upload is deleted. */
export const addFile = accountAction({
  args: { ...vUploadArgs, storageId: v.id("_storage") },
  returns: vAddResult,
  handler: async (ctx, { storageId, ...args }): Promise<AddResult> => {
    const caller = callerOf(ctx);
    const upload: { size: number; usedBy: { documentId: Id<"knowledgeDocuments">; status: AddResult["status"] } | null } =
      await ctx.runQuery(internal.knowledge.uploads.checkUpload, { accountId: args.accountId, caller, scope: args.scope, storageId });
    if (upload.usedBy !== null) return { ...upload.usedBy, unchanged: true };
    return await deletingOnRefusal(ctx, storageId, async () => {
      checkUploadSize(formatOfUpload(args.contentType, args.name), upload.size);
      const blob = await ctx.storage.get(storageId);
      if (blob === null) fail("not_found", "Upload not found.");
      const content = await checkedContent(args.name, args.contentType, new Uint8Array(await blob.arrayBuffer()));
      return await addStored(ctx, caller, args, storageId, content);
    });
  },
});

/**
 * A new file for an existing document (any supported format). Its old
 * version stays searchable until the new one is ready, then its chunks are
 * swapped in at once; a new file that cannot be read leaves the old version
 * in search and says why on the document.
 */
export const replaceFile = accountAction({
  args: { documentId: v.id("knowledgeDocuments"), name: v.string(), contentType: v.string(), bytes: v.bytes() },
  returns: vAddResult,
  handler: async (ctx, { documentId, name, contentType, bytes, accountId }): Promise<AddResult> => {
    const caller = callerOf(ctx);
    await ctx.runQuery(internal.knowledge.uploads.checkReplaceable, { accountId, caller, documentId });
    const data = new Uint8Array(bytes);
    const content = await checkedContent(name, contentType, data);
    const storageId = await ctx.storage.store(new Blob([data], { type: contentType || "application/octet-stream" }));
    return await deletingOnRefusal(ctx, storageId, () =>
      ctx.runMutation(internal.knowledge.uploads.replaceWithUpload, { accountId, caller, documentId, content, storageId, fileName: name, contentType }),
    );
  },
});

// --- internal: the transactions the actions above run ----------------------------

export const checkWritable = internalQuery({
  args: { accountId: v.id("accounts"), caller: vCaller, scope: vScopeArg },
  returns: v.null(),
  handler: async (ctx, { accountId, caller, scope }) => {
    await writableScope(ctx, caller, accountId, scope);
    return null;
  },
});

/** For `addFile`: may the caller write the scope, does the upload exist, is it already a document? */
export const checkUpload = internalQuery({
  args: { accountId: v.id("accounts"), caller: vCaller, scope: vScopeArg, storageId: v.id("_storage") },
  returns: v.object({
    size: v.number(),
    usedBy: v.union(v.null(), v.object({ documentId: v.id("knowledgeDocuments"), status: vAddResult.fields.status })),
  }),
  handler: async (ctx, { accountId, caller, scope, storageId }) => {
    await writableScope(ctx, caller, accountId, scope);
    const file = await ctx.db.system.get("_storage", storageId);
    if (file === null) fail("not_found", "Upload not found.");
    const used = await ctx.db
      .query("knowledgeDocuments")
      .withIndex("by_storageId", (q) => q.eq("storageId", storageId))
      .first();
    // Another account's file answers like a missing one.
    if (used !== null && used.accountId !== accountId) fail("not_found", "Upload not found.");
    return { size: file.size, usedBy: used === null ? null : { documentId: used._id, status: used.status } };
  },
});

export const checkReplaceable = internalQuery({
  args: { accountId: v.id("accounts"), caller: vCaller, documentId: v.id("knowledgeDocuments") },
  returns: v.null(),
  handler: async (ctx, { accountId, caller, documentId }) => {
    const document = await accessibleDocument(ctx, caller, accountId, documentId, "write");
    if (IN_PROGRESS_STATUSES.has(document.status)) fail("conflict", "This document is still being ingested; replace it once it is ready or failed.");
    return null;
  },
});

export const insertUpload = internalMutation({
  args: {
    accountId: v.id("accounts"),
    caller: vCaller,
    scope: vScopeArg,
    title: v.string(),
    content: vContent,
    storageId: v.id("_storage"),
    fileName: v.string(),
    contentType: v.string(),
    ...vLabels,
  },
  returns: vAddResult,
  handler: async (ctx, { accountId, caller, content, storageId, fileName, contentType, category, locale, ...input }) =>
    await createDocument(ctx, caller, accountId, {
      ...input,
      ...content,
      source: "upload",
      upload: { storageId, fileName, contentType },
      ...(category !== undefined ? { category } : {}),
      ...(locale !== undefined ? { locale } : {}),
    }),
});

export const replaceWithUpload = internalMutation({
  args: {
    accountId: v.id("accounts"),
    caller: vCaller,
    documentId: v.id("knowledgeDocuments"),
    content: vContent,
    storageId: v.id("_storage"),
    fileName: v.string(),
    contentType: v.string(),
  },
  returns: vAddResult,
  handler: async (ctx, { accountId, caller, documentId, content, storageId, fileName, contentType }): Promise<AddResult> => {
    const document = await accessibleDocument(ctx, caller, accountId, documentId, "write");
    if (IN_PROGRESS_STATUSES.has(document.status)) fail("conflict", "This document is still being ingested; replace it once it is ready or failed.");
    const measured = content.file ?? { bytes: checkText(content.text ?? ""), contentHash: await sha256Hex(content.text ?? "") };
    if (document.storageId !== undefined) await deleteUpload(ctx, document.storageId);
    await ctx.db.patch("knowledgeDocuments", documentId, {
      format: content.format,
      source: "upload",
      storageId,
      fileName,
      contentType,
      contentHash: measured.contentHash,
      bytes: measured.bytes,
      chunkCount: undefined,
      pageCount: undefined,
      error: undefined,
      updatedAt: Date.now(),
    });
    await writeBody(ctx, documentId, content.text ?? "");
    return { documentId, status: await startIngestion(ctx, documentId), unchanged: false };
  },
});
