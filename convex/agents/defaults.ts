import type { Id } from "../_generated/dataModel";
import type { MutationCtx } from "../_generated/server";

/**
 * Every new account starts with an Assistant that can tell the time (read,
 * runs freely) and save notes (write, asks first). The agent-builder issue
 * replaces this with platform templates.
 */
export async function installDefaultAgents(ctx: MutationCtx, accountId: Id<"accounts">): Promise<void> {
  const existing = await ctx.db
    .query("agents")
    .withIndex("by_accountId_slug", (q) => q.eq("accountId", accountId).eq("slug", "assistant"))
    .unique();
  if (existing) return;
  const agentId = await ctx.db.insert("agents", {
    accountId,
    name: "Assistant",
    slug: "assistant",
    description: "A general assistant that can tell the time and save notes.",
    instructions:
      "You are a helpful assistant. Use the tools you are given when they help; say plainly when something failed.",
    status: "active",
    version: 1,
  });
  await ctx.db.insert("toolAssignments", { agentId, toolSlug: "current_time", permission: "read", needsApproval: false });
  await ctx.db.insert("toolAssignments", { agentId, toolSlug: "save_note", permission: "write", needsApproval: true });
}
