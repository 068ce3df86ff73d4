import { v } from "convex/values";
import { internalMutation } from "./_generated/server";
import { installDefaultAgents } from "./agents/defaults";

/**
 * Seeds a fresh local engine (`npm start`, empty data): a demo organisation
 * whose agents exist before anyone signs in. Sign in locally with the
 * organisation id `org_demo` to land in it. Safe to run twice.
 */
export const localDemo = internalMutation({
  args: {},
  returns: v.object({ accountId: v.id("accounts") }),
  handler: async (ctx) => {
    const existing = await ctx.db
      .query("accounts")
      .withIndex("by_clerkOrgId", (q) => q.eq("clerkOrgId", "org_demo"))
      .unique();
    const accountId =
      existing?._id ??
      (await ctx.db.insert("accounts", {
        name: "Demo Co",
        slug: "demo-co",
        kind: "organization",
        status: "active",
        clerkOrgId: "org_demo",
        maxDelegationDepth: 3,
      }));
    await installDefaultAgents(ctx, accountId);
    return { accountId };
  },
});
