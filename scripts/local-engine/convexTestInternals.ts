/**
 * The ONE module that reaches into convex-test's private state.
 *
 * Why: convex-test (checked against 0.0.60, `node_modules/convex-test/dist/index.js`)
 * has no public API for "tell me when data changed (and what it is now)",
 * "what did this query read", "export / import the database" or "re-arm
 * scheduled functions after a restart". The local engine needs all four, so this module couples to the
 * following internals and nothing else in the engine touches them:
 *
 * - The per-instance state object (`convexGlobal` in convex-test): convex-test
 *   never exposes it, but every method of the object `convexTest()` returns
 *   runs `convexGlobalStorage.run(convexGlobal, ...)` (an AsyncLocalStorage).
 *   We capture it once by briefly wrapping `AsyncLocalStorage.prototype.run`
 *   around one harmless call (`finishInProgressScheduledFunctions`).
 * - `convexGlobal.components[path].db`: a `DatabaseFake` per component
 *   (root is `""`, children like `"workflow/workpool"`). Committed documents
 *   live in `_documents` (id -> document, the id encodes the table name as
 *   `<digits><table>`), file blobs in `_storage`, id / creation-time counters
 *   in `_nextDocId` / `_lastCreationTime`, and uncommitted writes in the stack
 *   `_writes` (one layer per nesting level; the top-level layer is index 0).
 *   `storeFile(storageId, blob)` keeps a file's bytes after its `_storage`
 *   document was committed (wrapped to tell the SQLite store).
 *   Scheduled functions are ordinary documents of `_scheduled_functions`.
 * - `convexGlobal.components[path].modules(modulePath)`: the module loader
 *   convex-test built from the `import.meta.glob` map it was given; wrapped to
 *   memoise and to run outside convex-test's contexts, and called for every
 *   module at start-up (`preloadModules`).
 * - `convexGlobal.transactionManager.commit(isNested)`: every committed
 *   top-level transaction (client calls, scheduled functions, workflow steps,
 *   `t.run`) goes through it; it returns the commit timestamp and
 *   `_lastCommitTs` holds the latest one. Its top write layer, read just
 *   before, names the documents the commit changes; `_documents` holds them
 *   as committed just after.
 * - `DatabaseFake.get` / `DatabaseFake._iterateDocs`: every document read
 *   (point reads, table scans, index ranges, search, vector search, count).
 *   `_iterateDocs` is replaced by one that reads a table's ids from a map kept
 *   up to date by wrapping `DatabaseFake.commit` (tableIds.ts says why);
 *   `DatabaseFake._resolveQuerySource` is wrapped to tell it an index range's
 *   first equality (`source.range`), so it offers that value's documents only.
 * - `convexGlobal.asyncSyscall` "1.0/queryPage": the paginate syscall, used to
 *   emulate query journals (gapless reactive pagination).
 * - The test accessor's undocumented `runInComponent(path, handler)` and
 *   `fun(functionPath, args)` (spread into the accessor by `withAuth`), used
 *   to re-run restored scheduled functions exactly like convex-test's own
 *   `runScheduledFunction` does; and its `queryFromPath` / `mutationFromPath`
 *   / `actionFromPath`, through which an admin calls a component's function.
 * - `DatabaseFake._schema` (`{ schemaValidation, tables: Map<name, export()> }`):
 *   each table's document validator, to check stored documents on a push.
 *
 * - convex-test's execution-context AsyncLocalStorage, whose store
 *   (`{ componentPath, udfPath, udfType, depth }`) names the function running
 *   now: found by wrapping `AsyncLocalStorage.prototype.run` until the first
 *   function call enters it (`watchRunningFunction`), for the log view.
 *
 * `assertShape` checks all of it at start-up, so a convex-test upgrade that
 * moves these fails loudly with a pointer here instead of misbehaving.
 */
import { AsyncLocalStorage } from "node:async_hooks";
import { createHash } from "node:crypto";
import { convexToJson, jsonToConvex, type JSONValue, type Value, type ValidatorJSON } from "convex/values";
import { parseValidatorJson } from "./argsValidation";
import type { CommitRecord, StoredDatabase } from "./sqliteStore";
import { TableIds } from "./tableIds";

export type Doc = Record<string, Value> & { _id: string; _creationTime: number };
type WriteLayer = Record<string, Doc | null>;

interface DatabaseFake {
  _schema?: { schemaValidation: boolean; tables: Map<string, { documentType?: ValidatorJSON }> } | null;
  _documents: Record<string, Doc>;
  _storage: Record<string, Blob>;
  _nextDocId: number;
  _lastCreationTime: number;
  _writes: WriteLayer[];
  storeFile(storageId: string, blob: Blob): void;
  commit(commitTs?: bigint | null): void;
  get(tableName: string | undefined, id: string): Doc | null;
  patch(tableName: string, id: string, value: Record<string, Value>): void;
  _iterateDocs(tableName: string, callback: (doc: Doc) => void): void;
  _resolveQuerySource(query: { source?: QuerySource }): unknown;
}

