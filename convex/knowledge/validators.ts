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
 * or another user's scope cannot even be expressed. A team is named by id and
 * checked against the caller's team memberships (access.ts).
 */
export const vScopeArg = v.union(
  v.object({ kind: v.literal("account") }),
  v.object({ kind: v.literal("user") }),
  v.object({ kind: v.literal("agent"), agentId: v.id("agents") }),
  v.object({ kind: v.literal("platform") }),
  v.object({ kind: v.literal("team"), teamId: v.id("teams") }),
);
export type ScopeArg = Infer<typeof vScopeArg>;

export const vDocumentFormat = v.union(
  v.literal("text"),
  v.literal("markdown"),
  v.literal("pdf"),
  v.literal("docx"),
  v.literal("html"),
  v.literal("csv"),
);
export type DocumentFormat = Infer<typeof vDocumentFormat>;
/** Formats whose text is extracted from the stored file during ingestion (the others arrive as text). */
export const EXTRACTED_FORMATS: ReadonlySet<DocumentFormat> = new Set(["pdf", "docx", "html", "csv"]);

/**
 * Ingestion status: `queued` (waiting for the ingestion workpool),
 * `extracting` (reading the file's text), `embedding` (chunks being
 * embedded; `embeddedChunks` of `chunkCount` done), `ready`, `failed` (with
 * `error`). `pending` is the old word for queued, kept for rows written
 * before the split.
 */
export const vDocumentStatus = v.union(
  v.literal("queued"),
  v.literal("extracting"),
  v.literal("embedding"),
  v.literal("pending"),
  v.literal("ready"),
  v.literal("failed"),
);
export type DocumentStatus = Infer<typeof vDocumentStatus>;
export const IN_PROGRESS_STATUSES: ReadonlySet<DocumentStatus> = new Set(["queued", "extracting", "embedding", "pending"]);

/** Where a chunk sits in its document: a PDF page, a heading trail, CSV rows. */
export const vChunkLocation = v.object({
  page: v.optional(v.number()),
  heading: v.optional(v.string()),
  rows: v.optional(v.object({ first: v.number(), last: v.number() })),
});
export type ChunkLocation = Infer<typeof vChunkLocation>;

/** A piece of a document's extracted text with its place: what the document view shows and chunks come from. */
export const vTextBlock = v.object({ text: v.string(), ...vChunkLocation.fields });
export type TextBlock = Infer<typeof vTextBlock>;

/** Where an entry came from; also a RAG filter value. */
export const vKnowledgeSource = v.union(v.literal("text"), v.literal("upload"), v.literal("memory"));
export type KnowledgeSource = Infer<typeof vKnowledgeSource>;

/** Largest text document accepted, in UTF-8 bytes. */
export const MAX_DOCUMENT_BYTES = 200 * 1024;
/** Largest file (PDF, DOCX, HTML, CSV) accepted, in bytes (below Convex's 16 MiB argument limit, so the SPA can send it to `uploadFile`). */
export const MAX_FILE_BYTES = 8 * 1024 * 1024;
/** Most text kept from one file after extraction (it is stored in one document row, below Convex's 1 MiB). */
export const MAX_EXTRACTED_CHARS = 300 * 1000;
export const MAX_TITLE_LENGTH = 200;
export const MAX_LABEL_LENGTH = 64;
/** File types uploads may have (after dropping parameters such as `; charset=utf-8`). */
export const SUPPORTED_CONTENT_TYPES: Readonly<Record<string, DocumentFormat>> = {
  "text/plain": "text",
  "text/markdown": "markdown",
  "text/x-markdown": "markdown",
  "application/pdf": "pdf",
  "application/vnd.openxmlformats-officedocument.wordprocessingml.document": "docx",
  "text/html": "html",
  "application/xhtml+xml": "html",
  "text/csv": "csv",
  "application/csv": "csv",
};
/** File name endings, for uploads whose type says nothing (`application/octet-stream`, empty). */
export const SUPPORTED_EXTENSIONS: Readonly<Record<string, DocumentFormat>> = {
  txt: "text",
  md: "markdown",
  markdown: "markdown",
  pdf: "pdf",
  docx: "docx",
  html: "html",
  htm: "html",
  csv: "csv",
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
  /** Where in the document the best-matching chunk is ("p. 4", "Holidays > Carrying over"). */
  location: v.optional(v.string()),
});
export type KnowledgeHit = Infer<typeof vKnowledgeHit>;

export const vPublicDocument = v.object({
  documentId: v.id("knowledgeDocuments"),
  scope: vScopeKind,
  agentId: v.optional(v.id("agents")),
  teamId: v.optional(v.id("teams")),
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
  /** Chunks embedded so far (progress while `embedding`). */
  embeddedChunks: v.optional(v.number()),
  /** Pages of a PDF. */
  pageCount: v.optional(v.number()),
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
