/**
 * Knowledge tables. The vectors, chunks and entries live in the RAG
 * component (`components.rag`); these tables are the app's side: which
 * documents exist, their ingestion status, their text, and which RAG
 * namespaces each scope has used (so deletion can find every entry).
 * Index names are `by_<field>_<field>` in index order.
 */
import { defineTable } from "convex/server";
import { v } from "convex/values";
import { vDocumentFormat, vDocumentStatus, vKnowledgeSource, vScopeKind, vTextBlock } from "./validators";

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
    /** The team of a team-scope document: only its members see it (access.ts). */
    teamId: v.optional(v.id("teams")),
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
    /** Progress while `embedding`: chunks embedded so far, of `chunkCount`. */
    embeddedChunks: v.optional(v.number()),
    /** Pages of a PDF. */
    pageCount: v.optional(v.number()),
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
   * The text of a document, apart from its row so lists never read it: as
   * added (text, Markdown), or as extracted from its file (`blocks`, each
   * with its page / heading / rows; `text` then empty).
   * Written by: documents (add / replace), ingestion (extraction).
   * Read by: the ingestion chunker, the document view.
   */
  knowledgeDocumentBodies: defineTable({
    documentId: v.id("knowledgeDocuments"),
    text: v.string(),
    blocks: v.optional(v.array(vTextBlock)),
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

  /**
   * Per agent: whether turns remember facts from conversations (absent: on
   * for the Assistant, off otherwise). Written by: factSettings.set.
   * Read by: conversationFacts.turnInput, factSettings.get.
   */
  knowledgeFactSettings: defineTable({
    accountId: v.id("accounts"),
    agentId: v.id("agents"),
    extractFacts: v.boolean(),
    updatedBy: v.id("userProfiles"),
  }).index("by_agentId", ["agentId"]),

  /**
   * The history of facts: a value superseded by a new one ("lives in Porto"
   * → "lives in Lisbon"), corrected or deleted by a person. The fact itself
   * lives in RAG; this keeps what it said before and where that came from.
   * Written by: storeFact (superseded), facts page (corrected / deleted).
   * Read by: the "what the agent knows about me" page (a fact's history).
   */
  knowledgeFactHistory: defineTable({
    scopeKey: v.string(),
    /** The fact's RAG key (scope + subject + predicate), the same across its versions. */
    factKey: v.string(),
    text: v.string(),
    change: v.union(v.literal("superseded"), v.literal("corrected"), v.literal("deleted")),
    /** What replaced it (superseded, corrected). */
    replacedBy: v.optional(v.string()),
    /** Where the old value came from: the user message and run it was read from. */
    messageId: v.optional(v.string()),
    interactionId: v.optional(v.id("interactions")),
    by: v.optional(v.id("userProfiles")),
    at: v.number(),
  }).index("by_scopeKey_factKey_at", ["scopeKey", "factKey", "at"]),

  /**
   * A user's own settings in an account: their locale (BCP 47), which turns'
   * system prompts carry as a directive. Written by: aboutMe.setLocale.
   * Read by: aboutMe.overview, context assembly (aboutMe.localeOf).
   */
  knowledgeUserSettings: defineTable({
    accountId: v.id("accounts"),
    userId: v.id("userProfiles"),
    locale: v.string(),
  }).index("by_userId_accountId", ["userId", "accountId"]),
};
