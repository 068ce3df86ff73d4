/**
 * When a cron job of `convex/crons.ts` runs next, for the local engine
 * (crons.ts arms the timers). Pure: no clock, no timers; every time is UTC.
 *
 * The schedules are the ones `cronJobs()` from convex/server records
 * (`node_modules/convex/dist/esm/server/cron.js`):
 *   { type: "interval", seconds | minutes | hours }
 *   { type: "hourly", minuteUTC? }
 *   { type: "daily", hourUTC, minuteUTC? }
 *   { type: "weekly", dayOfWeek: "monday" | ..., hourUTC, minuteUTC? }
 *   { type: "monthly", day, hourUTC, minuteUTC? }
 *   { type: "cron", cron: "<5 fields>" }
 * Every calendar form is turned into a cron expression, so one matcher
 * serves them all. The cron form is standard 5-field syntax (minute hour
 * day-of-month month day-of-week) with `*`, lists, ranges, steps, month and
 * weekday names, and the `@hourly` … `@yearly` shorthands; `L`, `W`, `#`
 * and seconds fields are refused (a clear error beats a wrong time).
 */

export type CronSchedule =
  | { type: "interval"; seconds?: number; minutes?: number; hours?: number }
  | { type: "hourly"; minuteUTC?: number }
  | { type: "daily"; hourUTC: number; minuteUTC?: number }
  | { type: "weekly"; dayOfWeek: string; hourUTC: number; minuteUTC?: number }
  | { type: "monthly"; day: number; hourUTC: number; minuteUTC?: number }
  | { type: "cron"; cron: string };

/** A parsed cron expression: which values of each field match. */
export type CronExpression = {
  source: string;
  minutes: ReadonlySet<number>;
  hours: ReadonlySet<number>;
  daysOfMonth: ReadonlySet<number>;
  months: ReadonlySet<number>;
  /** 0 = Sunday … 6 = Saturday (7 in the text is Sunday too). */
  daysOfWeek: ReadonlySet<number>;
  /**
   * Whether the day fields were written starting with `*`. As in Vixie cron:
   * when both day fields are restricted, a day matches if EITHER does
   * ("0 0 1 * 1": the 1st and every Monday); otherwise both must.
   */
  dayOfMonthStar: boolean;
  dayOfWeekStar: boolean;
};

/** How a job's next run is found: a fixed period, or the next match of a calendar expression. */
export type Timing = { kind: "interval"; everyMs: number } | { kind: "calendar"; expression: CronExpression; label: string };

export class CronScheduleError extends Error {
  override name = "CronScheduleError";
}

const MINUTE_MS = 60_000;
const DAYS_OF_WEEK = ["sunday", "monday", "tuesday", "wednesday", "thursday", "friday", "saturday"];
const MONTH_NAMES = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"];
const WEEKDAY_NAMES = ["sun", "mon", "tue", "wed", "thu", "fri", "sat"];
const SHORTHANDS: Record<string, string> = {
  "@yearly": "0 0 1 1 *",
  "@annually": "0 0 1 1 *",
  "@monthly": "0 0 1 * *",
  "@weekly": "0 0 * * 0",
  "@daily": "0 0 * * *",
  "@midnight": "0 0 * * *",
  "@hourly": "0 * * * *",
};
/** Far enough for the rarest valid expression ("0 0 29 2 *" skips 2100: 8 years); beyond it, "never". */
const SEARCH_YEARS = 30;

type FieldSpec = { label: string; min: number; max: number; names?: readonly string[] };
const FIELDS: readonly FieldSpec[] = [
  { label: "minute", min: 0, max: 59 },
  { label: "hour", min: 0, max: 23 },
  { label: "day of month", min: 1, max: 31 },
  { label: "month", min: 1, max: 12, names: MONTH_NAMES },
  { label: "day of week", min: 0, max: 7, names: WEEKDAY_NAMES },
];

function parseValue(text: string, spec: FieldSpec, source: string): number {
  const named = spec.names?.indexOf(text.toLowerCase()) ?? -1;
  // Month names are 1-based, weekday names 0-based.
  if (named >= 0) return spec.min === 1 ? named + 1 : named;
  if (!/^\d+$/.test(text)) throw new CronScheduleError(`"${source}": "${text}" is not a ${spec.label} (standard 5-field cron syntax only).`);
  const value = Number(text);
  if (value < spec.min || value > spec.max) {
    throw new CronScheduleError(`"${source}": ${spec.label} ${value} is outside ${spec.min}-${spec.max}.`);
  }
  return value;
}