/** A query's source as convex-test's `_resolveQuerySource` reads it (only what the value indexes need). */
type QuerySource = { type: string; indexName?: string; range?: Array<{ type: string; fieldPath: string; value: JSONValue }> };

/** What `queryGeneric` & co. return: a function object carrying flags. */
type RegisteredFunction = ((...args: never[]) => unknown) & {
  isPublic?: boolean;
  isInternal?: boolean;
  isQuery?: boolean;
  isMutation?: boolean;
  isAction?: boolean;
  exportArgs?: () => string;
  exportReturns?: () => string;
};

/** A registered function of the app or of a component, as a deployment's function analysis describes it. */
export type FunctionInfo = {
  /** `module/path:export` */
  udfPath: string;
  kind: "query" | "mutation" | "action";
  visibility: "public" | "internal";
  /** The `args` / `returns` validators (null when the function declares none). */
  args: ValidatorJSON | null;
  returns: ValidatorJSON | null;
};

/** Per registered function: its kind, visibility and parsed validators (parsed once, not on every call). */
const described = new WeakMap<object, Omit<FunctionInfo, "udfPath"> | null>();

function describeFunction(udfPath: string, fn: unknown): FunctionInfo | null {
  if (typeof fn !== "function") return null;
  let info = described.get(fn);
  if (info === undefined) {
    info = describeRegistered(fn as RegisteredFunction);
    described.set(fn, info);
  }
  return info === null ? null : { udfPath, ...info };
}

function describeRegistered(registered: RegisteredFunction): Omit<FunctionInfo, "udfPath"> | null {
  const kind = registered.isQuery === true ? "query" : registered.isMutation === true ? "mutation" : registered.isAction === true ? "action" : null;
  if (kind === null) return null;
  return {
    kind,
    visibility: registered.isPublic === true ? "public" : "internal",
    args: parseValidatorJson(registered.exportArgs?.()),
    returns: parseValidatorJson(registered.exportReturns?.()),
  };
}

type ModuleLoader = (path: string) => Promise<Record<string, unknown>>;

/**
 * The `AsyncLocalStorage` class convex-test runs on: Node's, or in the engine
 * asyncContext.ts's (all instances on one of Node's). The engine's own
 * storages are made from the same class, and the wrappers below that find
 * convex-test's storages wrap its `run`.
 */
export type StorageClass = { new <T>(): AsyncLocalStorage<T>; prototype: AsyncLocalStorage<unknown> };

/**
 * convex-test resolves a function on every call (`resolveFunction`) and then
 * parses `exportArgs()` / `exportReturns()`, which serialise the validators
 * again each time (~8% of the engine's CPU with 8 delegations running). A
 * registered function's validators never change: each module's functions
 * get both memoised when the module loads.
 */
function memoiseValidatorExports(module: Record<string, unknown>): void {
  for (const value of Object.values(module)) {
    if (typeof value !== "function") continue;
    const fn = value as RegisteredFunction;
    for (const key of ["exportArgs", "exportReturns"] as const) {
      const exported = fn[key];
      if (typeof exported !== "function" || memoised.has(exported)) continue;
      let json: string | undefined;
      const once = () => (json ??= exported.call(fn));
      memoised.add(once);
      fn[key] = once;
    }
  }
}
const memoised = new WeakSet<() => string>();

interface ConvexGlobal {
  components: Record<string, { db: DatabaseFake; modules: ModuleLoader }>;
  transactionManager: { _lastCommitTs: bigint; commit(isNested: boolean): bigint | null };
  asyncSyscall: (op: string, jsonArgs: string) => Promise<string>;
}

/** The slice of a convex-test accessor this module drives (public + the undocumented methods). */
export interface RawAccessor {
  finishInProgressScheduledFunctions(): Promise<void>;
  runInComponent(componentPath: string, handler: () => Promise<unknown>): Promise<unknown>;
  fun(functionPath: { componentPath: string; udfPath: string }, args: unknown): Promise<unknown>;
}

/**
 * convex-test's accessor methods that run a function named by component and
 * path (spread into every accessor by `withAuth`, undocumented): the way to
 * call a component's function directly, as an admin may on a deployment.
 */
export interface PathRunner {
  queryFromPath(functionPath: { componentPath: string; udfPath: string }, args: Record<string, Value>): Promise<unknown>;
  mutationFromPath(functionPath: { componentPath: string; udfPath: string }, args: Record<string, Value>): Promise<unknown>;
  actionFromPath(functionPath: { componentPath: string; udfPath: string }, args: Record<string, Value>): Promise<unknown>;
}

/** What a transaction wrote: `t:<component>\0<table>` for every table and `d:<component>\0<id>` for every document. */
export type WriteSet = Set<string>;

/** A committed transaction's documents (as committed; null = deleted) by component, with the component's id counters. */
export type CommittedChanges = Array<{ path: string; nextDocId: number; lastCreationTime: number; documents: Array<{ id: string; document: Doc | null }> }>;

type CommitListener = (writes: WriteSet, ts: bigint, changes: CommittedChanges) => void;

/** What a query read: whole tables (scans, index ranges) and single documents (point reads). */
export class ReadSet {
  readonly keys = new Set<string>();
  scanDepth = 0;
  intersects(writes: WriteSet): boolean {
    for (const key of this.keys) if (writes.has(key)) return true;
    return false;
  }
}

