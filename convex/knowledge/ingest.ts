/**
 * Durable document ingestion, run by the RAG component's async add:
 *
 *   documents.startIngestion (status queued) ──rag.addAsync──► RAG workpool (3 attempts, backoff 1 s, 2 s)
 *       └─► chunkDocument (this file):
 *             a file (PDF, DOCX, HTML, CSV): extracting ──extractFile.extract (Node)──► text blocks with pages / headings / rows,
 *                                            kept for the document view; a refusal fails the document with the reason
 *             embedding: chunk (each chunk keeps its block's place in its metadata), embed, insert, progress per batch,
 *             swap in over the old version
 *   RAG: promote the entry to ready (or give up) ──► ingestionComplete: document ready / failed with the reason
 *
 * The chunks are embedded with the scope's embedding model (rag.ts: the
 * account's choice, which may be a connection's `POST {baseUrl}/embeddings`
 * with its key; the deployment's for platform knowledge), which must still be
 * the one the entry's namespace was made for.
 *
 * A failing embedding call throws, so the workpool retries the whole
 * chunker (chunk inserts are idempotent by position); after the last attempt
 * the document is marked failed with the provider's reason in words (its
 * status and own message, "Cannot reach <host>: connection refused") and its
 * partial entry is dropped. Search only ever sees ready entries of live documents.
 */
import { vEntry, vNamespaceId, vOnCompleteArgs, type EntryId } from "@convex-dev/rag";
import { v, type Value } from "convex/values";
import { components, internal } from "../_generated/api";
import type { Id } from "../_generated/dataModel";
import { internalAction, internalMutation, internalQuery, type ActionCtx, type MutationCtx } from "../_generated/server";
import { faultAt } from "../lib/faults";
import { embedTexts, type ResolvedEmbeddingModel } from "../models/embeddings";
import { chunkBlocks, chunkText, type LocatedChunk } from "./chunking";
import { entriesRag, errorWords, scopeEmbeddingModelInAction } from "./rag";
import { namespaceFor } from "./scopes";
import { EXTRACTED_FORMATS, vDocumentFormat, vScopeKind, vTextBlock, type DocumentFormat, type ScopeKind } from "./validators";

/** Chunks embedded and inserted per transaction (RAG's own batch size). */
const CHUNK_BATCH = 100;

/** The namespace the RAG component hands a chunker (its `vNamespace`, which it does not export). */
const vRagNamespace = v.object({
  namespaceId: vNamespaceId,
  createdAt: v.number(),
  namespace: v.string(),
  status: v.union(v.literal("pending"), v.literal("ready"), v.literal("replaced")),
  filterNames: v.array(v.string()),
  dimension: v.number(),
  modelId: v.string(),
  version: v.number(),
});

/**
 * Embeddings for document chunks. Provider retries are the workpool's
 * (journaled, visible), not the SDK's; a failure is thrown in words.
 */
async function embedChunks(resolved: ResolvedEmbeddingModel, values: string[]): Promise<number[][]> {
  if (faultAt("knowledge.embed")) throw new Error("The embedding provider is unavailable (injected test fault).");
  return await embedTexts(resolved, values);
}

type EntryBody = {
  documentId: Id<"knowledgeDocuments">;
  accountId: Id<"accounts">;
  scope: ScopeKind;
  scopeKey: string;
  format: DocumentFormat;
  /** The text of a text or Markdown document. */
  text?: string;
  /** The stored file of a PDF, DOCX, HTML or CSV document, extracted here. */
  storageId?: Id<"_storage">;
};

