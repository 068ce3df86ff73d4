/**
 * Delegation fan-out benchmark (issue 17): a parent asks 1, 2, 4 and 8
 * agents at once, and every model call of the offline model waits
 * PROVIDER_LATENCY_MS before its first token, like a provider would. The
 * parent's wall time shows whether the children's model calls overlap (near
 * 1x the single delegation) or run one after another (N x). Also prints the
 * documents written per extra delegation (counts, from convex-test's
 * transaction metrics). Real timers: convex-test runs the workflows'
 * scheduled functions as a deployment would; transactions are serialised,
 * model latency (in actions) overlaps.
 */
import { test } from "vitest";
import { api } from "../../convex/_generated/api";
import type { Id } from "../../convex/_generated/dataModel";
import { offlineModel } from "../../convex/lib/faults.testing";
import { asMember, newHarness } from "../../convex/test.setup";
import { Checks, table, target } from "./checks";
import { checkFanoutsCompleted, concurrencyOf } from "./fanoutRuns";
import { installMeter, measure } from "./transactionMeter";

const NAMES = ["alpha", "bravo", "charlie", "delta", "echo", "foxtrot", "golf", "hotel"];
const FANOUTS = [1, 2, 4, 8];
const PROVIDER_LATENCY_MS = 1_000;
/** A fan-out that has not finished by then failed (at 1 s a model call, one takes about 4 s). */
const DEADLINE_MS = 300_000;

async function runFanout(n: number) {
  const t = newHarness();
  const admin = await asMember(t, `org_fan${n}`, "admin");
  const accountId = admin.accountId;
  const assistant = (await admin.client.query(api.agents.agents.list, { accountId })).find((a) => a.slug === "assistant")!;
  for (const name of NAMES.slice(0, n)) {
    const created = await admin.client.mutation(api.agents.agents.create, {
      accountId,
      name: name[0]!.toUpperCase() + name.slice(1),
      slug: name,
      instructions: "Answer the task briefly.",
    });
    await admin.client.mutation(api.agents.delegations.compose, { accountId, fromAgentId: assistant.agentId, toAgentId: created.agentId });
  }
  // Only the new agents: drop the template's researcher / writer delegations.
  for (const slug of ["researcher", "writer"]) {
    const agent = (await admin.client.query(api.agents.agents.list, { accountId })).find((a) => a.slug === slug)!;
    await admin.client.mutation(api.agents.delegations.decompose, { accountId, fromAgentId: assistant.agentId, toAgentId: agent.agentId });
  }
  const thread = await admin.client.mutation(api.chat.threads.create, { accountId, agentId: assistant.agentId });
  const text = NAMES.slice(0, n).map((name) => `ask ${name} to summarise the tides`).join(", and ");
  const started = Date.now();
  let interactionId!: Id<"interactions">;
  const metered = await measure(async () => {
    ({ interactionId } = await admin.client.mutation(api.chat.messages.send, { accountId, threadId: thread.threadId, text }));
    for (;;) {
      await new Promise((resolve) => setTimeout(resolve, 20));
      const turn = await t.run(async (ctx) => ctx.db.get("interactions", interactionId));
      if (turn && ["completed", "failed", "cancelled"].includes(turn.status)) break;
      if (Date.now() - started > DEADLINE_MS) break;
    }
  });
  const wallMs = Date.now() - started;
  const parent = await t.run(async (ctx) => ctx.db.get("interactions", interactionId));
  const children = await t.run(async (ctx) =>
    ctx.db.query("interactions").withIndex("by_parentInteractionId", (q) => q.eq("parentInteractionId", interactionId)).collect(),
  );
  return {
    n,
    wallMs,
    documentsWritten: metered.total.documentsWritten,
    // Concurrency actually achieved (1 = one after another).
    overlap: concurrencyOf(children).overlap,
    parentStatus: parent?.status ?? "missing",
    childStatuses: children.map((c) => c.status),
  };
}

test("delegation fan-out: wall time and writes per delegation", async () => {
  installMeter();
  offlineModel.options = { latencyMs: PROVIDER_LATENCY_MS, chunkWords: 3 };
  const checks = new Checks();
  const rows: Awaited<ReturnType<typeof runFanout>>[] = [];
  try {
    // Warm-up, not measured: the first run also loads and compiles every module, which would flatter the ratios.
    await runFanout(1);
    for (const n of FANOUTS) rows.push(await runFanout(n));
  } finally {
    offlineModel.options = undefined;
  }
  const base = rows[0]!;
  const perExtra = (r: (typeof rows)[number]) => (r.n === 1 ? undefined : (r.documentsWritten - base.documentsWritten) / (r.n - 1));
  const lines = rows.map((r) => [
    String(r.n),
    `${r.wallMs} ms`,
    `${(r.wallMs / base.wallMs).toFixed(2)}x`,
    r.overlap.toFixed(2),
    String(r.documentsWritten),
    perExtra(r)?.toFixed(1) ?? "—",
  ]);
  const header = ["fan-out", "parent wall time", "vs 1 delegation", "children running at once (avg)", "docs written (turn)", "per extra delegation"];
  const eight = rows.find((r) => r.n === 8);
  const summary = [`every model call waits ${PROVIDER_LATENCY_MS} ms for its first token`, table(header, lines)];
  if (eight) {
    summary.push(`8 delegations at once: parent wall time ${(eight.wallMs / base.wallMs).toFixed(2)}x one delegation (target ≤ 1.5x: ${eight.wallMs <= 1.5 * base.wallMs ? "met" : "missed"})`);
    summary.push(target("documents written per extra delegation (8 at once)", Math.round(perExtra(eight) ?? 0), 45));
  }
  console.log(`\n${summary.join("\n")}\n`);

  checkFanoutsCompleted(checks, rows);
  // The children really run at once (one after another would average 1). Wall time is printed against its
  // target, not checked: in convex-test every transaction runs on one thread, so it follows the machine's load.
  if (eight) checks.check("fan-out 8: delegates run at once", eight.overlap >= 3, `${eight.overlap.toFixed(2)} running at once on average, at least 3 required`);
  // The target: about 106 before issue 17, 67 with a workflow per delegate, 41–44 since delegates run on the
  // fast path. The parent's workpool batch worker varies its own writes by about ±2 between runs.
  if (eight) {
    checks.atMost("fan-out 8: documents written per extra delegation (target ≤ 45)", Math.round(perExtra(eight) ?? 0), 45, "documents", () =>
      `the 8-way turn wrote ${eight.documentsWritten}, the single one ${base.documentsWritten}`);
  }
  checks.finish("fanout.run.ts");
});
