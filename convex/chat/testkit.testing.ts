/**
 * Shared steps for chat tests: a signed-in user with a thread, settling
 * scheduled work, reading what the user would see.
 */
import { vi } from "vitest";
import { api } from "../_generated/api";
import type { Id } from "../_generated/dataModel";
import { asMember, asUser, type Harness } from "../test.setup";

export type Caller = Awaited<ReturnType<typeof asUser>>;

/** Run every scheduled function (workflows, workpools) to completion under fake timers. */
export async function settle(t: Harness) {
  await t.finishAllScheduledFunctions(vi.runAllTimers);
}

export async function assistantOf(t: Harness, accountId: Id<"accounts">) {
  const agent = await t.run(async (ctx) =>
    ctx.db.query("agents").withIndex("by_accountId_slug", (q) => q.eq("accountId", accountId).eq("slug", "assistant")).unique(),
  );
  return agent!._id;
}

export async function userWithThread(t: Harness, org?: { orgId: string; role: "admin" | "member" | "readonly" }) {
  const user = org ? await asMember(t, org.orgId, org.role) : await asUser(t);
  const agentId = await assistantOf(t, user.accountId);
  const thread = await user.client.mutation(api.chat.threads.create, { accountId: user.accountId, agentId });
  return { user, thread, agentId };
}

export type UIMessageView = { role: string; text: string; status: string; parts: { type: string; state?: string }[] };

export async function messagesOf(user: Caller, threadId: Id<"threads">): Promise<UIMessageView[]> {
  const result = await user.client.query(api.chat.messages.list, {
    accountId: user.accountId,
    threadId,
    paginationOpts: { numItems: 100, cursor: null },
  });
  return result.page as UIMessageView[];
}

export async function send(user: Caller, threadId: Id<"threads">, text: string) {
  return await user.client.mutation(api.chat.messages.send, { accountId: user.accountId, threadId, text });
}

/**
 * Usage totals of the account over the last week. Fake timers can carry the
 * clock past midnight during a test, so never read just "today".
 */
export async function accountUsage(user: Caller) {
  const days = await user.client.query(api.usage.budgets.daily, { accountId: user.accountId, scope: "account", days: 7 });
  return days.reduce((sum, d) => ({ tokens: sum.tokens + d.tokens, usd: sum.usd + d.usd, turns: sum.turns + d.turns }), { tokens: 0, usd: 0, turns: 0 });
}
