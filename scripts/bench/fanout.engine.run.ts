// @vitest-environment node
/**
 * Parallel delegation on the local engine (issue 17): what `npm start`
 * runs, set up through its HTTP function API with the official
 * `ConvexHttpClient`; the turn is sent and watched as the SPA does it, with
 * `ConvexClient` over the sync WebSocket (the end is seen when it commits). A parent agent asks 1 and then 8 agents at once; every
 * model call of the offline model waits PROVIDER_LATENCY_MS before its first
 * token, as a provider would. If the engine runs the delegates' model calls
 * at the same time, 8 delegations take about as long as 1 (target ≤ 1.5×).
 *
 * Also printed: how many delegates ran at once, from their run rows — the
 * most running at one moment, and on average (run time summed over the span
 * they covered; 1 = one after another), and the engine's CPU time. Checks
 * are on those counts and on the wall-time ratio's target: the engine runs
 * every transaction on one thread, so the delegates' own work queues for
 * the CPU and the ratio follows the machine's load. Since delegations start
 * with the workflow (chat/fastTools.ts) instead of after its first steps:
 * 1.27× at load average ~5.5, 1.50× with a CPU hog on top (before: 1.5× at
 * ~7.5, 1.9× at ~11, 2.6–3.4× with the hog). With a hog and the machine
 * shared (load 4–11), Dec 2026: medians 1.75–1.95× — the engine spent
 * 170–260 ms of CPU per extra delegate, and the parent's last model call
 * writes a reply 8× as long. Since convex-test's storages share one of
 * Node's and index ranges read only their value's documents
 * (local-engine/asyncContext.ts, tableIds.ts): ~100–150 ms per delegate,
 * medians 1.3–1.4× with a hog (/work/notes/r6/engine-notes.md). A failure
 * says which phase grew (the "after" phase split by the parent's step rows)
 * and the load it ran under.
 */
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { ConvexClient, ConvexHttpClient } from "convex/browser";
import { test } from "vitest";
import { api } from "../../convex/_generated/api";
import type { Id } from "../../convex/_generated/dataModel";
import { startEngine, type Engine } from "../local-engine/engine";
import { connectClient, localToken, waitForQuery } from "../local-engine/testClient.testing";
import { Checks, table } from "./checks";
import { checkFanoutsCompleted, concurrencyOf } from "./fanoutRuns";

const NAMES = ["alpha", "bravo", "charlie", "delta", "echo", "foxtrot", "golf", "hotel"];
const PROVIDER_LATENCY_MS = 1_000;
const DEADLINE_MS = 180_000;
/** The issue's target for 8 delegations vs 1. */
const TARGET_RATIO = 1.5;
/**
 * Rounds of (1 delegation, then 8), each pair run back to back so both see
 * the same load; the check takes the median round. One pair alone followed
 * the other processes' bursts (2.0× and 1.4× minutes apart on the same code);
 * of 3 rounds, one burst could still move the median; of 5, two did (rounds
 * 1.20–1.98× at load ~4, the 8's last call 1.3 s longer for the same CPU:
 * the engine's thread waiting for a core), so 7 (~8 s each).
 */
const ROUNDS = 7;

const quiet = { info: () => {}, verbose: () => {}, error: () => {} };

/** A difference with its sign: "+30", "-18". */
const signed = (n: number) => (n >= 0 ? `+${n}` : String(n));

type Fanout = {
  n: number;
  wallMs: number;
  /** The engine process's CPU time (user + system) over the run: its JavaScript work runs on one thread, one transaction at a time. */
  cpuMs: number;
  /** Commits written to SQLite during the run, and the time that took. */
  commits: number;
  storeMs: number;
  /** The machine's 1-minute load average when the run ended (2 cores: above ~3, the engine's thread waits for a core). */
  load: number;
  /** Where the wall time went: send → first delegate started, delegates (first start → last end), last delegate ended → parent answered. */
  phases: { beforeMs: number; delegatesMs: number; afterMs: number };
  /** The "after" phase, from the parent's step rows: last delegate ended → its results in (delegate steps closed) → last model call began → it ended → the run ended. */
  after: { resultsMs: number; toCallMs: number; callMs: number; endMs: number };
  parentStatus: string;
  childStatuses: string[];
  overlap: number;
  peak: number;
};

