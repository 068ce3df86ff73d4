/**
 * Runs execute the agent version they pinned: a turn parked on an approval
 * while an admin edits the agent (instructions, tools) finishes with the
 * version it started with; the next turn runs the new version.
 */
import { afterEach, beforeEach, expect, test, vi } from "vitest";
import { api, internal } from "../_generated/api";
import type { Id } from "../_generated/dataModel";
import { newHarness, type Harness } from "../test.setup";
import { send, settle, userWithThread } from "../chat/testkit.testing";

beforeEach(() => vi.useFakeTimers());
afterEach(() => vi.useRealTimers());

async function runsOf(t: Harness, threadId: Id<"threads">) {
  return await t.run(async (ctx) =>
    (await ctx.db.query("interactions").collect()).filter((r) => r.threadId === threadId && r.depth === 0).sort((a, b) => a._creationTime - b._creationTime),
  );
}

/** What the run's next model call is given: its instructions and the tools it may ask for. */
async function modelContext(t: Harness, interactionId: Id<"interactions">) {
  const context = (await t.query(internal.chat.llm.callContext, { interactionId })) as { instructions: string; tools: { slug: string }[]; modelId: string };
  return { instructions: context.instructions, tools: context.tools.map((tool) => tool.slug).sort(), modelId: context.modelId };
}

test("an edit during a waiting run does not change it; the next turn uses the new version", async () => {
  const t = newHarness();
  const { user, thread, agentId } = await userWithThread(t);
  const started = await user.client.query(api.agents.agents.get, { accountId: user.accountId, agentId });
  await send(user, thread.threadId, "save_note: call the plumber");
  await settle(t);
  const [run] = await runsOf(t, thread.threadId);
  expect(run!.status).toBe("waiting");
  expect(run!.agentVersion).toBe(started.version);
  const pinned = await modelContext(t, run!._id);
  expect(pinned.tools).toContain("save_note");

  // The admin rewrites the prompt and takes the tool away while the run waits.
  await user.client.mutation(api.agents.agents.update, { accountId: user.accountId, agentId, instructions: "Answer only in French." });
  await user.client.mutation(api.tools.assignments.unassign, { accountId: user.accountId, agentId, toolSlug: "save_note" });
  const edited = await user.client.query(api.agents.agents.get, { accountId: user.accountId, agentId });
  expect(edited.version).toBe(started.version + 2);

  // The waiting run still sees its own version: same prompt, same tools, same model.
  expect(await modelContext(t, run!._id)).toEqual(pinned);
  expect(pinned.instructions).toBe(started.instructions);

  // Approved, the tool runs: the pinned version had it.
  const [pending] = await user.client.query(api.chat.approvals.pendingForThread, { accountId: user.accountId, threadId: thread.threadId });
  await user.client.mutation(api.chat.approvals.decide, { accountId: user.accountId, approvalId: pending!.approvalId, approve: true });
  await settle(t);
  expect((await runsOf(t, thread.threadId))[0]!.status).toBe("completed");
  expect((await t.run(async (ctx) => ctx.db.query("notes").collect())).map((n) => n.text)).toEqual([expect.stringContaining("plumber")]);

  // The next turn pins the new version: the new prompt, and no save_note (refused, nothing written).
  await send(user, thread.threadId, "save_note: buy milk");
  await settle(t);
  const second = (await runsOf(t, thread.threadId))[1]!;
  expect(second.agentVersion).toBe(edited.version);
  const now = await modelContext(t, second._id);
  expect(now.instructions).toBe("Answer only in French.");
  expect(now.tools).not.toContain("save_note");
  expect(await user.client.query(api.chat.approvals.pendingForThread, { accountId: user.accountId, threadId: thread.threadId })).toEqual([]);
  expect(await t.run(async (ctx) => (await ctx.db.query("notes").collect()).length)).toBe(1);
});

test("a delegation runs under the limits of the parent's pinned version", async () => {
  const t = newHarness();
  const { user, thread, agentId } = await userWithThread(t);
  // Delegations wait for approval here, so the parent is parked before the child starts.
  await user.client.mutation(api.tools.assignments.update, { accountId: user.accountId, agentId, toolSlug: "delegate_researcher", needsApproval: true });
  await send(user, thread.threadId, "delegate to researcher: find the opening hours");
  await settle(t);
  const [run] = await runsOf(t, thread.threadId);
  expect(run!.status).toBe("waiting");

  // Taking the delegation away now does not take it from the waiting run.
  const researcher = await t.run(async (ctx) => (await ctx.db.query("agents").collect()).find((a) => a.accountId === user.accountId && a.slug === "researcher")!._id);
  await user.client.mutation(api.agents.delegations.decompose, { accountId: user.accountId, fromAgentId: agentId, toAgentId: researcher });
  const [pending] = await user.client.query(api.chat.approvals.pendingForThread, { accountId: user.accountId, threadId: thread.threadId });
  await user.client.mutation(api.chat.approvals.decide, { accountId: user.accountId, approvalId: pending!.approvalId, approve: true });
  await settle(t);
  const children = await t.run(async (ctx) => (await ctx.db.query("interactions").collect()).filter((r) => r.parentInteractionId === run!._id));
  expect(children.map((c) => [c.agentId, c.status])).toEqual([[researcher, "completed"]]);
});
