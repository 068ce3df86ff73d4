/**
 * Searching knowledge across the scopes a turn may see, and assembling the
 * retrieved entries into a system-prompt section the model can cite.
 *
 * The query is embedded once per embedding model in play — the account's
 * (its own choice, else the deployment's), and the deployment's for platform
 * knowledge when the account chose another — and each visible namespace is
 * searched under its model for its top `limit` chunks; the merged list keeps
 * the best `limit` entries (scores are cosine similarities, compared across
 * namespaces; across two models they are only roughly comparable). Hits of
 * documents are kept only while the document is live and the entry is its
 * current version, so a deleted document disappears from search at once,
 * before its vectors are gone.
 */
import { v } from "convex/values";
import { internal } from "../_generated/api";
import type { Id } from "../_generated/dataModel";
import { internalQuery, type ActionCtx } from "../_generated/server";
import { fail } from "../lib/errors";
import { embedTexts, resolveEmbeddingModel, type ResolvedEmbeddingModel } from "../models/embeddings";
import { STOP_WORDS, words } from "../models/text";
import { activeTeamsOf } from "../teams/membership";
import { locationLabel } from "./chunking";
import { accountEmbeddingModel, knowledgeRag } from "./rag";
import { visibleScopes, type VisibleScope } from "./scopes";
import { vScopeKind, type KnowledgeHit, type KnowledgeSource, type ScopeKind } from "./validators";

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

/** A hit, and whether the model that found it is the lexical offline one. */
type ModelHit = KnowledgeHit & { offlineModel: boolean };

function withoutModel(hit: ModelHit): KnowledgeHit {
  const { offlineModel, ...rest } = hit;
  void offlineModel;
  return rest;
}

/** Ranked hits across the caller's visible scopes, best first. */
export async function searchKnowledge(ctx: ActionCtx, args: SearchKnowledgeArgs): Promise<KnowledgeHit[]> {
  return (await rankedHits(ctx, args)).map(withoutModel);
}