/** End cursors of the paginated reads of one query, keyed by a hash of (query, start cursor). */
export type JournalEntries = Record<string, string>;
type JournalContext = { previous: JournalEntries; recorded: JournalEntries };

const tableOf = (id: string) => id.replace(/^[0-9]+/, "");
const tableKey = (component: string, table: string) => `t:${component}\u0000${table}`;
const docKey = (component: string, id: string) => `d:${component}\u0000${id}`;

function isConvexGlobal(store: unknown): store is ConvexGlobal {
  return typeof store === "object" && store !== null && "components" in store && "transactionManager" in store && "scheduler" in store;
}

function assertShape(g: ConvexGlobal): void {
  const problems: string[] = [];
  const root = g.components[""];
  if (root === undefined) problems.push("no root component");
  for (const [path, component] of Object.entries(g.components)) {
    const db = component.db as Partial<DatabaseFake>;
    if (typeof db._documents !== "object" || typeof db._storage !== "object") problems.push(`${path}: _documents/_storage`);
    if (typeof db._nextDocId !== "number" || typeof db._lastCreationTime !== "number") problems.push(`${path}: counters`);
    if (!Array.isArray(db._writes)) problems.push(`${path}: _writes`);
    const methods = [db.get, db._iterateDocs, db._resolveQuerySource, db.patch, db.storeFile, db.commit];
    if (methods.some((method) => typeof method !== "function")) {
      problems.push(`${path}: methods`);
    }
    if (typeof component.modules !== "function") problems.push(`${path}: modules`);
  }
  if (typeof g.transactionManager.commit !== "function" || typeof g.transactionManager._lastCommitTs !== "bigint") {
    problems.push("transactionManager.commit/_lastCommitTs");
  }
  if (typeof g.asyncSyscall !== "function") problems.push("asyncSyscall");
  if (problems.length > 0) {
    throw new Error(
      `convex-test's internals are not shaped as scripts/local-engine/convexTestInternals.ts expects ` +
        `(written against convex-test 0.0.60): ${problems.join(", ")}`,
    );
  }
}

export type SnapshotFile = {
  format: "local-engine/convex-test-0.0.60";
  version: 1;
  savedAt: string;
  lastCommitTs: string;
  components: Record<
    string,
    {
      nextDocId: number;
      lastCreationTime: number;
      documents: JSONValue[];
      storage: Record<string, { type: string; base64: string }>;
    }
  >;
};

/**
 * Hooks into one convex-test instance. Create with {@link attachInternals}
 * after every component is registered and before anything runs.
 */
export class EngineInternals {
  private readonly commitListeners = new Set<CommitListener>();
  /** Each component's table → ids map (tableIds.ts), by its database. */
  private readonly tableIds = new Map<DatabaseFake, TableIds>();
  private readonly fileListeners = new Set<(componentPath: string, storageId: string, blob: Blob) => void>();
  private readonly readTracker: AsyncLocalStorage<ReadSet>;
  private readonly journalTracker: AsyncLocalStorage<JournalContext>;
  private readonly blobBase64 = new WeakMap<Blob, string>();
  private readonly timers = new Set<ReturnType<typeof setTimeout>>();
  /** Module paths of each component (from preloadModules), for function listings. */
  private readonly modulePaths = new Map<string, string[]>();
  /**
   * Runs a function in the async context this instance was created in (the
   * engine's start-up): outside every convex-test context, i.e. no component
   * path, no transaction, and none of the globals convex-test forbids inside
   * transactions (`setTimeout`, `clearTimeout`, ...).
   */
  private readonly outside = AsyncLocalStorage.snapshot();

  constructor(
    private readonly g: ConvexGlobal,
    private readonly accessor: RawAccessor,
    Storage: StorageClass = AsyncLocalStorage,
  ) {
    assertShape(g);
    this.readTracker = new Storage<ReadSet>();
    this.journalTracker = new Storage<JournalContext>();
    this.hookModules();
    this.hookCommits();
    this.hookFiles();
    this.hookTableIds();
    this.hookReads();
    this.hookPagination();
  }

  /**
   * Load every function module of the app and of each registered component
   * now, before anything runs, so no module is ever loaded inside a
   * transaction (Vite's SSR loader runs timers, which Convex forbids there).
   * `loaders` are the `import.meta.glob` maps convex-test was given (see
   * convexTestShim.ts); like the Convex CLI, files whose name has more than
   * one dot (tests, `*.config.ts`, `*.d.ts`) are not modules.
   */
  async preloadModules(
    loaders: ReadonlyMap<string, Record<string, unknown>>,
    onError: (message: string, error: unknown) => void,
  ): Promise<{ loaded: number; failed: number; components: number }> {
    let loaded = 0;
    let failed = 0;
    let components = 0;
    const loads: Array<Promise<void>> = [];
    for (const [path, glob] of loaders) {
      const component = this.g.components[path];
      if (component === undefined) continue;
      components++;
      const keys = Object.keys(glob);
      // convex-test's own rule (moduleCache / findModulesRoot): module paths are relative to the folder holding _generated.
      const prefix = keys.find((key) => key.includes("_generated"))?.split("_generated", 2)[0];
      if (prefix === undefined) continue;
      const modulePaths = keys
        .filter((key) => key.startsWith(prefix) && (key.split("/").pop() ?? "").split(".").length === 2)
        .map((key) => key.slice(prefix.length).replace(/\.[^.]+$/, ""));
      this.modulePaths.set(path, modulePaths);
      for (const modulePath of modulePaths) {
        loads.push(
          component.modules(modulePath).then(
            () => void loaded++,
            (error: unknown) => {
              failed++;
              onError(`Could not load module ${path === "" ? "" : `${path}:`}${modulePath}`, error);
            },
          ),
        );
      }
    }
    await Promise.all(loads);
    return { loaded, failed, components };
  }

