/**
 * A turn as the HTTP API shows it (`GET /v1/interactions/{id}`): status,
 * the answer once there is one, the error of a failed turn, and its cost.
 * A key sees only turns of API conversations of its creator in its account
 * (and of its agent, when it has one); anything else is `not_found`.
 */
import type { MessageDoc } from "@convex-dev/agent";
import { v, type Infer } from "convex/values";
import { components } from "../_generated/api";
import type { Doc } from "../_generated/dataModel";
import { internalQuery, type QueryCtx } from "../_generated/server";
import { vRunStatus } from "../runs/validators";
import { fail } from "../lib/errors";
import { loadKeyScope } from "./auth";
import { getChatRun, type ChatRun } from "../runs/records";
import { isEnded as isRunEnded } from "../runs/status";

const MICRO = 1_000_000;

export const vInteractionView = v.object({
  interaction_id: v.string(),
  conversation_id: v.string(),
  agent_id: v.string(),
  status: vRunStatus,
  /** The agent's answer, once the turn completed. */
  answer: v.union(v.string(), v.null()),
  error: v.union(v.object({ code: v.string(), message: v.string() }), v.null()),
  cost: v.object({ usd: v.number(), tokens_in: v.number(), tokens_out: v.number(), model_calls: v.number() }),
  created_at: v.string(),
  ended_at: v.union(v.string(), v.null()),
});
export type InteractionView = Infer<typeof vInteractionView>;

export function isEnded(status: InteractionView["status"]): boolean {
  return isRunEnded({ status });
}

/** The last successful assistant message answering this run's prompt (same order in the agent thread). */
async function answerOf(ctx: QueryCtx, run: ChatRun, thread: Doc<"threads">): Promise<string | null> {
  const page = await ctx.runQuery(components.agent.messages.listMessagesByThreadId, {
    threadId: thread.agentThreadId,
    order: "desc",
    excludeToolMessages: true,
    statuses: ["success"],
    paginationOpts: { numItems: 10, cursor: null },
    upToAndIncludingMessageId: run.promptMessageId,
  });
  const answer = (page.page as MessageDoc[]).find(
    (m) => m.order === run.promptOrder && m.message?.role === "assistant" && (m.text ?? "") !== "",
  );
  return answer?.text ?? null;
}

export const view = internalQuery({
  args: { keyId: v.id("apiKeys"), interactionId: v.string() },
  returns: vInteractionView,
  handler: async (ctx, { keyId, interactionId }): Promise<InteractionView> => {
    const scope = await loadKeyScope(ctx, keyId);
    const id = ctx.db.normalizeId("interactions", interactionId);
    const run = id === null ? null : await getChatRun(ctx, id);
    const thread = run === null ? null : await ctx.db.get("threads", run.threadId);
    if (
      run === null ||
      thread === null ||
      run.accountId !== scope.accountId ||
      run.userId !== scope.userId ||
      thread.source !== "api" ||
      (scope.agentId !== undefined && run.agentId !== scope.agentId)
    ) {
      fail("not_found", "Interaction not found.");
    }
    return {
      interaction_id: run._id,
      conversation_id: thread._id,
      agent_id: run.agentId,
      status: run.status,
      answer: run.status === "completed" ? await answerOf(ctx, run, thread) : null,
      error: run.error ? { code: run.error.code, message: run.error.message } : null,
      cost: { usd: run.treeCostMicroUsd / MICRO, tokens_in: run.tokensIn, tokens_out: run.tokensOut, model_calls: run.llmCalls },
      created_at: new Date(run.createdAt).toISOString(),
      ended_at: run.endedAt !== undefined ? new Date(run.endedAt).toISOString() : null,
    };
  },
});
