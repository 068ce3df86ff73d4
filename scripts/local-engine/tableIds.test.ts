// @vitest-environment node
import { expect, test } from "vitest";
import { TableIds, tableOfId, type TableSource } from "./tableIds";

type Doc = { _id: string; n?: number };

/** A database shaped like convex-test's: committed documents and a stack of uncommitted layers. */
function fakeDb(documents: Doc[]): TableSource & { _writes: Array<Record<string, Doc | null>> } {
  const db: TableSource & { _writes: Array<Record<string, Doc | null>> } = {
    _documents: Object.fromEntries(documents.map((doc) => [doc._id, doc])),
    _writes: [],
    get(_table, id) {
      for (let i = db._writes.length - 1; i >= 0; i--) {
        const write = db._writes[i]![id];
        if (write !== undefined) return write;
      }
      return db._documents[id] ?? null;
    },
  };
  return db;
}

const idsOf = (tableIds: TableIds, table: string) => {
  const ids: string[] = [];
  tableIds.iterate(table, (doc) => ids.push(doc._id));
  return ids;
};

test("table names come from ids as convex-test reads them", () => {
  expect(tableOfId("10001messages")).toBe("messages");
  expect(tableOfId("10002_scheduled_functions")).toBe("_scheduled_functions");
  expect(tableOfId("10003")).toBeNull();
  expect(tableOfId("messages")).toBeNull();
});

test("a table's documents as the transaction sees them: committed, minus its deletes, plus its inserts; other tables never", () => {
  const db = fakeDb([{ _id: "1a" }, { _id: "2b" }, { _id: "3a" }, { _id: "4a" }]);
  const tableIds = new TableIds(db);
  expect(idsOf(tableIds, "a")).toEqual(["1a", "3a", "4a"]);
  db._writes.push({ "3a": null, "5a": { _id: "5a" }, "6b": { _id: "6b" } });
  db._writes.push({ "7a": { _id: "7a" }, "1a": { _id: "1a", n: 2 } });
  const seen: Doc[] = [];
  tableIds.iterate("a", (doc) => seen.push(doc));
  expect(seen).toEqual([{ _id: "1a", n: 2 }, { _id: "4a" }, { _id: "5a" }, { _id: "7a" }]);
  expect(idsOf(tableIds, "b")).toEqual(["2b", "6b"]);
  expect(idsOf(tableIds, "missing")).toEqual([]);
});

test("kept in step with top-level commits and with a wholesale reload", () => {
  const db = fakeDb([{ _id: "1a" }, { _id: "2a" }]);
  const tableIds = new TableIds(db);
  const layer = { "1a": null, "3a": { _id: "3a" } };
  // What convex-test's commit does to `_documents`.
  delete db._documents["1a"];
  db._documents["3a"] = { _id: "3a" };
  tableIds.committed(layer);
  expect(idsOf(tableIds, "a")).toEqual(["2a", "3a"]);
  db._documents = { "9c": { _id: "9c" } };
  tableIds.rebuild();
  expect(idsOf(tableIds, "a")).toEqual([]);
  expect(idsOf(tableIds, "c")).toEqual(["9c"]);
});
