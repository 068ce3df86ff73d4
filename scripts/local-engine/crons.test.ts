// @vitest-environment node
/**
 * The local engine's cron jobs: the next-run calculator (cronSchedule.ts),
 * the scheduler on an injected clock (crons.ts), and the engine running the
 * real jobs of convex/crons.ts (and running nothing with `crons: false`).
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { cronJobs, makeFunctionReference } from "convex/server";
import { afterAll, beforeAll, describe, expect, test, vi } from "vitest";
import { api } from "../../convex/_generated/api";
import type { Id } from "../../convex/_generated/dataModel";
import appCrons from "../../convex/crons";
import {
  CronScheduleError,
  defaultMinuteFor,
  describeTiming,
  nextCronMatch,
  nextRunAfter,
  parseCronExpression,
  timingOf,
  type CronExpression,
} from "./cronSchedule";
import { CronScheduler, readCronJobs, type CronClock, type CronJob } from "./crons";
import { startEngine, type Engine } from "./engine";
import type { Logger } from "./syncServer";
import { ensureJobRun, loadJob } from "../../convex/jobs/jobRun";

const at = (iso: string) => Date.parse(iso);
const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());
const next = (cron: string, from: string) => iso(nextCronMatch(parseCronExpression(cron), at(from)));
const sorted = (set: ReadonlySet<number>) => [...set].sort((a, b) => a - b);

/** Timers that fire only when a test moves time; each fired callback's async work settles before the next fires. */
class FakeClock implements CronClock {
  private nextId = 1;
  readonly timers = new Map<number, { at: number; callback: () => void; delayMs: number }>();
  constructor(public time: number) {}
  now = () => this.time;
  setTimer = (callback: () => void, delayMs: number) => {
    const id = this.nextId++;
    this.timers.set(id, { at: this.time + delayMs, callback, delayMs });
    return id;
  };
  clearTimer = (handle: unknown) => void this.timers.delete(handle as number);
  async advance(ms: number) {
    const target = this.time + ms;
    for (;;) {
      const due = [...this.timers.entries()].filter(([, timer]) => timer.at <= target).sort((a, b) => a[1].at - b[1].at)[0];
      if (due === undefined) break;
      this.timers.delete(due[0]);
      this.time = Math.max(this.time, due[1].at);
      due[1].callback();
      await new Promise((resolve) => setImmediate(resolve));
    }
    this.time = target;
  }
}

function recordingLogger() {
  const lines = { info: [] as string[], verbose: [] as string[], error: [] as Array<{ message: string; error: unknown }> };
  const logger: Logger = {
    info: (message) => lines.info.push(message),
    verbose: (message) => lines.verbose.push(message),
    error: (message, error) => lines.error.push({ message, error }),
  };
  return { logger, lines };
}

