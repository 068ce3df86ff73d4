/**
 * Searching knowledge across the scopes a turn may see, and assembling the
 * retrieved entries into a system-prompt section the model can cite.
 *
 * The query is embedded once; each visible namespace is searched for its
 * top `limit` chunks (scores are cosine similarities of one model, so they
 * compare across namespaces) and the merged list keeps the best `limit`
 * entries. Hits of documents are kept only while the document is live and
 * the entry is its current version, so a deleted document disappears from
 * search at once, before its vectors are gone.
 */
import { embed } from "ai";
import { v } from "convex/values";
import { internal } from "../_generated/api";
import type { Id } from "../_generated/dataModel";
import { internalQuery, type ActionCtx } from "../_generated/server";
import { fail } from "../lib/errors";
import { resolveEmbeddingModel } from "../models/embeddings";
import { STOP_WORDS, words } from "../models/text";
import { knowledgeRag } from "./rag";
import { visibleScopes } from "./scopes";
import { type KnowledgeHit, type KnowledgeSource, type ScopeKind } from "./validators";

export const MAX_SEARCH_LIMIT = 20;
/** At most five scopes of `MAX_SEARCH_LIMIT` hits each. */
const MAX_REFS = 5 * MAX_SEARCH_LIMIT;
/**
 * Context assembly offers an entry to the model only above this similarity.
 * Measured on the offline embedding (scripts/bench/knowledge.run.ts):
 * relevant entries score about 0.25 to 0.6, but unrelated short texts reach
 * 0.2 to 0.4 too (shared stop words and letter trigrams), so for the offline
 * model an entry must also share a content word with the message (see
 * `sharesTerm`). For real embedding models 0.3 is a starting point, not a
 * measured value.
 */
export const CONTEXT_MIN_SCORE = { offline: 0.2, other: 0.3 } as const;

/** Content words cut to five letters: a crude stemmer ("refunds", "refunded" → "refun"). */
function stems(text: string): Set<string> {
  return new Set(
    words(text)
      .filter((word) => word.length >= 3 && !STOP_WORDS.has(word))
      .map((word) => word.slice(0, 5)),
  );
}

/** Whether `text` shares a content word (by stem) with `query`. */
export function sharesTerm(query: string, text: string): boolean {
  const wanted = stems(query);
  for (const stem of stems(text)) if (wanted.has(stem)) return true;
  return false;
}

export type SearchKnowledgeArgs = {
  accountId: Id<"accounts">;
  userId: Id<"userProfiles">;
  agentId?: Id<"agents">;
  query: string;
  limit?: number;
  /** Only these scope kinds (default: every visible scope). */
  scopes?: readonly ScopeKind[];
  /** Only entries from this source (e.g. `memory` for facts). */
  source?: KnowledgeSource;
  /** Drop hits scoring below this. */
  minScore?: number;
};

/** Ranked hits across the caller's visible scopes, best first. */
export async function searchKnowledge(ctx: ActionCtx, args: SearchKnowledgeArgs): Promise<KnowledgeHit[]> {
  const query = args.query.trim();
  const limit = Math.max(1, Math.min(MAX_SEARCH_LIMIT, Math.floor(args.limit ?? 5)));
  if (query === "") return [];
  const resolved = resolveEmbeddingModel();
  const targets = visibleScopes(args, resolved.modelId).filter((scope) => args.scopes?.includes(scope.kind) ?? true);
  if (targets.length === 0) return [];
  const { embedding } = await embed({ model: resolved.model, value: query, maxRetries: 1 });
  const rag = knowledgeRag(resolved);
  const perScope = await Promise.all(
    targets.map(async (target) => ({
      target,
      found: await rag.search(ctx, {
        namespace: target.namespace,
        query: embedding,
        limit,
        ...(args.source !== undefined ? { filters: [{ name: "source" as const, value: args.source }] } : {}),
        ...(args.minScore !== undefined ? { vectorScoreThreshold: args.minScore } : {}),
      }),
    })),
  );

  const hits: (KnowledgeHit & { documentRef?: string })[] = [];
  for (const { target, found } of perScope) {
    for (const entry of found.entries) {
      if (entry.status !== "ready") continue;
      const scores = found.results.filter((result) => result.entryId === entry.entryId).map((result) => result.score);
      const source = entry.filterValues.find((filter) => filter.name === "source")?.value;
      const documentRef = entry.metadata?.documentId;
      hits.push({
        entryId: entry.entryId,
        text: entry.text,
        title: entry.title ?? "",
        scope: target.kind,
        source: typeof source === "string" ? source : "unknown",
        score: Math.max(...scores, 0),
        ...(typeof documentRef === "string" ? { documentRef } : {}),
      });
    }
  }
  hits.sort((a, b) => b.score - a.score);

  // Keep document hits only for live documents whose current version they are.
  const refs = [...new Set(hits.flatMap((hit) => (hit.documentRef !== undefined ? [hit.documentRef] : [])))];
  const live: { documentId: Id<"knowledgeDocuments">; ref: string; entryId: string | null; title: string }[] =
    refs.length === 0 ? [] : await ctx.runQuery(internal.knowledge.retrieval.liveDocuments, { refs });
  const byRef = new Map(live.map((document) => [document.ref, document]));
  const result: KnowledgeHit[] = [];
  for (const { documentRef, ...hit } of hits) {
    if (documentRef !== undefined) {
      const document = byRef.get(documentRef);
      if (document === undefined || document.entryId !== hit.entryId) continue;
      result.push({ ...hit, title: document.title, documentId: document.documentId });
    } else {
      result.push(hit);
    }
    if (result.length === limit) break;
  }
  return result;
}

