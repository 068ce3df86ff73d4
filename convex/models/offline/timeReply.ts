/** A time tool's result in words: "It is 14:05 in Europe/Paris (Saturday 21 November 2026)." */
import { snippet } from "../text";
import type { ToolResultView } from "./conversation";
import { field } from "./resultFields";

export function describeTime(result: ToolResultView): string | undefined {
  const value = result.value;
  const zone =
    field(value, ["timezone", "timeZone", "zone", "tz"]) ?? field(result.input, ["timezone", "timeZone", "zone", "tz"]) ?? "UTC";
  let time = field(value, ["time", "localTime", "local_time"]);
  let date = field(value, ["date", "localDate", "local_date", "day"]);
  const iso = typeof value === "string" ? value : field(value, ["iso", "isoTime", "now", "datetime", "dateTime", "utc", "timestamp"]);
  if (time === undefined && iso !== undefined) {
    const formatted = formatInZone(iso, zone);
    if (formatted) ({ time, date } = formatted);
  }
  if (time === undefined) return typeof value === "string" ? `The time tool says: ${snippet(value, 200)}.` : undefined;
  return `It is ${time} in ${zone}${date ? ` (${date})` : ""}.`;
}

function formatInZone(iso: string, zone: string): { time: string; date: string } | undefined {
  const instant = /^\d+$/.test(iso) ? new Date(Number(iso)) : new Date(iso);
  if (Number.isNaN(instant.getTime())) return undefined;
  try {
    const parts = new Intl.DateTimeFormat("en-GB", {
      timeZone: zone,
      hour: "2-digit",
      minute: "2-digit",
      hourCycle: "h23",
      weekday: "long",
      day: "numeric",
      month: "long",
      year: "numeric",
    }).formatToParts(instant);
    const part = (type: Intl.DateTimeFormatPartTypes) => parts.find((p) => p.type === type)?.value ?? "";
    return { time: `${part("hour")}:${part("minute")}`, date: `${part("weekday")} ${part("day")} ${part("month")} ${part("year")}` };
  } catch {
    return undefined;
  }
}
