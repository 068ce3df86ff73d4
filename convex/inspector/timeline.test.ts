/**
 * getRun: a turn's timeline with a tool call, a delegation and its tree, a
 * wait seen live, and the journal reconciled with our step rows.
 */
import { afterEach, beforeEach, expect, test, vi } from "vitest";
import { api } from "../_generated/api";
import { send, settle, userWithThread } from "../chat/testkit.testing";
import { setModelPrice } from "../lib/faults.testing";
import { newHarness } from "../test.setup";

beforeEach(() => vi.useFakeTimers());
afterEach(() => {
  vi.useRealTimers();
  setModelPrice("offline", undefined);
});

test("a turn with a tool call: every step in order, the tool's record, its messages, agent version, journal reconciled", async () => {
  const t = newHarness();
  const { user, thread } = await userWithThread(t, { orgId: "org_t", role: "admin" });
  const { interactionId } = await send(user, thread.threadId, "What time is it in Tokyo?");
  await settle(t);
  // A later turn in the same thread does not change what this run produced.
  await send(user, thread.threadId, "Give me three facts about tides");
  await settle(t);
  const timeline = await user.client.query(api.inspector.runs.getRun, { accountId: user.accountId, interactionId });

  expect(timeline.run).toMatchObject({ interactionId, kind: "turn", status: "completed", agentName: "Assistant", llmCalls: 2, depth: 0 });
  expect(timeline.steps.map((s) => [s.kind, s.status, s.attempt])).toEqual([
    ["triage", "succeeded", 1],
    ["llm", "succeeded", 1],
    ["tool", "succeeded", 1],
    ["llm", "succeeded", 1],
  ]);
  const [, firstCall, tool] = timeline.steps;
  expect(firstCall!.tokensIn).toBeGreaterThan(0);
  expect(tool!.toolCall).toMatchObject({ toolSlug: "current_time", status: "committed", attempts: 1 });
  expect(tool!.toolCall!.args).toMatch(/Tokyo/);
  // A tool that needs no approval runs in the fast turn (chat/fastTurn.ts): the whole turn ran without a workflow.
  expect(timeline.steps.map((s) => s.journal !== undefined)).toEqual([false, false, false, false]);

  expect(timeline.messages.map((m) => m.role)).toEqual(["user", "assistant", "tool", "assistant"]);
  expect(timeline.messages[0]!.text).toBe("What time is it in Tokyo?");
  expect(timeline.messages[1]!.tools).toEqual([{ type: "call", toolName: "current_time", toolCallId: tool!.key.slice("tool#".length) }]);
  expect(timeline.messages[3]!.text).toMatch(/Tokyo/);

  expect(timeline.agentVersion).toMatchObject({ name: "Assistant", version: timeline.run.agentVersion });
  expect(timeline.workflow.status).toBe("none");
  expect(timeline.journal).toEqual([]);
  // Rows the fast turn wrote have no journal step by design: nothing to report.
  expect(timeline.reconciliation).toEqual({ matched: 0, journalWithoutRow: [], rowsWithoutJournal: [], truncated: false });
  expect(timeline.tree).toEqual([]);
});

test("a delegation: the tree shows the child with its status and cost; the child's own timeline links back", async () => {
  setModelPrice("offline", { input: 2, output: 8, cachedInput: 0.5 });
  const t = newHarness();
  const { user, thread } = await userWithThread(t, { orgId: "org_t", role: "admin" });
  await user.client.mutation(api.usage.budgets.setBudget, { accountId: user.accountId, scope: "account", period: "total", capUsd: 100 });
  const { interactionId } = await send(user, thread.threadId, "Ask the researcher to find three facts about tides");
  await settle(t);
  const root = await user.client.query(api.inspector.runs.getRun, { accountId: user.accountId, interactionId });
  expect(root.tree).toHaveLength(1);
  const child = root.tree[0]!;
  expect(child).toMatchObject({ agentName: "Researcher", status: "completed", depth: 1, parentInteractionId: interactionId });
  expect(child.costUsd).toBeGreaterThan(0);
  const delegation = root.steps.find((s) => s.kind === "delegation")!;
  expect(delegation).toMatchObject({ status: "succeeded", childInteractionId: child.interactionId, name: "Delegate to Researcher" });
  expect(root.run.treeCostUsd).toBeCloseTo(root.run.costUsd + child.treeCostUsd, 9);
  expect(root.reconciliation.journalWithoutRow).toEqual([]);
  expect(root.reconciliation.rowsWithoutJournal).toEqual([]);

  const sub = await user.client.query(api.inspector.runs.getRun, { accountId: user.accountId, interactionId: child.interactionId });
  expect(sub.run).toMatchObject({ kind: "delegation", depth: 1, parentInteractionId: interactionId, rootInteractionId: interactionId, agentName: "Researcher" });
  expect(sub.messages[0]).toMatchObject({ role: "user" });
  expect(sub.messages[0]!.text).toMatch(/tides/);
  expect(sub.messages.at(-1)).toMatchObject({ role: "assistant", status: "success" });
  // A delegate skips triage: no triage step, no triage row.
  expect(sub.journal.find((j) => j.name === "triage")).toBeUndefined();
  expect(sub.steps.find((s) => s.kind === "triage")).toBeUndefined();
  expect(sub.reconciliation.journalWithoutRow).toEqual([]);
  // The list shows both, with lineage.
  const list = await user.client.query(api.inspector.runs.listRuns, { accountId: user.accountId, paginationOpts: { numItems: 10, cursor: null }, kind: "delegation" });
  expect(list.page.map((r) => [r.interactionId, r.rootInteractionId])).toEqual([[child.interactionId, interactionId]]);
});

