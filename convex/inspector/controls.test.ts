/**
 * The inspector's actions: resume a failed run from its failed step, restart
 * it from the beginning, cancel it — each previewed, each audited.
 */
import { afterEach, beforeEach, expect, test, vi } from "vitest";
import { api } from "../_generated/api";
import type { Doc, Id } from "../_generated/dataModel";
import { messagesOf, send, settle, userWithThread } from "../chat/testkit.testing";
import { offlineModel, resetFaults, setModelPrice } from "../lib/faults.testing";
import { asAdmin, codeOf, newHarness, type Harness } from "../test.setup";
import { planRestart, planResume } from "./recovery";
import type { JournalStep } from "./timeline";

beforeEach(() => vi.useFakeTimers());
afterEach(() => {
  vi.useRealTimers();
  resetFaults();
});

async function stepsOf(t: Harness, interactionId: Id<"interactions">) {
  return await t.run(async (ctx) => ctx.db.query("steps").withIndex("by_interactionId_index", (q) => q.eq("interactionId", interactionId)).collect());
}

/** A turn whose model provider keeps failing (4 attempts, all 429): the run fails at `llm#0`. */
async function failedTurn(t: Harness) {
  setModelPrice("offline", { input: 2, output: 8, cachedInput: 0.5 });
  const { user, thread } = await userWithThread(t, { orgId: "org_c", role: "admin" });
  offlineModel.options = { faults: { failNextCalls: 4, error: "429" } };
  const { interactionId } = await send(user, thread.threadId, "Give me three facts about tides");
  await settle(t);
  offlineModel.options = undefined;
  return { user, thread, interactionId };
}

test("a failed run: preview what it spent and what each failed attempt cost, resume from the failed step, audited", async () => {
  const t = newHarness();
  const { user, thread, interactionId } = await failedTurn(t);
  const args = { accountId: user.accountId, interactionId };
  const preview = await user.client.query(api.inspector.controls.resumePreview, args);
  expect(preview.run).toMatchObject({ status: "failed", failedStepKey: "llm#0" });
  expect(preview.run.error!.message).toMatch(/429/);
  expect(preview.spent).toEqual({ tokensIn: 0, tokensOut: 0, llmCalls: 0, costUsd: 0, treeCostUsd: 0 });
  expect(preview.failedSteps).toHaveLength(1);
  const [failedCall] = preview.failedSteps;
  expect(failedCall).toMatchObject({ key: "llm#0", status: "failed", attempts: 4, failedAttempts: 4, chargedUsd: 0 });
  // One hold for the four attempts, released unspent.
  expect(failedCall!.reservations).toHaveLength(1);
  expect(failedCall!.reservations[0]).toMatchObject({ generation: 0, status: "released", chargedUsd: 0 });
  expect(failedCall!.reservations[0]!.heldUsd).toBeGreaterThan(0);
  expect(preview.nextCallHoldUsd).toBe(failedCall!.reservations[0]!.heldUsd);
  // The model call reserves its own budget (afresh, under the new generation): resume at its last attempt.
  // Its earlier attempts' journal entries are part of the step that runs again, not listed as kept.
  // (Triage and attempt 1 ran before the workflow existed.)
  expect(preview.resume).toEqual({ allowed: true, from: "llm#0", rerun: ["llm#0"], kept: [] });
  expect(preview.restart).toMatchObject({ allowed: true, from: 0 });

  expect(await codeOf(user.client.mutation(api.inspector.controls.resumeRun, { ...args, reason: "  " }))).toBe("bad_request");
  const triageBefore = (await stepsOf(t, interactionId)).find((s) => s.kind === "triage")!.attempt;
  const resumed = await user.client.mutation(api.inspector.controls.resumeRun, { ...args, reason: "provider outage over (ticket #7)" });
  expect(resumed).toEqual({ from: "llm#0", rerun: ["llm#0"], generation: 1 });
  await settle(t);

  const after = await user.client.query(api.inspector.runs.getRun, args);
  expect(after.run.status).toBe("completed");
  const steps = await stepsOf(t, interactionId);
  // Nothing before the failed step ran again; the failed call ran once more.
  expect(steps.find((s) => s.kind === "triage")!.attempt).toBe(triageBefore);
  expect(steps.find((s) => s.key === "llm#0")).toMatchObject({ status: "succeeded", attempt: 5 });
  const replies = (await messagesOf(user, thread.threadId)).filter((m) => m.role === "assistant" && m.status === "success");
  expect(replies).toHaveLength(1);
  // The preview now shows both generations: the released hold and the one charged.
  const later = await user.client.query(api.inspector.controls.resumePreview, args);
  expect(later.failedSteps[0]!.reservations.map((r) => [r.generation, r.status])).toEqual([[0, "released"], [1, "committed"]]);
  expect(later.failedSteps[0]!.reservations[1]!.chargedUsd).toBeCloseTo(later.spent.costUsd, 9);
  expect(later.resume).toMatchObject({ allowed: false });

  // Audited: who, when, why.
  const log = await user.client.query(api.audit.log.auditLog, { accountId: user.accountId, paginationOpts: { numItems: 10, cursor: null } });
  expect(log.page).toHaveLength(1);
  expect(log.page[0]).toMatchObject({
    actorUserId: user.userId,
    actorRole: "admin",
    action: "run.resume",
    targetKind: "interaction",
    targetId: interactionId,
    reason: "provider outage over (ticket #7)",
    details: { from: "llm#0", generation: 1, statusBefore: "failed" },
  });
  expect(log.page[0]!.at).toBeGreaterThan(0);
  // A second resume: the run is no longer failed.
  expect(await codeOf(user.client.mutation(api.inspector.controls.resumeRun, { ...args, reason: "again" }))).toBe("conflict");
});

