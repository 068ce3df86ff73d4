/**
 * Which time zone a message is about: an IANA zone named in it, else one of
 * a small table of cities, else UTC.
 */
import { words } from "../text";

export const CITY_TIME_ZONES: Readonly<Record<string, string>> = {
  tokyo: "Asia/Tokyo",
  osaka: "Asia/Tokyo",
  seoul: "Asia/Seoul",
  beijing: "Asia/Shanghai",
  shanghai: "Asia/Shanghai",
  "hong kong": "Asia/Hong_Kong",
  singapore: "Asia/Singapore",
  mumbai: "Asia/Kolkata",
  delhi: "Asia/Kolkata",
  "new delhi": "Asia/Kolkata",
  bangalore: "Asia/Kolkata",
  dubai: "Asia/Dubai",
  moscow: "Europe/Moscow",
  istanbul: "Europe/Istanbul",
  cairo: "Africa/Cairo",
  johannesburg: "Africa/Johannesburg",
  nairobi: "Africa/Nairobi",
  lagos: "Africa/Lagos",
  paris: "Europe/Paris",
  berlin: "Europe/Berlin",
  madrid: "Europe/Madrid",
  rome: "Europe/Rome",
  amsterdam: "Europe/Amsterdam",
  zurich: "Europe/Zurich",
  stockholm: "Europe/Stockholm",
  london: "Europe/London",
  dublin: "Europe/Dublin",
  lisbon: "Europe/Lisbon",
  "new york": "America/New_York",
  boston: "America/New_York",
  toronto: "America/Toronto",
  chicago: "America/Chicago",
  denver: "America/Denver",
  "los angeles": "America/Los_Angeles",
  "san francisco": "America/Los_Angeles",
  seattle: "America/Los_Angeles",
  vancouver: "America/Vancouver",
  "mexico city": "America/Mexico_City",
  "sao paulo": "America/Sao_Paulo",
  "buenos aires": "America/Argentina/Buenos_Aires",
  sydney: "Australia/Sydney",
  melbourne: "Australia/Melbourne",
  auckland: "Pacific/Auckland",
  honolulu: "Pacific/Honolulu",
  utc: "UTC",
  gmt: "UTC",
};

export function timeZoneIn(message: string): string {
  const named = /\b((?:Africa|America|Antarctica|Asia|Atlantic|Australia|Europe|Indian|Pacific|Etc)\/[A-Za-z_]+(?:\/[A-Za-z_]+)?)\b/.exec(message);
  if (named?.[1]) return named[1];
  const flat = ` ${words(message).join(" ")} `;
  let best: { city: string; zone: string } | undefined;
  for (const [city, zone] of Object.entries(CITY_TIME_ZONES)) {
    if (flat.includes(` ${city} `) && (!best || city.length > best.city.length)) best = { city, zone };
  }
  return best?.zone ?? "UTC";
}
