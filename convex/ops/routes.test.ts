/**
 * GET /health and GET /metrics: the health answer and its 503, the metrics
 * token (fail closed), and metrics that match what happened — a turn with a
 * tool call and a background job, counted as they happened (no table scans).
 */
import { readFileSync } from "node:fs";
import { afterEach, expect, test } from "vitest";
import { send, settle, userWithThread } from "../chat/testkit.testing";
import { api } from "../_generated/api";
import { drive, startJob } from "../jobs/testkit.testing";
import { failNext, resetFaults, setModelPrice } from "../lib/faults.testing";
import { newHarness, type Harness } from "../test.setup";
import { getMetrics, METRICS_TOKEN, parseExposition, valueOf, withMetricsToken } from "./prometheus.testing";
import { SHARDS } from "./metrics";
import { HARNESS_VERSION } from "./version";

withMetricsToken();
afterEach(() => resetFaults());

async function scrape(t: Harness) {
  const response = await getMetrics(t);
  expect(response.status).toBe(200);
  expect(response.headers.get("content-type")).toMatch(/^text\/plain; version=0\.0\.4/);
  return parseExposition(await response.text());
}

async function expectEnvelope(response: Response, status: number, code: string) {
  expect(response.status).toBe(status);
  const body = (await response.json()) as { error: { code: string; message: string }; meta: { request_id: string } };
  expect(body.error.code).toBe(code);
  expect(body.error.message.length).toBeGreaterThan(0);
  expect(body.meta.request_id).toMatch(/^req_/);
  expect(response.headers.get("x-request-id")).toBe(body.meta.request_id);
}

test("the version reported is package.json's", () => {
  const pkg = JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as { version: string };
  expect(HARNESS_VERSION).toBe(pkg.version);
});

test("GET /health answers ok with the version and time; 503 with the envelope when the backend cannot read", async () => {
  const t = newHarness();
  const ok = await t.fetch("/health", { method: "GET" });
  expect(ok.status).toBe(200);
  const body = (await ok.json()) as { status: string; version: string; time: string };
  expect(body).toEqual({ status: "ok", version: HARNESS_VERSION, time: expect.any(String) });
  expect(new Date(body.time).toISOString()).toBe(body.time);

  failNext("ops.healthProbe", 1);
  await expectEnvelope(await t.fetch("/health", { method: "GET" }), 503, "internal_error");
  expect((await t.fetch("/health", { method: "GET" })).status).toBe(200);
});

test("GET /metrics refuses a missing or wrong token, and every token while HARNESS_METRICS_TOKEN is unset", async () => {
  const t = newHarness();
  await expectEnvelope(await t.fetch("/metrics", { method: "GET" }), 401, "unauthenticated");
  await expectEnvelope(await t.fetch("/metrics", { headers: { Authorization: "Bearer wrong" } }), 401, "unauthenticated");
  await expectEnvelope(await t.fetch("/metrics", { headers: { Authorization: METRICS_TOKEN } }), 401, "unauthenticated");
  delete process.env.HARNESS_METRICS_TOKEN;
  await expectEnvelope(await t.fetch("/metrics", { headers: { Authorization: `Bearer ${METRICS_TOKEN}` } }), 401, "unauthenticated");
});

test("metrics count what happened: one turn with two model calls and one tool call, one job", async () => {
  const t = newHarness();
  setModelPrice("offline", { input: 2, output: 8, cachedInput: 0.5 });
  const before = await scrape(t);
  expect(valueOf(before, "harness_build_info", { version: HARNESS_VERSION })).toBe(1);
  expect(valueOf(before, "harness_platform_paused")).toBe(0);
  expect(valueOf(before, "harness_maintenance_mode")).toBe(0);
  expect(before.types.get("harness_interaction_duration_seconds")).toBe("histogram");
  expect(before.samples.filter((s) => s.name.startsWith("harness_interaction_duration_seconds"))).toEqual([]);

  const { user, thread } = await userWithThread(t);
  const { interactionId } = await send(user, thread.threadId, "What time is it in Tokyo?");
  await startJob(user, { type: "summarize", input: "Tides rise and fall twice a day." });
  await settle(t);

  const run = (await t.run(async (ctx) => ctx.db.get("interactions", interactionId)))!;
  expect(run).toMatchObject({ status: "completed", llmCalls: 2 });
  expect(run.costMicroUsd).toBeGreaterThan(0);
  const model = run.modelId!;

  const after = await scrape(t);
  const turn = { kind: "turn", status: "completed" };
  expect(valueOf(after, "harness_interaction_duration_seconds_count", turn)).toBe(1);
  expect(valueOf(after, "harness_interaction_duration_seconds_bucket", { ...turn, le: "+Inf" })).toBe(1);
  expect(valueOf(after, "harness_interaction_duration_seconds_sum", turn)).toBeCloseTo((run.endedAt! - run.startedAt!) / 1000, 3);

  expect(valueOf(after, "harness_llm_call_duration_seconds_count", { model, status: "succeeded" })).toBe(2);
  expect(valueOf(after, "harness_tool_execution_duration_seconds_count", { tool: "current_time", status: "succeeded" })).toBe(1);
  expect(valueOf(after, "harness_triage_intents_total", { intent: "none" })).toBe(1);
  expect(valueOf(after, "harness_llm_cost_usd_total", { model })).toBeCloseTo(run.costMicroUsd / 1e6, 9);
  expect(valueOf(after, "harness_llm_tokens_total", { model, direction: "input", source: "reported" })).toBe(run.tokensIn);
  expect(valueOf(after, "harness_llm_tokens_total", { model, direction: "output", source: "reported" })).toBe(run.tokensOut);

  // The job went pending → running → resolved: the gauges hold only where it ended.
  expect(valueOf(after, "harness_jobs", { state: "resolved" })).toBe(1);
  expect(valueOf(after, "harness_jobs", { state: "pending" }) ?? 0).toBe(0);
  expect(valueOf(after, "harness_jobs", { state: "running" }) ?? 0).toBe(0);
});

