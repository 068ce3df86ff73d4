/**
 * Delegation fan-out benchmark: a parent asks 1, 2, 4 and 8 agents at once;
 * every model call of the offline model is slowed to a fixed pace, so the
 * parent's wall time shows whether the children ran in parallel (near 1x the
 * single delegation) or one after another (N x). Also prints documents
 * written per delegation (counts, from convex-test's transaction metrics).
 * Real timers: convex-test runs the workflows' scheduled functions as a
 * deployment would.
 */
import { expect, test } from "vitest";
import { api } from "../../convex/_generated/api";
import type { Id } from "../../convex/_generated/dataModel";
import { offlineModelOverrides } from "../../convex/models/testHooks";
import { asMember, newHarness } from "../../convex/test.setup";
import { installMeter, measure } from "./transactionMeter";

const NAMES = ["alpha", "bravo", "charlie", "delta", "echo", "foxtrot", "golf", "hotel"];
const FANOUTS = [1, 2, 4, 8];

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
      if (Date.now() - started > 120_000) throw new Error("fan-out did not finish");
    }
  });
  const wallMs = Date.now() - started;
  const children = await t.run(async (ctx) =>
    ctx.db.query("interactions").withIndex("by_parentInteractionId", (q) => q.eq("parentInteractionId", interactionId)).collect(),
  );
  expect(children).toHaveLength(n);
  expect(children.every((c) => c.status === "completed")).toBe(true);
  // Concurrency actually achieved: total child run time over the span they covered (1 = one after another).
  const sum = children.reduce((total, c) => total + (c.endedAt! - c.startedAt!), 0);
  const span = Math.max(...children.map((c) => c.endedAt!)) - Math.min(...children.map((c) => c.startedAt!));
  return { n, wallMs, documentsWritten: metered.total.documentsWritten, overlap: sum / span };
}

test("delegation fan-out: wall time and writes per delegation", async () => {
  installMeter();
  offlineModelOverrides.options = { chunkDelayMs: 25, chunkWords: 3 };
  try {
    const rows = [];
    for (const n of FANOUTS) rows.push(await runFanout(n));
    const base = rows[0]!;
    const lines = [
      "fan-out | parent wall time | vs 1 delegation | children running at once (avg) | docs written (turn) | per extra delegation",
      "--------|------------------|-----------------|--------------------------------|---------------------|---------------------",
      ...rows.map((r) => {
        const perDelegation = r.n === 1 ? "—" : ((r.documentsWritten - base.documentsWritten) / (r.n - 1)).toFixed(1);
        return `${String(r.n).padStart(7)} | ${`${r.wallMs} ms`.padStart(16)} | ${`${(r.wallMs / base.wallMs).toFixed(2)}x`.padStart(15)} | ${r.overlap.toFixed(2).padStart(30)} | ${String(r.documentsWritten).padStart(19)} | ${perDelegation.padStart(20)}`;
      }),
    ];
    console.log("\n" + lines.join("\n") + "\n");
  } finally {
    offlineModelOverrides.options = undefined;
  }
});
