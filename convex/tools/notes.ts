import { v } from "convex/values";
import { internalMutation } from "../_generated/server";

/** Idempotent by key: the same tool call stores one note however often it runs. */
export const insert = internalMutation({
  args: { accountId: v.id("accounts"), userId: v.id("userProfiles"), idempotencyKey: v.string(), text: v.string() },
  returns: v.id("notes"),
  handler: async (ctx, args) => {
    const existing = await ctx.db
      .query("notes")
      .withIndex("by_idempotencyKey", (q) => q.eq("idempotencyKey", args.idempotencyKey))
      .unique();
    if (existing) return existing._id;
    return await ctx.db.insert("notes", args);
  },
});