test("a triage answer and a failed turn land in their own series", async () => {
  const t = newHarness();
  const { user, thread } = await userWithThread(t);
  await send(user, thread.threadId, "Hello!");
  await settle(t);
  const metrics = await scrape(t);
  expect(valueOf(metrics, "harness_triage_intents_total", { intent: "greeting" })).toBe(1);
  expect(valueOf(metrics, "harness_interaction_duration_seconds_count", { kind: "turn", status: "completed" })).toBe(1);
  // Triage answered: no model call was made or counted.
  expect(metrics.samples.filter((s) => s.name.startsWith("harness_llm_call_duration_seconds"))).toEqual([]);
});

test("metric rows do not grow with traffic: the same series after 1 turn and after 8", async () => {
  const t = newHarness();
  const { user, thread } = await userWithThread(t);
  const seriesNow = async () =>
    await t.run(async (ctx) => {
      const rows = await ctx.db.query("metricSeries").collect();
      return { rows: rows.length, series: [...new Set(rows.map((r) => `${r.name}{${r.labels}}`))].sort() };
    });
  await send(user, thread.threadId, "Tell me something about tides, part 0");
  await settle(t);
  const afterOne = await seriesNow();
  for (let i = 1; i < 8; i++) {
    await send(user, thread.threadId, `Tell me something about tides, part ${i}`);
    await settle(t);
  }
  const afterEight = await seriesNow();
  expect(afterEight.series).toEqual(afterOne.series);
  expect(afterEight.rows).toBeLessThanOrEqual(afterOne.series.length * SHARDS);
  const metrics = await scrape(t);
  expect(valueOf(metrics, "harness_interaction_duration_seconds_count", { kind: "turn", status: "completed" })).toBe(8);
});

test("the job gauges follow a job through failure, resume, restart and cancel", async () => {
  const t = newHarness();
  const { user } = await userWithThread(t);
  const jobs = async () => {
    const metrics = await scrape(t);
    const out: Record<string, number> = {};
    for (const s of metrics.samples.filter((x) => x.name === "harness_jobs")) if (s.value !== 0) out[s.labels.state!] = s.value;
    return out;
  };
  failNext("job.step", 100, "summarize:work");
  const failing = await startJob(user, { type: "summarize", input: "Quarterly numbers" });
  const later = await startJob(user, { type: "summarize", input: "Later", runAt: Date.now() + 3_600_000 });
  expect(await jobs()).toEqual({ pending: 2 });
  await drive(t);
  expect(await jobs()).toEqual({ failed: 1, pending: 1 });

  failNext("job.step", 0, "summarize:work");
  await user.client.mutation(api.jobs.jobs.resume, { accountId: user.accountId, jobId: failing, reason: "fixed" });
  expect(await jobs()).toEqual({ running: 1, pending: 1 });
  await drive(t);
  expect(await jobs()).toEqual({ resolved: 1, pending: 1 });

  await user.client.mutation(api.jobs.jobs.cancel, { accountId: user.accountId, jobId: later, reason: "not needed" });
  await user.client.mutation(api.jobs.jobs.restart, { accountId: user.accountId, jobId: later, reason: "needed after all" });
  expect(await jobs()).toEqual({ resolved: 1, pending: 1 });
  await settle(t);
  expect(await jobs()).toEqual({ resolved: 2 });
});