function parseField(text: string, spec: FieldSpec, source: string): Set<number> {
  const values = new Set<number>();
  for (const part of text.split(",")) {
    const [range = "", stepText, extra] = part.split("/");
    if (extra !== undefined || range === "") throw new CronScheduleError(`"${source}": "${part}" is not a valid ${spec.label} field.`);
    const step = stepText === undefined ? 1 : /^\d+$/.test(stepText) ? Number(stepText) : 0;
    if (step < 1) {
      throw new CronScheduleError(`"${source}": step "${stepText}" of the ${spec.label} field must be a whole number of at least 1.`);
    }
    let low: number;
    let high: number;
    if (range === "*") {
      low = spec.min;
      high = spec.max;
    } else if (range.includes("-")) {
      const [from = "", to = "", more] = range.split("-");
      if (more !== undefined) throw new CronScheduleError(`"${source}": "${range}" is not a valid range.`);
      low = parseValue(from, spec, source);
      high = parseValue(to, spec, source);
      if (low > high) throw new CronScheduleError(`"${source}": range ${range} of the ${spec.label} field runs backwards.`);
    } else {
      low = parseValue(range, spec, source);
      // "5/15" means 5, 20, 35, 50 (from 5 to the end, every 15), as most crons read it.
      high = stepText === undefined ? low : spec.max;
    }
    for (let value = low; value <= high; value += step) values.add(value);
  }
  return values;
}

/** Parse a standard 5-field cron expression (or an `@daily`-style shorthand). Throws {@link CronScheduleError}. */
export function parseCronExpression(text: string): CronExpression {
  const source = text.trim();
  const expanded = SHORTHANDS[source.toLowerCase()] ?? source;
  const fields = expanded.split(/\s+/);
  if (fields.length !== 5 || fields.some((field) => field === "")) {
    throw new CronScheduleError(`"${source}": a cron expression has 5 fields (minute hour day-of-month month day-of-week), not ${fields.length}.`);
  }
  const [minutes, hours, daysOfMonth, months, daysOfWeek] = fields.map((field, index) => parseField(field, FIELDS[index]!, source)) as [
    Set<number>,
    Set<number>,
    Set<number>,
    Set<number>,
    Set<number>,
  ];
  if (daysOfWeek.delete(7)) daysOfWeek.add(0);
  return {
    source,
    minutes,
    hours,
    daysOfMonth,
    months,
    daysOfWeek,
    dayOfMonthStar: fields[2]!.startsWith("*"),
    dayOfWeekStar: fields[4]!.startsWith("*"),
  };
}

function dayMatches(expression: CronExpression, date: Date): boolean {
  const byMonthDay = expression.daysOfMonth.has(date.getUTCDate());
  const byWeekDay = expression.daysOfWeek.has(date.getUTCDay());
  if (expression.dayOfMonthStar || expression.dayOfWeekStar) return byMonthDay && byWeekDay;
  return byMonthDay || byWeekDay;
}

/** The first whole UTC minute strictly after `afterMs` that `expression` matches, or null if none within 30 years. */
export function nextCronMatch(expression: CronExpression, afterMs: number): number | null {
  let time = Math.floor(afterMs / MINUTE_MS) * MINUTE_MS + MINUTE_MS;
  const limit = afterMs + SEARCH_YEARS * 366 * 24 * 60 * MINUTE_MS;
  while (time <= limit) {
    const date = new Date(time);
    const year = date.getUTCFullYear();
    const month = date.getUTCMonth();
    const day = date.getUTCDate();
    const hour = date.getUTCHours();
    // Skip whole months / days / hours that cannot match (Date.UTC rolls over month and year ends).
    if (!expression.months.has(month + 1)) time = Date.UTC(year, month + 1, 1);
    else if (!dayMatches(expression, date)) time = Date.UTC(year, month, day + 1);
    else if (!expression.hours.has(hour)) time = Date.UTC(year, month, day, hour + 1);
    else if (!expression.minutes.has(date.getUTCMinutes())) time += MINUTE_MS;
    else return time;
  }
  return null;
}

