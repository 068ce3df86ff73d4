/**
 * The app's cron jobs (`convex/crons.ts`) on real timers, for the local
 * engine (convex-test never runs crons). The engine loads the module through
 * the same convex-test module loader as every other app module and hands its
 * default export (a `Crons` from `cronJobs()`) to {@link readCronJobs}; the
 * {@link CronScheduler} then runs each job as the function it names, with no
 * identity, as a deployment does.
 *
 * - Intervals run every N from start-up; calendar schedules at the next
 *   matching UTC minute (cronSchedule.ts). A run that was missed (the laptop
 *   slept) is not made up: the next one is computed from now.
 * - A job never overlaps itself: a tick that finds the previous run still
 *   going is skipped (logged at verbose).
 * - A run that throws is logged (one JSON line + the error) and the job runs
 *   again at its next time.
 * - The clock is injectable and {@link CronScheduler.runNow} runs a job on
 *   demand, so tests drive it without waiting.
 */
import { AsyncLocalStorage } from "node:async_hooks";
import { clearTimeout as nodeClearTimeout, setTimeout as nodeSetTimeout } from "node:timers";
import { jsonToConvex, type JSONValue, type Value } from "convex/values";
import { CronScheduleError, describeTiming, nextRunAfter, timingOf, type Timing } from "./cronSchedule";
import { newRequestId } from "./errors";
import type { Logger } from "./syncServer";

export type CronFunctionKind = "mutation" | "action";

export type CronJob = {
  /** The identifier given to `crons.interval(...)` & co. */
  name: string;
  /** The function it runs, e.g. `jobs/maintenance:settleStuckJobs`. */
  functionName: string;
  kind: CronFunctionKind;
  args: Record<string, Value>;
  timing: Timing;
};

/** What kind of function the app exports at a path (null: nothing registered there). */
export type FunctionKindLookup = (functionName: string) => Promise<"query" | "mutation" | "action" | null>;

/**
 * The jobs of a `crons.ts` module. Its default export is read by shape (the
 * app's copy of convex/server is not necessarily the engine's):
 * `{ isCrons: true, crons: { [name]: { name, args: [jsonArgs], schedule } } }`.
 * A job that cannot run (bad schedule, not a mutation or action) is left out
 * and described in `problems`; the others still run.
 */
export async function readCronJobs(module: Record<string, unknown>, kindOf: FunctionKindLookup): Promise<{ jobs: CronJob[]; problems: string[] }> {
  const crons = module["default"] as { isCrons?: unknown; crons?: unknown } | undefined;
  if (typeof crons !== "object" || crons === null || crons.isCrons !== true || typeof crons.crons !== "object" || crons.crons === null) {
    return { jobs: [], problems: ["convex/crons.ts does not export default a cronJobs() object; no crons run."] };
  }
  const jobs: CronJob[] = [];
  const problems: string[] = [];
  for (const [name, spec] of Object.entries(crons.crons as Record<string, { name?: unknown; args?: unknown; schedule?: unknown }>)) {
    const functionName = String(spec.name);
    try {
      const timing = timingOf(spec.schedule, name);
      const kind = await kindOf(functionName);
      if (kind !== "mutation" && kind !== "action") {
        throw new CronScheduleError(kind === null ? `no function ${functionName}` : `${functionName} is a ${kind}; crons run mutations and actions`);
      }
      const [jsonArgs = {}] = Array.isArray(spec.args) ? (spec.args as JSONValue[]) : [];
      jobs.push({ name, functionName, kind, args: jsonToConvex(jsonArgs) as Record<string, Value>, timing });
    } catch (error) {
      if (!(error instanceof CronScheduleError)) throw error;
      problems.push(`Cron "${name}" (${functionName}) will not run: ${error.message}`);
    }
  }
  return { jobs, problems };
}

/** Time and timers, injectable for tests. */
export interface CronClock {
  now(): number;
  setTimer(callback: () => void, delayMs: number): unknown;
  clearTimer(handle: unknown): void;
}

/**
 * Node's own timers (not the `globalThis.setTimeout` convex-test proxies per
 * transaction), unref'd: the engine's servers keep the process alive, not crons.
 */
export const systemClock: CronClock = {
  now: () => Date.now(),
  setTimer: (callback, delayMs) => nodeSetTimeout(callback, delayMs).unref(),
  clearTimer: (handle) => nodeClearTimeout(handle as ReturnType<typeof nodeSetTimeout>),
};

/** The longest delay one Node timer can hold (~24.8 days); longer waits re-arm. */
const MAX_TIMER_MS = 2 ** 31 - 1;

export type CronRun =
  | { outcome: "succeeded"; requestId: string; durationMs: number; result: unknown }
  | { outcome: "failed"; requestId: string; durationMs: number; error: unknown }
  | { outcome: "skipped"; reason: "still running" };

export type CronJobStatus = {
  name: string;
  functionName: string;
  schedule: string;
  /** Unix ms of the next scheduled run (null: never, or stopped). */
  nextRunAt: number | null;
  running: boolean;
  runs: number;
  failures: number;
  skipped: number;
};

type JobState = {
  job: CronJob;
  dueAt: number | null;
  timer: unknown;
  running: Promise<CronRun> | null;
  runs: number;
  failures: number;
  skipped: number;
};