  /** Timestamp of the latest commit (Unix nanoseconds, 0 for an empty database). */
  lastCommitTs(): bigint {
    return this.g.transactionManager._lastCommitTs;
  }

  /**
   * Called synchronously inside every top-level commit that wrote something,
   * in the order registered, before the committing function returns (so
   * before its caller's acknowledgement).
   */
  onCommit(listener: CommitListener): () => void {
    this.commitListeners.add(listener);
    return () => this.commitListeners.delete(listener);
  }

  /**
   * Called when a file's bytes are stored (`ctx.storage.store`). convex-test
   * commits the file's `_storage` document first, then keeps the blob.
   */
  onStoreFile(listener: (componentPath: string, storageId: string, blob: Blob) => void): () => void {
    this.fileListeners.add(listener);
    return () => this.fileListeners.delete(listener);
  }

  /**
   * Run `fn` (a query) recording what it reads and applying / recording
   * pagination journals. Failures are captured too: a failed query is re-run
   * when what it read changes, like any other.
   */
  async trackSettled<T>(
    journal: JournalEntries,
    fn: () => Promise<T>,
  ): Promise<{ outcome: { ok: true; value: T } | { ok: false; error: unknown }; reads: ReadSet; journal: JournalEntries }> {
    const reads = new ReadSet();
    const context: JournalContext = { previous: journal, recorded: {} };
    const outcome = await this.readTracker.run(reads, () =>
      this.journalTracker.run(context, async () => {
        try {
          return { ok: true as const, value: await fn() };
        } catch (error) {
          return { ok: false as const, error };
        }
      }),
    );
    return { outcome, reads, journal: context.recorded };
  }

  /** Paths of the mounted components (`""` is the app; children like `workflow/workpool`). */
  componentPaths(): string[] {
    return Object.keys(this.g.components);
  }

  /** The function registered at `udfPath` of a component (any visibility), or null when there is none. */
  async functionInfo(componentPath: string, udfPath: string): Promise<FunctionInfo | null> {
    const component = this.g.components[componentPath];
    if (component === undefined) return null;
    const [modulePath, exportName = "default"] = udfPath.split(":");
    if (modulePath === undefined || modulePath === "" || modulePath.startsWith("_")) return null;
    let module: Record<string, unknown>;
    try {
      module = await component.modules(modulePath);
    } catch {
      return null;
    }
    return describeFunction(`${modulePath}:${exportName}`, module[exportName]);
  }

  /** Every registered function of a component's modules (those loaded at start-up), sorted by path. */
  async listFunctions(componentPath: string): Promise<FunctionInfo[]> {
    const component = this.g.components[componentPath];
    if (component === undefined) return [];
    const functions: FunctionInfo[] = [];
    for (const modulePath of [...(this.modulePaths.get(componentPath) ?? [])].sort()) {
      let module: Record<string, unknown>;
      try {
        module = await component.modules(modulePath);
      } catch {
        continue;
      }
      for (const [name, value] of Object.entries(module).sort(([a], [b]) => a.localeCompare(b))) {
        const info = describeFunction(`${modulePath}:${name}`, value);
        if (info !== null) functions.push(info);
      }
    }
    return functions;
  }

  /**
   * The document validator of each table of a component's schema (null when
   * it has no schema or schema validation is off), as convex-test holds it
   * (`DatabaseFake._schema`, each table's `export()`).
   */
  schemaTables(componentPath: string): Map<string, ValidatorJSON> | null {
    const schema = this.g.components[componentPath]?.db._schema;
    if (schema === undefined || schema === null || !schema.schemaValidation) return null;
    const tables = new Map<string, ValidatorJSON>();
    for (const [name, table] of schema.tables) if (table.documentType !== undefined) tables.set(name, table.documentType);
    return tables;
  }

  /** Every committed document of a component with its table (a consistent cut: commits are synchronous). */
  *documents(componentPath: string): Generator<{ table: string; document: Doc }> {
    const db = this.g.components[componentPath]?.db;
    if (db === undefined) return;
    for (const [id, document] of Object.entries(db._documents)) yield { table: tableOf(id), document };
  }

  /** The module paths of a component, as loaded at start-up (`chat/turn`, `crons`, …). */
  modulesOf(componentPath: string): string[] {
    return [...(this.modulePaths.get(componentPath) ?? [])];
  }

