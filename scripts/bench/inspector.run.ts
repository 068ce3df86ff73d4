/**
 * Run inspector benchmark (issue 5): documents read to list one page of 50
 * runs and to load one run's timeline, with 100, 1,000 and 10,000 runs in
 * the account. Every figure must be flat: nothing the inspector reads grows
 * with the account's history.
 *
 * The timelines are of real runs (a turn with a tool call, a turn that
 * delegated), made first, so they are the oldest runs in the account; the
 * rest of the history is written directly in batches.
 *
 * Queries end in a rollback in convex-test, not a commit, so this meter
 * listens to top-level rollbacks (a query's reads, components included).
 */
import { TransactionMetricsTracker } from "convex-test/dist/transactionMetrics.js";
import { expect, test, vi } from "vitest";
import { api } from "../../convex/_generated/api";
import type { Id } from "../../convex/_generated/dataModel";
import { send, userWithThread } from "../../convex/chat/testkit.testing";
import { insertRuns, type RunSeed } from "../../convex/inspector/testkit.testing";
import { newHarness, type Harness } from "../../convex/test.setup";

const SIZES = [100, 1_000, 10_000];
const BATCH = 500;
const PAGE = 50;

type QueryMetrics = { documentsRead: number; databaseQueries: number; bytesRead: number };
type TrackerInternals = { _layers: { metrics: QueryMetrics }[]; rollback(): void };

const recorded: QueryMetrics[] = [];
let installed = false;

function installQueryMeter(): void {
  if (installed) return;
  installed = true;
  const proto = TransactionMetricsTracker.prototype as unknown as TrackerInternals;
  const rollback = proto.rollback;
  proto.rollback = function (this: TrackerInternals) {
    const isTopLevel = this._layers.length === 1;
    const metrics = this._layers[0]?.metrics;
    rollback.call(this);
    if (isTopLevel && metrics) recorded.push({ documentsRead: metrics.documentsRead, databaseQueries: metrics.databaseQueries, bytesRead: metrics.bytesRead });
  };
}

/** The reads of the one query `fn` runs. */
async function measureQuery(fn: () => Promise<unknown>): Promise<QueryMetrics> {
  const start = recorded.length;
  await fn();
  const slice = recorded.slice(start);
  expect(slice).toHaveLength(1);
  return slice[0]!;
}

async function settle(t: Harness) {
  await t.finishAllScheduledFunctions(vi.runAllTimers);
}

type Row = { n: number; what: string } & QueryMetrics;

test("inspector reads by account history size", async () => {
  installQueryMeter();
  vi.useFakeTimers();
  const rows: Row[] = [];
  for (const n of SIZES) {
    const t = newHarness();
    const { user, thread, agentId } = await userWithThread(t, { orgId: "org_bench", role: "admin" });
    const accountId = user.accountId;
    const { interactionId: toolTurn } = await send(user, thread.threadId, "What time is it in Tokyo?");
    await settle(t);
    const { interactionId: delegating } = await send(user, thread.threadId, "Ask the researcher to find three facts about tides");
    await settle(t);
    const made = 3; // the two turns and the delegate
    const owner = { accountId, userId: user.userId, agentId, threadId: thread.threadId };
    const base = Date.now() + 1_000;
    for (let done = made; done < n; done += BATCH) {
      const count = Math.min(BATCH, n - done);
      const seeds: RunSeed[] = Array.from({ length: count }, (_, k) => ({
        createdAt: base + done + k,
        status: (done + k) % 10 === 0 ? "failed" : "completed",
        kind: (done + k) % 4 === 0 ? "delegation" : "turn",
      }));
      await insertRuns(t, owner, seeds);
    }
    const total = await t.run(async (ctx) => (await ctx.db.query("interactions").collect()).length);
    expect(total).toBe(n);

    const list = (extra: Record<string, unknown>, cursor: string | null = null) =>
      user.client.query(api.inspector.runs.listRuns, { accountId, paginationOpts: { numItems: PAGE, cursor }, ...extra });
    rows.push({ n, what: "listRuns: first page of 50", ...(await measureQuery(() => list({}))) });
    const first = await list({});
    rows.push({ n, what: "listRuns: second page of 50", ...(await measureQuery(() => list({}, first.continueCursor))) });
    rows.push({ n, what: "listRuns: 50, status=failed", ...(await measureQuery(() => list({ status: "failed" }))) });
    rows.push({ n, what: "listRuns: 50, user+kind+status", ...(await measureQuery(() => list({ userId: user.userId, kind: "delegation", status: "failed" }))) });
    const timeline = (interactionId: Id<"interactions">) => user.client.query(api.inspector.runs.getRun, { accountId, interactionId });
    rows.push({ n, what: "getRun: turn with a tool call", ...(await measureQuery(() => timeline(toolTurn))) });
    rows.push({ n, what: "getRun: turn that delegated", ...(await measureQuery(() => timeline(delegating))) });
    rows.push({ n, what: "resumePreview: turn with a tool call", ...(await measureQuery(() => user.client.query(api.inspector.controls.resumePreview, { accountId, interactionId: toolTurn }))) });
    const page = await list({});
    expect(page.page).toHaveLength(PAGE);
  }
  vi.useRealTimers();

  // One line per measure, one column per history size.
  const measures = [...new Set(rows.map((r) => r.what))];
  const cell = (what: string, n: number, pick: (r: Row) => string) => pick(rows.find((r) => r.what === what && r.n === n)!);
  const header = ["measure", ...SIZES.map((n) => `docs read @${n.toLocaleString("en")}`), ...SIZES.map((n) => `ranges @${n.toLocaleString("en")}`)];
  const lines = measures.map((what) => [
    what,
    ...SIZES.map((n) => cell(what, n, (r) => String(r.documentsRead))),
    ...SIZES.map((n) => cell(what, n, (r) => String(r.databaseQueries))),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => l[i]!.length)));
  const fmt = (cells: string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join(" | ");
  console.log("\n" + [fmt(header), widths.map((w) => "-".repeat(w)).join("-|-"), ...lines.map(fmt)].join("\n") + "\n");

  // Flat: no measure reads more as the history grows. (At 100 runs a filtered
  // page may not fill up, so it can read a few documents less; and the second
  // page reaches the oldest runs, the three real ones, where the delegate
  // brings what no seeded run needs: its agent's name and its own thread's
  // channel (3 documents). From 1,000 on every page is full and seeded.)
  const OLDEST_RUNS_EXTRA = 3;
  const largest = SIZES.at(-1)!;
  for (const what of measures) {
    const at = (n: number) => rows.find((r) => r.what === what && r.n === n)!.documentsRead;
    expect(at(1_000), what).toBe(at(largest));
    expect(at(100), `${what}: at 100 runs at most ${OLDEST_RUNS_EXTRA} more than at ${largest}`).toBeLessThanOrEqual(at(largest) + OLDEST_RUNS_EXTRA);
  }
});
