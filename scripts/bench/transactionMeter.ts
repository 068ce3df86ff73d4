/**
 * Counts what every top-level transaction reads and writes, components
 * included, by listening to convex-test's own transaction metrics (the same
 * numbers `ctx.meta.getTransactionMetrics()` reports). Machine noise free.
 */
import { TransactionMetricsTracker } from "convex-test/dist/transactionMetrics.js";

export type Metrics = {
  documentsRead: number;
  documentsWritten: number;
  databaseQueries: number;
  functionsScheduled: number;
  bytesRead: number;
  bytesWritten: number;
};

type TrackerInternals = { _layers: { metrics: Metrics }[]; commit(): void; committing?: Promise<string> };
type TrackedOp = "trackRead" | "trackWrite" | "trackIndexRange" | "trackScheduledFunction";
type AsyncSyscall = (op: string, jsonArgs: string) => Promise<string>;

/** One committed top-level transaction: its metrics and the function that ran it (`component:module:export`, "?" when not known). */
export type Transaction = Metrics & { fn: string };

const recorded: Transaction[] = [];

/**
 * The function running now, from convex-test's `getFunctionMetadata`
 * syscall (its body reads the execution context before its first await).
 * Asked at the top-level function's first read, write, index range or
 * scheduled call: `commit` itself runs outside the function's context.
 */
function runningFunction(): Promise<string> | undefined {
  const syscall = (globalThis as { Convex?: { asyncSyscall?: AsyncSyscall } }).Convex?.asyncSyscall;
  try {
    return syscall?.("1.0/getFunctionMetadata", "{}").then(
      (json) => {
        const meta = JSON.parse(json) as { name?: string; componentPath?: string };
        return `${meta.componentPath ? `${meta.componentPath}:` : ""}${(meta.name ?? "?").replace(/\.js(?=:|$)/, "")}`;
      },
      () => "?",
    );
  } catch {
    return undefined;
  }
}
let installed = false;

export function installMeter(): void {
  if (installed) return;
  installed = true;
  const proto = TransactionMetricsTracker.prototype as unknown as TrackerInternals;
  const commit = proto.commit;
  proto.commit = function (this: TrackerInternals) {
    const isTopLevel = this._layers.length === 1;
    const metrics = this._layers[this._layers.length - 1]?.metrics;
    commit.call(this);
    if (isTopLevel && metrics) {
      const record = { ...metrics, fn: "?" };
      recorded.push(record);
      void this.committing?.then((fn) => (record.fn = fn));
    }
  };
  const tracked = proto as unknown as Record<TrackedOp, (this: TrackerInternals, ...args: unknown[]) => unknown>;
  for (const op of ["trackRead", "trackWrite", "trackIndexRange", "trackScheduledFunction"] as const) {
    const track = tracked[op];
    tracked[op] = function (this: TrackerInternals, ...args: unknown[]) {
      if (this._layers.length === 1) this.committing ??= runningFunction();
      return track.apply(this, args);
    };
  }
}

/** Run `fn` and return how many transactions it committed, their sums and each (`list`, with its function). */
/**
 * Where two runs of the same work differ: per function, the sums of `value`
 * (a metric, or 1 to count transactions) that are not equal
 * ("workflow:journal:load 12 → 6"), largest difference first.
 */
export function differencesByFunction(a: Transaction[], b: Transaction[], value: (t: Transaction) => number): string {
  const sums = (list: Transaction[]) => {
    const byFn = new Map<string, number>();
    for (const t of list) byFn.set(t.fn, (byFn.get(t.fn) ?? 0) + value(t));
    return byFn;
  };
  const [x, y] = [sums(a), sums(b)];
  const differing = [...new Set([...x.keys(), ...y.keys()])]
    .map((fn) => ({ fn, from: x.get(fn) ?? 0, to: y.get(fn) ?? 0 }))
    .filter((d) => d.from !== d.to)
    .sort((d, e) => Math.abs(e.to - e.from) - Math.abs(d.to - d.from));
  return differing.length === 0 ? "no function differs" : differing.map((d) => `${d.fn} ${d.from} → ${d.to}`).join(", ");
}

export async function measure(fn: () => Promise<unknown>): Promise<{ transactions: number; total: Metrics; list: Transaction[] }> {
  const start = recorded.length;
  await fn();
  const slice = recorded.slice(start);
  const total: Metrics = { documentsRead: 0, documentsWritten: 0, databaseQueries: 0, functionsScheduled: 0, bytesRead: 0, bytesWritten: 0 };
  for (const m of slice) for (const key of Object.keys(total) as (keyof Metrics)[]) total[key] += m[key];
  return { transactions: slice.length, total, list: slice };
}