  /** Whether the app exports `udfPath` as an internal mutation (for the seed hook). */
  async hasInternalMutation(udfPath: string): Promise<boolean> {
    const [modulePath, exportName = "default"] = udfPath.split(":");
    try {
      const module = await this.g.components[""]!.modules(modulePath ?? "");
      const fn = module[exportName] as RegisteredFunction | undefined;
      return typeof fn === "function" && fn.isInternal === true && fn.isMutation === true;
    } catch {
      return false;
    }
  }

  /**
   * The app's module at `modulePath` (e.g. "crons"), through convex-test's
   * module loader (the same module instances functions run from), or null
   * when it does not load (missing; a failing one was logged by preloadModules).
   */
  async appModule(modulePath: string): Promise<Record<string, unknown> | null> {
    try {
      return await this.g.components[""]!.modules(modulePath);
    } catch {
      return null;
    }
  }

  /** What the app exports at `udfPath` (any visibility), or null when it is not a registered function. */
  async functionKind(udfPath: string): Promise<"query" | "mutation" | "action" | null> {
    const [modulePath, exportName = "default"] = udfPath.split(":");
    const fn = (await this.appModule(modulePath ?? ""))?.[exportName] as RegisteredFunction | undefined;
    if (typeof fn !== "function") return null;
    return fn.isQuery === true ? "query" : fn.isMutation === true ? "mutation" : fn.isAction === true ? "action" : null;
  }

  /** What component `path` exports at `udfPath`, or null (the app is path ""). */
  private async functionKindIn(path: string, udfPath: string): Promise<"query" | "mutation" | "action" | null> {
    const [modulePath, exportName = "default"] = udfPath.split(":");
    try {
      const fn = (await this.g.components[path]!.modules(modulePath ?? ""))[exportName] as RegisteredFunction | undefined;
      if (typeof fn !== "function") return null;
      return fn.isQuery === true ? "query" : fn.isMutation === true ? "mutation" : fn.isAction === true ? "action" : null;
    } catch {
      return null;
    }
  }

  /** Whether the app has `convex/http.ts`. */
  async hasHttpRouter(): Promise<boolean> {
    try {
      const module = await this.g.components[""]!.modules("http");
      return module["default"] !== undefined;
    } catch {
      return false;
    }
  }

  isEmpty(): boolean {
    return Object.keys(this.g.components[""]!.db._documents).length === 0;
  }

  // --- persistence -------------------------------------------------------

  /**
   * The committed state of every component in the JSON snapshot format the
   * engine wrote before its SQLite store (tests make an old data folder
   * with it), read synchronously (commits are synchronous, so this is a
   * consistent cut between transactions). Blobs are
   * immutable once stored, so encoding them afterwards is still consistent.
   */
  async snapshot(): Promise<SnapshotFile> {
    const pendingBlobs: Array<{ target: Record<string, { type: string; base64: string }>; id: string; blob: Blob }> = [];
    const components: SnapshotFile["components"] = {};
    for (const [path, { db }] of Object.entries(this.g.components)) {
      const storage: Record<string, { type: string; base64: string }> = {};
      for (const [id, blob] of Object.entries(db._storage)) pendingBlobs.push({ target: storage, id, blob });
      components[path] = {
        nextDocId: db._nextDocId,
        lastCreationTime: db._lastCreationTime,
        documents: Object.values(db._documents).map((doc) => convexToJson(doc)),
        storage,
      };
    }
    const lastCommitTs = this.lastCommitTs().toString();
    for (const { target, id, blob } of pendingBlobs) {
      let base64 = this.blobBase64.get(blob);
      if (base64 === undefined) {
        base64 = Buffer.from(await blob.arrayBuffer()).toString("base64");
        this.blobBase64.set(blob, base64);
      }
      target[id] = { type: blob.type, base64 };
    }
    return { format: "local-engine/convex-test-0.0.60", version: 1, savedAt: new Date().toISOString(), lastCommitTs, components };
  }

  /** Load a snapshot into a fresh instance (before anything has run). Returns the component paths it skipped. */
  restore(snapshot: SnapshotFile): { skipped: string[]; documents: number } {
    if (snapshot.format !== "local-engine/convex-test-0.0.60" || snapshot.version !== 1) {
      throw new Error(`Unknown snapshot format ${String(snapshot.format)}/${String(snapshot.version)}`);
    }
    const components = new Map(
      Object.entries(snapshot.components).map(([path, saved]) => [
        path,
        {
          nextDocId: saved.nextDocId,
          lastCreationTime: saved.lastCreationTime,
          documents: saved.documents,
          blobs: Object.entries(saved.storage).map(([id, { type, base64 }]) => ({ id, type, bytes: Buffer.from(base64, "base64") })),
        },
      ]),
    );
    return this.restoreComponents(components, BigInt(snapshot.lastCommitTs));
  }

  /** Load what the SQLite store holds into a fresh instance (before anything has run). */
  restoreStored(stored: StoredDatabase): { skipped: string[]; documents: number } {
    const components = new Map(
      [...stored.components].map(([path, saved]) => [path, { ...saved, documents: saved.documents.map((text) => JSON.parse(text) as JSONValue) }]),
    );
    return this.restoreComponents(components, stored.lastCommitTs);
  }

