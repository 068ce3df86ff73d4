import { afterEach, beforeEach, expect, test, vi } from "vitest";
import { api } from "../_generated/api";
import type { Id } from "../_generated/dataModel";
import { failNext, passes, resetFaults, setModelPrice } from "../lib/faults.testing";
import { newHarness, type Harness } from "../test.setup";
import { accountUsage, messagesOf, send, settle, userWithThread, type Caller } from "./testkit.testing";

beforeEach(() => vi.useFakeTimers());
afterEach(() => {
  vi.useRealTimers();
  resetFaults();
});

async function agentIds(t: Harness, accountId: Id<"accounts">) {
  const agents = await t.run(async (ctx) => ctx.db.query("agents").withIndex("by_accountId_slug", (q) => q.eq("accountId", accountId)).collect());
  return Object.fromEntries(agents.map((a) => [a.slug, a._id])) as Record<string, Id<"agents">>;
}

async function runs(t: Harness) {
  return await t.run(async (ctx) => ctx.db.query("interactions").collect());
}

async function lastReply(user: Caller, threadId: Id<"threads">) {
  const messages = await messagesOf(user, threadId);
  return messages.at(-1)!;
}

test("a delegation runs as a child run with lineage; its answer comes back as the tool result", async () => {
  const t = newHarness();
  const { user, thread } = await userWithThread(t, { orgId: "org_d", role: "admin" });
  await send(user, thread.threadId, "Ask the researcher to find three facts about tides");
  await settle(t);
  const all = await runs(t);
  const root = all.find((i) => i.kind === "turn")!;
  const child = all.find((i) => i.kind === "delegation")!;
  const ids = await agentIds(t, user.accountId);
  expect(root.status).toBe("completed");
  expect(child).toMatchObject({
    status: "completed",
    parentInteractionId: root._id,
    rootInteractionId: root._id,
    depth: 1,
    lineage: [ids.assistant, ids.researcher],
  });
  const reply = await lastReply(user, thread.threadId);
  expect(reply.role).toBe("assistant");
  expect(reply.text).toMatch(/Researcher/i);
  // The child's sub-thread is not in the user's thread list.
  const list = await user.client.query(api.chat.threads.list, { accountId: user.accountId, paginationOpts: { numItems: 10, cursor: null } });
  expect(list.page.map((x) => x.threadId)).toEqual([thread.threadId]);
});

test("two delegations in one model step run in parallel and the answer includes both", async () => {
  const t = newHarness();
  const { user, thread } = await userWithThread(t, { orgId: "org_d", role: "admin" });
  await send(user, thread.threadId, "Ask the researcher to list facts about the moon and the writer to draft a haiku about the sea");
  await settle(t);
  const all = await runs(t);
  const children = all.filter((i) => i.kind === "delegation");
  expect(children).toHaveLength(2);
  expect(children.every((c) => c.status === "completed")).toBe(true);
  const reply = await lastReply(user, thread.threadId);
  expect(reply.text).toMatch(/Researcher/i);
  expect(reply.text).toMatch(/Writer/i);
});

test("three levels: lineage, depth and the tree's cost rolled up to the root", async () => {
  // Price the offline model so costs are not all zero: $2 / $8 per million tokens in / out.
  setModelPrice("offline", { input: 2, output: 8, cachedInput: 0.5 });
  const t = newHarness();
  const { user, thread } = await userWithThread(t, { orgId: "org_d", role: "admin" });
  const ids = await agentIds(t, user.accountId);
  // Assistant → Researcher → Writer (the assistant no longer asks the writer itself).
  await user.client.mutation(api.agents.delegations.decompose, { accountId: user.accountId, fromAgentId: ids.assistant!, toAgentId: ids.writer! });
  await user.client.mutation(api.agents.delegations.compose, { accountId: user.accountId, fromAgentId: ids.researcher!, toAgentId: ids.writer! });
  await user.client.mutation(api.usage.budgets.setBudget, { accountId: user.accountId, scope: "account", period: "total", capUsd: 100 });
  await send(user, thread.threadId, "Ask the researcher to ask the writer to draft a limerick about budgets");
  await settle(t);
  const all = await runs(t);
  const root = all.find((i) => i.kind === "turn")!;
  const level1 = all.find((i) => i.depth === 1)!;
  const level2 = all.find((i) => i.depth === 2)!;
  expect(level2).toMatchObject({ status: "completed", parentInteractionId: level1._id, rootInteractionId: root._id, lineage: [ids.assistant, ids.researcher, ids.writer] });
  expect(level1.status).toBe("completed");
  expect(root.status).toBe("completed");
  expect(level1.treeCostMicroUsd).toBe(level1.costMicroUsd + level2.treeCostMicroUsd);
  expect(root.treeCostMicroUsd).toBe(root.costMicroUsd + level1.treeCostMicroUsd);
  expect(level2.costMicroUsd).toBeGreaterThan(0);
  expect(root.treeCostMicroUsd).toBe(all.reduce((sum, i) => sum + i.costMicroUsd, 0));
  // The ledger charged the whole tree once.
  const [account] = await user.client.query(api.usage.budgets.status, { accountId: user.accountId });
  expect(Math.round(account!.spentUsd * 1_000_000)).toBe(root.treeCostMicroUsd);
  expect(account!.reservedUsd).toBe(0);
  // Usage counted once per model call across the tree.
  const tokens = all.reduce((sum, i) => sum + i.tokensIn + i.tokensOut, 0);
  const usage = await accountUsage(user);
  expect(usage.tokens).toBe(tokens);
  const [status] = await user.client.query(api.usage.budgets.status, { accountId: user.accountId });
  expect(status?.reservedTokens ?? 0).toBe(0);
});