describe("cron expressions", () => {
  test("fields: lists, ranges, steps, names, 7 is Sunday, shorthands", () => {
    const e = parseCronExpression("5/20 9-17/4 1,15,31 jan-mar,DEC mon-fri,7");
    expect(sorted(e.minutes)).toEqual([5, 25, 45]);
    expect(sorted(e.hours)).toEqual([9, 13, 17]);
    expect(sorted(e.daysOfMonth)).toEqual([1, 15, 31]);
    expect(sorted(e.months)).toEqual([1, 2, 3, 12]);
    expect(sorted(e.daysOfWeek)).toEqual([0, 1, 2, 3, 4, 5]);
    expect(sorted(parseCronExpression("*/15 * * * *").minutes)).toEqual([0, 15, 30, 45]);
    const daily: CronExpression = parseCronExpression("@daily");
    expect([sorted(daily.minutes), sorted(daily.hours), daily.daysOfMonth.size, daily.months.size, daily.daysOfWeek.size]).toEqual([[0], [0], 31, 12, 7]);
  });

  test.each([
    ["* * * *", /5 fields/],
    ["0 0 * * * *", /5 fields/],
    ["60 * * * *", /minute 60 is outside 0-59/],
    ["0 24 * * *", /hour 24/],
    ["0 0 0 * *", /day of month 0/],
    ["0 0 * 13 *", /month 13/],
    ["0 0 * * 8", /day of week 8/],
    ["0 0 L * *", /"L" is not a day of month/],
    ["0 0 * * 5#3", /not a day of week/],
    ["*/0 * * * *", /step "0"/],
    ["10-5 * * * *", /runs backwards/],
    ["1,,2 * * * *", /not a valid minute field/],
  ])("%s is refused", (cron, message) => {
    expect(() => parseCronExpression(cron)).toThrow(CronScheduleError);
    expect(() => parseCronExpression(cron)).toThrow(message);
  });

  test("the next match is strictly after, and rolls over hours, days, months and years", () => {
    expect(next("*/15 * * * *", "2026-01-31T10:07:30.000Z")).toBe("2026-01-31T10:15:00.000Z");
    expect(next("*/15 * * * *", "2026-01-31T10:15:00.000Z")).toBe("2026-01-31T10:30:00.000Z");
    expect(next("*/15 * * * *", "2026-01-31T23:45:00.000Z")).toBe("2026-02-01T00:00:00.000Z");
    expect(next("0 0 * * *", "2025-12-31T23:59:00.000Z")).toBe("2026-01-01T00:00:00.000Z");
    expect(next("59 23 31 12 *", "2026-12-31T23:59:00.000Z")).toBe("2027-12-31T23:59:00.000Z");
    expect(next("0 12 1 * *", "2026-01-31T13:00:00.000Z")).toBe("2026-02-01T12:00:00.000Z");
  });

  test("days a month lacks are skipped: the 31st, 29 February (and 2100 is not a leap year)", () => {
    expect(next("30 2 31 * *", "2026-04-01T00:00:00.000Z")).toBe("2026-05-31T02:30:00.000Z");
    expect(next("0 0 29 2 *", "2025-03-01T00:00:00.000Z")).toBe("2028-02-29T00:00:00.000Z");
    expect(next("0 0 29 2 *", "2096-03-01T00:00:00.000Z")).toBe("2104-02-29T00:00:00.000Z");
    expect(next("0 0 30 2 *", "2026-01-01T00:00:00.000Z")).toBeNull();
  });

  test("days of the week; both day fields restricted means either matches (Vixie cron), a `*` field means both", () => {
    // 2026-01-01 is a Thursday.
    expect(next("0 9 * * 1-5", "2026-01-03T10:00:00.000Z")).toBe("2026-01-05T09:00:00.000Z");
    expect(next("0 0 * * 7", "2026-01-01T00:00:00.000Z")).toBe("2026-01-04T00:00:00.000Z");
    expect(next("0 0 13 * 5", "2026-02-01T00:00:00.000Z")).toBe("2026-02-06T00:00:00.000Z"); // a Friday
    expect(next("0 0 13 * 5", "2026-02-06T00:00:00.000Z")).toBe("2026-02-13T00:00:00.000Z");
    expect(next("0 0 */2 * 5", "2026-02-01T00:00:00.000Z")).toBe("2026-02-13T00:00:00.000Z"); // odd day AND Friday
    expect(next("0 8 * jan-mar mon,wed", "2026-03-31T09:00:00.000Z")).toBe("2027-01-04T08:00:00.000Z");
  });
});

