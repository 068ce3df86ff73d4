// @vitest-environment node
/**
 * Local engine persistence (issue 17): what a commit costs on disk as the
 * database grows, for the engine's SQLite store (sqliteStore.ts: each commit
 * writes the documents it changed, in one SQLite transaction, before it is
 * acknowledged) beside the JSON snapshot the engine wrote before it (the
 * whole database stringified and rewritten atomically — temp file, fsync,
 * rename — after every burst of commits).
 *
 * Both at 1,000, 10,000 and 100,000 stored documents shaped like the
 * engine's own (a chat message with its metadata, ~0.5 KB). A commit here is
 * what a chat step commits: one new document and one changed one.
 * The three store sizes are measured in interleaved rounds, so a load spike
 * on the machine hits every size alike; the checks are on counts (rows
 * written per commit) and on ratios (100k vs 1k), not on absolute times.
 */
import { mkdtemp, rm, stat } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { test } from "vitest";
import { dataFiles, writeFileAtomic } from "../local-engine/persistence";
import { SqliteStore, type CommitRecord } from "../local-engine/sqliteStore";
import { Checks, table } from "./checks";

const SIZES = [1_000, 10_000, 100_000];
const ROUNDS = 5;
const COMMITS_PER_ROUND = 200;
/** Per-commit cost at 100k documents at most this many times the cost at 1k ("flat", generously: SQLite's B-tree gets one level deeper). */
const FLAT_RATIO = 4;

const idOf = (i: number) => `${String(10_000 + i).padStart(20, "0")}messages`;

function message(i: number) {
  return {
    _id: idOf(i),
    _creationTime: 1_796_000_000_000 + i,
    threadId: "00000000000000010001threads",
    order: Math.floor(i / 2),
    stepOrder: i % 2,
    status: "success",
    tool: false,
    message: { role: i % 2 === 0 ? "user" : "assistant", content: `Message number ${i}: a sentence or two of conversation, like the ones people write.` },
    text: `Message number ${i}: a sentence or two of conversation, like the ones people write.`,
    usage: { promptTokens: 120, completionTokens: 80, totalTokens: 200 },
    agentName: "Assistant",
    model: "offline",
    provider: "offline",
  };
}

