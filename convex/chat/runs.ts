import { v } from "convex/values";
import type { Doc } from "../_generated/dataModel";
import { fail } from "../lib/errors";
import { accountMutation, accountQuery } from "../lib/functions";
import { cancelRun, memberActor, reopenRun } from "../control/runControl";
import { participantThread } from "./access";
import { vErrorInfo, vRunStatus, vProviderRetry } from "../runs/validators";
import { type ChatRun, getChatRun, isChatRun } from "../runs/records";

export const vTurnSummary = v.object({
  interactionId: v.id("interactions"),
  status: vRunStatus,
  promptMessageId: v.string(),
  /** Who sent the message this turn answers (in a shared conversation, not always the caller). */
  sentBy: v.id("userProfiles"),
  modelLabel: v.string(),
  tokensIn: v.number(),
  tokensOut: v.number(),
  costUsd: v.number(),
  /** The part of the tokens counted by the harness because the provider reported no usage (shown as "≈"). */
  tokensEstimated: v.optional(v.number()),
  /** While a model call waits to be tried again: when, which attempt failed, of how many, and why. */
  providerRetry: v.optional(vProviderRetry),
  error: v.optional(vErrorInfo),
  canRetry: v.boolean(),
  createdAt: v.number(),
  /** Saved during platform maintenance and not started yet: it starts when maintenance ends. */
  heldForMaintenance: v.optional(v.boolean()),
});

function turnSummary(i: ChatRun) {
  return {
    interactionId: i._id,
    status: i.status,
    promptMessageId: i.promptMessageId,
    sentBy: i.userId,
    modelLabel: i.modelLabel,
    tokensIn: i.tokensIn,
    tokensOut: i.tokensOut,
    costUsd: i.costMicroUsd / 1_000_000,
    ...(i.tokensEstimated ? { tokensEstimated: i.tokensEstimated } : {}),
    ...(i.providerRetry && (i.status === "running" || i.status === "queued") ? { providerRetry: i.providerRetry } : {}),
    ...(i.error ? { error: i.error } : {}),
    canRetry: i.status === "failed" && i.failedStepKey !== undefined,
    createdAt: i.createdAt,
    ...(i.heldForMaintenance === true && i.status === "queued" ? { heldForMaintenance: true } : {}),
  };
}

/** The thread's latest turns (status, model label, cost, error) for the chat view; everyone's, in a shared conversation. */
export const turnsForThread = accountQuery({
  args: { threadId: v.id("threads") },
  returns: v.array(vTurnSummary),
  handler: async (ctx, { accountId, threadId }) => {
    await participantThread(ctx, { accountId, userId: ctx.user._id }, threadId);
    const turns = await ctx.db
      .query("interactions")
      .withIndex("by_threadId", (q) => q.eq("threadId", threadId))
      .order("desc")
      .take(20);
    return turns.filter(isChatRun).map(turnSummary);
  },
});

async function ownInteraction(ctx: Parameters<typeof participantThread>[0], caller: { accountId: Doc<"accounts">["_id"]; userId: Doc<"userProfiles">["_id"] }, interactionId: ChatRun["_id"]) {
  const interaction = await getChatRun(ctx, interactionId);
  if (interaction === null || interaction.accountId !== caller.accountId || interaction.userId !== caller.userId) {
    fail("not_found", "Run not found.");
  }
  return interaction;
}

/** Cancel a running turn: streaming stops, no further steps run; a second cancel is a no-op. */
export const cancel = accountMutation({
  args: { interactionId: v.id("interactions") },
  returns: v.object({ cancelled: v.boolean() }),
  handler: async (ctx, { accountId, interactionId }) => {
    const interaction = await ownInteraction(ctx, { accountId, userId: ctx.user._id }, interactionId);
    return { cancelled: await cancelRun(ctx, interaction, { actor: memberActor(ctx.user, ctx.membership.role), reason: "cancelled by the user" }) };
  },
});

/** Retry a failed turn from the step that failed; nothing before it runs again. */
export const retry = accountMutation({
  args: { interactionId: v.id("interactions") },
  returns: v.null(),
  handler: async (ctx, { accountId, interactionId }) => {
    const interaction = await ownInteraction(ctx, { accountId, userId: ctx.user._id }, interactionId);
    if (interaction.status !== "failed" || !interaction.workflowId || !interaction.failedStepKey) {
      fail("conflict", "Only a failed turn can be retried.");
    }
    await participantThread(ctx, { accountId, userId: ctx.user._id }, interaction.threadId);
    await reopenRun(ctx, interaction, "retry", { actor: memberActor(ctx.user, ctx.membership.role), reason: "retried by the user" });
    return null;
  },
});
