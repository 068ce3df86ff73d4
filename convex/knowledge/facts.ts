/**
 * Facts: short statements (subject, predicate, value) remembered in a user's,
 * an agent's or an account's scope. A fact's RAG key is a hash of its scope,
 * subject and predicate, so storing the same fact twice is one entry and a
 * new value for the same subject and predicate replaces the old one.
 */
import type { NamespaceId } from "@convex-dev/rag";
import type { Value } from "convex/values";
import { internal } from "../_generated/api";
import type { Id } from "../_generated/dataModel";
import type { ActionCtx } from "../_generated/server";
import { fail } from "../lib/errors";
import { embedTexts } from "../models/embeddings";
import { normalizeText } from "../models/text";
import { accountEmbeddingModel, cleanLabel, DEFAULT_CATEGORY, DEFAULT_LOCALE, filterValues, knowledgeRag, sha256Hex, type PreparedNamespace } from "./rag";
import { scopeKey, type KnowledgeScope } from "./scopes";

export type FactScope = "user" | "agent" | "account";

export type StoreFactArgs = {
  accountId: Id<"accounts">;
  userId: Id<"userProfiles">;
  agentId?: Id<"agents">;
  scope: FactScope;
  subject: string;
  /** May be empty: a free-form note is all subject ("the plumber comes on Tuesday"). */
  predicate: string;
  value: string;
  category?: string;
  /** 0 to 1; scales the fact's search score (default 1). */
  confidence?: number;
  locale?: string;
  /** Where a fact read from a conversation came from: the user's message and the run. */
  provenance?: { messageId: string; interactionId: Id<"interactions"> };
};

export type StoredFact = {
  entryId: string;
  key: string;
  /** The fact as one sentence, as search returns it. */
  text: string;
  scope: FactScope;
  /** `unchanged`: the same fact was already stored; `updated`: it replaced another value. */
  status: "created" | "updated" | "unchanged";
};

const LIMITS = { subject: 1000, predicate: 100, value: 1000 } as const;

function part(name: keyof typeof LIMITS, text: string, required: boolean): string {
  const clean = text.replace(/\s+/g, " ").trim();
  if ((required && clean === "") || clean.length > LIMITS[name]) {
    fail("bad_request", `A fact's ${name} must be ${required ? 1 : 0} to ${LIMITS[name]} characters.`);
  }
  return clean;
}

function factScope(args: StoreFactArgs): KnowledgeScope {
  switch (args.scope) {
    case "user":
      return { kind: "user", accountId: args.accountId, userId: args.userId };
    case "account":
      return { kind: "account", accountId: args.accountId };
    case "agent":
      if (args.agentId === undefined) fail("bad_request", "An agent fact needs an agent.");
      return { kind: "agent", accountId: args.accountId, agentId: args.agentId };
  }
}

/** The sentence a fact is stored and found as. */
export function factText(subject: string, predicate: string, value: string): string {
  return [subject, predicate, value].filter((text) => text !== "").join(" ");
}

/**
 * Upsert a fact (an action: it embeds, with the account's embedding model).
 * Callers are trusted code that has verified the ids (the turn's tool step,
 * an auth builder). An embedding failure is thrown in words.
 */
export async function storeFact(ctx: ActionCtx, args: StoreFactArgs): Promise<StoredFact> {
  const subject = part("subject", args.subject, true);
  const predicate = part("predicate", args.predicate, false);
  const value = part("value", args.value, false);
  const confidence = args.confidence ?? 1;
  if (!Number.isFinite(confidence) || confidence < 0 || confidence > 1) fail("bad_request", "A fact's confidence must be between 0 and 1.");
  const category = cleanLabel("category", args.category, DEFAULT_CATEGORY);
  const locale = cleanLabel("locale", args.locale, DEFAULT_LOCALE);
  const key = scopeKey(factScope(args));
  const text = factText(subject, predicate, value);
  const factKey = await sha256Hex(`${key}\n${normalizeText(subject)}\n${normalizeText(predicate)}`);
  // Case and spacing alone do not make a new fact.
  const contentHash = await sha256Hex(JSON.stringify([normalizeText(text), category, locale, confidence]));

  const resolved = await accountEmbeddingModel(ctx, args.accountId);
  const [embedding] = await embedTexts(resolved, [text], { maxRetries: 1 });
  const prepared: PreparedNamespace = await ctx.runMutation(internal.knowledge.rag.prepareNamespace, {
    accountId: args.accountId,
    scopeKey: key,
    modelId: resolved.modelId,
  });
  const metadata: Record<string, Value> = { kind: "fact", subject, predicate, value, confidence, userId: args.userId };
  if (args.agentId !== undefined) metadata.agentId = args.agentId;
  if (args.provenance !== undefined) {
    metadata.messageId = args.provenance.messageId;
    metadata.interactionId = args.provenance.interactionId;
  }
  const rag = knowledgeRag(resolved);
  const result = await rag.add(ctx, {
    namespaceId: prepared.namespaceId as NamespaceId,
    key: factKey,
    title: subject.length > 120 ? `${subject.slice(0, 119).trimEnd()}…` : subject,
    chunks: [{ text, embedding: embedding! }],
    metadata,
    filterValues: filterValues({ category, source: "memory", locale }),
    importance: confidence,
    contentHash,
  });
  if (result.replacedEntry !== null) {
    // The old value is kept in the fact's history, with where it came from, before its entry goes.
    const previous = result.replacedEntry.metadata ?? {};
    const previousText = factText(String(previous["subject"] ?? ""), String(previous["predicate"] ?? ""), String(previous["value"] ?? ""));
    await ctx.runMutation(internal.knowledge.factHistory.recordSuperseded, {
      scopeKey: key,
      factKey,
      text: previousText,
      replacedBy: text,
      ...(typeof previous["messageId"] === "string" ? { messageId: previous["messageId"] } : {}),
      ...(typeof previous["interactionId"] === "string" ? { interactionId: previous["interactionId"] as Id<"interactions"> } : {}),
      by: args.userId,
    });
    await rag.delete(ctx, { entryId: result.replacedEntry.entryId });
  }
  return {
    entryId: result.entryId,
    key: factKey,
    text,
    scope: args.scope,
    status: !result.created ? "unchanged" : result.replacedEntry !== null ? "updated" : "created",
  };
}

const RELATION =
  /^(.+?)\s+(is called|is named|lives in|works at|works for|works as|comes from|is|are|was|were|has|have|likes|loves|hates|prefers|uses|owns|speaks|wants|needs)\s+(.+)$/i;

/**
 * A free-form fact split into subject, predicate and value where it reads
 * like one ("my favourite colour is green"); otherwise the whole text is the
 * subject, so the same note stored twice is still one entry.
 */
export function parseFact(text: string): { subject: string; predicate: string; value: string } {
  const clean = text.replace(/\s+/g, " ").trim().replace(/[.!]+$/, "");
  const found = RELATION.exec(clean);
  if (found?.[1] && found[2] && found[3]) return { subject: found[1], predicate: found[2].toLowerCase(), value: found[3] };
  return { subject: clean, predicate: "", value: "" };
}
