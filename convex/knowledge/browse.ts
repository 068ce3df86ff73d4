/**
 * What the Knowledge page needs beyond documents and search: the scopes the
 * caller may see (and which of them they may change), and the facts
 * remembered in a scope, with adding and forgetting one.
 *
 * Facts live only in the RAG component (no table of ours): listing reads the
 * newest entries of the scope's namespace and keeps the facts among them.
 * A fact's RAG key is a hash of its scope, subject and predicate
 * (facts.ts), so recomputing it proves an entry belongs to the scope named.
 */
import type { EntryId } from "@convex-dev/rag";
import { v, type Infer } from "convex/values";
import { internal } from "../_generated/api";
import type { Id } from "../_generated/dataModel";
import { internalMutation, internalQuery, type ActionCtx, type MutationCtx, type QueryCtx } from "../_generated/server";
import { writeAudit } from "../audit/write";
import { fail } from "../lib/errors";
import { accountAction, accountMutation, accountQuery } from "../lib/functions";
import { roleAtLeast, vRole } from "../lib/validators";
import { normalizeText } from "../models/text";
import { callerOf, readableScope, writableScope, type KnowledgeCaller, type ResolvedScope } from "./access";
import { recordFactChange } from "./factHistory";
import { factText, parseFact, storeFact, type FactScope } from "./facts";
import { entriesRag, knowledgeRag, scopeEmbeddingModel, sha256Hex } from "./rag";
import { namespaceFor } from "./scopes";
import { activeTeamsOf } from "../teams/membership";
import { vScopeArg, vScopeKind, type ScopeArg } from "./validators";

/** Agents listed as scopes, and entries read to find a scope's facts. */
export const BROWSE_LIMITS = { agents: 50, factEntries: 100 } as const;

export const vScopeView = v.object({
  scope: vScopeArg,
  kind: vScopeKind,
  label: v.string(),
  /** May the caller add and delete documents here? */
  canWrite: v.boolean(),
  /** Can this scope hold facts at all (platform knowledge is documents only)? */
  holdsFacts: v.boolean(),
});

/** The scopes the caller may see in this account: their own, the account's, their teams', the platform's and each agent's. */
export const scopes = accountQuery({
  args: {},
  returns: v.array(vScopeView),
  handler: async (ctx, { accountId }) => {
    const caller = callerOf(ctx);
    const admin = roleAtLeast(caller.role, "admin");
    const agents = await ctx.db
      .query("agents")
      .withIndex("by_accountId_slug", (q) => q.eq("accountId", accountId))
      .take(BROWSE_LIMITS.agents);
    return [
      { scope: { kind: "user" as const }, kind: "user" as const, label: "Yours", canWrite: roleAtLeast(caller.role, "member"), holdsFacts: true },
      { scope: { kind: "account" as const }, kind: "account" as const, label: ctx.account.name, canWrite: admin, holdsFacts: true },
      ...(await teamScopes(ctx, caller, accountId)),
      ...agents
        .filter((agent) => agent.status !== "archived")
        .map((agent) => ({
          scope: { kind: "agent" as const, agentId: agent._id },
          kind: "agent" as const,
          label: agent.name,
          canWrite: admin,
          holdsFacts: true,
        })),
      { scope: { kind: "platform" as const }, kind: "platform" as const, label: "Platform", canWrite: caller.isPlatformAdmin, holdsFacts: false },
    ];
  },
});

/** The caller's active teams as scopes (documents only); leads, and admins in the team, may write. */
async function teamScopes(ctx: QueryCtx, caller: KnowledgeCaller, accountId: Id<"accounts">) {
  const views = [];
  for (const teamId of await activeTeamsOf(ctx, accountId, caller.userId)) {
    const resolved = await readableScope(ctx, caller, accountId, { kind: "team", teamId });
    const team = (await ctx.db.get("teams", teamId))!;
    const canWrite = roleAtLeast(caller.role, "member") && (resolved.teamRole === "lead" || roleAtLeast(caller.role, "admin"));
    views.push({ scope: { kind: "team" as const, teamId }, kind: "team" as const, label: `Team ${team.name}`, canWrite, holdsFacts: false });
  }
  return views;
}

