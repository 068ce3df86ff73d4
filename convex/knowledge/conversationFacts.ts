/**
 * Remembering from conversations: after a turn ends, its user message is
 * read for durable facts, which are stored in the user's (or, for account
 * admins, the account's) knowledge with their provenance (the message and
 * the run they came from).
 *
 *   turnSteps.completeRun ──scheduleFactExtraction (1 scheduled function)──► extractFromTurn (this file, an action)
 *       turnInput: is extraction on for this agent (factSettings.ts)? what did the user say, with which model?
 *                  (a message that says nothing of I / my / we / our / remember costs nothing further)
 *       propose:   offline model → offlineFacts (deterministic, free);
 *                  another model → one structured-output call, reserved and charged to the run's budgets
 *       screen:    sensitive only when explicit; account facts only from account admins
 *       dedupe:    a near-identical fact already in the scope (embedding similarity) is not stored again
 *       store:     storeFact (same subject + predicate → supersedes the old value, kept in knowledgeFactHistory)
 *
 * It runs as its own scheduled work, outside the turn: the turn adds one
 * write (the scheduled function) and waits for nothing. A scheduled action
 * runs at most once; a failed extraction is logged and forgotten, never
 * retried into a second charge.
 */
import { v } from "convex/values";
import { internal } from "../_generated/api";
import type { Id } from "../_generated/dataModel";
import { internalAction, internalMutation, internalQuery, type MutationCtx } from "../_generated/server";
import { budget } from "../lib/budget";
import { roleAtLeast } from "../lib/validators";
import { vConnectionConfig } from "../models/connectionRules";
import { connectionForModel } from "../models/connectionStore";
import { OFFLINE_MODEL_ID } from "../models/offline";
import { costOfUsage } from "../models/prices";
import { resolveModel, type ConnectionConfig } from "../models/registry";
import { STOP_WORDS, words } from "../models/text";
import { factExtractionEnabled } from "./factSettings";
import { EXTRACTION_MAX_OUTPUT_TOKENS, mayStateFacts, modelFacts, offlineProposal, screenFacts, type Proposal } from "./factProposals";
import { factText, storeFact } from "./facts";
import { searchKnowledge } from "./retrieval";
import { getChatRun, type ChatRun } from "../runs/records";

/**
 * Similarity above which a stored fact is a candidate duplicate of a
 * proposed one; it is one when it also holds every content word of the
 * proposal (so "lives in Lisbon" never counts as "lives in Porto": that is
 * an update, which storeFact makes by subject and predicate).
 */
export const DUPLICATE_SCORE = 0.5;

/** The post-turn hook: one scheduled function for a top-level turn (delegates' turns are the agents' own talk, not the user's). */
export async function scheduleFactExtraction(ctx: Pick<MutationCtx, "scheduler">, interaction: ChatRun): Promise<void> {
  if (interaction.depth !== 0) return;
  await ctx.scheduler.runAfter(0, internal.knowledge.conversationFacts.extractFromTurn, { interactionId: interaction._id });
}

const vTurnInput = v.object({
  accountId: v.id("accounts"),
  userId: v.id("userProfiles"),
  agentId: v.id("agents"),
  modelId: v.string(),
  promptText: v.string(),
  promptMessageId: v.string(),
  mayWriteAccount: v.boolean(),
  connection: v.optional(vConnectionConfig),
});

/** What extraction needs from a completed turn, or null when there is nothing to do (extraction off, run not completed). */
export const turnInput = internalQuery({
  args: { interactionId: v.id("interactions") },
  returns: v.union(v.null(), vTurnInput),
  handler: async (ctx, { interactionId }) => {
    const run = await getChatRun(ctx, interactionId);
    if (run === null || run.status !== "completed" || run.depth !== 0) return null;
    if (!(await factExtractionEnabled(ctx, run.accountId, run.agentId))) return null;
    const membership = await ctx.db
      .query("memberships")
      .withIndex("by_accountId_userId", (q) => q.eq("accountId", run.accountId).eq("userId", run.userId))
      .first();
    if (membership === null) return null; // no longer a member: nothing is remembered for them
    const connection: ConnectionConfig | undefined = await connectionForModel(ctx, run.accountId, run.modelId);
    return {
      accountId: run.accountId,
      userId: run.userId,
      agentId: run.agentId,
      modelId: run.modelId,
      promptText: run.promptText,
      promptMessageId: run.promptMessageId,
      mayWriteAccount: roleAtLeast(membership.role, "admin"),
      ...(connection !== undefined ? { connection } : {}),
    };
  },
});

function isOfflineModel(modelId: string): boolean {
  return modelId === OFFLINE_MODEL_ID || modelId.startsWith(`${OFFLINE_MODEL_ID}/`);
}

const reservationKey = (interactionId: Id<"interactions">) => `facts:${interactionId}`;

