/**
 * Job cost benchmark (issue 21: a job is a kind of run). Prints transactions,
 * documents read and written for a background job from start to end —
 * a `summarize` job (three steps) and a `wait_for_callback` job resolved by
 * its callback — and where the writes go (by table). Counts, not timings.
 */
import { test, vi } from "vitest";
import { api } from "../../convex/_generated/api";
import { asUser, newHarness } from "../../convex/test.setup";
import { SERVICE_SECRET } from "../../convex/jobs/testkit.testing";
import { Checks, table } from "./checks";
import { settleOnRealClock } from "./settle";
import { installMeter, measure } from "./transactionMeter";
import { installWriteLedger, recordWrites, tally } from "./writeLedger";

/** Ceilings: today's figures (a thin job: its lifecycle on its run row, its steps in the one step ledger), so a change that adds writes fails here. */
const CEILING = { summarize: 64, callback: 53 };

test("job cost", async () => {
  installMeter();
  installWriteLedger();
  vi.useFakeTimers();
  process.env.HARNESS_SERVICE_SECRET = SERVICE_SECRET;
  try {
    const t = newHarness();
    const user = await asUser(t);
    // Warm-up: the pools' own bookkeeping is created by the first job.
    await user.client.mutation(api.jobs.jobs.start, { accountId: user.accountId, type: "summarize", input: "warm up" });
    await settleOnRealClock(t);

    let summarizeWrites: Awaited<ReturnType<typeof recordWrites>> = [];
    const summarize = await measure(async () => {
      summarizeWrites = await recordWrites(async () => {
        await user.client.mutation(api.jobs.jobs.start, { accountId: user.accountId, type: "summarize", input: "Tides rise and fall twice a day along most coasts." });
        await settleOnRealClock(t);
      });
    });

    let callbackWrites: Awaited<ReturnType<typeof recordWrites>> = [];
    const callback = await measure(async () => {
      callbackWrites = await recordWrites(async () => {
        const { jobId } = await user.client.mutation(api.jobs.jobs.start, { accountId: user.accountId, type: "wait_for_callback", input: "Wait for the bank" });
        await t.finishAllScheduledFunctions(() => vi.advanceTimersByTime(1));
        const view = await user.client.query(api.jobs.jobs.get, { accountId: user.accountId, jobId });
        await t.mutation(api.jobs.callbacks.resolveCallback, { serviceSecret: SERVICE_SECRET, callId: view.waitingFor!.callId, result: "settled" });
        await settleOnRealClock(t);
      });
    });

    const rows = [
      ["summarize job (3 steps)", summarize],
      ["wait_for_callback job", callback],
    ].map(([what, m]) => {
      const x = m as typeof summarize;
      return [what as string, String(x.transactions), String(x.total.documentsRead), String(x.total.documentsWritten), String(x.total.functionsScheduled)];
    });
    console.log(`\nJob cost, start to end (components included)\n${table(["job", "transactions", "read", "written", "scheduled"], rows)}`);
    const byTable = (records: typeof summarizeWrites) =>
      tally(records, (r) => `${r.component}:${r.table}`)
        .map(([k, n]) => `${k} ${n}`)
        .join(", ");
    console.log(`summarize writes by table: ${byTable(summarizeWrites)}`);
    console.log(`wait_for_callback writes by table: ${byTable(callbackWrites)}`);

    const checks = new Checks();
    checks.atMost("summarize job: documents written", summarize.total.documentsWritten, CEILING.summarize, "documents", () => byTable(summarizeWrites));
    checks.atMost("wait_for_callback job: documents written", callback.total.documentsWritten, CEILING.callback, "documents", () => byTable(callbackWrites));
    checks.finish("job cost");
  } finally {
    vi.useRealTimers();
    delete process.env.HARNESS_SERVICE_SECRET;
  }
});
