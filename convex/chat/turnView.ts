/**
 * What the chat shows about one of the caller's own turns beyond its
 * messages: the delegations it made (each delegate's name, status, cost and
 * steps, recursively) and the knowledge entries its answer may cite as
 * `[1]`, `[2]` … Members see these for their own turns only; the run
 * inspector (staff) shows the same runs with far more detail.
 *
 * Both are queries, so the chat updates live while a delegate works. Every
 * read is a bounded index range: a turn has at most a handful of delegates
 * (depth ≤ 3) and a few dozen steps each.
 */
import { pick } from "convex-helpers";
import { v, type Infer } from "convex/values";
import type { Id } from "../_generated/dataModel";
import type { QueryCtx } from "../_generated/server";
import { fail } from "../lib/errors";
import { accountQuery } from "../lib/functions";
import { runTables } from "../runs/schema";
import { citationLocation } from "../knowledge/retrieval";
import { takesPart } from "../conversations/access";
import { type ChatRun, getChatRun, isChatRun } from "../runs/records";

/** Bounds of one read: delegates below a turn, steps shown per delegate, characters of a task. */
export const TURN_VIEW_LIMITS = { delegates: 20, childrenPerRun: 10, steps: 50, taskChars: 300 } as const;
const MICRO = 1_000_000;

export const vDelegateStep = v.object({
  ...pick(runTables.steps.validator.fields, ["key", "kind", "name", "status", "attempt", "durationMs", "error"]),
  tokens: v.number(),
  costUsd: v.number(),
});

export const vDelegateView = v.object({
  interactionId: v.id("interactions"),
  /** Always set on a delegate (optional on the table, where a root run has none). */
  parentInteractionId: v.id("interactions"),
  /** As the run row has them; `parentToolCallId` matches the `delegate_*` tool part in the reply. */
  ...pick(runTables.interactions.validator.fields, ["parentToolCallId", "depth", "status", "error", "createdAt", "endedAt"]),
  agentName: v.string(),
  task: v.string(),
  tokens: v.number(),
  /** Its own cost plus its delegates'. */
  costUsd: v.number(),
  steps: v.array(vDelegateStep),
  /** More steps exist than are listed. */
  stepsTruncated: v.boolean(),
});
export type DelegateView = Infer<typeof vDelegateView>;

export const vCitation = v.object({
  /** The number the answer cites it by (`[n]`). */
  n: v.number(),
  title: v.string(),
  score: v.number(),
  documentId: v.optional(v.id("knowledgeDocuments")),
  /** False when the cited document has been deleted since. */
  documentExists: v.boolean(),
  /** Where in the document the cited chunk is ("p. 4"), for a link that opens it there. */
  location: v.optional(v.string()),
});

/**
 * A turn (or delegate) of the caller's in this account, or a turn in a shared
 * conversation they take part in (everyone there sees it); anything else answers `not_found`.
 */
async function ownRun(ctx: QueryCtx, caller: { accountId: Id<"accounts">; userId: Id<"userProfiles"> }, interactionId: Id<"interactions">) {
  const run = await getChatRun(ctx, interactionId);
  if (run === null || run.accountId !== caller.accountId) fail("not_found", "Run not found.");
  if (run.userId !== caller.userId) {
    const thread = await ctx.db.get("threads", run.threadId);
    if (thread === null || thread.sharing === undefined || !(await takesPart(ctx, thread, caller.userId))) fail("not_found", "Run not found.");
  }
  return run;
}

function clip(text: string, max: number): string {
  const flat = text.replace(/\s+/g, " ").trim();
  return flat.length > max ? `${flat.slice(0, max - 1).trimEnd()}…` : flat;
}

async function stepsOf(ctx: QueryCtx, run: ChatRun) {
  const rows = await ctx.db
    .query("steps")
    .withIndex("by_interactionId_index", (q) => q.eq("interactionId", run._id))
    .take(TURN_VIEW_LIMITS.steps + 1);
  const steps = rows.slice(0, TURN_VIEW_LIMITS.steps).map((s) => ({
    key: s.key,
    kind: s.kind,
    name: s.name,
    status: s.status,
    attempt: s.attempt,
    tokens: (s.tokensIn ?? 0) + (s.tokensOut ?? 0),
    costUsd: (s.costMicroUsd ?? 0) / MICRO,
    ...(s.durationMs !== undefined ? { durationMs: s.durationMs } : {}),
    ...(s.error ? { error: s.error } : {}),
  }));
  return { steps, truncated: rows.length > TURN_VIEW_LIMITS.steps };
}