async function rankedHits(
  ctx: ActionCtx,
  args: SearchKnowledgeArgs & { minScoreOf?: (model: ResolvedEmbeddingModel) => number },
): Promise<ModelHit[]> {
  const query = args.query.trim();
  const limit = Math.max(1, Math.min(MAX_SEARCH_LIMIT, Math.floor(args.limit ?? 5)));
  if (query === "") return [];
  const account = await accountEmbeddingModel(ctx, args.accountId);
  const wanted = (kind: ScopeKind) => args.scopes?.includes(kind) ?? true;
  // Platform knowledge is embedded with the deployment's model (rag.ts); resolved only when searched.
  const platform = wanted("platform") ? resolveEmbeddingModel() : account;
  const targets = await ctx.runQuery(internal.knowledge.retrieval.searchTargets, {
    accountId: args.accountId,
    userId: args.userId,
    ...(args.agentId !== undefined ? { agentId: args.agentId } : {}),
    modelId: account.modelId,
    platformModelId: platform.modelId,
    ...(args.scopes !== undefined ? { kinds: [...args.scopes] } : {}),
  });
  // Nothing was ever written where this caller may look: no embedding call, no vector search.
  if (targets.length === 0) return [];
  const modelOf = (kind: ScopeKind) => (kind === "platform" ? platform : account);
  // The query, embedded once by each model in play.
  const queries = new Map<string, number[]>();
  for (const target of targets) {
    const model = modelOf(target.kind);
    if (!queries.has(model.modelId)) queries.set(model.modelId, (await embedTexts(model, [query], { maxRetries: 1 }))[0]!);
  }
  const perScope = await Promise.all(
    targets.map(async (target) => {
      const model = modelOf(target.kind);
      const minScore = args.minScoreOf?.(model) ?? args.minScore;
      return {
        target,
        offlineModel: model.provider === "offline",
        found: await knowledgeRag(model).search(ctx, {
          namespace: target.namespace,
          query: queries.get(model.modelId)!,
          limit,
          ...(args.source !== undefined ? { filters: [{ name: "source" as const, value: args.source }] } : {}),
          ...(minScore !== undefined ? { vectorScoreThreshold: minScore } : {}),
        }),
      };
    }),
  );

  const hits: (ModelHit & { documentRef?: string })[] = [];
  for (const { target, offlineModel, found } of perScope) {
    for (const entry of found.entries) {
      if (entry.status !== "ready") continue;
      const results = found.results.filter((result) => result.entryId === entry.entryId);
      const best = results.reduce<(typeof results)[number] | undefined>((top, result) => (top === undefined || result.score > top.score ? result : top), undefined);
      const source = entry.filterValues.find((filter) => filter.name === "source")?.value;
      const documentRef = entry.metadata?.documentId;
      const location = best === undefined ? undefined : locationOfResult(best);
      hits.push({
        entryId: entry.entryId,
        text: entry.text,
        title: entry.title ?? "",
        scope: target.kind,
        source: typeof source === "string" ? source : "unknown",
        score: best?.score ?? 0,
        offlineModel,
        ...(typeof documentRef === "string" ? { documentRef } : {}),
        ...(location !== undefined ? { location } : {}),
      });
    }
  }
  hits.sort((a, b) => b.score - a.score);

  // Keep document hits only for live documents whose current version they are.
  const refs = [...new Set(hits.flatMap((hit) => (hit.documentRef !== undefined ? [hit.documentRef] : [])))];
  const live: { documentId: Id<"knowledgeDocuments">; ref: string; entryId: string | null; title: string }[] =
    refs.length === 0 ? [] : await ctx.runQuery(internal.knowledge.retrieval.liveDocuments, { refs });
  const byRef = new Map(live.map((document) => [document.ref, document]));
  const result: ModelHit[] = [];
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

/** The place of a search result's matching chunk ("p. 4"), from the metadata ingestion stored on it. */
function locationOfResult(result: { order: number; startOrder: number; content: { metadata?: Record<string, unknown> }[] }): string | undefined {
  const metadata = result.content[result.order - result.startOrder]?.metadata ?? result.content[0]?.metadata;
  if (metadata === undefined) return undefined;
  const page = typeof metadata["page"] === "number" ? metadata["page"] : undefined;
  const heading = typeof metadata["heading"] === "string" ? metadata["heading"] : undefined;
  const rows = metadata["rows"] as { first?: unknown; last?: unknown } | undefined;
  return locationLabel({
    ...(page !== undefined ? { page } : {}),
    ...(heading !== undefined ? { heading } : {}),
    ...(rows !== undefined && typeof rows.first === "number" && typeof rows.last === "number" ? { rows: { first: rows.first, last: rows.last } } : {}),
  });
}

/** How a cited document is named: its title and the place of the chunk, "report.pdf, p. 4". */
export function citationTitle(title: string, location: string | undefined): string {
  return location === undefined ? title : `${title}, ${location}`;
}

/** The place a citation title names after its document's title ("report.pdf, p. 4" → "p. 4"), as `{ location }` or nothing. */
export function citationLocation(citation: string, documentTitle: string | undefined): { location?: string } {
  if (documentTitle === undefined || !citation.startsWith(`${documentTitle}, `)) return {};
  const location = citation.slice(documentTitle.length + 2).trim();
  return location === "" ? {} : { location };
}

/**
 * The namespaces a search looks in: the caller's visible scopes (scopes.ts),
 * keeping only those knowledge was ever written to under their model. Every
 * write records its namespace first (`ensureNamespace`, rag.ts), so a scope
 * with no row has no entries: an account without knowledge costs its turns
 * no embedding call and no vector search. Team scopes are the user's active
 * teams, read here from the verified user id, never taken from the caller.
 */
export const searchTargets = internalQuery({
  args: {
    accountId: v.id("accounts"),
    userId: v.id("userProfiles"),
    agentId: v.optional(v.id("agents")),
    modelId: v.string(),
    platformModelId: v.string(),
    /** Only these scope kinds (default: every visible scope). */
    kinds: v.optional(v.array(vScopeKind)),
  },
  returns: v.array(v.object({ kind: vScopeKind, scopeKey: v.string(), namespace: v.string() })),
  handler: async (ctx, { accountId, userId, agentId, modelId, platformModelId, kinds }) => {
    const wanted = (kind: ScopeKind) => kinds?.includes(kind) ?? true;
    const teamIds = wanted("team") ? await activeTeamsOf(ctx, accountId, userId) : [];
    const visible = visibleScopes({ accountId, userId, ...(agentId !== undefined ? { agentId } : {}), teamIds }, modelId, platformModelId);
    const targets: VisibleScope[] = [];
    for (const scope of visible) {
      if (!wanted(scope.kind)) continue;
      const recorded = await ctx.db
        .query("knowledgeNamespaces")
        .withIndex("by_scopeKey_namespace", (q) => q.eq("scopeKey", scope.scopeKey).eq("namespace", scope.namespace))
        .first();
      if (recorded !== null) targets.push(scope);
    }
    return targets;
  },
});

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

/** What a shared conversation's turns draw on: what every member of the account can read anyway. */
const SHARED_CONVERSATION_SCOPES: readonly ScopeKind[] = ["platform", "account", "agent"];

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
    shared = false,
  }: {
    accountId: Id<"accounts">;
    userId: Id<"userProfiles">;
    agentId: Id<"agents">;
    query: string;
    limit?: number;
    /** A conversation other members read: only knowledge all of them may see (no user or team scope, no facts about the sender). */
    shared?: boolean;
  },
): Promise<{
  entries: { n: number; entryId: string; title: string; text: string; scope: string; score: number; documentId?: string }[];
  promptSection: string;
}> {
  const found = await rankedHits(ctx, {
    accountId,
    userId,
    agentId,
    query,
    ...(shared ? { scopes: SHARED_CONVERSATION_SCOPES } : {}),
    // Room for the entries the word check below drops.
    limit: limit * 2,
    minScoreOf: (model) => (model.provider === "offline" ? CONTEXT_MIN_SCORE.offline : CONTEXT_MIN_SCORE.other),
  });
  // The offline embedding is lexical at heart: an entry it found sharing no word with the message is noise.
  const hits = found.filter((hit) => !hit.offlineModel || sharesTerm(query, `${hit.title} ${hit.text}`)).slice(0, limit);
  const entries: ContextEntry[] = hits.map((hit, index) => ({
    n: index + 1,
    entryId: hit.entryId,
    // The step row keeps this title, and the answer's citations show it: "report.pdf, p. 4".
    title: citationTitle(hit.title, hit.location),
    text: hit.text,
    scope: hit.scope,
    score: hit.score,
    ...(hit.documentId !== undefined ? { documentId: hit.documentId } : {}),
  }));
  const [facts, locale] = await Promise.all([
    shared ? Promise.resolve([]) : userFacts(ctx, { accountId, userId, query, known: new Set(entries.map((entry) => entry.entryId)) }),
    ctx.runQuery(internal.knowledge.aboutMe.localeOf, { accountId, userId }),
  ]);
  const promptSection = [contextSection(entries), factsSection(facts), localeDirective(locale)].filter((part) => part !== "").join("\n\n");
  return { entries, promptSection };
}

