/**
 * Keeps the engine's in-memory database (convex-test) on disk: loads the
 * SQLite store at start-up (importing an old `snapshot.json` once), then
 * writes every commit to it synchronously, inside the commit, before the
 * committing function returns — so before any client hears that it succeeded.
 *
 * If a commit cannot be written (disk full, the file gone), the engine must
 * not go on acknowledging commits it has not saved: `onFailure` is called
 * (by default the engine process logs and exits).
 */
import { existsSync } from "node:fs";
import { rename } from "node:fs/promises";
import { convexToJson } from "convex/values";
import type { CommittedChanges, EngineInternals, SnapshotFile } from "./convexTestInternals";
import type { DataFiles } from "./persistence";
import { readJsonFile } from "./persistence";
import { SqliteStore, type CommitRecord } from "./sqliteStore";
import type { Logger } from "./syncServer";

export type Durability = {
  /** Documents loaded at start-up (0 for a new data folder). */
  restoredDocuments: number;
  /** Commits written so far, and the time spent writing them (benchmarks: the store's share of the engine's work). */
  stats(): { commits: number; writeMs: number };
  /** Fold the WAL into the main file (every commit is already durable without it). */
  checkpoint(): void;
  /** Stop writing and close the file (commits after this are not saved). */
  close(): void;
};

export async function openDurability(deps: {
  files: DataFiles;
  internals: EngineInternals;
  log: Logger;
  onFailure: (error: unknown) => void;
}): Promise<Durability> {
  const { files, internals, log } = deps;
  const store = SqliteStore.open(files.database);
  let restoredDocuments: number;
  if (store.hasData()) {
    const { skipped, documents } = internals.restoreStored(store.load());
    restoredDocuments = documents;
    if (skipped.length > 0) log.info(`Stored data for components no longer mounted (ignored): ${skipped.join(", ")}`);
    // Imported, then the engine stopped before renaming the old file.
    if (store.meta("importedSnapshot") !== null && existsSync(files.snapshot)) await rename(files.snapshot, files.importedSnapshot);
  } else {
    restoredDocuments = await importSnapshot(store, deps);
  }

  let open = true;
  const fail = (error: unknown) => {
    if (!open) return;
    open = false;
    deps.onFailure(error);
  };
  const stats = { commits: 0, writeMs: 0 };
  const stopCommits = internals.onCommit((_writes, ts, changes) => {
    if (!open) return;
    const started = performance.now();
    try {
      store.commit(commitRecord(ts, changes));
    } catch (error) {
      fail(error);
    }
    stats.commits++;
    stats.writeMs += performance.now() - started;
  });
  // A file's bytes can only be read asynchronously: they are written a moment
  // after the `_storage` document that names them (see the README's limits).
  const stopFiles = internals.onStoreFile((componentPath, storageId, blob) => {
    void blob.arrayBuffer().then(
      (bytes) => {
        if (open) store.putBlob(componentPath, storageId, blob.type, Buffer.from(bytes));
      },
      (error: unknown) => fail(error),
    );
  });
  return {
    restoredDocuments,
    stats: () => ({ ...stats }),
    checkpoint: () => store.checkpoint(),
    close: () => {
      open = false;
      stopCommits();
      stopFiles();
      store.close();
    },
  };
}

function commitRecord(ts: bigint, changes: CommittedChanges): CommitRecord {
  return {
    ts,
    components: changes.map(({ path, nextDocId, lastCreationTime, documents }) => ({
      path,
      counters: { nextDocId, lastCreationTime },
      documents: documents.map(({ id, document }) => ({ id, json: document === null ? null : JSON.stringify(convexToJson(document)) })),
    })),
  };
}

/**
 * A data folder from before the SQLite store: load `snapshot.json`, write all
 * of it to the store in one transaction (marked imported), then rename the
 * file so it is never read again. A crash between the two finds the store
 * holding data and renames the file on the next start.
 */
async function importSnapshot(store: SqliteStore, deps: { files: DataFiles; internals: EngineInternals; log: Logger }): Promise<number> {
  const { files, internals, log } = deps;
  const snapshot = await readJsonFile<SnapshotFile>(files.snapshot).catch((error: unknown) => {
    throw new Error(`Could not read ${files.snapshot} (${(error as Error).message}); start with --reset to discard it.`);
  });
  if (snapshot === null) return 0;
  const { skipped, documents } = internals.restore(snapshot);
  if (skipped.length > 0) log.info(`Snapshot has data for components no longer mounted (ignored): ${skipped.join(", ")}`);
  const { record, blobs } = await internals.everything();
  store.importAll(record, blobs, `${files.snapshot} (saved ${snapshot.savedAt})`);
  await rename(files.snapshot, files.importedSnapshot);
  log.info(`Imported ${documents} documents from ${files.snapshot} into ${files.database} (the old file is now ${files.importedSnapshot}).`);
  return documents;
}
