/**
 * The app's handle on the RAG component: one `RAG` client per embedding
 * model (resolved per account at call time, never at import), which
 * embedding model a scope's vectors are made with, the filters every entry
 * carries, hashing, and namespace bookkeeping.
 *
 * Embedding model per scope: platform knowledge is shared by every account,
 * so it always uses the deployment's embedding model (no account's connection
 * key may embed it, and every account can search it); account, user and
 * agent knowledge use the account's choice (Settings → Models → Embeddings,
 * convex/models/embeddingChoice.ts), which defaults to the deployment's.
 */
import { RAG, type EntryFilter } from "@convex-dev/rag";
import { v } from "convex/values";
import { components, internal } from "../_generated/api";
import type { Id } from "../_generated/dataModel";
import { internalMutation, type ActionCtx, type MutationCtx, type QueryCtx } from "../_generated/server";
import { fail } from "../lib/errors";
import { resolveAccountEmbeddingModel } from "../models/connectionStore";
import {
  OFFLINE_EMBEDDING_DIMENSION,
  offlineEmbeddingModel,
  resolveEmbeddingModel,
  type AccountEmbeddingConfig,
  type ResolvedEmbeddingModel,
} from "../models/embeddings";
import { namespaceFor } from "./scopes";
import { MAX_LABEL_LENGTH, type ScopeKind } from "./validators";

/** Filters on every entry (RAG requires a value for each name on every add). */
export type KnowledgeFilters = { category: string; source: string; locale: string };
export const FILTER_NAMES: (keyof KnowledgeFilters)[] = ["category", "source", "locale"];
export const DEFAULT_CATEGORY = "general";
/** BCP 47 "undetermined". */
export const DEFAULT_LOCALE = "und";

export type KnowledgeRag = RAG<KnowledgeFilters>;

/** The RAG client for one embedding model: adding, searching, and namespaces by name (they match by model and dimension). */
export function knowledgeRag(resolved: ResolvedEmbeddingModel): KnowledgeRag {
  return new RAG<KnowledgeFilters>(components.rag, {
    textEmbeddingModel: resolved.model,
    embeddingDimension: resolved.dimension,
    filterNames: FILTER_NAMES,
  });
}

/**
 * A RAG client for what neither embeds nor names a namespace: reading,
 * listing (by namespace id) and deleting entries, whatever model made them.
 * Its model is never called.
 */
export function entriesRag(): KnowledgeRag {
  return new RAG<KnowledgeFilters>(components.rag, {
    textEmbeddingModel: offlineEmbeddingModel(),
    embeddingDimension: OFFLINE_EMBEDDING_DIMENSION,
    filterNames: FILTER_NAMES,
  });
}

// --- which embedding model --------------------------------------------------------

/** The embedding model of a scope's vectors, in a query or mutation: the deployment's for platform knowledge, else the account's. */
export async function scopeEmbeddingModel(ctx: QueryCtx, accountId: Id<"accounts">, kind: ScopeKind): Promise<ResolvedEmbeddingModel> {
  return kind === "platform" ? resolveEmbeddingModel() : await resolveAccountEmbeddingModel(ctx, accountId);
}

/** The account's embedding model in an action (its connection's key loaded through an internal query). */
export async function accountEmbeddingModel(ctx: ActionCtx, accountId: Id<"accounts">): Promise<ResolvedEmbeddingModel> {
  const config: AccountEmbeddingConfig | null = await ctx.runQuery(internal.models.embeddingChoice.configFor, { accountId });
  return resolveEmbeddingModel(config);
}

/** `scopeEmbeddingModel` in an action. */
export async function scopeEmbeddingModelInAction(ctx: ActionCtx, accountId: Id<"accounts">, kind: ScopeKind): Promise<ResolvedEmbeddingModel> {
  return kind === "platform" ? resolveEmbeddingModel() : await accountEmbeddingModel(ctx, accountId);
}

