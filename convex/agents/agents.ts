import { v } from "convex/values";
import type { Doc } from "../_generated/dataModel";
import { accountQuery } from "../lib/functions";
import { defaultModelId, resolveModel } from "../models/registry";
import { vAgentStatus } from "./schema";

export const vPublicAgent = v.object({
  agentId: v.id("agents"),
  name: v.string(),
  slug: v.string(),
  description: v.string(),
  status: vAgentStatus,
  modelId: v.string(),
  /** What the UI shows for the model, decided by the backend. */
  modelLabel: v.string(),
  accentColor: v.optional(v.string()),
});

export function publicAgent(agent: Doc<"agents">) {
  const modelId = agent.modelId ?? defaultModelId();
  let modelLabel: string;
  try {
    modelLabel = resolveModel(modelId).label;
  } catch {
    modelLabel = `${modelId} (not available on this deployment)`;
  }
  return {
    agentId: agent._id,
    name: agent.name,
    slug: agent.slug,
    description: agent.description,
    status: agent.status,
    modelId,
    modelLabel,
    ...(agent.accentColor ? { accentColor: agent.accentColor } : {}),
  };
}

const MAX_AGENTS = 100;

/** The account's agents that are not archived, by slug. */
export const list = accountQuery({
  args: {},
  returns: v.array(vPublicAgent),
  handler: async (ctx, { accountId }) => {
    const agents = await ctx.db
      .query("agents")
      .withIndex("by_accountId_slug", (q) => q.eq("accountId", accountId))
      .take(MAX_AGENTS);
    return agents.filter((a) => a.status !== "archived").map(publicAgent);
  },
});
