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
 */
type Doc = { _id: string };

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

  constructor(private readonly db: TableSource) {
    this.rebuild();
  }

  /** After `_documents` was replaced wholesale (loading stored data). */
  rebuild(): void {
    this.byTable.clear();
    for (const id of Object.keys(this.db._documents)) this.add(id);
  }

  /** After a top-level commit applied `layer` to `_documents`. */
  committed(layer: Record<string, unknown>): void {
    for (const id of Object.keys(layer)) {
      if (id in this.db._documents) this.add(id);
      else this.byTable.get(tableOfId(id) ?? "")?.delete(id);
    }
  }

  /** Every document of `tableName` as the current transaction sees it (convex-test's `_iterateDocs`). */
  iterate(tableName: string, callback: (doc: Doc) => void): void {
    const committed = this.byTable.get(tableName);
    const pending = new Set<string>();
    for (const layer of this.db._writes) {
      for (const id of Object.keys(layer)) if (committed?.has(id) !== true && tableOfId(id) === tableName) pending.add(id);
    }
    for (const ids of [committed ?? [], pending]) {
      for (const id of ids) {
        const document = this.db.get(tableName, id);
        if (document !== null) callback(document);
      }
    }
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
