/**
 * Turn cost benchmark (issue: durable chat turns). Prints documents read,
 * documents written, index ranges read and functions scheduled for
 *   - the send mutation alone,
 *   - the whole turn (every transaction until the scheduler is idle, components included),
 *   - a bare `agent.streamText` chat flow with no harness, measured in the same run,
 * at thread lengths 10, 1,000 and 5,000 messages. Counts, not timings.
 */
import { makeFunctionReference } from "convex/server";
import { expect, test, vi } from "vitest";
import { api } from "../../convex/_generated/api";
import { newHarness, type Harness } from "../../convex/test.setup";
import { userWithThread } from "../../convex/chat/testkit.testing";
import { installMeter, measure, type Metrics } from "./transactionMeter";

const PROMPT = "Give me a short overview of how this harness runs a turn";
const LENGTHS = [10, 1_000, 5_000];
const SEED_BATCH = 500;

const bare = { "./bench/bare.ts": () => import("./bareAgent") };
const seed = makeFunctionReference<"mutation">("bench/bare:seed");
const bareSend = makeFunctionReference<"mutation">("bench/bare:send");

async function settle(t: Harness) {
  await t.finishAllScheduledFunctions(vi.runAllTimers);
}

async function seedThread(t: Harness, agentThreadId: string, count: number) {
  for (let done = 0; done < count; done += SEED_BATCH) {
    await t.mutation(seed, { threadId: agentThreadId, count: Math.min(SEED_BATCH, count - done) });
  }
}

type Row = { n: number; what: string; transactions: number } & Metrics;

test("turn cost by thread length", async () => {
  installMeter();
  vi.useFakeTimers();
  const rows: Row[] = [];
  for (const n of LENGTHS) {
    // The harness: send mutation, then the whole turn.
    const t = newHarness(bare);
    const { user, thread } = await userWithThread(t);
    const agentThreadId = (await t.run(async (ctx) => ctx.db.get("threads", thread.threadId)))!.agentThreadId;
    await seedThread(t, agentThreadId, n);
    await settle(t);
    // Warm-up turn: the first turn of a deployment creates the workpools' and
    // workflow's own bookkeeping documents once; measure the steady state.
    await user.client.mutation(api.chat.messages.send, { accountId: user.accountId, threadId: thread.threadId, text: PROMPT });
    await settle(t);
    let sendOnly!: Awaited<ReturnType<typeof measure>>;
    const whole = await measure(async () => {
      sendOnly = await measure(() =>
        user.client.mutation(api.chat.messages.send, { accountId: user.accountId, threadId: thread.threadId, text: PROMPT }),
      );
      await settle(t);
    });
    const [turn] = await user.client.query(api.chat.runs.turnsForThread, { accountId: user.accountId, threadId: thread.threadId });
    expect(turn!.status).toBe("completed");
    rows.push({ n, what: "harness: send mutation", transactions: sendOnly.transactions, ...sendOnly.total });
    rows.push({ n, what: "harness: whole turn", transactions: whole.transactions, ...whole.total });

    // The baseline: the agent alone, in a fresh thread of the same length.
    const b = newHarness(bare);
    const baseUser = await userWithThread(b);
    const baseThreadId = (await b.run(async (ctx) => ctx.db.get("threads", baseUser.thread.threadId)))!.agentThreadId;
    await seedThread(b, baseThreadId, n);
    await settle(b);
    await b.mutation(bareSend, { threadId: baseThreadId, prompt: PROMPT });
    await settle(b);
    const baseline = await measure(async () => {
      await b.mutation(bareSend, { threadId: baseThreadId, prompt: PROMPT });
      await settle(b);
    });
    rows.push({ n, what: "bare agent.streamText: whole turn", transactions: baseline.transactions, ...baseline.total });
  }
  vi.useRealTimers();

  const header = ["thread length", "measure", "txns", "docs read", "docs written", "index ranges", "scheduled"];
  const lines = rows.map((r) => [String(r.n), r.what, String(r.transactions), String(r.documentsRead), String(r.documentsWritten), String(r.databaseQueries), String(r.functionsScheduled)]);
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => l[i]!.length)));
  const fmt = (cells: string[]) => cells.map((c, i) => (i < 2 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join(" | ");
  const out = [fmt(header), widths.map((w) => "-".repeat(w)).join("-|-"), ...lines.map(fmt)];
  for (const n of LENGTHS) {
    const whole = rows.find((r) => r.n === n && r.what === "harness: whole turn")!;
    const base = rows.find((r) => r.n === n && r.what.startsWith("bare"))!;
    out.push(`n=${n}: harness/bare documents written ${(whole.documentsWritten / base.documentsWritten).toFixed(2)}x, documents read ${(whole.documentsRead / base.documentsRead).toFixed(2)}x`);
  }
  console.log("\n" + out.join("\n") + "\n");
});