test("run-time re-check: a chain made too deep after composition is refused as a tool error; the parent completes", async () => {
  const t = newHarness();
  const { user, thread } = await userWithThread(t, { orgId: "org_d", role: "admin" });
  const ids = await agentIds(t, user.accountId);
  await user.client.mutation(api.agents.delegations.decompose, { accountId: user.accountId, fromAgentId: ids.assistant!, toAgentId: ids.writer! });
  await user.client.mutation(api.agents.delegations.compose, { accountId: user.accountId, fromAgentId: ids.researcher!, toAgentId: ids.writer! });
  // The account's limit drops below the composed chain (data changed after composition).
  await t.run(async (ctx) => {
    await ctx.db.patch("accounts", user.accountId, { maxDelegationDepth: 1 });
  });
  await send(user, thread.threadId, "Ask the researcher to ask the writer to draft a limerick about budgets");
  await settle(t);
  const all = await runs(t);
  expect(all.filter((i) => i.kind === "delegation")).toHaveLength(1);
  const refusedStep = (await t.run(async (ctx) => ctx.db.query("steps").collect())).find((s) => s.kind === "delegation" && s.status === "failed")!;
  expect(refusedStep.error!.message).toMatch(/Assistant → Researcher → Writer|depth|chain/i);
  expect(all.every((i) => i.status === "completed")).toBe(true);
});

test("a child whose tool throws once is retried, and the parent completes", async () => {
  const t = newHarness();
  const { user, thread } = await userWithThread(t, { orgId: "org_d", role: "admin" });
  failNext("tool.afterEffect", 1, "current_time");
  await send(user, thread.threadId, "Ask the researcher to tell me what time it is in Tokyo");
  await settle(t);
  expect(passes("tool.execute", "current_time")).toBe(2);
  const all = await runs(t);
  expect(all.map((i) => i.status)).toEqual(["completed", "completed"]);
  const reply = await lastReply(user, thread.threadId);
  expect(reply.text).toMatch(/Tokyo|Researcher/);
});

test("cancelling the root cancels its children; a read-level delegation cannot use the delegate's write tools", async () => {
  const t = newHarness();
  const { user, thread } = await userWithThread(t, { orgId: "org_d", role: "admin" });
  const ids = await agentIds(t, user.accountId);
  await user.client.mutation(api.agents.agents.update, { accountId: user.accountId, agentId: ids.writer!, capabilityLevel: "write" });
  await user.client.mutation(api.tools.assignments.assign, { accountId: user.accountId, agentId: ids.writer!, toolSlug: "save_note", permission: "write" });

  // Read-level composition (the default): the writer may not save notes for the assistant.
  await send(user, thread.threadId, "Ask the writer to save_note: draft a shopping list");
  await settle(t);
  expect(await t.run(async (ctx) => (await ctx.db.query("notes").collect()).length)).toBe(0);
  expect((await runs(t)).every((i) => i.status === "completed")).toBe(true);

  // Lend write permission: now the writer's save_note waits for the user's approval, in the root thread.
  await user.client.mutation(api.agents.delegations.decompose, { accountId: user.accountId, fromAgentId: ids.assistant!, toAgentId: ids.writer! });
  await user.client.mutation(api.agents.delegations.compose, { accountId: user.accountId, fromAgentId: ids.assistant!, toAgentId: ids.writer!, permission: "write" });
  const { interactionId } = await send(user, thread.threadId, "Ask the writer to save_note: draft a packing list");
  await settle(t);
  const pending = await user.client.query(api.chat.approvals.pendingForThread, { accountId: user.accountId, threadId: thread.threadId });
  expect(pending.map((p) => p.toolSlug)).toEqual(["save_note"]);
  const child = (await runs(t)).find((i) => i.parentInteractionId === interactionId)!;
  expect(child.status).toBe("waiting");

  await user.client.mutation(api.chat.runs.cancel, { accountId: user.accountId, interactionId });
  await settle(t);
  const after = await runs(t);
  expect(after.find((i) => i._id === interactionId)!.status).toBe("cancelled");
  expect(after.find((i) => i._id === child._id)!.status).toBe("cancelled");
  expect(await user.client.query(api.chat.approvals.pendingForThread, { accountId: user.accountId, threadId: thread.threadId })).toEqual([]);
  expect(await t.run(async (ctx) => (await ctx.db.query("notes").collect()).length)).toBe(0);
  const [status] = await user.client.query(api.usage.budgets.status, { accountId: user.accountId });
  expect(status?.reservedTokens ?? 0).toBe(0);
});