describe("schedules as cronJobs() records them", () => {
  const ref = makeFunctionReference<"mutation">("jobs/maintenance:settleStuckJobs");
  const crons = cronJobs();
  crons.interval("every 30 s", { seconds: 30 }, ref);
  crons.interval("every minute", { minutes: 1 }, ref);
  crons.interval("every 2 h", { hours: 2 }, ref);
  crons.hourly("hourly at 5", { minuteUTC: 5 }, ref);
  crons.hourly("hourly, minute left to the backend", ref);
  crons.daily("daily 03:15", { hourUTC: 3, minuteUTC: 15 }, ref);
  crons.daily("daily 04", { hourUTC: 4 }, ref);
  crons.weekly("sunday 23:59", { dayOfWeek: "sunday", hourUTC: 23, minuteUTC: 59 }, ref);
  crons.monthly("the 31st", { day: 31, hourUTC: 0, minuteUTC: 0 }, ref);
  crons.cron("weekdays 9", "0 9 * * 1-5", ref);
  const timing = (name: string) => timingOf(crons.crons[name]!.schedule, name);
  const nextOf = (name: string, from: string) => iso(nextRunAfter(timing(name), at(from)));

  test("intervals: a period after", () => {
    expect(timing("every 30 s")).toEqual({ kind: "interval", everyMs: 30_000 });
    expect(timing("every minute")).toEqual({ kind: "interval", everyMs: 60_000 });
    expect(nextOf("every 2 h", "2026-01-31T23:30:00.000Z")).toBe("2026-02-01T01:30:00.000Z");
  });

  test("daily with hourUTC / minuteUTC: later today, else tomorrow (month and year ends too)", () => {
    expect(nextOf("daily 03:15", "2026-03-10T03:14:59.999Z")).toBe("2026-03-10T03:15:00.000Z");
    expect(nextOf("daily 03:15", "2026-03-10T03:15:00.000Z")).toBe("2026-03-11T03:15:00.000Z");
    expect(nextOf("daily 03:15", "2026-02-28T04:00:00.000Z")).toBe("2026-03-01T03:15:00.000Z");
    expect(nextOf("daily 03:15", "2026-12-31T12:00:00.000Z")).toBe("2027-01-01T03:15:00.000Z");
    // No minute given: one chosen from the job's name, the same every time.
    const minute = defaultMinuteFor("daily 04");
    expect(nextOf("daily 04", "2026-03-10T00:00:00.000Z")).toBe(`2026-03-10T04:${String(minute).padStart(2, "0")}:00.000Z`);
  });

  test("hourly, weekly, monthly and cron strings", () => {
    expect(nextOf("hourly at 5", "2026-03-10T10:05:00.000Z")).toBe("2026-03-10T11:05:00.000Z");
    expect(nextOf("hourly at 5", "2026-12-31T23:30:00.000Z")).toBe("2027-01-01T00:05:00.000Z");
    expect(nextOf("hourly, minute left to the backend", "2026-03-10T10:59:59.000Z")).toMatch(
      new RegExp(`^2026-03-10T1[01]:${String(defaultMinuteFor("hourly, minute left to the backend")).padStart(2, "0")}:00.000Z$`),
    );
    expect(nextOf("sunday 23:59", "2026-01-01T00:00:00.000Z")).toBe("2026-01-04T23:59:00.000Z");
    expect(nextOf("the 31st", "2026-01-31T00:00:00.000Z")).toBe("2026-03-31T00:00:00.000Z");
    expect(nextOf("weekdays 9", "2026-01-03T10:00:00.000Z")).toBe("2026-01-05T09:00:00.000Z");
    expect(["hourly at 5", "daily 03:15", "sunday 23:59", "the 31st", "weekdays 9"].map((name) => describeTiming(timing(name)))).toEqual([
      "hourly at minute 5",
      "daily at 03:15 UTC",
      "weekly on sunday at 23:59 UTC",
      "monthly on day 31 at 00:00 UTC",
      "cron 0 9 * * 1-5 (UTC)",
    ]);
  });

  test("schedules that cannot be timed are refused", () => {
    expect(() => timingOf({ type: "interval" }, "x")).toThrow(/exactly one of seconds, minutes or hours/);
    expect(() => timingOf({ type: "interval", minutes: 0 }, "x")).toThrow(/interval minutes/);
    expect(() => timingOf({ type: "daily", hourUTC: 24 }, "x")).toThrow(/hourUTC/);
    expect(() => timingOf({ type: "weekly", dayOfWeek: "someday", hourUTC: 1 }, "x")).toThrow(/dayOfWeek/);
    expect(() => timingOf({ type: "yearly" }, "x")).toThrow(/Unknown schedule type/);
  });
});

