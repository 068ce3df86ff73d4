/**
 * Documents in a knowledge scope: add (text, Markdown, uploaded files),
 * list, get, replace, delete. Adding stores the row and its text, then hands
 * ingestion to the RAG component's durable async add (its own workpool:
 * retried with backoff, status visible on the row). Public registrations are
 * thin; the logic is in the named functions below.
 */
import type { NamespaceId } from "@convex-dev/rag";
import { paginationOptsValidator, paginationResultValidator } from "convex/server";
import { v } from "convex/values";
import { internal } from "../_generated/api";
import type { Doc, Id } from "../_generated/dataModel";
import { internalMutation, internalQuery, type MutationCtx } from "../_generated/server";
import { accountAction, accountMutation, accountQuery } from "../lib/functions";
import { fail, isHarnessError } from "../lib/errors";
import { vRole } from "../lib/validators";
import type { ResolvedEmbeddingModel } from "../models/embeddings";
import { accessibleDocument, callerOf, readableScope, writableScope, type KnowledgeCaller } from "./access";
import { cleanLabel, DEFAULT_CATEGORY, DEFAULT_LOCALE, ensureNamespace, filterValues, knowledgeRag, scopeEmbeddingModel, sha256Hex } from "./rag";
import {
  MAX_DOCUMENT_BYTES,
  MAX_TITLE_LENGTH,
  SUPPORTED_CONTENT_TYPES,
  vAddResult,
  vDocumentFormat,
  vPublicDocument,
  vScopeArg,
  type AddResult,
  type DocumentFormat,
  type KnowledgeSource,
  type PublicDocument,
  type ScopeArg,
} from "./validators";

export function publicDocument(document: Doc<"knowledgeDocuments">): PublicDocument {
  return {
    documentId: document._id,
    scope: document.scope,
    ...(document.agentId !== undefined ? { agentId: document.agentId } : {}),
    title: document.title,
    format: document.format,
    source: document.source,
    ...(document.fileName !== undefined ? { fileName: document.fileName } : {}),
    ...(document.contentType !== undefined ? { contentType: document.contentType } : {}),
    bytes: document.bytes,
    category: document.category,
    locale: document.locale,
    status: document.status,
    ...(document.error !== undefined ? { error: document.error } : {}),
    ...(document.chunkCount !== undefined ? { chunkCount: document.chunkCount } : {}),
    modelId: document.modelId,
    createdAt: document._creationTime,
    updatedAt: document.updatedAt,
  };
}

// --- validation --------------------------------------------------------------

function kilobytes(bytes: number): string {
  return `${Math.ceil(bytes / 1024)} KB`;
}

/** Refuses empty and oversized texts; returns the size in UTF-8 bytes. */
export function checkText(text: string): number {
  if (text.trim() === "") fail("bad_request", "The document is empty.", { field: "text" });
  const bytes = new TextEncoder().encode(text).length;
  if (bytes > MAX_DOCUMENT_BYTES) {
    fail("bad_request", `Documents are limited to ${kilobytes(MAX_DOCUMENT_BYTES)}; this one is ${kilobytes(bytes)}.`, { field: "text" });
  }
  return bytes;
}

function cleanTitle(title: string): string {
  const trimmed = title.replace(/\s+/g, " ").trim();
  if (trimmed === "" || trimmed.length > MAX_TITLE_LENGTH) fail("bad_request", `A document title must be 1 to ${MAX_TITLE_LENGTH} characters.`, { field: "title" });
  return trimmed;
}

/** The format of an upload, from its content type (or its name, when the type says nothing). */
export function formatOfUpload(contentType: string, name: string): DocumentFormat {
  const type = contentType.split(";")[0]!.trim().toLowerCase();
  const known = SUPPORTED_CONTENT_TYPES[type];
  if (known) return known;
  if (type === "" || type === "application/octet-stream") {
    if (/\.(md|markdown)$/i.test(name)) return "markdown";
    if (/\.txt$/i.test(name)) return "text";
  }
  fail("bad_request", `Unsupported file type “${contentType || "unknown"}”: upload text/plain or text/markdown.`);
}

// --- adding ------------------------------------------------------------------

export type NewDocument = {
  scope: ScopeArg;
  title: string;
  text: string;
  format: DocumentFormat;
  source: KnowledgeSource;
  category?: string;
  locale?: string;
  upload?: { storageId: Id<"_storage">; fileName: string; contentType: string };
};