test("restart re-runs a failed run from its first step (a platform admin, audited)", async () => {
  const t = newHarness();
  const { user, interactionId } = await failedTurn(t);
  const platform = await asAdmin(t);
  const args = { accountId: user.accountId, interactionId };
  const restarted = await platform.client.mutation(api.inspector.controls.restartRun, { ...args, reason: "customer asked for a fresh run" });
  expect(restarted.from).toBe(0);
  expect(restarted.rerun).toEqual(["llm#0"]);
  await settle(t);
  const steps = await stepsOf(t, interactionId);
  // The workflow's first step ran again; triage (before the workflow) did not.
  expect(steps.find((s) => s.kind === "triage")!.attempt).toBe(1);
  expect(steps.find((s) => s.key === "llm#0")).toMatchObject({ status: "succeeded", attempt: 5 });
  const timeline = await platform.client.query(api.inspector.runs.getRun, args);
  expect(timeline.run.status).toBe("completed");
  expect(timeline.reconciliation).toMatchObject({ journalWithoutRow: [], rowsWithoutJournal: [] });
  const log = await user.client.query(api.audit.log.auditLog, {
    accountId: user.accountId,
    paginationOpts: { numItems: 10, cursor: null },
    target: { kind: "interaction", id: interactionId },
  });
  expect(log.page.map((e) => [e.action, e.actorUserId, e.actorRole, e.reason])).toEqual([
    ["run.restart", platform.userId, "platform_admin", "customer asked for a fresh run"],
  ]);
});

test("a run the budget refused: raise the budget, then resume at the refused reservation", async () => {
  const t = newHarness();
  setModelPrice("offline", { input: 2, output: 8, cachedInput: 0.5 });
  const { user, thread } = await userWithThread(t, { orgId: "org_c", role: "admin" });
  await user.client.mutation(api.usage.budgets.setBudget, { accountId: user.accountId, scope: "account", period: "total", capUsd: 0.000001 });
  const { interactionId } = await send(user, thread.threadId, "Give me three facts about tides");
  await settle(t);
  const args = { accountId: user.accountId, interactionId };
  const preview = await user.client.query(api.inspector.controls.resumePreview, args);
  expect(preview.run.error!.code).toBe("budget_exceeded");
  expect(preview.resume).toMatchObject({ allowed: true, from: "llm#0" });
  await user.client.mutation(api.usage.budgets.setBudget, { accountId: user.accountId, scope: "account", period: "total", capUsd: 100 });
  await user.client.mutation(api.inspector.controls.resumeRun, { ...args, reason: "budget raised" });
  await settle(t);
  expect((await user.client.query(api.inspector.runs.getRun, args)).run.status).toBe("completed");
});

