/**
 * The app's handle on the RAG component: one `RAG` client per embedding
 * model (resolved from the environment at call time, never at import), the
 * filters every entry carries, hashing, and namespace bookkeeping.
 */
import { RAG, type EntryFilter } from "@convex-dev/rag";
import { v } from "convex/values";
import { components } from "../_generated/api";
import { internalMutation, type MutationCtx } from "../_generated/server";
import { fail } from "../lib/errors";
import { resolveEmbeddingModel, type ResolvedEmbeddingModel } from "../models/embeddings";
import { namespaceFor } from "./scopes";
import { MAX_LABEL_LENGTH } from "./validators";

/** Filters on every entry (RAG requires a value for each name on every add). */
export type KnowledgeFilters = { category: string; source: string; locale: string };
export const FILTER_NAMES: (keyof KnowledgeFilters)[] = ["category", "source", "locale"];
export const DEFAULT_CATEGORY = "general";
/** BCP 47 "undetermined". */
export const DEFAULT_LOCALE = "und";

export type KnowledgeRag = RAG<KnowledgeFilters>;

export function knowledgeRag(resolved: ResolvedEmbeddingModel = resolveEmbeddingModel()): KnowledgeRag {
  return new RAG<KnowledgeFilters>(components.rag, {
    textEmbeddingModel: resolved.model,
    embeddingDimension: resolved.dimension,
    filterNames: FILTER_NAMES,
  });
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
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text));
  return Array.from(new Uint8Array(digest), (byte) => byte.toString(16).padStart(2, "0")).join("");
}

export type PreparedNamespace = { namespace: string; namespaceId: string; modelId: string };

/**
 * The RAG namespace of `scopeKey` under the current embedding model, created
 * if needed and recorded in `knowledgeNamespaces` so deletion finds it later.
 */
export async function ensureNamespace(
  ctx: MutationCtx,
  scopeKey: string,
  resolved: ResolvedEmbeddingModel = resolveEmbeddingModel(),
): Promise<PreparedNamespace> {
  const namespace = namespaceFor(scopeKey, resolved.modelId);
  const { namespaceId } = await knowledgeRag(resolved).getOrCreateNamespace(ctx, { namespace, status: "ready" });
  const known = await ctx.db
    .query("knowledgeNamespaces")
    .withIndex("by_scopeKey_namespace", (q) => q.eq("scopeKey", scopeKey).eq("namespace", namespace))
    .first();
  if (known === null) {
    await ctx.db.insert("knowledgeNamespaces", { scopeKey, namespace, namespaceId, modelId: resolved.modelId });
  } else if (known.namespaceId !== namespaceId) {
    await ctx.db.patch("knowledgeNamespaces", known._id, { namespaceId });
  }
  return { namespace, namespaceId, modelId: resolved.modelId };
}

/** `ensureNamespace` for actions (fact storage). */
export const prepareNamespace = internalMutation({
  args: { scopeKey: v.string() },
  returns: v.object({ namespace: v.string(), namespaceId: v.string(), modelId: v.string() }),
  handler: async (ctx, { scopeKey }) => await ensureNamespace(ctx, scopeKey),
});