/** Facts about the user offered with every message, most relevant first (few and short: cheap to carry). */
export const USER_FACTS_IN_PROMPT = 5;

/** The user's remembered facts most similar to the message, except those already numbered above. */
async function userFacts(
  ctx: ActionCtx,
  { accountId, userId, query, known }: { accountId: Id<"accounts">; userId: Id<"userProfiles">; query: string; known: Set<string> },
): Promise<string[]> {
  const hits = await rankedHits(ctx, { accountId, userId, query, scopes: ["user"], source: "memory", limit: USER_FACTS_IN_PROMPT });
  return hits.filter((hit) => !known.has(hit.entryId)).map((hit) => oneLine(hit.text, 300));
}

/** The system-prompt lines of what is known about the user; empty when nothing is. */
export function factsSection(facts: readonly string[]): string {
  if (facts.length === 0) return "";
  return ["What you know about the user (from earlier conversations; they can see and correct it):", ...facts.map((fact) => `- ${fact}`)].join("\n");
}

/**
 * The locale directive: reply in the user's language, dates and numbers
 * their way, with an example so the model need not guess the format.
 * Without a locale set there is no directive (models already answer in the
 * language they are written to).
 */
export function localeDirective(locale: string | null): string {
  if (locale === null) return "";
  let language = locale;
  let example = "";
  try {
    language = new Intl.DisplayNames(["en"], { type: "language" }).of(locale) ?? locale;
    const sample = new Date(Date.UTC(2026, 2, 14));
    example = ` (for example ${new Intl.DateTimeFormat(locale, { dateStyle: "long", timeZone: "UTC" }).format(sample)}, ${new Intl.NumberFormat(locale).format(1234567.89)})`;
  } catch {
    // An engine without this locale's data: the tag alone still says it.
  }
  return `The user's locale is ${locale}: reply in ${language} unless they write in another language, and write dates and numbers the way ${locale} does${example}.`;
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
