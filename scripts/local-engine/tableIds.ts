/**
 * Which committed documents belong to which table, for one component.
 *
 * Why: convex-test's `DatabaseFake._iterateDocs(table)` — behind every table
 * scan, index range and search — filters EVERY document of the component
 * by its id's table name, so each query costs the size of the whole
 * component (100k stored documents: 100k ids tested per query, whatever the
 * table). The engine keeps this map of table → ids in step with each commit
 * (convexTestInternals.ts) and iterates the one table instead; reading order
 * is the same (committed ids in insertion order, then the transaction's
 * uncommitted ones), and convex-test sorts the results afterwards anyway.
 *
 * Index ranges too: convex-test answers `withIndex(..., q => q.eq(f, v))` by
 * testing every document of the table, so a query of one thread's messages
 * cost the number of messages of every thread (8 delegations on an engine
 * holding a few thousand documents: ~46k documents tested, ~7% of its CPU).
 * For the first `eq` of an index range the engine keeps, per table and
 * field, the ids by value (built on the first such query, kept in step with
 * commits) and offers only that value's documents plus the transaction's
 * uncommitted ones. convex-test still applies the whole range to each and
 * sorts, so the answer is the same; only documents that cannot match are
 * skipped.
 */
import { jsonToConvex, type JSONValue } from "convex/values";

type Doc = { _id: string } & Record<string, unknown>;

/** The first equality of an index range, as convex-test's query source gives it (`{ type: "Eq", fieldPath, value }`, value as JSON). */
export type EqualityHint = { tableName: string; fieldPath: string; value: JSONValue };

/**
 * A key equal for two values exactly when convex-test's `compareValues` says
 * they are equal, for the types an index lookup by value uses (ids, strings,
 * numbers, booleans, bigints, null, missing); null for anything else (then
 * the whole table is offered, as before).
 */
function keyOf(value: unknown): string | null {
  switch (typeof value) {
    case "undefined":
      return "u";
    case "string":
      return `s${value}`;
    case "boolean":
      return value ? "t" : "f";
    case "bigint":
      return `i${value}`;
    case "number":
      // NaNs compare by their bits (not keyed); -0 sorts before 0.
      return Number.isNaN(value) ? null : Object.is(value, -0) ? "n-0" : `n${value}`;
    case "object":
      return value === null ? "0" : null;
    default:
      return null;
  }
}

/** convex-test's `isSimpleObject`. */
function isSimpleObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== "object" || value === null) return false;
  const prototype = Object.getPrototypeOf(value) as { constructor?: { name?: string } } | null;
  return prototype === null || prototype === Object.prototype || prototype.constructor?.name === "Object";
}

/** convex-test's `evaluateFieldPath` on a committed document (no pending values there). */
function fieldOf(document: Doc, fieldPath: string): unknown {
  let result: unknown = document;
  for (const part of fieldPath.split(".")) {
    result = isSimpleObject(result) ? result[part] : undefined;
  }
  return result;
}

/** A query value as convex-test evaluates it (`{ $undefined: null }` is a missing field). */
function queryKeyOf(value: JSONValue): string | null {
  if (typeof value === "object" && value !== null && !Array.isArray(value) && "$undefined" in value) return "u";
  try {
    return keyOf(jsonToConvex(value));
  } catch {
    return null;
  }
}

const NONE: ReadonlySet<string> = new Set();

/** One table's committed ids by the value of one field. */
class ValueIndex {
  private readonly ids = new Map<string, Set<string>>();
  private readonly keyOfId = new Map<string, string>();

  constructor(
    readonly fieldPath: string,
    documents: Iterable<Doc>,
  ) {
    for (const document of documents) this.put(document);
  }

  lookup(key: string): ReadonlySet<string> {
    return this.ids.get(key) ?? NONE;
  }

  put(document: Doc): void {
    const key = keyOf(fieldOf(document, this.fieldPath)) ?? "x";
    const previous = this.keyOfId.get(document._id);
    if (previous === key) return;
    if (previous !== undefined) this.drop(document._id);
    this.keyOfId.set(document._id, key);
    let ids = this.ids.get(key);
    if (ids === undefined) {
      ids = new Set();
      this.ids.set(key, ids);
    }
    ids.add(document._id);
  }

