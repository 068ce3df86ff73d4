import { v } from "convex/values";
import { internalMutation } from "../../_generated/server";

/**
 * Record on a tool call's step what it reaches (`GET <url>`), before the
 * request: the run's timeline shows it whatever happens next. The step is
 * found by the call's idempotency key (its `toolCalls` row).
 */
export const stepUrl = internalMutation({
  args: { interactionId: v.id("interactions"), idempotencyKey: v.string(), url: v.string() },
  returns: v.null(),
  handler: async (ctx, { interactionId, idempotencyKey, url }) => {
    const record = await ctx.db
      .query("toolCalls")
      .withIndex("by_key", (q) => q.eq("key", idempotencyKey))
      .unique();
    if (record === null || record.interactionId !== interactionId) return null;
    const step = await ctx.db
      .query("steps")
      .withIndex("by_interactionId_key", (q) => q.eq("interactionId", interactionId).eq("key", `tool#${record.toolCallId}`))
      .unique();
    if (step !== null && step.status === "running") await ctx.db.patch("steps", step._id, { detail: `GET ${url.slice(0, 480)}` });
    return null;
  },
});