test("the live view: a run waiting for approval shows the wait; the same query shows it settle", async () => {
  const t = newHarness();
  const { user, thread } = await userWithThread(t, { orgId: "org_t", role: "admin" });
  const { interactionId } = await send(user, thread.threadId, "save_note: call the plumber");
  await settle(t);
  const waiting = await user.client.query(api.inspector.runs.getRun, { accountId: user.accountId, interactionId });
  expect(waiting.run.status).toBe("waiting");
  const wait = waiting.steps.find((s) => s.kind === "wait")!;
  expect(wait).toMatchObject({ status: "waiting", name: "Approval: save_note" });
  expect(wait.journal).toMatchObject({ status: "inProgress" });
  expect(wait.journal!.name).toMatch(/^approval:/);
  expect(waiting.workflow.status).toBe("inProgress");

  const [pending] = await user.client.query(api.chat.approvals.pendingForThread, { accountId: user.accountId, threadId: thread.threadId });
  await user.client.mutation(api.chat.approvals.decide, { accountId: user.accountId, approvalId: pending!.approvalId, approve: true });
  await settle(t);
  const done = await user.client.query(api.inspector.runs.getRun, { accountId: user.accountId, interactionId });
  expect(done.run.status).toBe("completed");
  expect(done.steps.find((s) => s.kind === "wait")).toMatchObject({ status: "succeeded", detail: "approved" });
  expect(done.steps.find((s) => s.kind === "tool")).toMatchObject({ status: "succeeded", toolCall: { toolSlug: "save_note", status: "committed" } });
  expect(done.reconciliation).toMatchObject({ journalWithoutRow: [], rowsWithoutJournal: [] });
});

test("reconciliation reports a journal step with no row and a row with no journal step", async () => {
  const t = newHarness();
  const { user, thread } = await userWithThread(t, { orgId: "org_t", role: "admin" });
  // A tool that waits for approval runs in the workflow, so its row has a journal step.
  const { interactionId } = await send(user, thread.threadId, "save_note: call the plumber");
  await settle(t);
  const [pending] = await user.client.query(api.chat.approvals.pendingForThread, { accountId: user.accountId, threadId: thread.threadId });
  await user.client.mutation(api.chat.approvals.decide, { accountId: user.accountId, approvalId: pending!.approvalId, approve: true });
  await settle(t);
  const toolKey = await t.run(async (ctx) => {
    const steps = await ctx.db.query("steps").withIndex("by_interactionId_index", (q) => q.eq("interactionId", interactionId)).collect();
    const tool = steps.find((s) => s.kind === "tool")!;
    await ctx.db.delete("steps", tool._id);
    await ctx.db.insert("steps", { interactionId, index: 99, key: "llm#5", kind: "llm", name: "Model call 6", status: "running", attempt: 1, startedAt: Date.now() });
    return tool.key;
  });
  const timeline = await user.client.query(api.inspector.runs.getRun, { accountId: user.accountId, interactionId });
  expect(timeline.reconciliation.journalWithoutRow).toEqual([toolKey]);
  expect(timeline.reconciliation.rowsWithoutJournal).toEqual(["llm#5"]);
  expect(timeline.journal.find((j) => j.name === toolKey)!.role).toBe("missingRow");
});