  /** Every committed document, file and id counter, as one record (to import a snapshot into the SQLite store). */
  async everything(): Promise<{ record: CommitRecord; blobs: Array<{ component: string; id: string; type: string; bytes: Buffer }> }> {
    const record: CommitRecord = { ts: this.lastCommitTs(), components: [] };
    const blobs: Array<{ component: string; id: string; type: string; bytes: Buffer }> = [];
    for (const [path, { db }] of Object.entries(this.g.components)) {
      record.components.push({
        path,
        counters: { nextDocId: db._nextDocId, lastCreationTime: db._lastCreationTime },
        documents: Object.values(db._documents).map((doc) => ({ id: doc._id, json: JSON.stringify(convexToJson(doc)) })),
      });
      for (const [id, blob] of Object.entries(db._storage)) {
        blobs.push({ component: path, id, type: blob.type, bytes: Buffer.from(await blob.arrayBuffer()) });
      }
    }
    return { record, blobs };
  }

  private restoreComponents(
    saved: Map<string, { nextDocId: number; lastCreationTime: number; documents: JSONValue[]; blobs: Array<{ id: string; type: string; bytes: Buffer }> }>,
    lastCommitTs: bigint,
  ): { skipped: string[]; documents: number } {
    const skipped: string[] = [];
    let documents = 0;
    for (const [path, stored] of saved) {
      const component = this.g.components[path];
      if (component === undefined) {
        skipped.push(path);
        continue;
      }
      const db = component.db;
      db._documents = {};
      let maxCounter = 0;
      for (const json of stored.documents) {
        const doc = jsonToConvex(json) as Doc;
        db._documents[doc._id] = doc;
        maxCounter = Math.max(maxCounter, Number.parseInt(doc._id, 10) || 0);
        documents++;
      }
      db._storage = {};
      for (const { id, type, bytes } of stored.blobs) db._storage[id] = new Blob([new Uint8Array(bytes)], { type });
      this.tableIds.get(db)?.rebuild();
      db._nextDocId = Math.max(db._nextDocId, stored.nextDocId, maxCounter + 1);
      db._lastCreationTime = Math.max(db._lastCreationTime, stored.lastCreationTime);
    }
    if (lastCommitTs > this.g.transactionManager._lastCommitTs) this.g.transactionManager._lastCommitTs = lastCommitTs;
    return { skipped, documents };
  }

  /**
   * After {@link restore}: scheduled functions have no timers any more.
   * Pending ones are re-armed and run the way convex-test runs them
   * (pending -> inProgress -> success | failed, same job id, so components
   * that watch their job ids, like workpool, keep working). Of the ones
   * running when the engine stopped, mutations run again and actions are
   * marked failed (workpool / workflow retry those by their own rules).
   * These marks are committed transactions, so the store sees them.
   */
  async rearmScheduledFunctions(onError: (message: string, error: unknown) => void): Promise<{ rearmed: number; failed: number }> {
    let rearmed = 0;
    let failed = 0;
    for (const [path, { db }] of Object.entries(this.g.components)) {
      for (const [id, doc] of Object.entries(db._documents)) {
        if (tableOf(id) !== "_scheduled_functions") continue;
        const state = doc["state"] as { kind?: string } | undefined;
        if (state?.kind === "inProgress") {
          // A mutation cut off by the crash never committed: it runs now (Convex runs a scheduled mutation
          // exactly once). convex-test marks "success" in a transaction of its own right after the mutation's,
          // so a crash in that instant runs it twice. An interrupted action has failed, as in Convex.
          const name = String(doc["name"]);
          const rerun = (await this.functionKindIn(path, name)) === "mutation";
          await this.accessor.runInComponent(path, async () => {
            db.patch("_scheduled_functions", id, rerun ? { state: { kind: "pending" } } : { state: { kind: "failed" }, completedTime: Date.now() });
            return null;
          });
          if (rerun) {
            const args = (doc["args"] as Value[] | undefined)?.[0] ?? {};
            this.setLongTimeout(() => void this.runJob(path, id, name, args, onError), 0);
            rearmed++;
          } else failed++;
        } else if (state?.kind === "pending") {
          const name = String(doc["name"]);
          const args = (doc["args"] as Value[] | undefined)?.[0] ?? {};
          this.setLongTimeout(() => void this.runJob(path, id, name, args, onError), Number(doc["scheduledTime"]) - Date.now());
          rearmed++;
        }
      }
    }
    return { rearmed, failed };
  }

  /** Stop re-armed timers (engine shutdown). */
  dispose(): void {
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
  }

  // --- hooks -------------------------------------------------------------

