/**
 * Where the writes go: attributes every document write (insert, patch,
 * replace, delete) to its component, table and the function that made it, by
 * wrapping convex-test's syscall entry point. Used by the benchmarks to print
 * a per-table breakdown beside the totals of `transactionMeter.ts`.
 *
 * Writes of transactions that were rolled back are counted here (the meter
 * does not count them); a clean turn has none, and the bench prints both sums.
 */
type ConvexGlobal = {
  syscall: unknown;
  asyncSyscall: (op: string, jsonArgs: string) => Promise<string>;
  jsSyscall: unknown;
};

const WRITE_OPS: Record<string, string> = {
  "1.0/insert": "insert",
  "1.0/shallowMerge": "patch",
  "1.0/replace": "replace",
  "1.0/remove": "delete",
};

export type WriteRecord = { component: string; table: string; fn: string; op: string };

const writes: WriteRecord[] = [];
let installed = false;

function tableOf(args: { table?: string; id?: string }): string {
  if (args.table) return args.table;
  // Ids of convex-test end in their table name ("…0012steps").
  return args.id?.replace(/^[0-9]+/, "") ?? "?";
}

function wrap(inner: ConvexGlobal): ConvexGlobal {
  return {
    get syscall() {
      return inner.syscall;
    },
    get jsSyscall() {
      return inner.jsSyscall;
    },
    get asyncSyscall() {
      const call = inner.asyncSyscall;
      return async (op: string, jsonArgs: string) => {
        const kind = WRITE_OPS[op];
        if (kind !== undefined) {
          const meta = JSON.parse(await call("1.0/getFunctionMetadata", "{}")) as { name?: string; componentPath?: string };
          const args = JSON.parse(jsonArgs) as { table?: string; id?: string };
          writes.push({ component: meta.componentPath || "app", table: tableOf(args), fn: meta.name ?? "?", op: kind });
        }
        return call(op, jsonArgs);
      };
    },
  };
}

/** Start recording. convex-test installs `globalThis.Convex` once, on the first `convexTest()`. */
export function installWriteLedger(): void {
  if (installed) return;
  installed = true;
  const holder = globalThis as unknown as { Convex?: ConvexGlobal };
  let current = holder.Convex ? wrap(holder.Convex) : undefined;
  Object.defineProperty(globalThis, "Convex", {
    configurable: true,
    get: () => current,
    set: (value: ConvexGlobal) => {
      current = wrap(value);
    },
  });
}

/** Run `fn` and return the writes made meanwhile. */
export async function recordWrites(fn: () => Promise<unknown>): Promise<WriteRecord[]> {
  const start = writes.length;
  await fn();
  return writes.slice(start);
}

/** Counts grouped by `key`, largest first. */
export function tally(records: WriteRecord[], key: (r: WriteRecord) => string): [string, number][] {
  const counts = new Map<string, number>();
  for (const r of records) counts.set(key(r), (counts.get(key(r)) ?? 0) + 1);
  return [...counts.entries()].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
}
