/**
 * Knowledge tables. The vectors, chunks and entries live in the RAG
 * component (`components.rag`); these tables are the app's side: which
 * documents exist, their ingestion status, their text, and which RAG
 * namespaces each scope has used (so deletion can find every entry).
 * Index names are `by_<field>_<field>` in index order.
 */
import { defineTable } from "convex/server";
import { v } from "convex/values";
import { vDocumentFormat, vDocumentStatus, vKnowledgeSource, vScopeKind } from "./validators";

export const knowledgeTables = {
  /**
   * One row per document added to a scope. `entryId` is the RAG entry search
   * serves; `pendingEntryId` the one being ingested (a replacement keeps the
   * old entry searchable until the new one is ready).
   * Written by: documents (add / replace / delete), ingestion's onComplete,
   * scope deletion. Read by: document list/get, search (is the hit still live?).
   */
  knowledgeDocuments: defineTable({
    accountId: v.id("accounts"),
    scope: vScopeKind,
    /** `account:<id>`, `user:<accountId>:<userId>`, ... (see scopes.ts). */
    scopeKey: v.string(),
    /** The owner of a user-scope document. */
    userId: v.optional(v.id("userProfiles")),
    agentId: v.optional(v.id("agents")),
    title: v.string(),
    format: vDocumentFormat,
    source: vKnowledgeSource,
    fileName: v.optional(v.string()),
    contentType: v.optional(v.string()),
    storageId: v.optional(v.id("_storage")),
    /** SHA-256 of the text: the same content twice in one scope is one document. */
    contentHash: v.string(),
    bytes: v.number(),
    category: v.string(),
    locale: v.string(),
    status: vDocumentStatus,
    error: v.optional(v.string()),
    modelId: v.string(),
    entryId: v.optional(v.string()),
    pendingEntryId: v.optional(v.string()),
    chunkCount: v.optional(v.number()),
    createdBy: v.id("userProfiles"),
    updatedAt: v.number(),
  })
    // list (newest first), scope deletion
    .index("by_scopeKey_updatedAt", ["scopeKey", "updatedAt"])
    // re-adding identical content is a no-op
    .index("by_scopeKey_contentHash", ["scopeKey", "contentHash"])
    // an upload may back one document only
    .index("by_storageId", ["storageId"]),

  /**
   * The text of a document, apart from its row so lists never read it.
   * Written by: documents (add / replace). Read by: the ingestion chunker.
   */
  knowledgeDocumentBodies: defineTable({
    documentId: v.id("knowledgeDocuments"),
    text: v.string(),
  }).index("by_documentId", ["documentId"]),

  /**
   * Every RAG namespace a scope has written to (one per embedding model id;
   * a row per RAG version of it, should its vector length change).
   * Written by: document ingestion and fact storage. Read by: scope deletion.
   */
  knowledgeNamespaces: defineTable({
    scopeKey: v.string(),
    namespace: v.string(),
    namespaceId: v.string(),
    modelId: v.string(),
  }).index("by_scopeKey_namespace", ["scopeKey", "namespace"]),
};