function snapshotOf(count: number) {
  return {
    format: "local-engine/convex-test-0.0.60",
    version: 1,
    savedAt: new Date(0).toISOString(),
    lastCommitTs: "0",
    components: { agent: { nextDocId: 10_000 + count, lastCreationTime: 0, documents: Array.from({ length: count }, (_, i) => message(i)), storage: {} } },
  };
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

/** One chat-step-like commit on a store holding `count` documents: a new message, and an existing one changed. */
function commitOf(count: number, next: number, ts: bigint): CommitRecord {
  const changed = { ...message(next % count), status: "finished" };
  return {
    ts,
    components: [
      {
        path: "agent",
        counters: { nextDocId: 10_000 + count + next + 1, lastCreationTime: 0 },
        documents: [
          { id: idOf(count + next), json: JSON.stringify(message(count + next)) },
          { id: changed._id, json: JSON.stringify(changed) },
        ],
      },
    ],
  };
}

/** The old path: one snapshot of `count` documents (median of 3), and the file's size. */
async function snapshotCost(file: string, count: number): Promise<{ ms: number; bytes: number }> {
  const snapshot = snapshotOf(count);
  const times: number[] = [];
  for (let run = 0; run < 3; run++) {
    const started = performance.now();
    await writeFileAtomic(file, JSON.stringify(snapshot));
    times.push(performance.now() - started);
  }
  return { ms: median(times), bytes: (await stat(file)).size };
}

test("local engine: a commit's cost on disk by documents stored (SQLite store vs the old JSON snapshot)", async () => {
  const dir = await mkdtemp(path.join(os.tmpdir(), "engine-persistence-"));
  const checks = new Checks();
  const stores = new Map<number, SqliteStore>();
  try {
    // The old snapshot path, at each size.
    const snapshots = new Map<number, { ms: number; bytes: number }>();
    for (const count of SIZES) snapshots.set(count, await snapshotCost(dataFiles(dir).snapshot, count));

    // The SQLite store, filled to each size.
    for (const count of SIZES) {
      const store = SqliteStore.open(path.join(dir, `store-${count}.sqlite`));
      const documents = Array.from({ length: count }, (_, i) => ({ id: idOf(i), json: JSON.stringify(message(i)) }));
      store.importAll({ ts: 1n, components: [{ path: "agent", counters: { nextDocId: 10_000 + count, lastCreationTime: 0 }, documents }] }, [], "bench");
      stores.set(count, store);
    }
    // Interleaved rounds: each size gets COMMITS_PER_ROUND commits per round; the median round is its figure.
    const perCommitMs = new Map<number, number[]>(SIZES.map((count) => [count, []]));
    const rowsPerCommit = new Map<number, number>();
    let ts = 2n;
    for (let round = 0; round < ROUNDS; round++) {
      for (const count of SIZES) {
        const store = stores.get(count)!;
        const rowsBefore = store.rowsWritten();
        const started = performance.now();
        for (let i = 0; i < COMMITS_PER_ROUND; i++) store.commit(commitOf(count, round * COMMITS_PER_ROUND + i, ts++));
        perCommitMs.get(count)!.push((performance.now() - started) / COMMITS_PER_ROUND);
        rowsPerCommit.set(count, (store.rowsWritten() - rowsBefore) / COMMITS_PER_ROUND);
      }
    }

    const rows: string[][] = [];
    for (const count of SIZES) {
      const snapshot = snapshots.get(count)!;
      const commitMs = median(perCommitMs.get(count)!);
      const databaseBytes = (await stat(path.join(dir, `store-${count}.sqlite`))).size;
      rows.push([
        count.toLocaleString("en"),
        `${(snapshot.bytes / 1024 / 1024).toFixed(1)} MiB`,
        `${snapshot.ms.toFixed(0)} ms`,
        count.toLocaleString("en"),
        `${(commitMs * 1000).toFixed(0)} µs`,
        String(rowsPerCommit.get(count)),
        `${(databaseBytes / 1024 / 1024).toFixed(1)} MiB`,
      ]);
      checks.check(`${count} documents: the snapshot holds them all`, snapshot.bytes > count * 300, `${snapshot.bytes} bytes written`);
    }
    const small = median(perCommitMs.get(SIZES[0]!)!);
    const large = median(perCommitMs.get(SIZES.at(-1)!)!);
    const ratio = large / small;
    const snapshotRatio = snapshots.get(SIZES.at(-1)!)!.ms / snapshots.get(SIZES[0]!)!.ms;
    console.log(
      [
        "",
        "local engine: what a commit costs on disk (old: the whole database as one JSON snapshot; now: SQLite, the commit's rows only)",
        table(
          ["documents stored", "snapshot file", "one snapshot (median of 3)", "docs rewritten / snapshot", "SQLite commit (median round)", "rows / commit", "SQLite file"],
          rows,
        ),
        `per commit, ${SIZES.at(-1)!.toLocaleString("en")} vs ${SIZES[0]!.toLocaleString("en")} documents stored: SQLite ${ratio.toFixed(2)}× (flat), snapshot ${snapshotRatio.toFixed(0)}× (grows with the database)`,
        "SQLite: every commit is written before it is acknowledged, so a kill -9 loses nothing acknowledged (the snapshot lost up to 2 s of commits).",
        "",
      ].join("\n"),
    );
    const rowCounts = SIZES.map((count) => ({ at: `${count.toLocaleString("en")} stored`, value: rowsPerCommit.get(count)! }));
    // 2 documents + the component's id counters + the commit timestamp.
    checks.flat("SQLite rows written per commit, whatever the database size", rowCounts);
    checks.check("SQLite writes only what the commit changed (2 documents + counters + timestamp)", rowCounts.every((r) => r.value === 4), rowCounts.map((r) => `${r.value} at ${r.at}`).join(", "));
    checks.check(
      `SQLite per-commit cost flat: ${SIZES.at(-1)!.toLocaleString("en")} vs ${SIZES[0]!.toLocaleString("en")} documents stored within ${FLAT_RATIO}×`,
      ratio <= FLAT_RATIO,
      `${(large * 1000).toFixed(0)} µs vs ${(small * 1000).toFixed(0)} µs per commit (${ratio.toFixed(2)}×; rounds: ${perCommitMs.get(SIZES.at(-1)!)!.map((ms) => (ms * 1000).toFixed(0)).join(", ")} µs vs ${perCommitMs.get(SIZES[0]!)!.map((ms) => (ms * 1000).toFixed(0)).join(", ")} µs)`,
    );
  } finally {
    for (const store of stores.values()) store.close();
    await rm(dir, { recursive: true, force: true });
  }
  checks.finish("persistence.run.ts");
});