/** The text (or file) to ingest for `entryId` (and whose it is), or null when the document is gone or moved on to another version. */
export const bodyForEntry = internalQuery({
  args: { documentId: v.string(), entryId: v.string() },
  returns: v.union(
    v.null(),
    v.object({
      documentId: v.id("knowledgeDocuments"),
      accountId: v.id("accounts"),
      scope: vScopeKind,
      scopeKey: v.string(),
      format: vDocumentFormat,
      text: v.optional(v.string()),
      storageId: v.optional(v.id("_storage")),
    }),
  ),
  handler: async (ctx, { documentId, entryId }): Promise<EntryBody | null> => {
    const id = ctx.db.normalizeId("knowledgeDocuments", documentId);
    const document = id === null ? null : await ctx.db.get("knowledgeDocuments", id);
    if (document === null || document.pendingEntryId !== entryId) return null;
    const whose = { documentId: document._id, accountId: document.accountId, scope: document.scope, scopeKey: document.scopeKey, format: document.format };
    if (EXTRACTED_FORMATS.has(document.format)) {
      return document.storageId === undefined ? null : { ...whose, storageId: document.storageId };
    }
    const body = await ctx.db
      .query("knowledgeDocumentBodies")
      .withIndex("by_documentId", (q) => q.eq("documentId", document._id))
      .unique();
    return body === null ? null : { ...whose, text: body.text };
  },
});

/** A version no longer wanted (deleted, replaced, refused): thrown so RAG never promotes its empty entry over the current one. */
class StaleVersion extends Error {
  override name = "StaleVersion";
}

/**
 * The chunks of a document version with their places: a file's text is
 * extracted first (status `extracting`, in Node: extractFile.ts) and kept
 * for the document view; a refusal (password, no text layer, ...) marks the
 * document failed with the reason and ends this version.
 */
async function chunksOf(ctx: ActionCtx, body: EntryBody, entryId: string): Promise<LocatedChunk[]> {
  if (body.storageId === undefined) return chunkText(body.text ?? "").map((text) => ({ text }));
  await ctx.runMutation(internal.knowledge.ingest.recordStage, { documentId: body.documentId, entryId, status: "extracting" });
  const extraction = await ctx.runAction(internal.knowledge.extractFile.extract, { storageId: body.storageId, format: body.format });
  if (!extraction.ok) {
    await ctx.runMutation(internal.knowledge.ingest.recordRefusal, { documentId: body.documentId, entryId, reason: extraction.reason });
    throw new StaleVersion(extraction.reason);
  }
  const chunks = chunkBlocks(extraction.blocks);
  await ctx.runMutation(internal.knowledge.ingest.recordExtraction, {
    documentId: body.documentId,
    entryId,
    blocks: extraction.blocks,
    chunkCount: chunks.length,
    ...(extraction.pageCount !== undefined ? { pageCount: extraction.pageCount } : {}),
  });
  return chunks;
}

/** A chunk's place, as RAG keeps it in the chunk's metadata (read back by search for citations). */
function chunkMetadata(chunk: LocatedChunk): Record<string, Value> | undefined {
  const { text, ...location } = chunk;
  void text;
  return Object.keys(location).length === 0 ? undefined : location;
}

