import type { Doc, Id } from "../_generated/dataModel";
import type { QueryCtx } from "../_generated/server";
import { fail } from "../lib/errors";

/**
 * A thread is its owner's alone: another user, or the same user calling
 * through another account, gets `not_found` exactly as for a missing thread.
 */
export async function ownThread(
  ctx: QueryCtx,
  caller: { accountId: Id<"accounts">; userId: Id<"userProfiles"> },
  threadId: Id<"threads">,
): Promise<Doc<"threads">> {
  const thread = await ctx.db.get("threads", threadId);
  if (thread === null || thread.accountId !== caller.accountId || thread.userId !== caller.userId) {
    fail("not_found", "Thread not found.");
  }
  return thread;
}

export async function usableAgent(ctx: QueryCtx, accountId: Id<"accounts">, agentId: Id<"agents">): Promise<Doc<"agents">> {
  const agent = await ctx.db.get("agents", agentId);
  if (agent === null || agent.accountId !== accountId || agent.status === "archived") fail("not_found", "Agent not found.");
  if (agent.status === "paused") fail("policy_denied", `${agent.name} is paused; ask an account admin to resume it.`);
  return agent;
}
