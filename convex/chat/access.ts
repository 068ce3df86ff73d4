import type { Doc, Id } from "../_generated/dataModel";
import type { QueryCtx } from "../_generated/server";
import { takesPart } from "../conversations/access";
import { fail } from "../lib/errors";
import { roleAtLeast, type Role } from "../lib/validators";

type Caller = { accountId: Id<"accounts">; userId: Id<"userProfiles"> };

/**
 * A thread is its owner's alone: another user, or the same user calling
 * through another account, gets `not_found` exactly as for a missing thread.
 */
export async function ownThread(ctx: QueryCtx, caller: Caller, threadId: Id<"threads">): Promise<Doc<"threads">> {
  const thread = await ctx.db.get("threads", threadId);
  if (thread === null || thread.accountId !== caller.accountId || thread.userId !== caller.userId) {
    fail("not_found", "Thread not found.");
  }
  return thread;
}

/**
 * A thread the caller may read and write in: their own, or a shared
 * conversation they take part in (convex/conversations). Anything else —
 * another account, a private conversation they are not in — is `not_found`.
 */
export async function participantThread(ctx: QueryCtx, caller: Caller, threadId: Id<"threads">): Promise<Doc<"threads">> {
  const thread = await ctx.db.get("threads", threadId);
  if (thread === null || thread.accountId !== caller.accountId || !(await takesPart(ctx, thread, caller.userId))) {
    fail("not_found", "Thread not found.");
  }
  return thread;
}

/**
 * A thread the caller may rename, archive or set up: their own; for a shared
 * conversation, the person who started it or an account admin (other
 * participants: `forbidden`).
 */
export async function manageableThread(ctx: QueryCtx, caller: Caller & { role: Role }, threadId: Id<"threads">): Promise<Doc<"threads">> {
  const thread = await participantThread(ctx, caller, threadId);
  if (thread.userId !== caller.userId && !roleAtLeast(caller.role, "admin")) {
    fail("forbidden", "Only whoever started this conversation or an account admin can change it.");
  }
  return thread;
}

export async function usableAgent(ctx: QueryCtx, accountId: Id<"accounts">, agentId: Id<"agents">): Promise<Doc<"agents">> {
  const agent = await ctx.db.get("agents", agentId);
  if (agent === null || agent.accountId !== accountId || agent.status === "archived") fail("not_found", "Agent not found.");
  if (agent.status === "paused") fail("policy_denied", `${agent.name} is paused; ask an account admin to resume it.`);
  return agent;
}
