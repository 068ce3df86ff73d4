/**
 * Deleting a whole scope's knowledge: a user's (the GDPR path) or a deleted
 * agent's. Archiving an agent keeps its knowledge; only deleting it calls
 * `deleteAgentKnowledge`.
 *
 * Bounded and self-continuing: each batch deletes a few documents (their
 * vectors go in background actions), or lists one page of a namespace's
 * entries and schedules their deletion, then schedules the next batch with
 * a cursor. It ends when the scope has no documents and no namespaces left.
 */
import type { EntryId, NamespaceId } from "@convex-dev/rag";
import { v } from "convex/values";
import { internal } from "../_generated/api";
import type { Id } from "../_generated/dataModel";
import { internalMutation, type MutationCtx } from "../_generated/server";
import { accountMutation } from "../lib/functions";
import { removeDocument } from "./documents";
import { entriesRag } from "./rag";
import { scopeKey } from "./scopes";

const DOCUMENTS_PER_BATCH = 10;
const ENTRIES_PER_BATCH = 50;
const ENTRY_STATUSES = ["pending", "ready", "replaced"] as const;

type Scheduler = Pick<MutationCtx, "scheduler">;

/** Remove every entry and document of the user's scope in `accountId` (in the background). */
export async function deleteUserKnowledge(ctx: Scheduler, { accountId, userId }: { accountId: Id<"accounts">; userId: Id<"userProfiles"> }) {
  await ctx.scheduler.runAfter(0, internal.knowledge.deletion.deleteScopeBatch, {
    scopeKey: scopeKey({ kind: "user", accountId, userId }),
  });
}

/** Remove every entry and document of a deleted agent's scope (in the background). */
export async function deleteAgentKnowledge(ctx: Scheduler, { accountId, agentId }: { accountId: Id<"accounts">; agentId: Id<"agents"> }) {
  await ctx.scheduler.runAfter(0, internal.knowledge.deletion.deleteScopeBatch, {
    scopeKey: scopeKey({ kind: "agent", accountId, agentId }),
  });
}

export const deleteUser = internalMutation({
  args: { accountId: v.id("accounts"), userId: v.id("userProfiles") },
  returns: v.null(),
  handler: async (ctx, args) => {
    await deleteUserKnowledge(ctx, args);
    return null;
  },
});

export const deleteAgent = internalMutation({
  args: { accountId: v.id("accounts"), agentId: v.id("agents") },
  returns: v.null(),
  handler: async (ctx, args) => {
    await deleteAgentKnowledge(ctx, args);
    return null;
  },
});

/** The caller erases everything they have in their own user scope of this account. */
export const deleteMyKnowledge = accountMutation({
  minRole: "readonly",
  args: {},
  returns: v.null(),
  handler: async (ctx, { accountId }) => {
    await deleteUserKnowledge(ctx, { accountId, userId: ctx.user._id });
    return null;
  },
});

export const deleteScopeBatch = internalMutation({
  args: {
    scopeKey: v.string(),
    /** Where the namespace phase stopped: status index and page cursor. */
    statusIndex: v.optional(v.number()),
    cursor: v.optional(v.union(v.string(), v.null())),
  },
  returns: v.null(),
  handler: async (ctx, { scopeKey: key, statusIndex = 0, cursor = null }) => {
    const next = (args: { statusIndex?: number; cursor?: string | null }) =>
      ctx.scheduler.runAfter(0, internal.knowledge.deletion.deleteScopeBatch, { scopeKey: key, ...args });

    // Phase 1: documents (row, text and upload now; vectors in a background action each).
    const documents = await ctx.db
      .query("knowledgeDocuments")
      .withIndex("by_scopeKey_updatedAt", (q) => q.eq("scopeKey", key))
      .take(DOCUMENTS_PER_BATCH);
    for (const document of documents) await removeDocument(ctx, document);
    if (documents.length === DOCUMENTS_PER_BATCH) {
      await next({});
      return null;
    }

    // Phase 2: every entry left in the scope's namespaces (facts, leftovers), one namespace at a time.
    const namespace = await ctx.db
      .query("knowledgeNamespaces")
      .withIndex("by_scopeKey_namespace", (q) => q.eq("scopeKey", key))
      .first();
    if (namespace === null) {
      console.info(JSON.stringify({ event: "knowledge_scope_deleted", scopeKey: key }));
      return null;
    }
    const status = ENTRY_STATUSES[statusIndex];
    if (status === undefined) {
      await ctx.db.delete("knowledgeNamespaces", namespace._id);
      await next({});
      return null;
    }
    const page = await entriesRag().list(ctx, {
      namespaceId: namespace.namespaceId as NamespaceId,
      status,
      paginationOpts: { cursor, numItems: ENTRIES_PER_BATCH },
    });
    const entryIds: EntryId[] = page.page.map((entry) => entry.entryId);
    if (entryIds.length > 0) await ctx.scheduler.runAfter(0, internal.knowledge.ingest.dropEntries, { entryIds });
    await next(page.isDone ? { statusIndex: statusIndex + 1 } : { statusIndex, cursor: page.continueCursor });
    return null;
  },
});