describe("the scheduler", () => {
  const START = at("2026-03-10T03:14:30.000Z");
  const job = (name: string, schedule: unknown): CronJob => ({
    name,
    functionName: `test:${name}`,
    kind: "mutation",
    args: {},
    timing: timingOf(schedule, name),
  });

  test("reads a cronJobs() object: args decoded, jobs that cannot run described and left out", async () => {
    const crons = cronJobs();
    crons.interval("sweep", { minutes: 1 }, makeFunctionReference<"mutation">("jobs/maintenance:settleStuckJobs"), { limit: 10n } as never);
    crons.daily("report", { hourUTC: 6, minuteUTC: 0 }, makeFunctionReference<"action">("reports:send"), { to: "ops" } as never);
    crons.hourly("a query", { minuteUTC: 1 }, makeFunctionReference<"mutation">("reports:count"));
    crons.cron("bad string", "61 * * * *", makeFunctionReference<"mutation">("jobs/maintenance:settleStuckJobs"));
    crons.interval("gone", { seconds: 5 }, makeFunctionReference<"mutation">("old:removed"));
    const kinds: Record<string, "query" | "mutation" | "action"> = { "jobs/maintenance:settleStuckJobs": "mutation", "reports:send": "action", "reports:count": "query" };
    const { jobs, problems } = await readCronJobs({ default: crons }, async (name) => kinds[name] ?? null);
    expect(jobs.map((j) => [j.name, j.functionName, j.kind, j.args])).toEqual([
      ["sweep", "jobs/maintenance:settleStuckJobs", "mutation", { limit: 10n }],
      ["report", "reports:send", "action", { to: "ops" }],
    ]);
    expect(problems).toEqual([
      'Cron "a query" (reports:count) will not run: reports:count is a query; crons run mutations and actions',
      expect.stringMatching(/^Cron "bad string" .* will not run: "61 \* \* \* \*": minute 61 is outside 0-59/),
      'Cron "gone" (old:removed) will not run: no function old:removed',
    ]);
    expect((await readCronJobs({ default: { not: "crons" } }, async () => "mutation")).problems).toEqual([
      "convex/crons.ts does not export default a cronJobs() object; no crons run.",
    ]);
  });

  test("an interval runs every period; a daily job at its UTC minute, then a day later", async () => {
    const clock = new FakeClock(START);
    const runs: Array<[string, string]> = [];
    const { logger } = recordingLogger();
    const scheduler = new CronScheduler({
      jobs: [job("minutely", { type: "interval", minutes: 1 }), job("daily", { type: "daily", hourUTC: 3, minuteUTC: 15 })],
      run: async (j) => void runs.push([j.name, new Date(clock.now()).toISOString()]),
      log: logger,
      clock,
    });
    scheduler.start();
    expect(scheduler.status().map((s) => [s.name, s.schedule, iso(s.nextRunAt)])).toEqual([
      ["minutely", "every 60 s", "2026-03-10T03:15:30.000Z"],
      ["daily", "daily at 03:15 UTC", "2026-03-10T03:15:00.000Z"],
    ]);
    await clock.advance(3 * 60_000);
    expect(runs).toEqual([
      ["daily", "2026-03-10T03:15:00.000Z"],
      ["minutely", "2026-03-10T03:15:30.000Z"],
      ["minutely", "2026-03-10T03:16:30.000Z"],
      ["minutely", "2026-03-10T03:17:30.000Z"],
    ]);
    expect(iso(scheduler.status()[1]!.nextRunAt)).toBe("2026-03-11T03:15:00.000Z");
    await scheduler.stop();
    expect(clock.timers.size).toBe(0);
    await clock.advance(24 * 3_600_000);
    expect(runs).toHaveLength(4);
  });

  test("a failing run is logged as one JSON line with the error, and the job runs again at its next time", async () => {
    const clock = new FakeClock(START);
    const { logger, lines } = recordingLogger();
    let calls = 0;
    const scheduler = new CronScheduler({
      jobs: [job("flaky", { type: "interval", seconds: 10 })],
      run: async () => {
        if (++calls === 1) throw new Error("boom");
        return { ok: true };
      },
      log: logger,
      clock,
    });
    scheduler.start();
    await clock.advance(10_000);
    expect(lines.error).toHaveLength(1);
    expect(JSON.parse(lines.error[0]!.message)).toMatchObject({
      event: "cron_failed",
      cron: "flaky",
      function: "test:flaky",
      requestId: expect.stringMatching(/^[0-9a-f]{16}$/),
      error: "Error: boom",
      nextRunAt: "2026-03-10T03:14:50.000Z",
    });
    expect((lines.error[0]!.error as Error).message).toBe("boom");
    await clock.advance(10_000);
    expect(calls).toBe(2);
    expect(scheduler.status()[0]).toMatchObject({ runs: 2, failures: 1, running: false });
    expect(JSON.parse(lines.verbose.at(-1)!)).toMatchObject({ event: "cron_ran", cron: "flaky" });
    await expect(scheduler.runNow("flaky")).resolves.toMatchObject({ outcome: "succeeded", result: { ok: true } });
    await expect(scheduler.runNow("nope")).rejects.toThrow(/No cron job named "nope" \(known: flaky\)/);
    await scheduler.stop();
  });

  test("a job never overlaps itself: ticks while it runs are skipped, the cadence holds", async () => {
    const clock = new FakeClock(START);
    const { logger, lines } = recordingLogger();
    let release: () => void = () => {};
    let started = 0;
    const scheduler = new CronScheduler({
      jobs: [job("slow", { type: "interval", seconds: 10 })],
      run: () => {
        started++;
        return new Promise<void>((resolve) => (release = resolve));
      },
      log: logger,
      clock,
    });
    scheduler.start();
    await clock.advance(10_000);
    expect(started).toBe(1);
    await clock.advance(20_000); // two more ticks while the first run is still going
    expect(started).toBe(1);
    await expect(scheduler.runNow("slow")).resolves.toEqual({ outcome: "skipped", reason: "still running" });
    expect(scheduler.status()[0]).toMatchObject({ running: true, skipped: 3, nextRunAt: START + 40_000 });
    expect(lines.verbose.map((line) => (JSON.parse(line) as { event: string }).event)).toEqual(["cron_skipped", "cron_skipped", "cron_skipped"]);
    release();
    await new Promise((resolve) => setImmediate(resolve));
    await clock.advance(10_000);
    expect(started).toBe(2);
    // stop() clears the timer and waits for the run in progress.
    let stopped = false;
    const stopping = scheduler.stop().then(() => (stopped = true));
    await new Promise((resolve) => setImmediate(resolve));
    expect([stopped, clock.timers.size]).toEqual([false, 0]);
    release();
    await stopping;
    expect(stopped).toBe(true);
  });

  test("a wait longer than one timer can hold is re-armed, never run early; a missed time is not made up", async () => {
    const clock = new FakeClock(at("2026-01-31T00:00:30.000Z"));
    const runs: string[] = [];
    const scheduler = new CronScheduler({
      jobs: [job("31st", { type: "monthly", day: 31, hourUTC: 0, minuteUTC: 0 })],
      run: async () => void runs.push(new Date(clock.now()).toISOString()),
      log: recordingLogger().logger,
      clock,
    });
    scheduler.start();
    expect(iso(scheduler.status()[0]!.nextRunAt)).toBe("2026-03-31T00:00:00.000Z"); // 59 days: more than 2^31 ms
    expect([...clock.timers.values()][0]!.delayMs).toBe(2 ** 31 - 1);
    await clock.advance(2 ** 31 - 1);
    expect(runs).toEqual([]);
    expect(clock.timers.size).toBe(1);
    await clock.advance(at("2026-03-31T00:00:00.000Z") - clock.now());
    expect(runs).toEqual(["2026-03-31T00:00:00.000Z"]);
    // The machine sleeps through May 31 and wakes on 2 June: the timer fires late, runs once, the next is 31 July.
    const [id, timer] = [...clock.timers.entries()][0]!;
    clock.timers.delete(id);
    clock.time = at("2026-06-02T08:00:00.000Z");
    timer.callback();
    await new Promise((resolve) => setImmediate(resolve));
    expect(runs).toEqual(["2026-03-31T00:00:00.000Z", "2026-06-02T08:00:00.000Z"]);
    expect(iso(scheduler.status()[0]!.nextRunAt)).toBe("2026-07-31T00:00:00.000Z");
    await scheduler.stop();
  });
});