/** The chunker action of RAG's async add (runs in its workpool, retried on throw). */
export const chunkDocument = internalAction({
  args: { namespace: vRagNamespace, entry: vEntry, insertChunks: v.string() },
  returns: v.null(),
  handler: async (ctx, { namespace, entry }) => {
    const documentId = entry.metadata?.documentId;
    const body: EntryBody | null =
      typeof documentId === "string"
        ? await ctx.runQuery(internal.knowledge.ingest.bodyForEntry, { documentId, entryId: entry.entryId })
        : null;
    if (body === null) throw new StaleVersion("The document was deleted or changed while this version was queued."); // ingestionComplete drops the entry
    let resolved: ResolvedEmbeddingModel;
    try {
      resolved = await scopeEmbeddingModelInAction(ctx, body.accountId, body.scope);
    } catch (error) {
      throw new Error(errorWords(error), { cause: error }); // e.g. its connection was removed: in words, not as JSON
    }
    if (namespace.namespace !== namespaceFor(body.scopeKey, resolved.modelId) || resolved.dimension !== namespace.dimension) {
      throw new Error(`The embedding model changed to ${resolved.modelId} while this document was queued; add it again.`);
    }
    const chunks = await chunksOf(ctx, body, entry.entryId);
    if (chunks.length === 0) throw new Error("The document has no text to index.");
    let replacesOlderVersion = false;
    for (let start = 0; start < chunks.length; start += CHUNK_BATCH) {
      const batch = chunks.slice(start, start + CHUNK_BATCH);
      const embeddings = await embedChunks(resolved, batch.map((chunk) => chunk.text));
      const { status } = await ctx.runMutation(components.rag.chunks.insert, {
        entryId: entry.entryId,
        startOrder: start,
        chunks: batch.map((chunk, index) => {
          const metadata = chunkMetadata(chunk);
          return { content: { text: chunk.text, ...(metadata ? { metadata } : {}) }, embedding: embeddings[index]!, searchableText: chunk.text };
        }),
      });
      if (status === "pending") replacesOlderVersion = true;
      await ctx.runMutation(internal.knowledge.ingest.recordProgress, {
        documentId: body.documentId,
        entryId: entry.entryId,
        embeddedChunks: start + batch.length,
        chunkCount: chunks.length,
      });
    }
    // A new version of a document: swap its vectors in for the old version's, page by page.
    if (replacesOlderVersion) {
      let startOrder = 0;
      for (;;) {
        const page = await ctx.runMutation(components.rag.chunks.replaceChunksPage, { entryId: entry.entryId, startOrder });
        if (page.status !== "pending") break;
        startOrder = page.nextStartOrder;
      }
    }
    return null;
  },
});

const vVersion = { documentId: v.id("knowledgeDocuments"), entryId: v.string() };

/** The document, if `entryId` is still the version being ingested. */
async function currentVersion(ctx: MutationCtx, documentId: Id<"knowledgeDocuments">, entryId: string) {
  const document = await ctx.db.get("knowledgeDocuments", documentId);
  return document?.pendingEntryId === entryId ? document : null;
}

export const recordStage = internalMutation({
  args: { ...vVersion, status: v.literal("extracting") },
  returns: v.null(),
  handler: async (ctx, { documentId, entryId, status }) => {
    if (await currentVersion(ctx, documentId, entryId)) await ctx.db.patch("knowledgeDocuments", documentId, { status, updatedAt: Date.now() });
    return null;
  },
});

/** The extracted text, kept for the document view; embedding starts. */
export const recordExtraction = internalMutation({
  args: { ...vVersion, blocks: v.array(vTextBlock), chunkCount: v.number(), pageCount: v.optional(v.number()) },
  returns: v.null(),
  handler: async (ctx, { documentId, entryId, blocks, chunkCount, pageCount }) => {
    if ((await currentVersion(ctx, documentId, entryId)) === null) return null;
    const body = await ctx.db
      .query("knowledgeDocumentBodies")
      .withIndex("by_documentId", (q) => q.eq("documentId", documentId))
      .unique();
    if (body === null) await ctx.db.insert("knowledgeDocumentBodies", { documentId, text: "", blocks });
    else await ctx.db.patch("knowledgeDocumentBodies", body._id, { text: "", blocks });
    await ctx.db.patch("knowledgeDocuments", documentId, { status: "embedding", chunkCount, embeddedChunks: 0, pageCount, updatedAt: Date.now() });
    return null;
  },
});

/** Progress of embedding: `embeddedChunks` of `chunkCount`. */
export const recordProgress = internalMutation({
  args: { ...vVersion, embeddedChunks: v.number(), chunkCount: v.number() },
  returns: v.null(),
  handler: async (ctx, { documentId, entryId, embeddedChunks, chunkCount }) => {
    if (await currentVersion(ctx, documentId, entryId)) {
      await ctx.db.patch("knowledgeDocuments", documentId, { status: "embedding", embeddedChunks, chunkCount });
    }
    return null;
  },
});