export const vFact = v.object({
  entryId: v.string(),
  /** The fact as one sentence, as search finds it. */
  text: v.string(),
  subject: v.string(),
  predicate: v.string(),
  value: v.string(),
  category: v.string(),
  confidence: v.number(),
  /** Read from a conversation: the user message it came from, and its run. */
  messageId: v.optional(v.string()),
  interactionId: v.optional(v.string()),
});
export type FactView = Infer<typeof vFact>;

export async function factKeyFor(scopeKey: string, subject: string, predicate: string) {
  return await sha256Hex(`${scopeKey}\n${normalizeText(subject)}\n${normalizeText(predicate)}`);
}

function asString(value: unknown): string {
  return typeof value === "string" ? value : "";
}

/**
 * The facts remembered in a resolved scope, newest first: those among the
 * scope's newest `BROWSE_LIMITS.factEntries` entries (documents are entries
 * too; `truncated` says older entries were not read).
 */
export async function scopeFacts(ctx: QueryCtx, accountId: Id<"accounts">, resolved: ResolvedScope): Promise<{ facts: FactView[]; truncated: boolean }> {
  // The facts stored under the account's current embedding model (another model's are not searched either).
  const model = await scopeEmbeddingModel(ctx, accountId, resolved.kind);
  const rag = knowledgeRag(model);
  const namespace = await rag.getNamespace(ctx, { namespace: namespaceFor(resolved.scopeKey, model.modelId) });
  if (namespace === null) return { facts: [], truncated: false };
  const page = await rag.list(ctx, {
    namespaceId: namespace.namespaceId,
    status: "ready",
    order: "desc",
    limit: BROWSE_LIMITS.factEntries,
  });
  const found: FactView[] = [];
  for (const entry of page.page) {
    const metadata = entry.metadata ?? {};
    if (metadata["kind"] !== "fact") continue;
    const subject = asString(metadata["subject"]);
    const predicate = asString(metadata["predicate"]);
    const value = asString(metadata["value"]);
    const confidence = metadata["confidence"];
    found.push({
      entryId: entry.entryId as string,
      text: factText(subject, predicate, value),
      subject,
      predicate,
      value,
      category: asString(entry.filterValues.find((filter) => filter.name === "category")?.value) || "general",
      confidence: typeof confidence === "number" ? confidence : entry.importance,
      ...(typeof metadata["messageId"] === "string" ? { messageId: metadata["messageId"] } : {}),
      ...(typeof metadata["interactionId"] === "string" ? { interactionId: metadata["interactionId"] } : {}),
    });
  }
  return { facts: found, truncated: !page.isDone };
}

/** The facts remembered in a scope (see `scopeFacts`). */
export const facts = accountQuery({
  args: { scope: vScopeArg },
  returns: v.object({ facts: v.array(vFact), truncated: v.boolean() }),
  handler: async (ctx, { accountId, scope }) => await scopeFacts(ctx, accountId, await readableScope(ctx, callerOf(ctx), accountId, scope)),
});

const vCaller = v.object({ userId: v.id("userProfiles"), role: vRole, isPlatformAdmin: v.boolean() });

/** For `addFact`: the caller may write this scope (and it can hold facts). */
export const checkFactScope = internalQuery({
  args: { accountId: v.id("accounts"), caller: vCaller, scope: vScopeArg },
  returns: v.null(),
  handler: async (ctx, { accountId, caller, scope }) => {
    await writableFactScope(ctx, caller, accountId, scope);
    return null;
  },
});

async function writableFactScope(ctx: QueryCtx, caller: KnowledgeCaller, accountId: Id<"accounts">, scope: ScopeArg) {
  if (scope.kind === "platform" || scope.kind === "team") fail("bad_request", `${scope.kind === "team" ? "Team" : "Platform"} knowledge holds documents only, not facts.`);
  return await writableScope(ctx, caller, accountId, scope);
}

/** A fact a person wrote (added or corrected), parsed and stored in `scope`; the caller has checked they may write it. */
export async function storeWrittenFact(ctx: ActionCtx, caller: KnowledgeCaller, accountId: Id<"accounts">, scope: ScopeArg, text: string, category?: string) {
  const parts = parseFact(text);
  if (parts.subject === "") fail("bad_request", "A fact cannot be empty.", { field: "text" });
  return await storeFact(ctx, {
    accountId,
    userId: caller.userId,
    scope: scope.kind as FactScope,
    ...(scope.kind === "agent" ? { agentId: scope.agentId } : {}),
    ...parts,
    ...(category !== undefined ? { category } : {}),
  });
}

