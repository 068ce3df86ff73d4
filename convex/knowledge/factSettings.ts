/**
 * Per agent: does it remember facts from conversations? On by default for
 * the Assistant (the `assistant` template), off for every other agent until
 * an account admin turns it on. Stored apart from the agent (one row per
 * agent that differs from its default), so agents' own tables stay theirs.
 */
import { v } from "convex/values";
import type { Id } from "../_generated/dataModel";
import type { QueryCtx } from "../_generated/server";
import { auditChange, spaActor } from "../audit/changes";
import { fail } from "../lib/errors";
import { accountMutation, accountQuery } from "../lib/functions";

/** The agent slug extraction is on for unless turned off. */
export const EXTRACTS_BY_DEFAULT = "assistant";

async function agentOf(ctx: QueryCtx, accountId: Id<"accounts">, agentId: Id<"agents">) {
  const agent = await ctx.db.get("agents", agentId);
  if (agent === null || agent.accountId !== accountId) fail("not_found", "Agent not found.");
  return agent;
}

async function settingOf(ctx: QueryCtx, agentId: Id<"agents">) {
  return await ctx.db
    .query("knowledgeFactSettings")
    .withIndex("by_agentId", (q) => q.eq("agentId", agentId))
    .unique();
}

/** Whether turns with this agent remember facts (its setting, else its default). */
export async function factExtractionEnabled(ctx: QueryCtx, accountId: Id<"accounts">, agentId: Id<"agents">): Promise<boolean> {
  const agent = await ctx.db.get("agents", agentId);
  if (agent === null || agent.accountId !== accountId) return false;
  const setting = await settingOf(ctx, agentId);
  return setting?.extractFacts ?? agent.slug === EXTRACTS_BY_DEFAULT;
}

export const get = accountQuery({
  args: { agentId: v.id("agents") },
  returns: v.object({ extractFacts: v.boolean(), isDefault: v.boolean() }),
  handler: async (ctx, { accountId, agentId }) => {
    const agent = await agentOf(ctx, accountId, agentId);
    const setting = await settingOf(ctx, agentId);
    return { extractFacts: setting?.extractFacts ?? agent.slug === EXTRACTS_BY_DEFAULT, isDefault: setting === null };
  },
});

/** Turn remembering from conversations on or off for one agent (account admins). */
export const set = accountMutation({
  minRole: "admin",
  args: { agentId: v.id("agents"), extractFacts: v.boolean() },
  returns: v.null(),
  handler: async (ctx, { accountId, agentId, extractFacts }) => {
    const agent = await agentOf(ctx, accountId, agentId);
    const setting = await settingOf(ctx, agentId);
    const before = setting?.extractFacts ?? agent.slug === EXTRACTS_BY_DEFAULT;
    // The effective value is what changes for people: setting a default explicitly changes nothing.
    if (before === extractFacts) return null;
    if (setting === null) await ctx.db.insert("knowledgeFactSettings", { accountId, agentId, extractFacts, updatedBy: ctx.user._id });
    else await ctx.db.patch("knowledgeFactSettings", setting._id, { extractFacts, updatedBy: ctx.user._id });
    await auditChange(ctx, spaActor(ctx), {
      accountId,
      action: "knowledge.fact_extraction",
      targetKind: "agent",
      targetId: agentId,
      before: { extractFacts: before },
      after: { extractFacts },
    });
    return null;
  },
});