/**
 * A file that can never be read: the document fails with the reason, its
 * upload is deleted, and nothing of this version stays (its entry is dropped
 * by `ingestionComplete`). A previous version, if any, stays searchable.
 */
export const recordRefusal = internalMutation({
  args: { ...vVersion, reason: v.string() },
  returns: v.null(),
  handler: async (ctx, { documentId, entryId, reason }) => {
    const document = await currentVersion(ctx, documentId, entryId);
    if (document === null) return null;
    if (document.storageId !== undefined && (await ctx.db.system.get("_storage", document.storageId)) !== null) {
      await ctx.storage.delete(document.storageId);
    }
    console.warn(JSON.stringify({ event: "knowledge_extraction_refused", documentId, reason }));
    await ctx.db.patch("knowledgeDocuments", documentId, {
      status: "failed",
      error: reason,
      storageId: undefined,
      pendingEntryId: undefined,
      embeddedChunks: undefined,
      updatedAt: Date.now(),
    });
    return null;
  },
});

/** RAG's onComplete for a document entry: ready, or failed with the reason. */
export const ingestionComplete = internalMutation({
  args: vOnCompleteArgs,
  returns: v.null(),
  handler: async (ctx, { entry, replacedEntry, error }) => {
    const raw = entry.metadata?.documentId;
    const id = typeof raw === "string" ? ctx.db.normalizeId("knowledgeDocuments", raw) : null;
    const document = id === null ? null : await ctx.db.get("knowledgeDocuments", id);
    const drop: string[] = [];
    if (document === null || document.pendingEntryId !== entry.entryId) {
      // The document was deleted (or moved on) while this version was ingested.
      if (entry.entryId !== document?.entryId) drop.push(entry.entryId);
      if (replacedEntry && replacedEntry.entryId !== document?.entryId) drop.push(replacedEntry.entryId);
    } else if (error !== undefined) {
      console.warn(JSON.stringify({ event: "knowledge_ingestion_failed", documentId: document._id, error }));
      await ctx.db.patch("knowledgeDocuments", document._id, {
        status: "failed",
        error: `Ingestion failed after retries: ${error}`,
        pendingEntryId: undefined,
        embeddedChunks: undefined,
        updatedAt: Date.now(),
      });
      drop.push(entry.entryId);
    } else {
      await ctx.db.patch("knowledgeDocuments", document._id, {
        status: "ready",
        entryId: entry.entryId,
        pendingEntryId: undefined,
        embeddedChunks: undefined,
        error: undefined,
        updatedAt: Date.now(),
      });
      if (replacedEntry && replacedEntry.entryId !== entry.entryId) drop.push(replacedEntry.entryId);
      // Added again under another embedding model: its version in the old model's namespace goes.
      const previous = document.entryId;
      if (previous !== undefined && previous !== entry.entryId && previous !== replacedEntry?.entryId) drop.push(previous);
    }
    if (drop.length > 0) await ctx.scheduler.runAfter(0, internal.knowledge.ingest.dropEntries, { entryIds: drop });
    return null;
  },
});

/**
 * Delete RAG entries and their chunks, one entry at a time (each in its own
 * bounded transactions). Entries already gone are skipped, so running it
 * twice for the same entries is harmless.
 */
export const dropEntries = internalAction({
  args: { entryIds: v.array(v.string()) },
  returns: v.null(),
  handler: async (ctx, { entryIds }) => {
    const rag = entriesRag();
    for (const entryId of entryIds as EntryId[]) {
      try {
        if ((await rag.getEntry(ctx, { entryId })) === null) continue;
        await rag.delete(ctx, { entryId });
      } catch (error) {
        // Another deletion of the same entry won the race.
        if ((await rag.getEntry(ctx, { entryId })) !== null) throw error;
      }
    }
    return null;
  },
});