/** The current entry and title of each document still there (refs are document ids as strings). */
export const liveDocuments = internalQuery({
  args: { refs: v.array(v.string()) },
  returns: v.array(
    v.object({ documentId: v.id("knowledgeDocuments"), ref: v.string(), entryId: v.union(v.string(), v.null()), title: v.string() }),
  ),
  handler: async (ctx, { refs }) => {
    const live = [];
    for (const ref of refs.slice(0, MAX_REFS)) {
      const id = ctx.db.normalizeId("knowledgeDocuments", ref);
      const document = id === null ? null : await ctx.db.get("knowledgeDocuments", id);
      if (document !== null) live.push({ documentId: document._id, ref, entryId: document.entryId ?? null, title: document.title });
    }
    return live;
  },
});

// --- context assembly ----------------------------------------------------------

export type ContextEntry = {
  n: number;
  entryId: string;
  title: string;
  text: string;
  scope: string;
  score: number;
  documentId?: string;
};

const MAX_CONTEXT_LINE = 1200;

function oneLine(text: string, max: number): string {
  const flat = text.replace(/\s+/g, " ").trim();
  return flat.length <= max ? flat : `${flat.slice(0, max - 1).trimEnd()}…`;
}

/** The system-prompt section for `entries`: one `[n] …` line each; empty when there are none. */
export function contextSection(entries: readonly ContextEntry[]): string {
  if (entries.length === 0) return "";
  const lines = entries.map((entry) => {
    const text = oneLine(entry.text, MAX_CONTEXT_LINE);
    const title = oneLine(entry.title, 200);
    const labelled = title === "" || text.toLowerCase().startsWith(title.toLowerCase()) ? text : `${title}: ${text}`;
    return `[${entry.n}] ${labelled}`;
  });
  return [
    "Knowledge retrieved for this message (from the account's, the user's and this agent's knowledge).",
    "Use it when it is relevant and cite the entries you use as [n]; ignore entries that do not help.",
    ...lines,
  ].join("\n");
}

/**
 * Before a model step: the top matches for the user's message across the
 * turn's visible scopes, numbered for citation, and the prompt section
 * listing them. The caller records `entries[].entryId` on its step row.
 */
export async function retrieveContext(
  ctx: ActionCtx,
  {
    accountId,
    userId,
    agentId,
    query,
    limit = 5,
  }: { accountId: Id<"accounts">; userId: Id<"userProfiles">; agentId: Id<"agents">; query: string; limit?: number },
): Promise<{
  entries: { n: number; entryId: string; title: string; text: string; scope: string; score: number; documentId?: string }[];
  promptSection: string;
}> {
  const offline = resolveEmbeddingModel().modelId.startsWith("offline-");
  const found = await searchKnowledge(ctx, {
    accountId,
    userId,
    agentId,
    query,
    // Room for the entries the word check below drops.
    limit: offline ? limit * 2 : limit,
    minScore: offline ? CONTEXT_MIN_SCORE.offline : CONTEXT_MIN_SCORE.other,
  });
  // The offline embedding is lexical at heart: an entry sharing no word with the message is noise.
  const hits = (offline ? found.filter((hit) => sharesTerm(query, `${hit.title} ${hit.text}`)) : found).slice(0, limit);
  const entries: ContextEntry[] = hits.map((hit, index) => ({
    n: index + 1,
    entryId: hit.entryId,
    title: hit.title,
    text: hit.text,
    scope: hit.scope,
    score: hit.score,
    ...(hit.documentId !== undefined ? { documentId: hit.documentId } : {}),
  }));
  return { entries, promptSection: contextSection(entries) };
}

// --- public API --------------------------------------------------------------------

export const agentOfAccount = internalQuery({
  args: { accountId: v.id("accounts"), agentId: v.id("agents") },
  returns: v.null(),
  handler: async (ctx, { accountId, agentId }) => {
    const agent = await ctx.db.get("agents", agentId);
    if (agent === null || agent.accountId !== accountId) fail("not_found", "Agent not found.");
    return null;
  },
});