/**
 * Add a document to a scope the caller may write. The same content already
 * in that scope is a no-op (its document is returned, `unchanged: true`),
 * unless its ingestion failed or it was added under another embedding model
 * (the account switched models), in which case it is ingested again — under
 * the current model, its old version dropped once the new one is ready.
 */
export async function createDocument(
  ctx: MutationCtx,
  caller: KnowledgeCaller,
  accountId: Id<"accounts">,
  input: NewDocument,
): Promise<AddResult> {
  const title = cleanTitle(input.title);
  const bytes = checkText(input.text);
  const category = cleanLabel("category", input.category, DEFAULT_CATEGORY);
  const locale = cleanLabel("locale", input.locale, DEFAULT_LOCALE);
  const scope = await writableScope(ctx, caller, accountId, input.scope);
  const contentHash = await sha256Hex(input.text);
  const existing = await ctx.db
    .query("knowledgeDocuments")
    .withIndex("by_scopeKey_contentHash", (q) => q.eq("scopeKey", scope.scopeKey).eq("contentHash", contentHash))
    .first();
  const resolved = await scopeEmbeddingModel(ctx, accountId, scope.kind);
  if (existing !== null && existing.status !== "failed" && existing.modelId === resolved.modelId) {
    return { documentId: existing._id, status: existing.status, unchanged: true };
  }
  const fields = {
    title,
    format: input.format,
    source: input.source,
    contentHash,
    bytes,
    category,
    locale,
    status: "pending" as const,
    modelId: resolved.modelId,
    updatedAt: Date.now(),
    ...(input.upload ?? {}),
  };
  let documentId: Id<"knowledgeDocuments">;
  if (existing !== null) {
    documentId = existing._id;
    await ctx.db.patch("knowledgeDocuments", documentId, { ...fields, error: undefined });
    await writeBody(ctx, documentId, input.text);
  } else {
    documentId = await ctx.db.insert("knowledgeDocuments", {
      accountId,
      scope: scope.kind,
      scopeKey: scope.scopeKey,
      ...(scope.userId !== undefined ? { userId: scope.userId } : {}),
      ...(scope.agentId !== undefined ? { agentId: scope.agentId } : {}),
      createdBy: caller.userId,
      ...fields,
    });
    await ctx.db.insert("knowledgeDocumentBodies", { documentId, text: input.text });
  }
  const status = await startIngestion(ctx, documentId, resolved);
  return { documentId, status, unchanged: false };
}

async function writeBody(ctx: MutationCtx, documentId: Id<"knowledgeDocuments">, text: string) {
  const body = await ctx.db
    .query("knowledgeDocumentBodies")
    .withIndex("by_documentId", (q) => q.eq("documentId", documentId))
    .unique();
  if (body === null) await ctx.db.insert("knowledgeDocumentBodies", { documentId, text });
  else await ctx.db.patch("knowledgeDocumentBodies", body._id, { text });
}

/**
 * Queue the document's current text for ingestion (the RAG component's async
 * add: its workpool runs `ingest.chunkDocument`, retried with backoff, and
 * calls `ingest.ingestionComplete`) under the scope's embedding model (the
 * account's, or `resolved`). The entry is keyed by the document id, so a new
 * version replaces the old one only once it is ready.
 */
export async function startIngestion(
  ctx: MutationCtx,
  documentId: Id<"knowledgeDocuments">,
  model?: ResolvedEmbeddingModel,
): Promise<"pending" | "ready"> {
  const document = (await ctx.db.get("knowledgeDocuments", documentId))!;
  const resolved = model ?? (await scopeEmbeddingModel(ctx, document.accountId, document.scope));
  const { namespaceId } = await ensureNamespace(ctx, document.scopeKey, resolved);
  const { entryId, status } = await knowledgeRag(resolved).addAsync(ctx, {
    namespaceId: namespaceId as NamespaceId,
    key: documentId,
    title: document.title,
    metadata: { kind: "document", documentId },
    filterValues: filterValues({ category: document.category, source: document.source, locale: document.locale }),
    contentHash: document.contentHash,
    chunkerAction: internal.knowledge.ingest.chunkDocument,
    onComplete: internal.knowledge.ingest.ingestionComplete,
  });
  if (status === "ready") {
    // The same content under this key is already indexed: nothing to do.
    await ctx.db.patch("knowledgeDocuments", documentId, { status: "ready", entryId, pendingEntryId: undefined, error: undefined, modelId: resolved.modelId });
  } else {
    await ctx.db.patch("knowledgeDocuments", documentId, { status: "pending", pendingEntryId: entryId, modelId: resolved.modelId });
  }
  return status;
}