/** A fresh account whose assistant delegates to exactly `n` new agents. */
async function accountDelegatingTo(engine: Engine, n: number, run: string) {
  const token = await localToken(engine.url, { name: `Fan ${run}`, email: `fan-${run}@example.test`, orgId: `org_fanout_${run}`, orgRole: "admin" });
  const client = new ConvexHttpClient(engine.url, { logger: false });
  client.setAuth(token);
  const accountId = (await client.mutation(api.tenancy.viewer.sync, {})).activeAccountId!;
  const agents = await client.query(api.agents.agents.list, { accountId });
  const assistant = agents.find((a) => a.slug === "assistant")!;
  // Only the new agents: drop the template's researcher / writer delegations.
  for (const agent of agents.filter((a) => a.slug === "researcher" || a.slug === "writer")) {
    await client.mutation(api.agents.delegations.decompose, { accountId, fromAgentId: assistant.agentId, toAgentId: agent.agentId });
  }
  for (const name of NAMES.slice(0, n)) {
    const created = await client.mutation(api.agents.agents.create, { accountId, name: name[0]!.toUpperCase() + name.slice(1), slug: name, instructions: "Answer the task briefly." });
    await client.mutation(api.agents.delegations.compose, { accountId, fromAgentId: assistant.agentId, toAgentId: created.agentId });
  }
  return { client, token, accountId, assistantId: assistant.agentId };
}

async function runFanout(engine: Engine, n: number, run: string): Promise<Fanout> {
  const { client, token, accountId, assistantId } = await accountDelegatingTo(engine, n, run);
  const { threadId } = await client.mutation(api.chat.threads.create, { accountId, agentId: assistantId });
  const text = NAMES.slice(0, n).map((name) => `ask ${name} to summarise the tides`).join(", and ");
  const live: ConvexClient = connectClient(engine.url);
  await new Promise<void>((resolve) => live.setAuth(async () => token, () => resolve()));
  let status = "none";
  const started = Date.now();
  const cpuBefore = process.cpuUsage();
  const storeBefore = engine.storageStats();
  const { interactionId } = await live.mutation(api.chat.messages.send, { accountId, threadId, text });
  try {
    const [turn] = await waitForQuery(live, api.chat.runs.turnsForThread, { accountId, threadId }, (turns) => ["completed", "failed", "cancelled"].includes(turns[0]?.status ?? ""), {
      timeoutMs: DEADLINE_MS,
    });
    status = turn!.status;
  } catch (error) {
    status = `not finished (${(error as Error).message.slice(0, 200)})`;
  } finally {
    await live.close();
  }
  const wallMs = Date.now() - started;
  const cpu = process.cpuUsage(cpuBefore);
  const storeAfter = engine.storageStats();
  const children = await engine.t.run(async (ctx) =>
    ctx.db
      .query("interactions")
      .withIndex("by_parentInteractionId", (q) => q.eq("parentInteractionId", interactionId as Id<"interactions">))
      .collect(),
  );
  const ended = children.filter((c) => c.endedAt !== undefined && c.startedAt !== undefined);
  const firstStart = Math.min(...ended.map((c) => c.startedAt!));
  const lastEnd = Math.max(...ended.map((c) => c.endedAt!));
  const phases = { beforeMs: firstStart - started, delegatesMs: lastEnd - firstStart, afterMs: started + wallMs - lastEnd };
  const after = await afterTheDelegates(engine, interactionId as Id<"interactions">, lastEnd);
  return {
    n,
    wallMs,
    cpuMs: Math.round((cpu.user + cpu.system) / 1000),
    load: os.loadavg()[0]!,
    commits: storeAfter.commits - storeBefore.commits,
    storeMs: Math.round(storeAfter.writeMs - storeBefore.writeMs),
    phases,
    after,
    parentStatus: status,
    childStatuses: children.map((c) => c.status),
    ...concurrencyOf(children),
  };
}

/** Where the parent's time after its last delegate went, from its step rows (ms from the last delegate's end). */
async function afterTheDelegates(engine: Engine, parentId: Id<"interactions">, lastChildEnd: number): Promise<Fanout["after"]> {
  const { steps, run } = await engine.t.run(async (ctx) => ({
    steps: await ctx.db.query("steps").withIndex("by_interactionId_index", (q) => q.eq("interactionId", parentId)).take(100),
    run: await ctx.db.get("interactions", parentId),
  }));
  const resultsIn = Math.max(...steps.filter((s) => s.kind === "delegation").map((s) => s.endedAt ?? 0));
  const lastCall = steps.filter((s) => s.kind === "llm").at(-1);
  const callStart = lastCall?.startedAt ?? resultsIn;
  const callEnd = lastCall?.endedAt ?? callStart;
  return { resultsMs: resultsIn - lastChildEnd, toCallMs: callStart - resultsIn, callMs: callEnd - callStart, endMs: (run?.endedAt ?? callEnd) - callEnd };
}