  /**
   * Each component's module loader, memoised and run outside any
   * convex-test context: a module is loaded (evaluated) once, and never with
   * a transaction's forbidden globals in force, so the loader's own timers
   * (Vite's) work. After {@link preloadModules} nothing is loaded lazily.
   */
  private hookModules() {
    for (const component of Object.values(this.g.components)) {
      const load = component.modules;
      const cache = new Map<string, Promise<Record<string, unknown>>>();
      component.modules = (modulePath: string) => {
        let module = cache.get(modulePath);
        if (module === undefined) {
          const loading = this.outside(() => load(modulePath)).then((loaded) => {
            memoiseValidatorExports(loaded);
            return loaded;
          });
          // Only what loaded stays cached (clients can name any path; a retry runs outside any context too).
          loading.catch(() => cache.delete(modulePath));
          cache.set(modulePath, loading);
          module = loading;
        }
        return module;
      };
    }
  }

  private hookCommits() {
    const tm = this.g.transactionManager;
    const commit = tm.commit.bind(tm);
    tm.commit = (isNested: boolean) => {
      let writes: WriteSet | null = null;
      const written: Array<{ path: string; db: DatabaseFake; ids: string[] }> = [];
      if (!isNested) {
        writes = new Set();
        for (const [path, { db }] of Object.entries(this.g.components)) {
          const layer = db._writes[db._writes.length - 1];
          if (layer === undefined) continue;
          const ids = Object.keys(layer);
          if (ids.length > 0) written.push({ path, db, ids });
          for (const id of ids) {
            writes.add(docKey(path, id));
            writes.add(tableKey(path, tableOf(id)));
          }
        }
      }
      const ts = commit(isNested);
      if (ts !== null && writes !== null && writes.size > 0) {
        // The documents as committed (commit-timestamp placeholders resolved).
        const changes: CommittedChanges = written.map(({ path, db, ids }) => ({
          path,
          nextDocId: db._nextDocId,
          lastCreationTime: db._lastCreationTime,
          documents: ids.map((id) => ({ id, document: db._documents[id] ?? null })),
        }));
        // Listeners run outside the committing function's context: a commit
        // made inside a component (a workflow step) must not leak its
        // component path or its transaction's globals into what they start.
        const committed = writes;
        this.outside(() => {
          for (const listener of this.commitListeners) {
            try {
              listener(committed, ts, changes);
            } catch (error) {
              console.error("[local-engine] commit listener failed", error);
            }
          }
        });
      }
      return ts;
    };
  }

  private hookFiles() {
    for (const [path, { db }] of Object.entries(this.g.components)) {
      const storeFile = db.storeFile.bind(db);
      db.storeFile = (storageId, blob) => {
        storeFile(storageId, blob);
        for (const listener of this.fileListeners) listener(path, storageId, blob);
      };
    }
  }

  /** Keep each component's table → ids map in step with its top-level commits. */
  private hookTableIds() {
    for (const { db } of Object.values(this.g.components)) {
      const tableIds = new TableIds(db);
      this.tableIds.set(db, tableIds);
      const commit = db.commit.bind(db);
      db.commit = (commitTs) => {
        const layer = db._writes[db._writes.length - 1];
        const topLevel = db._writes.length === 1;
        commit(commitTs);
        if (topLevel && layer !== undefined) tableIds.committed(layer);
      };
      // An index range with an equality: its table's documents are offered by that value (tableIds.ts).
      const resolve = db._resolveQuerySource.bind(db);
      db._resolveQuerySource = (query) => {
        const source = query.source;
        const equality = source?.type === "IndexRange" ? source.range?.find((filter) => filter.type === "Eq") : undefined;
        const tableName = source?.indexName?.split(".")[0];
        if (equality === undefined || tableName === undefined) return resolve(query);
        return tableIds.withEquality({ tableName, fieldPath: equality.fieldPath, value: equality.value }, () => resolve(query));
      };
    }
  }

  private hookReads() {
    const tracker = this.readTracker;
    for (const [path, { db }] of Object.entries(this.g.components)) {
      const get = db.get.bind(db);
      const tableIds = this.tableIds.get(db)!;
      const iterate = (tableName: string, callback: (doc: Doc) => void) => tableIds.iterate(tableName, callback as (doc: { _id: string }) => void);
      db.get = (tableName, id) => {
        const reads = tracker.getStore();
        if (reads !== undefined && reads.scanDepth === 0 && typeof id === "string") reads.keys.add(docKey(path, id));
        return get(tableName, id);
      };
      db._iterateDocs = (tableName, callback) => {
        const reads = tracker.getStore();
        if (reads === undefined) return iterate(tableName, callback);
        reads.keys.add(tableKey(path, tableName));
        reads.scanDepth++;
        try {
          return iterate(tableName, callback);
        } finally {
          reads.scanDepth--;
        }
      };
    }
  }