// --- removing ----------------------------------------------------------------

/** Delete a document's row, text and upload now; its RAG entries in the background. */
export async function removeDocument(ctx: MutationCtx, document: Doc<"knowledgeDocuments">): Promise<void> {
  const body = await ctx.db
    .query("knowledgeDocumentBodies")
    .withIndex("by_documentId", (q) => q.eq("documentId", document._id))
    .unique();
  if (body !== null) await ctx.db.delete("knowledgeDocumentBodies", body._id);
  if (document.storageId !== undefined) await deleteUpload(ctx, document.storageId);
  await ctx.db.delete("knowledgeDocuments", document._id);
  const entryIds = [document.entryId, document.pendingEntryId].filter((id): id is string => id !== undefined);
  if (entryIds.length > 0) await ctx.scheduler.runAfter(0, internal.knowledge.ingest.dropEntries, { entryIds });
}

async function deleteUpload(ctx: MutationCtx, storageId: Id<"_storage">) {
  if ((await ctx.db.system.get("_storage", storageId)) !== null) await ctx.storage.delete(storageId);
}

// --- public API --------------------------------------------------------------

const vLabels = { category: v.optional(v.string()), locale: v.optional(v.string()) };

/** Add text or Markdown to a scope (account and agent scopes: admins; user scope: the caller's own). */
export const addText = accountMutation({
  args: { scope: vScopeArg, title: v.string(), text: v.string(), format: v.optional(vDocumentFormat), ...vLabels },
  returns: vAddResult,
  handler: async (ctx, { accountId, scope, title, text, format, category, locale }) =>
    await createDocument(ctx, callerOf(ctx), accountId, {
      scope,
      title,
      text,
      format: format ?? "text",
      source: "text",
      ...(category !== undefined ? { category } : {}),
      ...(locale !== undefined ? { locale } : {}),
    }),
});

/** Step 1 of a file upload: a URL to POST the file to; then call `addFile` with the storage id. */
export const generateUploadUrl = accountMutation({
  args: {},
  returns: v.string(),
  handler: async (ctx) => await ctx.storage.generateUploadUrl(),
});

/**
 * Step 2 of a file upload: turn an uploaded text/plain or text/markdown file
 * into a document. A refused upload (type, size, encoding, empty) is deleted.
 */
export const addFile = accountAction({
  args: {
    scope: vScopeArg,
    storageId: v.id("_storage"),
    name: v.string(),
    contentType: v.string(),
    title: v.optional(v.string()),
    ...vLabels,
  },
  returns: vAddResult,
  handler: async (ctx, args): Promise<AddResult> => {
    const caller = callerOf(ctx);
    const upload: { size: number; usedBy: { documentId: Id<"knowledgeDocuments">; status: AddResult["status"] } | null } =
      await ctx.runQuery(internal.knowledge.documents.checkUpload, {
        accountId: args.accountId,
        caller,
        scope: args.scope,
        storageId: args.storageId,
      });
    if (upload.usedBy !== null) return { ...upload.usedBy, unchanged: true };
    try {
      const format = formatOfUpload(args.contentType, args.name);
      if (upload.size > MAX_DOCUMENT_BYTES) {
        fail("bad_request", `Documents are limited to ${kilobytes(MAX_DOCUMENT_BYTES)}; this file is ${kilobytes(upload.size)}.`);
      }
      const blob = await ctx.storage.get(args.storageId);
      if (blob === null) fail("not_found", "Upload not found.");
      let text: string;
      try {
        text = new TextDecoder("utf-8", { fatal: true }).decode(await blob.arrayBuffer());
      } catch {
        fail("bad_request", "The file is not valid UTF-8 text.");
      }
      const result: AddResult = await ctx.runMutation(internal.knowledge.documents.insertUpload, {
        accountId: args.accountId,
        caller,
        scope: args.scope,
        title: args.title ?? args.name,
        text: text.replace(/^\uFEFF/, ""),
        format,
        storageId: args.storageId,
        fileName: args.name,
        contentType: args.contentType,
        ...(args.category !== undefined ? { category: args.category } : {}),
        ...(args.locale !== undefined ? { locale: args.locale } : {}),
      });
      // Identical content was already there: the new upload is not needed.
      if (result.unchanged) await ctx.storage.delete(args.storageId);
      return result;
    } catch (error) {
      if (isHarnessError(error) && error.data.code === "bad_request") await ctx.storage.delete(args.storageId);
      throw error;
    }
  },
});

