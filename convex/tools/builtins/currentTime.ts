import type { ToolDefinition } from "../types";
import { ToolInputError } from "../toolInputError";

function isTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat("en-GB", { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

/** `current_time`: the date and time now in an IANA time zone. */
export const currentTime: ToolDefinition = {
  slug: "current_time",
  description: "Get the current date and time in a time zone (IANA name such as Europe/Paris; default UTC).",
  trustLevel: "read",
  idempotent: true,
  parameters: {
    type: "object",
    properties: { timezone: { type: "string", description: "IANA time zone, e.g. Europe/Paris" } },
    additionalProperties: false,
  },
  execute: async (_run, args) => {
    const timezone = typeof args.timezone === "string" && args.timezone !== "" ? args.timezone : "UTC";
    if (!isTimeZone(timezone)) throw new ToolInputError(`Unknown time zone "${timezone}".`);
    const now = new Date();
    const local = new Intl.DateTimeFormat("en-GB", {
      timeZone: timezone,
      dateStyle: "full",
      timeStyle: "short",
    }).format(now);
    return { timezone, iso: now.toISOString(), local };
  },
};
