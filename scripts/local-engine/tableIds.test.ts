// @vitest-environment node
import { expect, test } from "vitest";
import { TableIds, tableOfId, type TableSource } from "./tableIds";

type Doc = { _id: string; n?: number } & Record<string, unknown>;

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

const withEquality = (tableIds: TableIds, table: string, fieldPath: string, value: unknown) =>
  tableIds.withEquality({ tableName: table, fieldPath, value: value as never }, () => idsOf(tableIds, table));

test("an index range's equality offers that value's documents, kept in step with commits, plus the transaction's own", () => {
  const docs = [
    { _id: "1a", thread: "t1" },
    { _id: "2a", thread: "t2" },
    { _id: "3a", thread: "t1", nested: { owner: "u1" } },
    { _id: "4a" },
    { _id: "5b", thread: "t1" },
  ];
  const db = fakeDb(docs as Doc[]);
  const tableIds = new TableIds(db);
  expect(withEquality(tableIds, "a", "thread", "t1")).toEqual(["1a", "3a"]);
  expect(withEquality(tableIds, "a", "nested.owner", "u1")).toEqual(["3a"]);
  // A missing field is `{ $undefined: null }` in a query's JSON.
  expect(withEquality(tableIds, "a", "thread", { $undefined: null })).toEqual(["4a"]);
  expect(withEquality(tableIds, "a", "thread", "t9")).toEqual([]);
  // The hint is for one resolution only: the next scan offers the whole table.
  expect(idsOf(tableIds, "a")).toEqual(["1a", "2a", "3a", "4a"]);

  // Uncommitted writes of the transaction are always offered (the caller filters them).
  db._writes.push({ "2a": { _id: "2a", thread: "t1" } as Doc, "6a": { _id: "6a", thread: "t3" } as Doc });
  expect(withEquality(tableIds, "a", "thread", "t1")).toEqual(["1a", "3a", "2a", "6a"]);
  db._writes = [];

  // A commit moves 2a to t1, deletes 1a, adds 7a.
  const layer = { "1a": null, "2a": { _id: "2a", thread: "t1" }, "7a": { _id: "7a", thread: "t1" } };
  delete db._documents["1a"];
  Object.assign(db._documents, { "2a": layer["2a"], "7a": layer["7a"] });
  tableIds.committed(layer);
  expect(withEquality(tableIds, "a", "thread", "t1").sort()).toEqual(["2a", "3a", "7a"]);
  expect(withEquality(tableIds, "a", "thread", "t2")).toEqual([]);
  expect(withEquality(tableIds, "a", "nested.owner", "u1")).toEqual(["3a"]);
  tableIds.rebuild();
  expect(withEquality(tableIds, "a", "thread", "t1").sort()).toEqual(["2a", "3a", "7a"]);
});

test("values compare as convex-test compares them; others offer the whole table", () => {
  const docs = [
    { _id: "1a", v: 0 },
    { _id: "2a", v: -0 },
    { _id: "3a", v: "0" },
    { _id: "4a", v: null },
    { _id: "5a", v: 1n },
    { _id: "6a", v: true },
    { _id: "7a", v: [1] },
    { _id: "8a", v: Number.NaN },
  ];
  const tableIds = new TableIds(fakeDb(docs as unknown as Doc[]));
  expect(withEquality(tableIds, "a", "v", 0)).toEqual(["1a"]);
  expect(withEquality(tableIds, "a", "v", { $float: Buffer.from(new Float64Array([-0]).buffer).toString("base64") })).toEqual(["2a"]);
  expect(withEquality(tableIds, "a", "v", "0")).toEqual(["3a"]);
  expect(withEquality(tableIds, "a", "v", null)).toEqual(["4a"]);
  // Int64 in JSON: { $integer: base64 of the little-endian 8 bytes }.
  expect(withEquality(tableIds, "a", "v", { $integer: Buffer.from([1, 0, 0, 0, 0, 0, 0, 0]).toString("base64") })).toEqual(["5a"]);
  expect(withEquality(tableIds, "a", "v", true)).toEqual(["6a"]);
  // Arrays, objects and NaN are not keyed: every document is offered.
  expect(withEquality(tableIds, "a", "v", [1])).toHaveLength(8);
  expect(withEquality(tableIds, "a", "v", { $float: Buffer.from(new Float64Array([Number.NaN]).buffer).toString("base64") })).toHaveLength(8);
});