  drop(id: string): void {
    const key = this.keyOfId.get(id);
    if (key === undefined) return;
    this.keyOfId.delete(id);
    const ids = this.ids.get(key);
    ids?.delete(id);
    if (ids?.size === 0) this.ids.delete(key);
  }
}

/** A component's database as far as this needs it (convex-test's `DatabaseFake`). */
export interface TableSource {
  _documents: Record<string, Doc>;
  _writes: Array<Record<string, Doc | null>>;
  get(tableName: string, id: string): Doc | null;
}

/** convex-test's `tableNameFromId`: ids are `<digits><table>`. */
export function tableOfId(id: string): string | null {
  const digits = /^[0-9]+/.exec(id)?.[0];
  return digits === undefined || digits.length === id.length ? null : id.slice(digits.length);
}

export class TableIds {
  private readonly byTable = new Map<string, Set<string>>();
  /** Per table, its value indexes by field path (made on first use). */
  private readonly byValue = new Map<string, Map<string, ValueIndex>>();
  /** Set around convex-test's resolution of one index range: the next `iterate` of that table offers only matching values. */
  private hint: EqualityHint | null = null;

  constructor(private readonly db: TableSource) {
    this.rebuild();
  }

  /** After `_documents` was replaced wholesale (loading stored data). */
  rebuild(): void {
    this.byTable.clear();
    this.byValue.clear();
    for (const id of Object.keys(this.db._documents)) this.add(id);
  }

  /** After a top-level commit applied `layer` to `_documents`. */
  committed(layer: Record<string, unknown>): void {
    for (const id of Object.keys(layer)) {
      const document = this.db._documents[id];
      if (document !== undefined) this.add(id);
      else this.byTable.get(tableOfId(id) ?? "")?.delete(id);
      const indexes = this.byValue.get(tableOfId(id) ?? "");
      if (indexes === undefined) continue;
      for (const index of indexes.values()) {
        if (document !== undefined) index.put(document);
        else index.drop(id);
      }
    }
  }

  /** Run `resolve` (convex-test resolving one index range) offering only documents whose `hint.fieldPath` equals `hint.value`, plus uncommitted ones. */
  withEquality<T>(hint: EqualityHint, resolve: () => T): T {
    this.hint = hint;
    try {
      return resolve();
    } finally {
      this.hint = null;
    }
  }

  /** Every document of `tableName` as the current transaction sees it (convex-test's `_iterateDocs`). */
  iterate(tableName: string, callback: (doc: Doc) => void): void {
    const hint = this.hint?.tableName === tableName ? this.hint : null;
    this.hint = null;
    const key = hint === null ? null : queryKeyOf(hint.value);
    const offered = hint === null || key === null ? this.byTable.get(tableName) : this.valueIndex(tableName, hint.fieldPath).lookup(key);
    const pending = new Set<string>();
    for (const layer of this.db._writes) {
      for (const id of Object.keys(layer)) if (offered?.has(id) !== true && tableOfId(id) === tableName) pending.add(id);
    }
    for (const ids of [offered ?? [], pending]) {
      for (const id of ids) {
        const document = this.db.get(tableName, id);
        if (document !== null) callback(document);
      }
    }
  }

  private valueIndex(tableName: string, fieldPath: string): ValueIndex {
    let indexes = this.byValue.get(tableName);
    if (indexes === undefined) {
      indexes = new Map();
      this.byValue.set(tableName, indexes);
    }
    let index = indexes.get(fieldPath);
    if (index === undefined) {
      const documents = [...(this.byTable.get(tableName) ?? [])].map((id) => this.db._documents[id]).filter((document) => document !== undefined);
      index = new ValueIndex(fieldPath, documents);
      indexes.set(fieldPath, index);
    }
    return index;
  }

  private add(id: string): void {
    const table = tableOfId(id);
    if (table === null) return;
    let ids = this.byTable.get(table);
    if (ids === undefined) {
      ids = new Set();
      this.byTable.set(table, ids);
    }
    ids.add(id);
  }
}
