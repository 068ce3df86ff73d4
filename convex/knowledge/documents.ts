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
import type { MutationCtx } from "../_generated/server";
import { accountMutation, accountQuery } from "../lib/functions";
import { fail } from "../lib/errors";
import type { ResolvedEmbeddingModel } from "../models/embeddings";
import { accessibleDocument, callerOf, readableScope, writableScope, type KnowledgeCaller } from "./access";
import { cleanLabel, DEFAULT_CATEGORY, DEFAULT_LOCALE, ensureNamespace, filterValues, knowledgeRag, scopeEmbeddingModel, sha256Hex } from "./rag";
import { locationLabel, markdownBlocks } from "./chunking";
import {
  EXTRACTED_FORMATS,
  IN_PROGRESS_STATUSES,
  MAX_DOCUMENT_BYTES,
  MAX_TITLE_LENGTH,
  vAddResult,
  vTextBlock,
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
    ...(document.teamId !== undefined ? { teamId: document.teamId } : {}),
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
    ...(document.embeddedChunks !== undefined ? { embeddedChunks: document.embeddedChunks } : {}),
    ...(document.pageCount !== undefined ? { pageCount: document.pageCount } : {}),
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

// --- adding ------------------------------------------------------------------

/** A stored file whose text ingestion extracts (PDF, DOCX, HTML, CSV): its size and the hash of its bytes. */
export type StoredFile = { bytes: number; contentHash: string };

export type NewDocument = {
  scope: ScopeArg;
  title: string;
  /** The text of a text or Markdown document; absent for a `file`. */
  text?: string;
  file?: StoredFile;
  format: DocumentFormat;
  source: KnowledgeSource;
  category?: string;
  locale?: string;
  upload?: { storageId: Id<"_storage">; fileName: string; contentType: string };
};

/** Size and content hash of a new document's text or file. */
async function measured(input: Pick<NewDocument, "text" | "file">): Promise<StoredFile> {
  if (input.file !== undefined) return input.file;
  const text = input.text ?? "";
  return { bytes: checkText(text), contentHash: await sha256Hex(text) };
}

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
  const { bytes, contentHash } = await measured(input);
  const category = cleanLabel("category", input.category, DEFAULT_CATEGORY);
  const locale = cleanLabel("locale", input.locale, DEFAULT_LOCALE);
  const scope = await writableScope(ctx, caller, accountId, input.scope);
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
    status: "queued" as const,
    modelId: resolved.modelId,
    updatedAt: Date.now(),
    ...(input.upload ?? {}),
  };
  let documentId: Id<"knowledgeDocuments">;
  if (existing !== null) {
    documentId = existing._id;
    await ctx.db.patch("knowledgeDocuments", documentId, { ...fields, error: undefined });
    await writeBody(ctx, documentId, input.text ?? "");
  } else {
    documentId = await ctx.db.insert("knowledgeDocuments", {
      accountId,
      scope: scope.kind,
      scopeKey: scope.scopeKey,
      ...(scope.userId !== undefined ? { userId: scope.userId } : {}),
      ...(scope.agentId !== undefined ? { agentId: scope.agentId } : {}),
      ...(scope.teamId !== undefined ? { teamId: scope.teamId } : {}),
      createdBy: caller.userId,
      ...fields,
    });
    // A file's text is written when it is extracted.
    if (input.text !== undefined) await ctx.db.insert("knowledgeDocumentBodies", { documentId, text: input.text });
  }
  const status = await startIngestion(ctx, documentId, resolved);
  return { documentId, status, unchanged: false };
}

/** A document's new text (empty for a file, whose extraction writes its blocks). */
export async function writeBody(ctx: MutationCtx, documentId: Id<"knowledgeDocuments">, text: string) {
  const body = await ctx.db
    .query("knowledgeDocumentBodies")
    .withIndex("by_documentId", (q) => q.eq("documentId", documentId))
    .unique();
  if (body === null) await ctx.db.insert("knowledgeDocumentBodies", { documentId, text });
  else await ctx.db.patch("knowledgeDocumentBodies", body._id, { text, blocks: undefined });
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
): Promise<"queued" | "ready"> {
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
    await ctx.db.patch("knowledgeDocuments", documentId, { status: "queued", pendingEntryId: entryId, embeddedChunks: undefined, modelId: resolved.modelId });
  }
  return status === "ready" ? "ready" : "queued";
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

export async function deleteUpload(ctx: MutationCtx, storageId: Id<"_storage">) {
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
    if (IN_PROGRESS_STATUSES.has(document.status)) fail("conflict", "This document is still being ingested; replace it once it is ready or failed.");
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
      // New text for a file's document makes it a text document.
      format: format ?? (EXTRACTED_FORMATS.has(document.format) ? "text" : document.format),
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

/** Blocks shown by the document view at most (a PDF's pages, a document's sections, CSV row blocks). */
const MAX_VIEW_BLOCKS = 500;

/**
 * What the document view shows: its text as extracted (a PDF page by page,
 * a Word file or web page section by section, CSV rows) or as added, each
 * block with the label citations use ("p. 4"), so a citation can open it at
 * that place. Empty while a file is still being extracted.
 */
export const content = accountQuery({
  args: { documentId: v.id("knowledgeDocuments") },
  returns: v.object({ blocks: v.array(v.object({ ...vTextBlock.fields, label: v.optional(v.string()) })), truncated: v.boolean() }),
  handler: async (ctx, { accountId, documentId }) => {
    const document = await accessibleDocument(ctx, callerOf(ctx), accountId, documentId, "read");
    const body = await ctx.db
      .query("knowledgeDocumentBodies")
      .withIndex("by_documentId", (q) => q.eq("documentId", document._id))
      .unique();
    if (body === null) return { blocks: [], truncated: false };
    const blocks = body.blocks ?? textBlocks(body.text, document.format);
    return {
      blocks: blocks.slice(0, MAX_VIEW_BLOCKS).map((block) => {
        const label = locationLabel(block);
        return { ...block, ...(label !== undefined ? { label } : {}) };
      }),
      truncated: blocks.length > MAX_VIEW_BLOCKS,
    };
  },
});

/** A text document as blocks: Markdown by its sections, plain text as one. */
function textBlocks(text: string, format: DocumentFormat) {
  if (format !== "markdown") return text.trim() === "" ? [] : [{ text }];
  return markdownBlocks(text);
}

/** Delete a document: gone from lists and search at once, its vectors soon after. */
export const remove = accountMutation({
  args: { documentId: v.id("knowledgeDocuments") },
  returns: v.null(),
  handler: async (ctx, { accountId, documentId }) => {
    await removeDocument(ctx, await accessibleDocument(ctx, callerOf(ctx), accountId, documentId, "write"));
    return null;
  },
});