/** An upper bound of the extraction call's cost, held against the run's budgets (account, user, agent) before it is made. */
export const reserveExtraction = internalMutation({
  args: { interactionId: v.id("interactions") },
  returns: v.boolean(),
  handler: async (ctx, { interactionId }) => {
    const run = (await getChatRun(ctx, interactionId))!;
    const inputTokens = Math.ceil(run.promptText.length / 4) + 400;
    const outcome = await budget.reserve(ctx, {
      key: reservationKey(interactionId),
      chain: [
        { scope: "account", scopeId: run.accountId },
        { scope: "user", scopeId: run.userId },
        { scope: "agent", scopeId: run.agentId },
      ],
      estimate: {
        tokens: inputTokens + EXTRACTION_MAX_OUTPUT_TOKENS,
        microUsd: costOfUsage(run.modelId, { inputTokens, outputTokens: EXTRACTION_MAX_OUTPUT_TOKENS }).microUsd,
      },
    });
    return outcome.ok;
  },
});

/** Charge what the extraction call really used (or release the hold when it failed). */
export const settleExtraction = internalMutation({
  args: { interactionId: v.id("interactions"), usage: v.union(v.null(), v.object({ inputTokens: v.number(), outputTokens: v.number() })) },
  returns: v.null(),
  handler: async (ctx, { interactionId, usage }) => {
    const key = reservationKey(interactionId);
    if (usage === null) {
      await budget.release(ctx, { key });
      return null;
    }
    const run = (await getChatRun(ctx, interactionId))!;
    await budget.commit(ctx, {
      key,
      actual: { microUsd: costOfUsage(run.modelId, usage).microUsd, tokens: usage.inputTokens + usage.outputTokens },
      countsAsTurn: false,
    });
    return null;
  },
});

const vOutcome = v.object({ stored: v.number(), duplicates: v.number(), dropped: v.number(), superseded: v.number() });

/** Read one completed turn's user message for durable facts and remember them. */
export const extractFromTurn = internalAction({
  args: { interactionId: v.id("interactions") },
  returns: v.union(v.null(), vOutcome),
  handler: async (ctx, { interactionId }) => {
    const input = await ctx.runQuery(internal.knowledge.conversationFacts.turnInput, { interactionId });
    if (input === null || !mayStateFacts(input.promptText)) return null;
    let proposal: Proposal;
    if (isOfflineModel(input.modelId)) {
      proposal = offlineProposal(input.promptText);
    } else {
      if (!(await ctx.runMutation(internal.knowledge.conversationFacts.reserveExtraction, { interactionId }))) {
        console.info(JSON.stringify({ event: "fact_extraction_skipped", interactionId, reason: "budget" }));
        return null;
      }
      try {
        const resolved = resolveModel(input.modelId, input.connection ? { connection: input.connection } : {});
        proposal = await modelFacts(resolved.model, input.promptText);
      } catch (error) {
        await ctx.runMutation(internal.knowledge.conversationFacts.settleExtraction, { interactionId, usage: null });
        console.warn(JSON.stringify({ event: "fact_extraction_failed", interactionId, error: (error as Error).message }));
        return null;
      }
      await ctx.runMutation(internal.knowledge.conversationFacts.settleExtraction, { interactionId, usage: proposal.usage });
    }
    const outcome = { stored: 0, duplicates: 0, dropped: 0, superseded: 0 };
    for (const screened of screenFacts(proposal.facts, { mayWriteAccount: input.mayWriteAccount })) {
      if ("dropped" in screened) {
        outcome.dropped++;
        continue;
      }
      const { fact, scope } = screened;
      const text = factText(fact.subject, fact.predicate, fact.value);
      const known = await searchKnowledge(ctx, {
        accountId: input.accountId,
        userId: input.userId,
        query: text,
        scopes: [scope],
        source: "memory",
        limit: 1,
        minScore: DUPLICATE_SCORE,
      });
      // Said before, in these or other words (similar by embedding, and holding every word of this one): one fact is enough.
      if (known[0] !== undefined && sameKnowledge(known[0].text, text)) {
        outcome.duplicates++;
        continue;
      }
      const stored = await storeFact(ctx, {
        accountId: input.accountId,
        userId: input.userId,
        scope,
        subject: fact.subject,
        predicate: fact.predicate,
        value: fact.value,
        category: fact.category,
        provenance: { messageId: input.promptMessageId, interactionId },
      });
      if (stored.status === "unchanged") outcome.duplicates++;
      else {
        outcome.stored++;
        if (stored.status === "updated") outcome.superseded++;
      }
    }
    console.info(JSON.stringify({ event: "facts_extracted", interactionId, proposed: proposal.facts.length, ...outcome }));
    return outcome;
  },
});

/** Words that say nothing about what a fact holds: stop words, and how facts name the user. */
const FILLER = new Set(["user", "users", "s", "my", "i", "me", "the"]);

function contentWords(text: string): string[] {
  return words(text).filter((word) => !FILLER.has(word) && !STOP_WORDS.has(word));
}

/**
 * Whether a stored fact already says what a proposed one says: every content
 * word of the proposal is in it ("My ficus is called Fred" holds "the user's
 * ficus is called Fred"). A changed value is not the same knowledge.
 */
export function sameKnowledge(stored: string, proposed: string): boolean {
  const have = new Set(contentWords(stored));
  const want = contentWords(proposed);
  return want.length > 0 && want.every((word) => have.has(word));
}
