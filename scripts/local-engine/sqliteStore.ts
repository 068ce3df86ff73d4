/**
 * The local engine's database on disk: `<data dir>/engine.sqlite` (SQLite
 * through better-sqlite3, WAL journal).
 *
 * Append-only in the sense that matters: a commit writes only what it changed
 * — one row per written document (upserted, or deleted), the id counters of
 * the components it touched and the commit timestamp — in one SQLite
 * transaction, synchronously, before the engine acknowledges the commit to
 * its client. So a commit costs the same with 1k or 100k documents stored,
 * and a crash of the engine (kill -9) loses nothing that was acknowledged:
 * SQLite's WAL holds every committed transaction once `commit()` returns.
 * (`synchronous = NORMAL`: a power cut or an OS crash can still lose the
 * last few commits; the engine process dying cannot.)
 *
 * `locking_mode = EXCLUSIVE`: one engine per data folder. A second engine
 * started on the same folder fails at start-up instead of both writing.
 *
 * This module knows nothing about convex-test: documents arrive as JSON text
 * (convexToJson) and leave the same way (convexTestInternals.ts restores them).
 */
import { mkdirSync } from "node:fs";
import path from "node:path";
import Database from "better-sqlite3";

/** Bumped when the tables change shape; a data folder written by a newer engine is refused. */
const SCHEMA_VERSION = 1;

export type ComponentCounters = { nextDocId: number; lastCreationTime: number };

/** What one top-level transaction changed, as the store writes it. */
export type CommitRecord = {
  /** The commit timestamp (Unix nanoseconds). */
  ts: bigint;
  components: Array<{
    path: string;
    counters: ComponentCounters;
    /** Every document written: its JSON text, or null when deleted. */
    documents: Array<{ id: string; json: string | null }>;
  }>;
};

export type StoredComponent = ComponentCounters & {
  /** Each document's JSON text (convexToJson). */
  documents: string[];
  /** File blobs by storage id. */
  blobs: Array<{ id: string; type: string; bytes: Buffer }>;
};

export type StoredDatabase = { lastCommitTs: bigint; components: Map<string, StoredComponent> };

export class StoreInUseError extends Error {}

type Statements = Record<"upsertDocument" | "deleteDocument" | "deleteBlob" | "putBlob" | "putCounters" | "putMeta", Database.Statement>;

export class SqliteStore {
  private readonly statements: Statements;
  private readonly commitTransaction: (record: CommitRecord) => void;

  private constructor(
    private readonly db: Database.Database,
    readonly file: string,
  ) {
    this.statements = {
      upsertDocument: db.prepare("INSERT INTO documents (component, id, json) VALUES (?, ?, ?) ON CONFLICT (component, id) DO UPDATE SET json = excluded.json"),
      deleteDocument: db.prepare("DELETE FROM documents WHERE component = ? AND id = ?"),
      deleteBlob: db.prepare("DELETE FROM blobs WHERE component = ? AND id = ?"),
      putBlob: db.prepare("INSERT OR REPLACE INTO blobs (component, id, type, bytes) VALUES (?, ?, ?, ?)"),
      putCounters: db.prepare(
        "INSERT INTO components (path, next_doc_id, last_creation_time) VALUES (?, ?, ?) ON CONFLICT (path) DO UPDATE SET next_doc_id = excluded.next_doc_id, last_creation_time = excluded.last_creation_time",
      ),
      putMeta: db.prepare("INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value"),
    };
    this.commitTransaction = db.transaction((record: CommitRecord) => this.writeCommit(record));
  }

  /** Open (creating when missing) the database at `file`, taking the folder's lock. */
  static open(file: string): SqliteStore {
    mkdirSync(path.dirname(file), { recursive: true });
    // A second engine on the folder waits this long for the lock, then is refused.
    const db = new Database(file, { timeout: 1000 });
    try {
      db.pragma("locking_mode = EXCLUSIVE");
      db.pragma("journal_mode = WAL");
      db.pragma("synchronous = NORMAL");
      const version = db.pragma("user_version", { simple: true }) as number;
      if (version > SCHEMA_VERSION) throw new Error(`${file} was written by a newer local engine (format ${version}; this one reads ${SCHEMA_VERSION}).`);
      // The first write takes the exclusive lock and keeps it until close.
      db.exec(`
        CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
        CREATE TABLE IF NOT EXISTS components (path TEXT PRIMARY KEY, next_doc_id INTEGER NOT NULL, last_creation_time REAL NOT NULL);
        CREATE TABLE IF NOT EXISTS documents (component TEXT NOT NULL, id TEXT NOT NULL, json TEXT NOT NULL, PRIMARY KEY (component, id));
        CREATE TABLE IF NOT EXISTS blobs (component TEXT NOT NULL, id TEXT NOT NULL, type TEXT NOT NULL, bytes BLOB NOT NULL, PRIMARY KEY (component, id));
        PRAGMA user_version = ${SCHEMA_VERSION};
      `);
    } catch (error) {
      db.close();
      if ((error as { code?: string }).code === "SQLITE_BUSY") {
        throw new StoreInUseError(`${file} is in use by another local engine (one engine per data folder; stop it or pass another --data-dir).`);
      }
      throw error;
    }
    return new SqliteStore(db, file);
  }