test("cancel: the run and its pending approval end, audited once; cancelling again changes nothing", async () => {
  const t = newHarness();
  const { user, thread } = await userWithThread(t, { orgId: "org_c", role: "admin" });
  const { interactionId } = await send(user, thread.threadId, "save_note: call the plumber");
  await settle(t);
  const args = { accountId: user.accountId, interactionId };
  expect((await user.client.query(api.inspector.runs.getRun, args)).run.status).toBe("waiting");
  expect(await codeOf(user.client.mutation(api.inspector.controls.cancelRun, { ...args, reason: "" }))).toBe("bad_request");
  expect(await user.client.mutation(api.inspector.controls.cancelRun, { ...args, reason: "stuck waiting; user unreachable" })).toEqual({ cancelled: true, status: "cancelled" });
  await settle(t);
  const timeline = await user.client.query(api.inspector.runs.getRun, args);
  expect(timeline.run.status).toBe("cancelled");
  expect(timeline.workflow.status).toBe("canceled");
  expect(timeline.steps.find((s) => s.kind === "wait")!.status).toBe("cancelled");
  const approvals = await t.run(async (ctx) => ctx.db.query("approvals").collect());
  expect(approvals.map((a: Doc<"approvals">) => a.status)).toEqual(["cancelled"]);
  expect(await t.run(async (ctx) => (await ctx.db.query("notes").collect()).length)).toBe(0);
  expect(await user.client.mutation(api.inspector.controls.cancelRun, { ...args, reason: "again" })).toEqual({ cancelled: false, status: "cancelled" });
  const log = await user.client.query(api.audit.log.auditLog, { accountId: user.accountId, paginationOpts: { numItems: 10, cursor: null } });
  expect(log.page.map((e) => [e.action, e.reason, e.actorName])).toEqual([["run.cancel", "stuck waiting; user unreachable", user.viewer.name ?? expect.any(String)]]);
  // Neither resume nor restart applies to a cancelled run.
  const preview = await user.client.query(api.inspector.controls.resumePreview, args);
  expect(preview.resume).toMatchObject({ allowed: false });
  expect(preview.restart).toMatchObject({ allowed: false });
});

const step = (stepNumber: number, name: string, status: JournalStep["status"] = "success", kind: JournalStep["kind"] = "function"): JournalStep => ({
  stepNumber,
  name,
  kind,
  status,
  startedAt: 0,
});

test("plans: restart refuses to repeat a paid model call or a resolved wait; delegations resume through their root", () => {
  const run = { status: "failed", workflowId: "w", failedStepKey: "llm#1", generation: 0 } as Doc<"interactions">;
  const afterTool = [step(0, "triage"), step(1, "budget#0"), step(2, "llm#0"), step(3, "policy#c"), step(4, "tool#c"), step(5, "budget#1"), step(6, "llm#1", "failed")];
  expect(planResume(run, afterTool, "failed")).toEqual({ allowed: true, from: "budget#1", rerun: ["budget#1", "llm#1"], kept: ["triage", "budget#0", "llm#0", "policy#c", "tool#c"] });
  const restart = planRestart(run, afterTool, "failed");
  expect(restart.allowed).toBe(false);
  expect(!restart.allowed && restart.reason).toMatch(/llm#0.*resume/);
  const afterApproval = [step(0, "triage"), step(1, "budget#0"), step(2, "policy#c"), step(3, "approval:a1", "success", "event")];
  expect(planRestart(run, afterApproval, "failed")).toMatchObject({ allowed: false, reason: expect.stringMatching(/wait/) });
  const child = { ...run, parentInteractionId: "p" } as unknown as Doc<"interactions">;
  expect(planResume(child, afterTool, "failed")).toMatchObject({ allowed: false, reason: expect.stringMatching(/root run/) });
  expect(planResume(run, afterTool, "inProgress")).toMatchObject({ allowed: false });
  // A job's run: the jobs module resumes it from its failed step or restarts every step; a finished one neither.
  const job = { ...run, kind: "job", failedStepKey: "work" } as Doc<"interactions">;
  const jobJournal = [step(0, "prepare"), step(1, "work", "failed")];
  expect(planResume(job, jobJournal, "failed")).toEqual({ allowed: true, from: "work", rerun: ["work"], kept: ["prepare"] });
  expect(planRestart(job, jobJournal, "failed")).toEqual({ allowed: true, from: 0, rerun: ["prepare", "work"], kept: [] });
  expect(planResume({ ...job, status: "completed" } as Doc<"interactions">, jobJournal, "success")).toMatchObject({ allowed: false, reason: expect.stringMatching(/failed or timed out/) });
  expect(planRestart(job, jobJournal, "inProgress")).toMatchObject({ allowed: false, reason: expect.stringMatching(/winding down/) });
  expect(planResume({ ...run, failedStepKey: "llm#7" } as Doc<"interactions">, afterTool, "failed")).toMatchObject({ allowed: false, reason: expect.stringMatching(/journal/) });
  // A first call retried in the workflow, then failed: its earlier attempts are not "kept" beside it.
  const retried = [step(0, "llm#0"), step(1, "llm#0"), step(2, "llm#0", "failed"), step(3, "fail")];
  expect(planResume({ ...run, failedStepKey: "llm#0" } as Doc<"interactions">, retried, "failed")).toEqual({ allowed: true, from: "llm#0", rerun: ["llm#0"], kept: [] });
});
