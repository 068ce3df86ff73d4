/**
 * Shared validators and limits of the knowledge domain. Types sit beside
 * their validators (`Infer`), so the schema, the public functions and the
 * helpers agree on one shape.
 */
import { v, type Infer } from "convex/values";

/** The layers of knowledge, widest first. */
export const SCOPE_KINDS = ["platform", "account", "team", "user", "agent"] as const;
export const vScopeKind = v.union(
  v.literal("platform"),
  v.literal("account"),
  v.literal("team"),
  v.literal("user"),
  v.literal("agent"),
);
export type ScopeKind = Infer<typeof vScopeKind>;

/**
 * A scope as a caller names it in a public function. The account is always
 * `args.accountId` and "user" always means the caller, so another account's
 * or another user's scope cannot even be expressed. (Teams are a stub: no
 * public function writes to them yet.)
 */
export const vScopeArg = v.union(
  v.object({ kind: v.literal("account") }),
  v.object({ kind: v.literal("user") }),
  v.object({ kind: v.literal("agent"), agentId: v.id("agents") }),
  v.object({ kind: v.literal("platform") }),
);
export type ScopeArg = Infer<typeof vScopeArg>;

export const vDocumentFormat = v.union(v.literal("text"), v.literal("markdown"));
export type DocumentFormat = Infer<typeof vDocumentFormat>;

export const vDocumentStatus = v.union(v.literal("pending"), v.literal("ready"), v.literal("failed"));
export type DocumentStatus = Infer<typeof vDocumentStatus>;

/** Where an entry came from; also a RAG filter value. */
export const vKnowledgeSource = v.union(v.literal("text"), v.literal("upload"), v.literal("memory"));
export type KnowledgeSource = Infer<typeof vKnowledgeSource>;

/** Largest document accepted, in UTF-8 bytes. */
export const MAX_DOCUMENT_BYTES = 200 * 1024;
export const MAX_TITLE_LENGTH = 200;
export const MAX_LABEL_LENGTH = 64;
/** File types `addFile` accepts (after dropping parameters such as `; charset=utf-8`). */
export const SUPPORTED_CONTENT_TYPES: Readonly<Record<string, DocumentFormat>> = {
  "text/plain": "text",
  "text/markdown": "markdown",
  "text/x-markdown": "markdown",
};

/** One search hit, as tools, the SPA and context assembly see it. */
export const vKnowledgeHit = v.object({
  entryId: v.string(),
  text: v.string(),
  title: v.string(),
  scope: vScopeKind,
  source: v.string(),
  score: v.number(),
  documentId: v.optional(v.id("knowledgeDocuments")),
});
export type KnowledgeHit = Infer<typeof vKnowledgeHit>;

export const vPublicDocument = v.object({
  documentId: v.id("knowledgeDocuments"),
  scope: vScopeKind,
  agentId: v.optional(v.id("agents")),
  title: v.string(),
  format: vDocumentFormat,
  source: vKnowledgeSource,
  fileName: v.optional(v.string()),
  contentType: v.optional(v.string()),
  bytes: v.number(),
  category: v.string(),
  locale: v.string(),
  status: vDocumentStatus,
  /** Why ingestion failed (status `failed`). */
  error: v.optional(v.string()),
  chunkCount: v.optional(v.number()),
  /** The embedding model its vectors were made with. */
  modelId: v.string(),
  createdAt: v.number(),
  updatedAt: v.number(),
});
export type PublicDocument = Infer<typeof vPublicDocument>;

export const vAddResult = v.object({
  documentId: v.id("knowledgeDocuments"),
  status: vDocumentStatus,
  /** True when the same content was already in this scope: nothing new was stored. */
  unchanged: v.boolean(),
});
export type AddResult = Infer<typeof vAddResult>;