  /** Whether anything was ever committed here (false for a new file: the time to import an old JSON snapshot). */
  hasData(): boolean {
    return this.db.prepare("SELECT 1 FROM meta WHERE key = 'lastCommitTs'").get() !== undefined;
  }

  /** A meta value (e.g. `importedSnapshot`), or null. */
  meta(key: string): string | null {
    const row = this.db.prepare("SELECT value FROM meta WHERE key = ?").get(key) as { value: string } | undefined;
    return row?.value ?? null;
  }

  /** Everything stored, to load into memory at start-up. */
  load(): StoredDatabase {
    const components = new Map<string, StoredComponent>();
    const componentOf = (name: string) => {
      let component = components.get(name);
      if (component === undefined) {
        component = { nextDocId: 0, lastCreationTime: 0, documents: [], blobs: [] };
        components.set(name, component);
      }
      return component;
    };
    for (const row of this.db.prepare("SELECT path, next_doc_id, last_creation_time FROM components").iterate() as Iterable<{
      path: string;
      next_doc_id: number;
      last_creation_time: number;
    }>) {
      Object.assign(componentOf(row.path), { nextDocId: row.next_doc_id, lastCreationTime: row.last_creation_time });
    }
    for (const row of this.db.prepare("SELECT component, json FROM documents").iterate() as Iterable<{ component: string; json: string }>) {
      componentOf(row.component).documents.push(row.json);
    }
    for (const row of this.db.prepare("SELECT component, id, type, bytes FROM blobs").iterate() as Iterable<{ component: string; id: string; type: string; bytes: Buffer }>) {
      componentOf(row.component).blobs.push({ id: row.id, type: row.type, bytes: row.bytes });
    }
    const ts = this.meta("lastCommitTs");
    return { lastCommitTs: ts === null ? 0n : BigInt(ts), components };
  }

  /** Write one commit's changes, all or nothing. Synchronous: when it returns, the commit survives a crash of this process. */
  commit(record: CommitRecord): void {
    this.commitTransaction(record);
  }

  /** Store a file's bytes (its `_storage` document is committed separately, by the transaction that created it). */
  putBlob(component: string, id: string, type: string, bytes: Buffer): void {
    this.statements.putBlob.run(component, id, type, bytes);
  }

  /** A whole database at once (the import of an old JSON snapshot), marked as imported from `source` in the same transaction. */
  importAll(record: CommitRecord, blobs: Array<{ component: string; id: string; type: string; bytes: Buffer }>, source: string): void {
    this.db.transaction(() => {
      this.writeCommit(record);
      for (const blob of blobs) this.putBlob(blob.component, blob.id, blob.type, blob.bytes);
      this.statements.putMeta.run("importedSnapshot", source);
    })();
  }

  /** Fold the WAL into the main file (also done by SQLite as the WAL grows, and at close). */
  checkpoint(): void {
    this.db.pragma("wal_checkpoint(TRUNCATE)");
  }

  /** Rows inserted, updated or deleted through this connection so far (benchmarks count writes per commit with it). */
  rowsWritten(): number {
    return (this.db.prepare("SELECT total_changes() AS n").get() as { n: number }).n;
  }

  close(): void {
    if (this.db.open) this.db.close();
  }

  private writeCommit(record: CommitRecord): void {
    for (const component of record.components) {
      for (const { id, json } of component.documents) {
        if (json !== null) {
          this.statements.upsertDocument.run(component.path, id, json);
        } else {
          this.statements.deleteDocument.run(component.path, id);
          // A deleted `_storage` document takes its file's bytes with it.
          if (id.replace(/^[0-9]+/, "") === "_storage") this.statements.deleteBlob.run(component.path, id);
        }
      }
      this.statements.putCounters.run(component.path, component.counters.nextDocId, component.counters.lastCreationTime);
    }
    this.statements.putMeta.run("lastCommitTs", record.ts.toString());
  }

}
