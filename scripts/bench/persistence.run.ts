// @vitest-environment node
/**
 * Local engine persistence (issue 17): what one snapshot costs as the
 * database grows. The engine keeps every document in memory and, 300 ms
 * after a commit (at most 2 s while commits keep coming), rewrites the whole
 * database as one JSON file (`SnapshotWriter` → `writeFileAtomic`: write a
 * temporary file, fsync, rename, fsync the folder). This measures exactly that
 * path — `JSON.stringify` of every document, then the atomic write — for
 * 1,000, 10,000 and 100,000 documents shaped like the engine's own (a chat
 * message with its metadata, ~0.5 KB). Timings (median of 3), so they vary
 * with the machine; the growth is the point.
 */
import { mkdtemp, rm, stat } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { test } from "vitest";
import { dataFiles, writeFileAtomic } from "../local-engine/persistence";
import { Checks, table } from "./checks";

const SIZES = [1_000, 10_000, 100_000];

function message(i: number) {
  return {
    _id: `${String(10_000 + i).padStart(20, "0")}messages`,
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

test("local engine: one snapshot's cost by documents stored", async () => {
  const dir = await mkdtemp(path.join(os.tmpdir(), "engine-persistence-"));
  const file = dataFiles(dir).snapshot;
  const checks = new Checks();
  const rows: string[][] = [];
  const perDocument: number[] = [];
  try {
    for (const count of SIZES) {
      const snapshot = snapshotOf(count);
      const times: number[] = [];
      for (let run = 0; run < 3; run++) {
        const started = performance.now();
        await writeFileAtomic(file, JSON.stringify(snapshot));
        times.push(performance.now() - started);
      }
      const bytes = (await stat(file)).size;
      const ms = median(times);
      perDocument.push(ms / count);
      rows.push([count.toLocaleString("en"), `${(bytes / 1024 / 1024).toFixed(1)} MiB`, `${ms.toFixed(0)} ms`, `${((1000 * ms) / count).toFixed(1)} µs`]);
      checks.check(`${count} documents: the snapshot holds them all`, bytes > count * 300, `${bytes} bytes written`);
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
  console.log(
    [
      "",
      "local engine: one snapshot (the whole database, rewritten after every burst of commits)",
      table(["documents stored", "snapshot file", "write (median of 3)", "per document"], rows),
      `a commit rewrites all ${SIZES.at(-1)!.toLocaleString("en")} documents: the cost grows with the database, not with the commit;`,
      "a crash loses every commit acknowledged since the last snapshot (up to the 2 s debounce; 300 ms after a quiet commit).",
      "",
    ].join("\n"),
  );
  checks.check("the measure ran at every size", perDocument.length === SIZES.length, `${perDocument.length} of ${SIZES.length} sizes measured`);
  checks.finish("persistence.run.ts");
});
