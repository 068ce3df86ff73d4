/**
 * A tool call's arguments, read off the tool's JSON schema: an intent's
 * values go to the properties whose names mean the same thing (`fact` →
 * `fact`, `content`, `text`...), enums take the option the message names,
 * delays are read from "in 5 minutes", and required properties left over get
 * their default or an empty value.
 */
import { escapeRegExp } from "../text";
import { jsonFromSchema, typeOf, type JsonSchema } from "./jsonSchema";

export type Role = "task" | "context" | "fact" | "query" | "timezone" | "url";

const ROLE_NAMES: Record<Role, RegExp> = {
  task: /^(?:task|prompt|instructions?|request|goal|job|work|description|what)$/i,
  context: /^(?:context|background|details|notes?)$/i,
  fact: /^(?:fact|memory|content|statement|information|info|value|text|note)$/i,
  query: /^(?:query|q|question|search|search_?query|terms?|keywords?|topic)$/i,
  timezone: /^(?:time_?zone|tz|zone|iana(?:_?zone)?)$/i,
  url: /^(?:url|uri|link|href|page_?url|web_?address)$/i,
};

function roleOf(name: string): Role | undefined {
  return (Object.keys(ROLE_NAMES) as Role[]).find((role) => ROLE_NAMES[role].test(name));
}

/**
 * Arguments for `tool`. The `primary` value goes to the first string
 * property (a required one first) when no property name matched its role;
 * required strings left over get the message itself.
 */
export function deriveArgs(
  tool: { schema: JsonSchema },
  message: string,
  values: Partial<Record<Role, string>>,
  primary?: Role,
): Record<string, unknown> {
  const properties = tool.schema.properties ?? {};
  const names = Object.keys(properties);
  if (names.length === 0) return { ...values };
  const required = new Set(tool.schema.required ?? []);
  const args: Record<string, unknown> = {};

  for (const name of names) {
    const property = properties[name] ?? {};
    const role = roleOf(name);
    const type = typeOf(property);
    if (property.enum) {
      const mentioned = property.enum.find((option) => typeof option === "string" && new RegExp(`\\b${escapeRegExp(option)}\\b`, "i").test(message));
      if (mentioned !== undefined) args[name] = mentioned;
    } else if ((type === undefined || type === "string") && role && values[role] !== undefined) {
      args[name] = values[role];
    } else if ((type === "number" || type === "integer") && /delay|after|seconds|minutes|ms$/i.test(name)) {
      const delay = delayIn(message, name);
      if (delay !== undefined) args[name] = delay;
    }
  }

  const main = primary ? values[primary] : undefined;
  if (main !== undefined && !Object.values(args).includes(main)) {
    const stringProps = names.filter((name) => args[name] === undefined && [undefined, "string"].includes(typeOf(properties[name] ?? {})));
    const target = stringProps.find((name) => required.has(name)) ?? stringProps[0];
    if (target !== undefined) args[target] = main;
  }

  for (const name of required) {
    if (args[name] !== undefined) continue;
    const property = properties[name] ?? {};
    args[name] = property.default ?? property.enum?.[0] ?? emptyValue(property, message);
  }
  return args;
}

function emptyValue(schema: JsonSchema, message: string): unknown {
  switch (typeOf(schema)) {
    case "number":
    case "integer":
      return schema.minimum ?? 0;
    case "boolean":
      return false;
    case "array":
      return [];
    case "object":
      return jsonFromSchema(schema, message);
    case "null":
      return null;
    default:
      return message;
  }
}

/** "in 5 minutes" in the unit the property's name suggests (seconds unless it says ms, minutes or hours). */
function delayIn(message: string, propertyName: string): number | undefined {
  const found = /\bin\s+(\d+)\s*(seconds?|secs?|minutes?|mins?|hours?|hrs?)\b/i.exec(message);
  if (!found?.[1] || !found[2]) return undefined;
  const unit = found[2].toLowerCase();
  const ms = Number(found[1]) * (unit.startsWith("h") ? 3_600_000 : unit.startsWith("m") ? 60_000 : 1000);
  if (/ms$|millis/i.test(propertyName)) return ms;
  if (/minute/i.test(propertyName)) return Math.round(ms / 60_000);
  if (/hour/i.test(propertyName)) return Math.round(ms / 3_600_000);
  return Math.round(ms / 1000);
}