  /**
   * Query journals, as the real backend keeps them: the first run of a
   * paginated read without an explicit `endCursor` records where the page
   * ended; re-runs (reactive updates, reconnects) end at the same cursor, so
   * a page grows or shrinks instead of shifting items into a gap between pages.
   */
  private hookPagination() {
    const asyncSyscall = this.g.asyncSyscall;
    const journals = this.journalTracker;
    this.g.asyncSyscall = async (op, jsonArgs) => {
      const context = journals.getStore();
      if (op !== "1.0/queryPage" || context === undefined) return await asyncSyscall(op, jsonArgs);
      const args = JSON.parse(jsonArgs) as { query: unknown; cursor: string | null; endCursor?: string | null };
      if (args.endCursor !== undefined && args.endCursor !== null) return await asyncSyscall(op, jsonArgs);
      const key = createHash("sha256").update(JSON.stringify([args.query, args.cursor])).digest("base64url").slice(0, 22);
      const previous = context.previous[key];
      const raw = await asyncSyscall(op, previous === undefined ? jsonArgs : JSON.stringify({ ...args, endCursor: previous }));
      const result = JSON.parse(raw) as { continueCursor?: unknown };
      context.recorded[key] = previous ?? (typeof result.continueCursor === "string" ? result.continueCursor : "_end_cursor");
      return raw;
    };
  }

  private setLongTimeout(fn: () => void, delayMs: number) {
    const MAX = 2 ** 31 - 1;
    const timer = setTimeout(
      () => {
        this.timers.delete(timer);
        if (delayMs > MAX) this.setLongTimeout(fn, delayMs - MAX);
        else fn();
      },
      Math.max(0, Math.min(delayMs, MAX)),
    );
    this.timers.add(timer);
  }

  /** convex-test's `runScheduledFunction`, for a job restored from a snapshot. */
  private async runJob(path: string, jobId: string, udfPath: string, args: Value, onError: (message: string, error: unknown) => void) {
    const db = this.g.components[path]?.db;
    if (db === undefined) return;
    const setState = (state: Record<string, Value>, extra: Record<string, Value> = {}) =>
      this.accessor.runInComponent(path, async () => {
        db.patch("_scheduled_functions", jobId, { state, ...extra });
        return null;
      });
    try {
      const start = await this.accessor.runInComponent(path, async () => {
        const job = db.get("_scheduled_functions", jobId);
        if (job === null || (job["state"] as { kind?: string }).kind !== "pending") return false;
        db.patch("_scheduled_functions", jobId, { state: { kind: "inProgress" } });
        return true;
      });
      if (start !== true) return;
      try {
        await this.accessor.fun({ componentPath: path, udfPath }, args);
      } catch (error) {
        onError(`restored scheduled function ${path === "" ? "" : `${path}:`}${udfPath} failed`, error);
        await setState({ kind: "failed" }, { completedTime: Date.now() });
        return;
      }
      await setState({ kind: "success" });
    } catch (error) {
      onError(`could not run restored scheduled function ${udfPath}`, error);
    }
  }
}

/** Find the state object of the convex-test instance `t` and hook into it. */
export async function attachInternals(t: RawAccessor, Storage: StorageClass = AsyncLocalStorage): Promise<EngineInternals> {
  const original = Storage.prototype.run;
  let found: ConvexGlobal | undefined;
  Storage.prototype.run = function (this: AsyncLocalStorage<unknown>, store: unknown, ...rest: unknown[]) {
    if (found === undefined && isConvexGlobal(store)) found = store;
    return (original as (...args: unknown[]) => unknown).call(this, store, ...rest);
  } as typeof original;
  try {
    await t.finishInProgressScheduledFunctions();
  } finally {
    Storage.prototype.run = original;
  }
  if (found === undefined) {
    throw new Error("Could not find convex-test's instance state; see scripts/local-engine/convexTestInternals.ts.");
  }
  return new EngineInternals(found, t, Storage);
}

type ExecutionContext = { componentPath: string; udfPath: string; udfType: string; depth: number };

function isExecutionContext(store: unknown): store is ExecutionContext {
  if (typeof store !== "object" || store === null) return false;
  const s = store as Record<string, unknown>;
  return typeof s["componentPath"] === "string" && typeof s["udfPath"] === "string" && typeof s["udfType"] === "string" && typeof s["depth"] === "number";
}

/**
 * The function convex-test is running in the current async context, as
 * `module:function` (a component's prefixed with its path and `:`), or null
 * outside any. convex-test's context storage is found the first time a
 * function runs: until then `prototype.run` is wrapped (a type check per call).
 */
export function watchRunningFunction(Storage: StorageClass = AsyncLocalStorage): { current(): string | null; stop(): void } {
  const original = Storage.prototype.run;
  let storage: AsyncLocalStorage<unknown> | null = null;
  const wrapper = function (this: AsyncLocalStorage<unknown>, store: unknown, ...rest: unknown[]) {
    if (storage === null && isExecutionContext(store)) {
      storage = this;
      unwrap();
    }
    return (original as (...args: unknown[]) => unknown).call(this, store, ...rest);
  } as typeof original;
  // Someone who wrapped it after us (attachInternals, briefly) restores ours; ours is then removed when found.
  const unwrap = () => {
    if (Storage.prototype.run === wrapper) Storage.prototype.run = original;
  };
  Storage.prototype.run = wrapper;
  return {
    current: () => {
      const store = (storage as AsyncLocalStorage<unknown> | null)?.getStore();
      if (!isExecutionContext(store)) return null;
      const name = store.udfPath.replace(/\.js(?=:|$)/, "");
      return store.componentPath === "" ? name : `${store.componentPath}:${name}`;
    },
    stop: unwrap,
  };
}