const vCaller = v.object({ userId: v.id("userProfiles"), role: vRole, isPlatformAdmin: v.boolean() });

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

export const insertUpload = internalMutation({
  args: {
    accountId: v.id("accounts"),
    caller: vCaller,
    scope: vScopeArg,
    title: v.string(),
    text: v.string(),
    format: vDocumentFormat,
    storageId: v.id("_storage"),
    fileName: v.string(),
    contentType: v.string(),
    ...vLabels,
  },
  returns: vAddResult,
  handler: async (ctx, { accountId, caller, storageId, fileName, contentType, category, locale, ...input }) =>
    await createDocument(ctx, caller, accountId, {
      ...input,
      source: "upload",
      upload: { storageId, fileName, contentType },
      ...(category !== undefined ? { category } : {}),
      ...(locale !== undefined ? { locale } : {}),
    }),
});

/** Documents of one scope, most recently changed first, with their ingestion status. */
export const list = accountQuery({
  args: { scope: vScopeArg, paginationOpts: paginationOptsValidator },
  returns: paginationResultValidator(vPublicDocument),
  handler: async (ctx, { accountId, scope, paginationOpts }) => {
    const resolved = await readableScope(ctx, callerOf(ctx), accountId, scope);
    const page = await ctx.db
      .query("knowledgeDocuments")
      .withIndex("by_scopeKey_updatedAt", (q) => q.eq("scopeKey", resolved.scopeKey))
      .order("desc")
      .paginate(paginationOpts);
    return { ...page, page: page.page.map(publicDocument) };
  },
});

export const get = accountQuery({
  args: { documentId: v.id("knowledgeDocuments") },
  returns: vPublicDocument,
  handler: async (ctx, { accountId, documentId }) =>
    publicDocument(await accessibleDocument(ctx, callerOf(ctx), accountId, documentId, "read")),
});

/**
 * New content for the same document. It stays searchable with its old
 * content until the new content is ready; a document still being ingested
 * cannot be replaced (`conflict`).
 */
export const replace = accountMutation({
  args: {
    documentId: v.id("knowledgeDocuments"),
    text: v.string(),
    title: v.optional(v.string()),
    format: v.optional(vDocumentFormat),
  },
  returns: vAddResult,
  handler: async (ctx, { accountId, documentId, text, title, format }): Promise<AddResult> => {
    const document = await accessibleDocument(ctx, callerOf(ctx), accountId, documentId, "write");
    if (document.status === "pending") fail("conflict", "This document is still being ingested; replace it once it is ready or failed.");
    const newTitle = title === undefined ? document.title : cleanTitle(title);
    const bytes = checkText(text);
    const contentHash = await sha256Hex(text);
    const resolved = await scopeEmbeddingModel(ctx, accountId, document.scope);
    if (contentHash === document.contentHash && newTitle === document.title && document.status === "ready" && document.modelId === resolved.modelId) {
      return { documentId, status: "ready", unchanged: true };
    }
    if (document.storageId !== undefined) await deleteUpload(ctx, document.storageId);
    await ctx.db.patch("knowledgeDocuments", documentId, {
      title: newTitle,
      format: format ?? document.format,
      source: "text",
      storageId: undefined,
      fileName: undefined,
      contentType: undefined,
      contentHash,
      bytes,
      chunkCount: undefined,
      error: undefined,
      updatedAt: Date.now(),
    });
    await writeBody(ctx, documentId, text);
    return { documentId, status: await startIngestion(ctx, documentId, resolved), unchanged: false };
  },
});

/** Delete a document: gone from lists and search at once, its vectors soon after. */
export const remove = accountMutation({
  args: { documentId: v.id("knowledgeDocuments") },
  returns: v.null(),
  handler: async (ctx, { accountId, documentId }) => {
    await removeDocument(ctx, await accessibleDocument(ctx, callerOf(ctx), accountId, documentId, "write"));
    return null;
  },
});