/** Remember a fact in a scope you may write: “the office wifi is called Harbour”. Storing it again changes nothing. */
export const addFact = accountAction({
  args: { scope: vScopeArg, text: v.string(), category: v.optional(v.string()) },
  returns: v.object({ entryId: v.string(), text: v.string(), status: v.union(v.literal("created"), v.literal("updated"), v.literal("unchanged")) }),
  handler: async (ctx, { accountId, scope, text, category }) => {
    const caller = callerOf(ctx);
    await ctx.runQuery(internal.knowledge.browse.checkFactScope, { accountId, caller, scope });
    const stored = await storeWrittenFact(ctx, caller, accountId, scope, text, category);
    return { entryId: stored.entryId, text: stored.text, status: stored.status };
  },
});

/**
 * Forget a fact of a scope you may write (a `correction` records it as
 * corrected instead of deleted). Gone from retrieval at once — its entry is
 * deleted in this transaction, its vectors in the background — and audited,
 * with the old text kept in the fact's history.
 */
export async function forgetFact(
  ctx: MutationCtx,
  caller: KnowledgeCaller,
  accountId: Id<"accounts">,
  scope: ScopeArg,
  entryId: string,
  correction?: string,
): Promise<void> {
  const resolved = await writableFactScope(ctx, caller, accountId, scope);
  const rag = entriesRag();
  // Not an entry id at all answers like a fact that is not there.
  const entry = /^[a-z0-9]+$/i.test(entryId) ? await rag.getEntry(ctx, { entryId: entryId as EntryId }).catch(() => null) : null;
  const metadata = entry?.metadata ?? {};
  const factKey = await factKeyFor(resolved.scopeKey, asString(metadata["subject"]), asString(metadata["predicate"]));
  const belongs = entry !== null && entry.status !== "replaced" && metadata["kind"] === "fact" && entry.key === factKey;
  if (!belongs) fail("not_found", "Fact not found.");
  const text = factText(asString(metadata["subject"]), asString(metadata["predicate"]), asString(metadata["value"]));
  const interactionId = typeof metadata["interactionId"] === "string" ? ctx.db.normalizeId("interactions", metadata["interactionId"]) : null;
  await recordFactChange(ctx, {
    scopeKey: resolved.scopeKey,
    factKey,
    text,
    change: correction === undefined ? "deleted" : "corrected",
    ...(correction !== undefined ? { replacedBy: correction } : {}),
    ...(typeof metadata["messageId"] === "string" ? { messageId: metadata["messageId"] } : {}),
    ...(interactionId !== null ? { interactionId } : {}),
    by: caller.userId,
  });
  await writeAudit(ctx, {
    accountId,
    actorUserId: caller.userId,
    actorRole: caller.role,
    action: correction === undefined ? "fact.delete" : "fact.correct",
    targetKind: "fact",
    targetId: entry.entryId,
    reason: correction === undefined ? "deleted on the knowledge page" : "corrected on the knowledge page",
    details: { scope: resolved.kind, text: text.slice(0, 200), ...(correction !== undefined ? { correction: correction.slice(0, 200) } : {}) },
  });
  await rag.deleteAsync(ctx, { entryId: entry.entryId });
}

/** Forget a fact of a scope you may write (see `forgetFact`). */
export const removeFact = accountMutation({
  args: { scope: vScopeArg, entryId: v.string() },
  returns: v.null(),
  handler: async (ctx, { accountId, scope, entryId }) => {
    await forgetFact(ctx, callerOf(ctx), accountId, scope, entryId);
    return null;
  },
});

/** For `aboutMe.correctFact`: the old fact goes (recorded as corrected), before the corrected one is stored. */
export const forgetForCorrection = internalMutation({
  args: { accountId: v.id("accounts"), caller: vCaller, scope: vScopeArg, entryId: v.string(), correction: v.string() },
  returns: v.null(),
  handler: async (ctx, { accountId, caller, scope, entryId, correction }) => {
    await forgetFact(ctx, caller, accountId, scope, entryId, correction);
    return null;
  },
});
