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

type TrackerInternals = { _layers: { metrics: Metrics }[]; commit(): void };

const recorded: Metrics[] = [];
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
    if (isTopLevel && metrics) recorded.push({ ...metrics });
  };
}

/** Run `fn` and return the transactions it committed. */
export async function measure(fn: () => Promise<unknown>): Promise<{ transactions: number; total: Metrics }> {
  const start = recorded.length;
  await fn();
  const slice = recorded.slice(start);
  const total: Metrics = { documentsRead: 0, documentsWritten: 0, databaseQueries: 0, functionsScheduled: 0, bytesRead: 0, bytesWritten: 0 };
  for (const m of slice) for (const key of Object.keys(total) as (keyof Metrics)[]) total[key] += m[key];
  return { transactions: slice.length, total };
}
