/**
 * A scraper that asks for OpenMetrics (as Prometheus does when it stores
 * exemplars) gets, on each run metric, the root and parent interaction of
 * its latest observation as an exemplar — never as a label; a scraper of
 * the plain text format gets no exemplars.
 */
import { expect, test } from "vitest";
import { send, settle, userWithThread } from "../chat/testkit.testing";
import { newHarness, type Harness } from "../test.setup";
import { MAX_EXEMPLAR_LABEL_CHARS, runExemplar } from "./exemplars";
import { exposition } from "./exposition";
import { FAMILIES } from "./metrics";
import { parseOpenMetrics, type OpenMetricsSample } from "./openMetrics.testing";
import { getMetrics, parseExposition, withMetricsToken } from "./prometheus.testing";
import { rootAndDelegate } from "./runTree.testing";

/** What Prometheus sends when exemplar storage is on. */
const PROMETHEUS_ACCEPT = "application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1";

withMetricsToken();
const scrape = getMetrics;

async function delegationTree(t: Harness) {
  const { user, thread } = await userWithThread(t);
  await send(user, thread.threadId, "delegate to researcher: find the opening hours");
  await settle(t);
  return await rootAndDelegate(t, thread.threadId);
}

/** The bucket samples of one histogram series that carry an exemplar. */
function exemplarBuckets(samples: OpenMetricsSample[], family: string, labels: Record<string, string>) {
  const series = samples.filter((s) => s.name === `${family}_bucket` && Object.entries(labels).every(([k, v]) => s.labels[k] === v));
  expect(series.length).toBeGreaterThan(1);
  return { series, withExemplar: series.filter((s) => s.exemplar !== undefined) };
}

test("OpenMetrics scrape: a delegate's run metrics carry its root and parent as exemplars, the root's its own id; no id is a label", async () => {
  const t = newHarness();
  const { root, child } = await delegationTree(t);
  const response = await scrape(t, PROMETHEUS_ACCEPT);
  expect(response.status).toBe(200);
  expect(response.headers.get("content-type")).toMatch(/^application\/openmetrics-text; version=1\.0\.0/);
  const metrics = parseOpenMetrics(await response.text());
  expect(metrics.types.get("harness_llm_tokens")).toBe("counter");

  // The delegation's duration: one exemplar, on the bucket its value fell in, naming the tree.
  const delegation = exemplarBuckets(metrics.samples, "harness_interaction_duration_seconds", { kind: "delegation", status: "completed" });
  expect(delegation.withExemplar).toHaveLength(1);
  const [bucket] = delegation.withExemplar;
  expect(bucket!.exemplar!.labels).toEqual({ root_interaction_id: root._id, parent_interaction_id: root._id });
  const seconds = (child.endedAt! - (child.startedAt ?? child.createdAt)) / 1000;
  expect(bucket!.exemplar!.value).toBeCloseTo(seconds, 6);
  const le = Number(bucket!.labels.le === "+Inf" ? Infinity : bucket!.labels.le);
  const below = delegation.series[delegation.series.indexOf(bucket!) - 1];
  expect(seconds).toBeLessThanOrEqual(le);
  if (below) expect(seconds).toBeGreaterThan(Number(below.labels.le));
  expect(bucket!.exemplar!.timestamp).toBeCloseTo(child.endedAt! / 1000, 0);

  // The root turn's duration names the root alone: it has no parent.
  const turn = exemplarBuckets(metrics.samples, "harness_interaction_duration_seconds", { kind: "turn", status: "completed" });
  expect(turn.withExemplar.map((s) => s.exemplar!.labels)).toEqual([{ root_interaction_id: root._id }]);

  // Every exemplar names this tree.
  const exemplars = metrics.samples.flatMap((s) => (s.exemplar ? [s.exemplar] : []));
  for (const exemplar of exemplars) expect(exemplar.labels.root_interaction_id).toBe(root._id);

  // Cardinality stays bounded: no sample is labelled with a run.
  for (const s of metrics.samples) expect(Object.keys(s.labels).filter((k) => k.endsWith("interaction_id"))).toEqual([]);
});

test("the Prometheus text scrape has no exemplars (its format cannot carry them) and still parses", async () => {
  const t = newHarness();
  await delegationTree(t);
  const response = await scrape(t);
  expect(response.headers.get("content-type")).toMatch(/^text\/plain; version=0\.0\.4/);
  const text = await response.text();
  expect(text).not.toContain("interaction_id");
  expect(text).not.toContain("# EOF");
  expect(parseExposition(text).samples.length).toBeGreaterThan(0);
});

test("an exemplar stays within OpenMetrics' 128 characters: ids too long for both keep the root", () => {
  const run = (id: string) => ({ _id: `${id}c` as never, rootInteractionId: `${id}r` as never, parentInteractionId: `${id}p` as never });
  expect(runExemplar(run("x".repeat(30)), 1, 0).labels).toBe(`root_interaction_id="${"x".repeat(30)}r",parent_interaction_id="${"x".repeat(30)}p"`);
  const long = runExemplar(run("y".repeat(60)), 1, 0);
  expect(long.labels).toBe(`root_interaction_id="${"y".repeat(60)}r"`);
  expect(long.labels.replace(/[="]/g, "").replace(",", "").length).toBeLessThanOrEqual(MAX_EXEMPLAR_LABEL_CHARS);
});

test("a counter's exemplar goes on its _total sample; a gauge never has one; OpenMetrics names the counter family without _total", () => {
  const exemplar = runExemplar({ _id: "child" as never, rootInteractionId: "root" as never, parentInteractionId: "parent" as never }, 0.25, 1_700_000_000_000);
  const text = exposition(
    [
      { ...FAMILIES.llmCost, buckets: undefined, series: [{ labels: 'model="offline"', value: 2_500_000, exemplar }], truncated: false },
      { ...FAMILIES.jobs, series: [{ labels: 'state="pending"', value: 3, exemplar }], truncated: true },
    ],
    "openmetrics",
  );
  const metrics = parseOpenMetrics(text);
  expect(metrics.types.get("harness_llm_cost_usd")).toBe("counter");
  expect(metrics.samples).toEqual([
    { name: "harness_llm_cost_usd_total", family: "harness_llm_cost_usd", labels: { model: "offline" }, value: 2.5, exemplar: { labels: { root_interaction_id: "root", parent_interaction_id: "parent" }, value: 0.25, timestamp: 1_700_000_000 } },
    { name: "harness_jobs", family: "harness_jobs", labels: { state: "pending" }, value: 3 },
  ]);
});