describe("the engine runs convex/crons.ts", () => {
  const SETTLE = "settle stuck jobs";
  let dataDir: string;
  const engines: Engine[] = [];

  beforeAll(async () => {
    dataDir = await mkdtemp(path.join(tmpdir(), "local-engine-crons-"));
  });
  afterAll(async () => {
    await Promise.all(engines.map((engine) => engine.close()));
    await rm(dataDir, { recursive: true, force: true });
  }, 30_000);

  async function start(name: string, options: { crons: boolean; clock: FakeClock }) {
    const { logger, lines } = recordingLogger();
    const engine = await startEngine({
      port: 0,
      sitePort: 0,
      dataDir: path.join(dataDir, name),
      web: false,
      seed: false,
      persist: false,
      logger,
      crons: options.crons,
      cronClock: options.clock,
    });
    engines.push(engine);
    return { engine, lines };
  }

  /** A job whose workflow was lost: running, its deadline a minute ago (as convex/jobs tests make one by moving time). */
  async function stuckJob(engine: Engine): Promise<Id<"jobs">> {
    const subject = `cron_user_${engines.length}`;
    const viewer = await engine.t
      .withIdentity({ subject, tokenIdentifier: `https://clerk.test|${subject}`, name: "Cron User", email: `${subject}@example.test` })
      .mutation(api.tenancy.viewer.sync, {});
    const now = Date.now();
    // Stored as a job before thin runs kept it (its lifecycle on the row); its run is made the way the migration makes it.
    return await engine.t.run(async (ctx) => {
      const jobId = await ctx.db.insert("jobs", {
        accountId: viewer.activeAccountId!,
        userId: viewer.userId,
        type: "summarize",
        input: "left behind",
        state: "running",
        source: "api",
        createdAt: now - 120_000,
        runAt: now - 120_000,
        startedAt: now - 120_000,
        deadlineAt: now - 60_000,
        attempts: 1,
        timeoutMs: 60_000,
        hasUsefulOutput: false,
        generation: 1,
        stepCount: 0,
        stepsDone: 0,
      });
      await ensureJobRun(ctx, (await ctx.db.get("jobs", jobId))!);
      return jobId;
    });
  }
  const jobState = async (engine: Engine, jobId: Id<"jobs">) => await engine.t.run(async (ctx) => await loadJob(ctx, jobId));

  test("every job of convex/crons.ts is armed; the stuck-job sweep fires on its timer and settles a stuck job", async () => {
    // Timer time only (functions read the real clock): a fixed time of day, so no daily job falls due in the minute advanced.
    const clock = new FakeClock(at("2026-01-01T12:34:30.000Z"));
    const { engine, lines } = await start("on", { crons: true, clock });
    const status = engine.crons!.status();
    expect(status.map((s) => s.name).sort()).toEqual(Object.keys(appCrons.crons).sort());
    expect(status.every((s) => s.nextRunAt !== null && s.nextRunAt > clock.now())).toBe(true);
    expect(status.find((s) => s.name === SETTLE)).toMatchObject({
      functionName: "jobs/maintenance:settleStuckJobs",
      schedule: "every 60 s",
      nextRunAt: clock.now() + 60_000,
    });
    expect(lines.info.find((line) => line.startsWith("Crons: "))).toContain(`"${SETTLE}" (every 60 s)`);

    const jobId = await stuckJob(engine);
    expect((await jobState(engine, jobId)).state).toBe("running");
    await clock.advance(60_000);
    await vi.waitFor(() => expect(engine.crons!.status().find((s) => s.name === SETTLE)).toMatchObject({ runs: 1, running: false }), {
      timeout: 10_000,
    });
    const settled = await jobState(engine, jobId);
    expect(settled).toMatchObject({ state: "timed_out", error: { code: "timeout" } });
    expect(settled.error?.message).toMatch(/ran past its timeout of 60 s/);

    // The test hook runs the same job on demand: nothing is left to settle.
    await expect(engine.crons!.runNow(SETTLE)).resolves.toMatchObject({ outcome: "succeeded", result: { settled: 0, more: false } });
    expect(lines.error.filter((entry) => entry.message.includes(SETTLE))).toEqual([]);

    // Every other job of convex/crons.ts runs clean too (on this nearly empty database).
    for (const { name } of status.filter((s) => s.name !== SETTLE)) {
      expect([name, (await engine.crons!.runNow(name)).outcome]).toEqual([name, "succeeded"]);
    }
    expect(lines.error).toEqual([]);
  }, 60_000);

  test("with crons off (--no-crons) nothing is armed and nothing runs", async () => {
    const clock = new FakeClock(Date.now());
    const { engine, lines } = await start("off", { crons: false, clock });
    expect(engine.crons).toBeNull();
    expect(clock.timers.size).toBe(0);
    expect(lines.info).toContain("Crons are off (--no-crons).");
    const jobId = await stuckJob(engine);
    await clock.advance(24 * 3_600_000);
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect((await jobState(engine, jobId)).state).toBe("running");
  }, 60_000);
});