test("delegation fan-out on the local engine: 8 at once vs 1", async () => {
  const dataDir = await mkdtemp(path.join(os.tmpdir(), "engine-fanout-"));
  const engine = await startEngine({ port: 0, sitePort: 0, dataDir, web: false, crons: false, testFaults: true, logger: quiet });
  const checks = new Checks();
  const pairs: Array<{ one: Fanout; eight: Fanout }> = [];
  try {
    engine.modelHooks!.options = { latencyMs: PROVIDER_LATENCY_MS, chunkWords: 3 };
    // Warm-up, not measured (first-use costs: module caches, JIT, the engine's by-value indexes). With 8 too:
    // after a warm-up of 1 only, the first round's 8 cost ~190 ms of CPU per delegate against ~120 in later rounds.
    await runFanout(engine, 1, "warmup1");
    await runFanout(engine, 8, "warmup8");
    // Alternate which runs first, so a load that grows or fades during a round does not always favour the same one.
    for (let round = 0; round < ROUNDS; round++) {
      const ran = new Map<number, Fanout>();
      for (const n of round % 2 === 0 ? [1, 8] : [8, 1]) ran.set(n, await runFanout(engine, n, `r${round}n${n}`));
      pairs.push({ one: ran.get(1)!, eight: ran.get(8)! });
    }
  } finally {
    await engine.close();
    await rm(dataDir, { recursive: true, force: true });
  }
  const rows = pairs.flatMap(({ one, eight }) => [one, eight]);
  const byRatio = [...pairs].sort((a, b) => a.eight.wallMs / a.one.wallMs - b.eight.wallMs / b.one.wallMs);
  const { one, eight } = byRatio[Math.floor(ROUNDS / 2)]!;
  const ratio = eight.wallMs / one.wallMs;
  console.log(
    [
      "",
      `local engine (npm start's engine, in process, SQLite store): every model call waits ${PROVIDER_LATENCY_MS} ms for its first token`,
      table(
        ["round", "fan-out", "parent wall time", "vs 1 delegation", "delegates running at once (avg / peak)", "before / during / after the delegates", "after: results in / to last call / last call / end", "engine CPU", "commits", "writing them to SQLite", "load"],
        rows.map((r, i) => [
          String(Math.floor(i / 2) + 1),
          String(r.n),
          `${r.wallMs} ms`,
          `${(r.wallMs / rows[i - (i % 2)]!.wallMs).toFixed(2)}×`,
          `${r.overlap.toFixed(2)} / ${r.peak}`,
          `${r.phases.beforeMs} / ${r.phases.delegatesMs} / ${r.phases.afterMs} ms`,
          `${r.after.resultsMs} / ${r.after.toCallMs} / ${r.after.callMs} / ${r.after.endMs} ms`,
          `${r.cpuMs} ms`,
          String(r.commits),
          `${r.storeMs} ms`,
          r.load.toFixed(1),
        ]),
      ),
      `8 delegations at once: parent wall time ${ratio.toFixed(2)}× one delegation, the median of ${ROUNDS} rounds (${pairs.map((p) => `${(p.eight.wallMs / p.one.wallMs).toFixed(2)}×`).join(", ")}) (target ≤ ${TARGET_RATIO}×: ${ratio <= TARGET_RATIO ? "met" : "missed"})`,
      `engine CPU per extra delegation: ${Math.round((eight.cpuMs - one.cpuMs) / 7)} ms, run one transaction at a time (the model calls' latency overlaps; this work does not)`,
      "",
    ].join("\n"),
  );
  checkFanoutsCompleted(checks, rows);
  // One after another would be 1 running at a time.
  checks.check("fan-out 8: most delegates were running at one moment", eight.peak >= 6, `at most ${eight.peak} of 8 running at once, at least 6 required`);
  checks.check("fan-out 8: delegates run at once", eight.overlap >= 3, `${eight.overlap.toFixed(2)} running at once on average, at least 3 required`);
  // The issue's target. It follows the machine's load (the engine's one thread gets less of a core), so a failure
  // names the phase that grew: before the delegates (the parent's first call and the children's start), during
  // them, or after (the parent's one wake — the workflow runs again only when no child event is still awaited —
  // its children's results, and its final answer; split in the table), and the engine's CPU time.
  checks.check(
    `fan-out 8: parent wall time within ${TARGET_RATIO}× one delegation (median of ${ROUNDS} rounds)`,
    ratio <= TARGET_RATIO,
    `${eight.wallMs} ms vs ${one.wallMs} ms (${ratio.toFixed(2)}×; rounds ${pairs.map((p) => `${(p.eight.wallMs / p.one.wallMs).toFixed(2)}×`).join(", ")}); before / during / after the delegates ${(["beforeMs", "delegatesMs", "afterMs"] as const).map((phase) => signed(eight.phases[phase] - one.phases[phase])).join(" / ")} ms, engine CPU ${signed(eight.cpuMs - one.cpuMs)} ms, load average ${one.load.toFixed(1)} / ${eight.load.toFixed(1)} (rounds: ${pairs.map((p) => `${p.one.load.toFixed(1)}–${p.eight.load.toFixed(1)}`).join(", ")}; 2 cores)`,
  );
  checks.finish("fanout.engine.run.ts");
});