export class CronScheduler {
  private readonly states: Map<string, JobState>;
  private readonly clock: CronClock;
  private stopped = false;
  private started = false;
  /**
   * Runs work in the async context the scheduler was created in (the
   * engine's start-up): never inside a convex-test transaction, whatever
   * context `runNow` or a timer happens to be called from.
   */
  private readonly outside = AsyncLocalStorage.snapshot();

  constructor(
    private readonly deps: {
      jobs: readonly CronJob[];
      /** Runs the job's function (the engine: `t.mutation` / `t.action`). */
      run: (job: CronJob) => Promise<unknown>;
      log: Logger;
      clock?: CronClock;
    },
  ) {
    this.clock = deps.clock ?? systemClock;
    this.states = new Map(deps.jobs.map((job) => [job.name, { job, dueAt: null, timer: null, running: null, runs: 0, failures: 0, skipped: 0 }]));
  }

  /** Arm every job's first run. */
  start(): void {
    if (this.started || this.stopped) return;
    this.started = true;
    const now = this.clock.now();
    for (const state of this.states.values()) this.arm(state, nextRunAfter(state.job.timing, now));
  }

  /**
   * Run `name` now (tests, tools), unless its previous run is still going;
   * its timer is left as it is. Resolves when the run ends; never rejects for
   * a failing job (the outcome says so, and it is logged).
   */
  async runNow(name: string): Promise<CronRun> {
    const state = this.states.get(name);
    if (state === undefined) throw new Error(`No cron job named "${name}" (known: ${[...this.states.keys()].join(", ") || "none"}).`);
    return await this.outside(() => this.execute(state));
  }

  status(): CronJobStatus[] {
    return [...this.states.values()].map((state) => ({
      name: state.job.name,
      functionName: state.job.functionName,
      schedule: describeTiming(state.job.timing),
      nextRunAt: state.dueAt,
      running: state.running !== null,
      runs: state.runs,
      failures: state.failures,
      skipped: state.skipped,
    }));
  }

  /** Clear every timer; wait (up to `graceMs`) for runs in progress to end. */
  async stop(graceMs = 5_000): Promise<void> {
    this.stopped = true;
    const running: Array<Promise<unknown>> = [];
    for (const state of this.states.values()) {
      if (state.timer !== null) this.clock.clearTimer(state.timer);
      state.timer = null;
      state.dueAt = null;
      if (state.running !== null) running.push(state.running);
    }
    if (running.length === 0) return;
    let grace: ReturnType<typeof nodeSetTimeout> | undefined;
    await Promise.race([Promise.allSettled(running), new Promise<void>((resolve) => (grace = nodeSetTimeout(resolve, graceMs)))]);
    nodeClearTimeout(grace);
  }

  private arm(state: JobState, dueAt: number | null): void {
    state.dueAt = dueAt;
    if (dueAt === null || this.stopped) return;
    const delay = Math.min(MAX_TIMER_MS, Math.max(0, dueAt - this.clock.now()));
    state.timer = this.clock.setTimer(() => this.outside(() => this.fire(state)), delay);
  }

  private fire(state: JobState): void {
    state.timer = null;
    if (this.stopped || state.dueAt === null) return;
    const now = this.clock.now();
    // A wait longer than one timer can hold, or a timer firing early: keep waiting.
    if (now < state.dueAt) {
      this.arm(state, state.dueAt);
      return;
    }
    // The next time is armed before this run starts, so a slow run makes the next tick skip, not drift.
    let next = nextRunAfter(state.job.timing, state.dueAt);
    if (next !== null && next <= now) next = nextRunAfter(state.job.timing, now);
    this.arm(state, next);
    void this.execute(state);
  }

  private async execute(state: JobState): Promise<CronRun> {
    const { job } = state;
    const { log } = this.deps;
    if (state.running !== null) {
      state.skipped++;
      log.verbose(JSON.stringify({ event: "cron_skipped", cron: job.name, function: job.functionName, reason: "still running" }));
      return { outcome: "skipped", reason: "still running" };
    }
    const run = (async (): Promise<CronRun> => {
      const requestId = newRequestId();
      const started = this.clock.now();
      const nextRunAt = () => (state.dueAt === null ? null : new Date(state.dueAt).toISOString());
      try {
        const result = await this.deps.run(job);
        const durationMs = this.clock.now() - started;
        state.runs++;
        log.verbose(JSON.stringify({ event: "cron_ran", cron: job.name, function: job.functionName, requestId, durationMs, nextRunAt: nextRunAt() }));
        return { outcome: "succeeded", requestId, durationMs, result };
      } catch (error) {
        const durationMs = this.clock.now() - started;
        state.runs++;
        state.failures++;
        log.error(
          JSON.stringify({
            event: "cron_failed",
            cron: job.name,
            function: job.functionName,
            requestId,
            durationMs,
            error: error instanceof Error ? `${error.name}: ${error.message}` : String(error),
            nextRunAt: nextRunAt(),
          }),
          error,
        );
        return { outcome: "failed", requestId, durationMs, error };
      }
    })();
    state.running = run;
    try {
      return await run;
    } finally {
      state.running = null;
    }
  }
}
