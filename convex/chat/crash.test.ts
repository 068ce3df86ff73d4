/**
 * Crash at every step boundary (RELIABILITY R4/R5), on a turn with tools, a
 * delegation and a job: the end state is the same as an uninterrupted run.
 */
import { afterEach, beforeEach, expect, test, vi } from "vitest";
import { api } from "../_generated/api";
import { startJob, jobRow } from "../jobs/testkit.testing";
import { crashAtEveryStep } from "../lib/crashAtEveryStep.testing";
import { newHarness, type Harness } from "../test.setup";
import { accountUsage, messagesOf, send, settle, userWithThread, type Caller } from "./testkit.testing";
import type { Id } from "../_generated/dataModel";

beforeEach(() => vi.useFakeTimers());
/** Each scenario runs once per crash point (a dozen and more), so these take longer than one turn. */
const EVERY_POINT_MS = 120_000;
afterEach(() => vi.useRealTimers());

/** What must not change: the conversation, the side effects, what the budget charged. */
async function endState(t: Harness, user: Caller, threadId: Id<"threads">) {
  const messages = await messagesOf(user, threadId);
  const runs = await t.run(async (ctx) => ctx.db.query("interactions").collect());
  const notes = await t.run(async (ctx) => ctx.db.query("notes").collect());
  const usage = await accountUsage(user);
  return {
    // Document ids may differ (a recovered run creates its bookkeeping in another order); what they name may not.
    messages: messages.map((m) => [m.role, m.status, m.text.replace(/\b\d{10,}[A-Za-z_]+\b/g, "<id>")]),
    runs: runs.map((r) => [r.kind, r.depth, r.status, r.tokensIn, r.tokensOut]),
    notes: notes.map((n) => n.text),
    chargedTokens: usage.tokens,
    tokensOfRuns: runs.reduce((sum, r) => sum + r.tokensIn + r.tokensOut, 0),
  };
}

test("a turn with tools ends the same however it is crashed", async () => {
  const result = await crashAtEveryStep(async () => {
    const t = newHarness();
    const { user, thread, agentId } = await userWithThread(t);
    // Through the API: a run follows the agent version it pinned, not later edits of the rows.
    await user.client.mutation(api.tools.assignments.update, { accountId: user.accountId, agentId, toolSlug: "save_note", needsApproval: false });
    await send(user, thread.threadId, "save_note: book the dentist");
    await settle(t);
    const state = await endState(t, user, thread.threadId);
    expect(state.chargedTokens).toBe(state.tokensOfRuns);
    return state;
  });
  expect(result.points).toBeGreaterThanOrEqual(6);
  expect(new Set(result.crashedAt)).toEqual(new Set(["llm:before", "llm:after-reply-saved", "tool:before", "tool:after-effect"]));
}, EVERY_POINT_MS);

test("a delegation ends the same however it is crashed", async () => {
  const result = await crashAtEveryStep(async () => {
    const t = newHarness();
    const { user, thread } = await userWithThread(t, { orgId: "org_crash", role: "admin" });
    await send(user, thread.threadId, "Ask the researcher to search the knowledge base for tide tables");
    await settle(t);
    const state = await endState(t, user, thread.threadId);
    expect(state.chargedTokens).toBe(state.tokensOfRuns);
    return state;
  });
  expect(result.points).toBeGreaterThanOrEqual(8);
}, EVERY_POINT_MS);

test("a job ends the same however it is crashed", async () => {
  const result = await crashAtEveryStep(async () => {
    const t = newHarness();
    const { user } = await userWithThread(t);
    const jobId = await startJob(user, { type: "summarize", input: "Durable jobs survive crashes and resume where they stopped." });
    await settle(t);
    const job = await jobRow(t, jobId);
    return { state: job.state, result: job.result, attempts: job.attempts };
  });
  expect(result.points).toBe(2);
});
