import { createThread } from "@convex-dev/agent";
import { components } from "../_generated/api";
import type { Doc, Id } from "../_generated/dataModel";
import type { MutationCtx } from "../_generated/server";

/** The agent component's thread and our row over it; `shared` makes it a shared conversation. */
export async function insertThread(
  ctx: MutationCtx,
  owner: { accountId: Id<"accounts">; userId: Id<"userProfiles"> },
  agentId: Id<"agents">,
  title: string,
  shared: Pick<Doc<"threads">, "sharing" | "general"> = {},
): Promise<Doc<"threads">> {
  const agentThreadId = await createThread(ctx, components.agent, { userId: owner.userId, title });
  const threadId = await ctx.db.insert("threads", { ...owner, agentId, agentThreadId, title, status: "active", lastMessageAt: Date.now(), ...shared });
  return (await ctx.db.get("threads", threadId))!;
}
