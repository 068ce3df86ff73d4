/**
 * The public knowledge search. The logic lives in `retrieval.ts`, which
 * registers no public functions, so tools and the turn runtime can import it
 * without importing the auth builders (no import cycle).
 */
import { v } from "convex/values";
import { internal } from "../_generated/api";
import { accountAction } from "../lib/functions";
import { searchKnowledge } from "./retrieval";
import { vKnowledgeHit, type KnowledgeHit } from "./validators";

/** Search what the caller (and, with `agentId`, that agent) may see in this account. */
export const search = accountAction({
  minRole: "readonly",
  args: { query: v.string(), agentId: v.optional(v.id("agents")), limit: v.optional(v.number()) },
  returns: v.array(vKnowledgeHit),
  handler: async (ctx, { accountId, query, agentId, limit }): Promise<KnowledgeHit[]> => {
    if (agentId !== undefined) await ctx.runQuery(internal.knowledge.retrieval.agentOfAccount, { accountId, agentId });
    return await searchKnowledge(ctx, {
      accountId,
      userId: ctx.user._id,
      query,
      ...(agentId !== undefined ? { agentId } : {}),
      ...(limit !== undefined ? { limit } : {}),
    });
  },
});