/** The delegates below `root`, breadth first (parents before their children), bounded. */
export async function delegatesBelow(ctx: QueryCtx, root: ChatRun): Promise<DelegateView[]> {
  const views: DelegateView[] = [];
  const agentNames = new Map<Id<"agents">, string>();
  let frontier: ChatRun[] = [root];
  while (frontier.length > 0 && views.length < TURN_VIEW_LIMITS.delegates) {
    const next: ChatRun[] = [];
    for (const parent of frontier) {
      const children = await ctx.db
        .query("interactions")
        .withIndex("by_parentInteractionId", (q) => q.eq("parentInteractionId", parent._id))
        .take(TURN_VIEW_LIMITS.childrenPerRun);
      for (const child of children) {
        if (views.length >= TURN_VIEW_LIMITS.delegates) break;
        if (!isChatRun(child)) continue; // a background job the turn started: shown on the Jobs page, not as a delegate
        let agentName = agentNames.get(child.agentId);
        if (agentName === undefined) {
          agentName = (await ctx.db.get("agents", child.agentId))?.name ?? "A deleted agent";
          agentNames.set(child.agentId, agentName);
        }
        const { steps, truncated } = await stepsOf(ctx, child);
        views.push({
          interactionId: child._id,
          parentInteractionId: parent._id,
          ...(child.parentToolCallId !== undefined ? { parentToolCallId: child.parentToolCallId } : {}),
          depth: child.depth,
          agentName,
          status: child.status,
          task: clip(child.promptText, TURN_VIEW_LIMITS.taskChars),
          tokens: child.tokensIn + child.tokensOut,
          costUsd: child.treeCostMicroUsd / MICRO,
          ...(child.error ? { error: child.error } : {}),
          createdAt: child.createdAt,
          ...(child.endedAt !== undefined ? { endedAt: child.endedAt } : {}),
          steps,
          stepsTruncated: truncated,
        });
        next.push(child);
      }
    }
    frontier = next;
  }
  return views;
}

/** The delegations one of your turns made, with each delegate's status, cost and steps (live). */
export const delegations = accountQuery({
  args: { interactionId: v.id("interactions") },
  returns: v.array(vDelegateView),
  handler: async (ctx, { accountId, interactionId }) => {
    const run = await ownRun(ctx, { accountId, userId: ctx.user._id }, interactionId);
    return await delegatesBelow(ctx, run);
  },
});

/**
 * What the answer of one of your turns may cite: the knowledge entries put in
 * the prompt of its last successful model call, numbered as the prompt
 * numbered them, each linked to its document when it came from one.
 */
export const citations = accountQuery({
  args: { interactionId: v.id("interactions") },
  returns: v.array(vCitation),
  handler: async (ctx, { accountId, interactionId }) => {
    const run = await ownRun(ctx, { accountId, userId: ctx.user._id }, interactionId);
    // The answering call is the newest model step; a turn makes at most six.
    const recent = await ctx.db
      .query("steps")
      .withIndex("by_interactionId_index", (q) => q.eq("interactionId", run._id))
      .order("desc")
      .take(TURN_VIEW_LIMITS.steps);
    const answering = recent.find((s) => s.kind === "llm" && s.status === "succeeded");
    const entries = answering?.contextEntries ?? [];
    const cited = [];
    for (const [index, entry] of entries.entries()) {
      const documentId = entry.documentId === undefined ? null : ctx.db.normalizeId("knowledgeDocuments", entry.documentId);
      const document = documentId === null ? null : await ctx.db.get("knowledgeDocuments", documentId);
      cited.push({
        n: index + 1,
        title: entry.title,
        score: entry.score,
        ...(documentId !== null ? { documentId } : {}),
        documentExists: document !== null,
        ...citationLocation(entry.title, document?.title),
      });
    }
    return cited;
  },
});