export function filterValues(filters: KnowledgeFilters): EntryFilter<KnowledgeFilters>[] {
  return [
    { name: "category", value: filters.category },
    { name: "source", value: filters.source },
    { name: "locale", value: filters.locale },
  ];
}

/** A category or locale label (`what`: the field, for a refusal): trimmed, lower-case, short; the fallback when absent. */
export function cleanLabel(what: string, value: string | undefined, fallback: string): string {
  const label = (value ?? "").trim().toLowerCase();
  if (label === "") return fallback;
  if (label.length > MAX_LABEL_LENGTH || !/^[\p{L}\p{N}][\p{L}\p{N} _.:/-]*$/u.test(label)) {
    fail("bad_request", `A ${what} must be 1 to ${MAX_LABEL_LENGTH} letters, digits, spaces or - _ . : /`, { field: what });
  }
  return label;
}

/** Hex SHA-256 of a text (Web Crypto, available in queries, mutations and actions). */
export async function sha256Hex(text: string): Promise<string> {
  return await sha256HexOfBytes(new TextEncoder().encode(text));
}

/** Versions of one namespace looked at when recording a new one (each is a vector-length change of one model id). */
const MAX_NAMESPACE_VERSIONS = 20;

export type PreparedNamespace = { namespace: string; namespaceId: string; modelId: string };

/**
 * The RAG namespace of `scopeKey` under embedding model `resolved`, created
 * if needed and recorded in `knowledgeNamespaces` so deletion finds it later.
 */
export async function ensureNamespace(ctx: MutationCtx, scopeKey: string, resolved: ResolvedEmbeddingModel): Promise<PreparedNamespace> {
  const namespace = namespaceFor(scopeKey, resolved.modelId);
  const { namespaceId } = await knowledgeRag(resolved).getOrCreateNamespace(ctx, { namespace, status: "ready" });
  // One row per RAG namespace version: a new vector length for the same model id (an admin correcting
  // it) makes RAG start a new version, and deletion must still find the entries of the old one.
  const known = await ctx.db
    .query("knowledgeNamespaces")
    .withIndex("by_scopeKey_namespace", (q) => q.eq("scopeKey", scopeKey).eq("namespace", namespace))
    .take(MAX_NAMESPACE_VERSIONS);
  if (!known.some((row) => row.namespaceId === namespaceId)) {
    await ctx.db.insert("knowledgeNamespaces", { scopeKey, namespace, namespaceId, modelId: resolved.modelId });
  }
  return { namespace, namespaceId, modelId: resolved.modelId };
}

/**
 * `ensureNamespace` for actions (fact storage) under the account's embedding
 * model, which must still be `modelId`, the one the action embedded with
 * (`conflict` when an admin switched models meanwhile).
 */
export const prepareNamespace = internalMutation({
  args: { accountId: v.id("accounts"), scopeKey: v.string(), modelId: v.string() },
  returns: v.object({ namespace: v.string(), namespaceId: v.string(), modelId: v.string() }),
  handler: async (ctx, { accountId, scopeKey, modelId }) => {
    const resolved = await resolveAccountEmbeddingModel(ctx, accountId);
    if (resolved.modelId !== modelId) fail("conflict", `The account's embedding model changed to ${resolved.modelId} just now; try again.`);
    return await ensureNamespace(ctx, scopeKey, resolved);
  },
});

/** An error in words, for a document's `error` (a harness refusal's message, not its JSON). */
export function errorWords(error: unknown): string {
  const data = (error as { data?: { message?: unknown } } | null)?.data;
  if (data !== undefined && data !== null && typeof data.message === "string") return data.message;
  return error instanceof Error ? error.message : String(error);
}

/** Hex SHA-256 of bytes (an uploaded file). */
export async function sha256HexOfBytes(bytes: Uint8Array<ArrayBuffer>): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", bytes);
  return Array.from(new Uint8Array(digest), (byte) => byte.toString(16).padStart(2, "0")).join("");
}
