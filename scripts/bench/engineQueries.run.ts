// @vitest-environment node
/**
 * The local engine's query cost as the database grows (issue 17). convex-test
 * finds a table's documents by testing the id of every document of the
 * component, so before the engine kept a table → ids map (tableIds.ts) a
 * query of a three-row table took 1 ms with 2k documents stored elsewhere,
 * 31 ms with 10k and 319 ms with 100k (measured once on this machine, Dec
 * 2026). This measures the engine as it is: the same small query with 1k,
 * 10k and 100k other documents stored, median of 15, and checks the cost
 * stays flat (a ratio, not an absolute time).
 */
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { test } from "vitest";
import { startEngine } from "../local-engine/engine";
import { Checks, table } from "./checks";

const SIZES = [1_000, 10_000, 100_000];
const BATCH = 1_000;
/** 100k vs 1k stored: a scan of the component would be ~100×; flat is ~1×, allowed generously under load. */
const FLAT_RATIO = 5;

const quiet = { info: () => {}, verbose: () => {}, error: () => {} };

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

test("local engine: a small query's cost by documents stored", async () => {
  const dataDir = await mkdtemp(path.join(os.tmpdir(), "engine-queries-"));
  const engine = await startEngine({ port: 0, sitePort: 0, dataDir, web: false, seed: false, crons: false, persist: false, logger: quiet });
  const checks = new Checks();
  const figures: Array<{ stored: number; ms: number; rows: number }> = [];
  try {
    await engine.t.run(async (ctx) => {
      for (const key of ["one", "two", "three"]) await ctx.db.insert("featureFlags", { key, description: "bench", enabled: false, updatedAt: 0 });
    });
    let stored = 0;
    for (const size of SIZES) {
      while (stored < size) {
        const from = stored;
        await engine.t.run(async (ctx) => {
          for (let i = from; i < from + BATCH; i++) {
            await ctx.db.insert("userProfiles", { tokenIdentifier: `bench|${i}`, subject: `bench${i}`, isPlatformAdmin: false, status: "active" });
          }
        });
        stored += BATCH;
      }
      const times: number[] = [];
      let rows = 0;
      for (let run = 0; run < 15; run++) {
        const started = performance.now();
        rows = await engine.t.run(async (ctx) => (await ctx.db.query("featureFlags").collect()).length);
        times.push(performance.now() - started);
      }
      figures.push({ stored, ms: median(times), rows });
    }
  } finally {
    await engine.close();
    await rm(dataDir, { recursive: true, force: true });
  }
  console.log(
    [
      "",
      "local engine: one query of a 3-row table, with other documents stored in the same component",
      table(
        ["documents stored", "query (median of 15)"],
        figures.map((f) => [f.stored.toLocaleString("en"), `${f.ms.toFixed(2)} ms`]),
      ),
      "",
    ].join("\n"),
  );
  const first = figures[0]!;
  const last = figures.at(-1)!;
  checks.check("the query reads its own table's rows only", figures.every((f) => f.rows === 3), figures.map((f) => `${f.rows} rows at ${f.stored}`).join(", "));
  checks.check(
    `query cost flat: ${last.stored.toLocaleString("en")} vs ${first.stored.toLocaleString("en")} documents stored within ${FLAT_RATIO}×`,
    last.ms <= FLAT_RATIO * Math.max(first.ms, 0.05),
    `${last.ms.toFixed(2)} ms vs ${first.ms.toFixed(2)} ms`,
  );
  checks.finish("engineQueries.run.ts");
});
