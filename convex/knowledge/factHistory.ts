/**
 * A fact's earlier versions: what it said before a new value superseded it,
 * or before a person corrected or deleted it, with where that came from.
 */
import { v } from "convex/values";
import type { Id } from "../_generated/dataModel";
import { internalMutation, type MutationCtx } from "../_generated/server";

export type FactChange = {
  scopeKey: string;
  factKey: string;
  text: string;
  change: "superseded" | "corrected" | "deleted";
  replacedBy?: string;
  messageId?: string;
  interactionId?: Id<"interactions">;
  by?: Id<"userProfiles">;
};

export async function recordFactChange(ctx: MutationCtx, change: FactChange): Promise<void> {
  await ctx.db.insert("knowledgeFactHistory", { ...change, at: Date.now() });
}

/** For storeFact (an action): a new value replaced this one. */
export const recordSuperseded = internalMutation({
  args: {
    scopeKey: v.string(),
    factKey: v.string(),
    text: v.string(),
    replacedBy: v.string(),
    messageId: v.optional(v.string()),
    interactionId: v.optional(v.id("interactions")),
    by: v.optional(v.id("userProfiles")),
  },
  returns: v.null(),
  handler: async (ctx, args) => {
    await recordFactChange(ctx, { ...args, change: "superseded" });
    return null;
  },
});
