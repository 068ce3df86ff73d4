/**
 * A run's model spending reaches the usage totals and `/metrics` once, when
 * the run ends (runTally.ts) — however it ends, and only once when it is
 * resumed — while each call's reservation is still committed as it finishes.
 */
import { afterEach, beforeEach, expect, test, vi } from "vitest";
import { api, internal } from "../_generated/api";
import type { Id } from "../_generated/dataModel";
import { resetFaults } from "../lib/faults.testing";
import { RUN_END_BUNDLE, recordRunEnded } from "../ops/metrics";
import { newHarness, type Harness } from "../test.setup";
import { accountUsage, send, settle, userWithThread } from "./testkit.testing";

beforeEach(() => vi.useFakeTimers());
afterEach(() => {
  vi.useRealTimers();
  resetFaults();
});

const run = (t: Harness, interactionId: Id<"interactions">) => t.run(async (ctx) => (await ctx.db.get("interactions", interactionId))!);

/** The model-call figures `/metrics` exposes: tokens by direction, and how many call durations were observed. */
async function modelMetrics(t: Harness) {
  const families = await t.query(internal.ops.metrics.snapshot, {});
  const family = (name: string) => families.find((f) => f.name === name)!.series;
  const tokens = (direction: string) =>
    family("harness_llm_tokens_total").filter((s) => s.labels.includes(`direction="${direction}"`)).reduce((sum, s) => sum + s.value, 0);
  const calls = family("harness_llm_call_duration_seconds").filter((s) => s.labels.includes('status="succeeded"')).reduce((sum, s) => sum + (s.count ?? 0), 0);
  return { input: tokens("input"), output: tokens("output"), calls };
}

/** A user's turn for `prompt`, driven until nothing is left to run. */
async function turn(prompt: string) {
  const t = newHarness();
  const { user, thread } = await userWithThread(t);
  const { interactionId } = await send(user, thread.threadId, prompt);
  await settle(t);
  return { t, user, interactionId };
}

test("a tool turn's two model calls reach the usage totals and metrics once, when it completes", async () => {
  const { t, user, interactionId } = await turn("what time is it in Tokyo?");
  const done = await run(t, interactionId);
  expect(done).toMatchObject({ status: "completed", llmCalls: 2 });
  expect(done.unflushed).toBeUndefined();
  expect(done.tokensIn + done.tokensOut).toBeGreaterThan(0);
  expect(await accountUsage(user)).toMatchObject({ tokens: done.tokensIn + done.tokensOut, turns: 1 });
  expect(await modelMetrics(t)).toEqual({ input: done.tokensIn, output: done.tokensOut, calls: 2 });
  // Every scope of the chain, not only the account.
  for (const [scope, id] of [["user", done.userId], ["agent", done.agentId]] as const) {
    const days = await user.client.query(api.usage.budgets.daily, { accountId: user.accountId, scope, scopeId: id, days: 7 });
    expect(days.reduce((sum, d) => sum + d.tokens, 0)).toBe(done.tokensIn + done.tokensOut);
  }
});

test("a run cancelled after a finished model call still counts what it spent, once", async () => {
  // save_note waits for approval: the first call has finished and been charged when the run is cancelled.
  const { t, user, interactionId } = await turn("save_note: call the plumber");
  const waiting = await run(t, interactionId);
  expect(waiting).toMatchObject({ status: "waiting", llmCalls: 1 });
  expect(waiting.unflushed?.callDurationsMs).toHaveLength(1);
  expect(await accountUsage(user)).toMatchObject({ tokens: 0, turns: 0 }); // not yet: the run has not ended

  await user.client.mutation(api.chat.runs.cancel, { accountId: user.accountId, interactionId });
  await settle(t);
  const cancelled = await run(t, interactionId);
  expect(cancelled.status).toBe("cancelled");
  expect(cancelled.unflushed).toBeUndefined();
  expect(await accountUsage(user)).toMatchObject({ tokens: cancelled.tokensIn + cancelled.tokensOut, turns: 1 });
  expect(await modelMetrics(t)).toEqual({ input: cancelled.tokensIn, output: cancelled.tokensOut, calls: 1 });
  // A second cancel changes nothing.
  await user.client.mutation(api.chat.runs.cancel, { accountId: user.accountId, interactionId });
  await settle(t);
  expect(await accountUsage(user)).toMatchObject({ tokens: cancelled.tokensIn + cancelled.tokensOut, turns: 1 });
});

test("a turn's end writes one metric row for its duration, model calls and triage; a re-run's end counts no second triage", async () => {
  const { t, interactionId } = await turn("what time is it in Tokyo?");
  const done = await run(t, interactionId);
  const bundles = await t.run(async (ctx) => await ctx.db.query("metricSeries").withIndex("by_name_labels_shard", (q) => q.eq("name", RUN_END_BUNDLE.name)).collect());
  expect(bundles).toHaveLength(1);
  expect(bundles[0]!.parts!.map((p) => p.name).sort()).toEqual([
    "harness_interaction_duration_seconds",
    "harness_llm_call_duration_seconds",
    "harness_llm_tokens_total",
    "harness_llm_tokens_total",
    "harness_triage_intents_total",
  ]);
  const scraped = async () => {
    const families = await t.query(internal.ops.metrics.snapshot, {});
    const series = (name: string) => families.find((f) => f.name === name)!.series;
    return {
      triaged: series("harness_triage_intents_total").reduce((sum, s) => sum + s.value, 0),
      runs: series("harness_interaction_duration_seconds").reduce((sum, s) => sum + (s.count ?? 0), 0),
      exemplar: series("harness_interaction_duration_seconds")[0]?.exemplar?.labels,
    };
  };
  expect(await scraped()).toEqual({ triaged: 1, runs: 1, exemplar: `root_interaction_id="${interactionId}"` });
  expect(await modelMetrics(t)).toEqual({ input: done.tokensIn, output: done.tokensOut, calls: 2 });

  // Re-run from a step (generation 1) and ended again: its duration counts, the message was triaged once.
  await t.run(async (ctx) => {
    await ctx.db.patch("interactions", interactionId, { generation: 1 });
    await recordRunEnded(ctx, interactionId, "completed", Date.now());
  });
  expect(await scraped()).toMatchObject({ triaged: 1, runs: 2 });
});
