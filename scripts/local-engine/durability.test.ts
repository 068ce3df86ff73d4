// @vitest-environment node
/**
 * The engine's SQLite store, in process: documents, deletes and files
 * survive a restart, ids are never reused after one, an old `snapshot.json` folder is imported
 * once, and a second engine on a folder in use is refused.
 * (The kill -9 test with a real process is crash.test.ts.)
 */
import { existsSync } from "node:fs";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import Database from "better-sqlite3";
import { internal } from "../../convex/_generated/api";
import type { Id } from "../../convex/_generated/dataModel";
import { afterEach, expect, test } from "vitest";
import { startEngine, type Engine } from "./engine";
import { SqliteStore, StoreInUseError } from "./sqliteStore";
import type { Logger } from "./syncServer";
import { collectingLogger } from "./testClient.testing";

const errors: string[] = [];
const infos: string[] = [];
const logger: Logger = { ...collectingLogger(errors), info: (message) => infos.push(message) };
const dirs: string[] = [];
const engines: Engine[] = [];

async function newDataDir(): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), "local-engine-durability-"));
  dirs.push(dir);
  return dir;
}

async function start(dataDir: string, options: { persist?: boolean } = {}): Promise<Engine> {
  const engine = await startEngine({ port: 0, sitePort: 0, dataDir, web: false, seed: false, crons: false, logger, ...options });
  engines.push(engine);
  return engine;
}

async function stop(engine: Engine): Promise<void> {
  engines.splice(engines.indexOf(engine), 1);
  await engine.close();
}

const profile = (name: string) => ({ tokenIdentifier: `local|${name}`, subject: name, name, isPlatformAdmin: false, status: "active" as const });

afterEach(async () => {
  await Promise.all(engines.splice(0).map((engine) => engine.close()));
  await Promise.all(dirs.splice(0).map((dir) => rm(dir, { recursive: true, force: true })));
  errors.length = 0;
  infos.length = 0;
});

test("documents, deletes and files survive a restart; ids are not reused", { timeout: 120_000 }, async () => {
  const dataDir = await newDataDir();
  const first = await start(dataDir);
  const [keptId, deletedId] = await first.t.run(async (ctx) => [await ctx.db.insert("userProfiles", profile("kept")), await ctx.db.insert("userProfiles", profile("deleted"))]);
  await first.t.run(async (ctx) => {
    await ctx.db.patch("userProfiles", keptId, { name: "kept, renamed" });
    await ctx.db.delete("userProfiles", deletedId);
  });
  const storageId = await first.t.run(async (ctx) => await ctx.storage.store(new Blob(["file bytes"], { type: "text/plain" })));
  // The file's bytes are written a moment after its document (they are read asynchronously).
  await new Promise((resolve) => setTimeout(resolve, 100));
  await stop(first);

  const second = await start(dataDir);
  const state = await second.t.run(async (ctx) => ({
    kept: (await ctx.db.get("userProfiles", keptId))?.name,
    deleted: await ctx.db.get("userProfiles", deletedId),
    file: await (await ctx.storage.get(storageId))?.text(),
    newId: await ctx.db.insert("userProfiles", profile("new")),
  }));
  expect(state).toMatchObject({ kept: "kept, renamed", deleted: null, file: "file bytes" });
  // The deleted document had the highest id; a new one must not take it.
  expect(state.newId).not.toBe(deletedId);
  expect(errors).toEqual([]);
});

test("a folder from before the SQLite store: snapshot.json is imported once, then renamed", { timeout: 120_000 }, async () => {
  // An old engine's snapshot, in the format it wrote.
  const source = await start(await newDataDir(), { persist: false });
  const id = await source.t.run(async (ctx) => await ctx.db.insert("userProfiles", profile("from the snapshot")));
  const snapshot = await source.internals.snapshot();
  await stop(source);
  const dataDir = await newDataDir();
  await writeFile(path.join(dataDir, "snapshot.json"), JSON.stringify(snapshot));

  const imported = await start(dataDir);
  expect(infos.join("\n")).toMatch(/Imported \d+ documents from .*snapshot\.json/);
  expect(await imported.t.run(async (ctx) => (await ctx.db.get("userProfiles", id as Id<"userProfiles">))?.name)).toBe("from the snapshot");
  await imported.t.run(async (ctx) => await ctx.db.patch("userProfiles", id as Id<"userProfiles">, { name: "changed after import" }));
  await stop(imported);
  expect(existsSync(path.join(dataDir, "snapshot.json"))).toBe(false);
  expect(JSON.parse(await readFile(path.join(dataDir, "snapshot.imported.json"), "utf8"))).toMatchObject({ format: snapshot.format });

  // Started again: the store is read, the old file is not imported a second time.
  infos.length = 0;
  const again = await start(dataDir);
  expect(infos.join("\n")).not.toMatch(/Imported/);
  expect(await again.t.run(async (ctx) => (await ctx.db.get("userProfiles", id as Id<"userProfiles">))?.name)).toBe("changed after import");
});

test("a second engine on a data folder in use is refused, naming the folder", { timeout: 60_000 }, async () => {
  const dataDir = await newDataDir();
  const holder = SqliteStore.open(path.join(dataDir, "engine.sqlite"));
  try {
    const refused = await start(dataDir).then(
      () => null,
      (error: unknown) => error,
    );
    expect(refused).toBeInstanceOf(StoreInUseError);
    expect((refused as Error).message).toContain(path.join(dataDir, "engine.sqlite"));
  } finally {
    holder.close();
  }
});

test("a scheduled mutation cut off by a crash runs after the restart instead of being lost", { timeout: 120_000 }, async () => {
  // What a kill -9 in the middle of a scheduled mutation leaves on disk: its job marked running, its writes not there.
  const dataDir = await newDataDir();
  const first = await start(dataDir);
  const jobId = await first.t.run(async (ctx) => await ctx.scheduler.runAfter(3_600_000, internal.ops.cli.setPlatformPaused, { paused: true, reason: "crash drill" }));
  await stop(first);
  const db = new Database(path.join(dataDir, "engine.sqlite"));
  const row = db.prepare("SELECT json FROM documents WHERE component = '' AND id = ?").get(jobId) as { json: string };
  db.prepare("UPDATE documents SET json = ? WHERE component = '' AND id = ?").run(JSON.stringify({ ...(JSON.parse(row.json) as object), state: { kind: "inProgress" } }), jobId);
  db.close();

  const second = await start(dataDir);
  await expect.poll(async () => (await second.t.run(async (ctx) => await ctx.db.system.get(jobId)))?.state.kind, { timeout: 30_000 }).toBe("success");
  const audits = await second.t.run(async (ctx) => (await ctx.db.query("platformAuditLog").collect()).filter((entry) => entry.reason === "crash drill"));
  expect(audits).toHaveLength(1);
});