function requireInteger(value: unknown, what: string, min: number, max: number): number {
  if (typeof value !== "number" || !Number.isInteger(value) || value < min || value > max) {
    throw new CronScheduleError(`${what} must be a whole number from ${min} to ${max} (got ${JSON.stringify(value)}).`);
  }
  return value;
}

/**
 * With `minuteUTC` left out, a deployment picks a minute per job to spread
 * load over the hour; locally the minute comes from the job's name, so it is
 * the same on every restart.
 */
export function defaultMinuteFor(jobName: string): number {
  let hash = 0;
  for (const char of jobName) hash = (hash * 31 + (char.codePointAt(0) ?? 0)) >>> 0;
  return hash % 60;
}

/** How `schedule` (as `cronJobs()` recorded it for the job `jobName`) is timed. Throws {@link CronScheduleError}. */
export function timingOf(schedule: unknown, jobName: string): Timing {
  if (typeof schedule !== "object" || schedule === null) throw new CronScheduleError(`No schedule (got ${JSON.stringify(schedule)}).`);
  const s = schedule as Record<string, unknown>;
  const minute = () => (s["minuteUTC"] === undefined ? defaultMinuteFor(jobName) : requireInteger(s["minuteUTC"], "minuteUTC", 0, 59));
  const hour = () => requireInteger(s["hourUTC"], "hourUTC", 0, 23);
  const calendar = (cron: string, label = `cron ${cron.trim()} (UTC)`): Timing => ({ kind: "calendar", expression: parseCronExpression(cron), label });
  const clock = (h: number, m: number) => `${String(h).padStart(2, "0")}:${String(m).padStart(2, "0")} UTC`;
  switch (s["type"]) {
    case "interval": {
      const units = [
        ["seconds", 1_000],
        ["minutes", MINUTE_MS],
        ["hours", 60 * MINUTE_MS],
      ] as const;
      const given = units.filter(([unit]) => s[unit] !== undefined);
      if (given.length !== 1) throw new CronScheduleError("An interval has exactly one of seconds, minutes or hours.");
      const [unit, unitMs] = given[0]!;
      return { kind: "interval", everyMs: requireInteger(s[unit], `interval ${unit}`, 1, Number.MAX_SAFE_INTEGER) * unitMs };
    }
    case "hourly": {
      const m = minute();
      return calendar(`${m} * * * *`, `hourly at minute ${m}`);
    }
    case "daily": {
      const [h, m] = [hour(), minute()];
      return calendar(`${m} ${h} * * *`, `daily at ${clock(h, m)}`);
    }
    case "weekly": {
      const day = DAYS_OF_WEEK.indexOf(String(s["dayOfWeek"]));
      if (day < 0) throw new CronScheduleError(`dayOfWeek must be one of ${DAYS_OF_WEEK.join(", ")} (got ${JSON.stringify(s["dayOfWeek"])}).`);
      const [h, m] = [hour(), minute()];
      return calendar(`${m} ${h} * * ${day}`, `weekly on ${DAYS_OF_WEEK[day]} at ${clock(h, m)}`);
    }
    case "monthly": {
      // A day the month lacks (31 in April) is skipped that month, as cron does.
      const [d, h, m] = [requireInteger(s["day"], "day", 1, 31), hour(), minute()];
      return calendar(`${m} ${h} ${d} * *`, `monthly on day ${d} at ${clock(h, m)}`);
    }
    case "cron":
      if (typeof s["cron"] !== "string") throw new CronScheduleError(`A cron schedule needs a cron string (got ${JSON.stringify(s["cron"])}).`);
      return calendar(s["cron"]);
    default:
      throw new CronScheduleError(`Unknown schedule type ${JSON.stringify(s["type"])}.`);
  }
}

/**
 * The next run strictly after `afterMs`: a period later for an interval, the
 * next matching UTC minute for a calendar schedule (null: it never matches,
 * e.g. "0 0 30 2 *").
 */
export function nextRunAfter(timing: Timing, afterMs: number): number | null {
  return timing.kind === "interval" ? afterMs + timing.everyMs : nextCronMatch(timing.expression, afterMs);
}

/** A short description for log lines: "every 60 s", "daily at 03:00 UTC", "cron 0 9 * * 1-5 (UTC)". */
export function describeTiming(timing: Timing): string {
  return timing.kind === "interval" ? `every ${timing.everyMs / 1000} s` : timing.label;
}
