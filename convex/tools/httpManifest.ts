/**
 * External HTTP tools, registered by manifest. Only stored and validated
 * here; calling them arrives with the external-API issue.
 *
 * ```json
 * { "version": 1, "kind": "tool", "slug": "weather", "name": "Weather",
 *   "description": "Current weather for a city", "trust_level": "read",
 *   "parameters": { "type": "object", "properties": { "city": { "type": "string" } }, "required": ["city"] },
 *   "execution": { "type": "http", "url": "https://api.example.com/weather", "method": "GET" } }
 * ```
 */
import { fail } from "../lib/errors";
import { isPlainObject, readManifestObject } from "./manifestInput";
import { DELEGATE_PREFIX, parameterSchemaProblem, TOOL_SLUG_PATTERN } from "./catalogue";
import { HTTP_METHODS, isPermission, type HttpMethod, type Permission } from "./validators";

export type HttpToolManifest = {
  slug: string;
  name: string;
  description: string;
  trustLevel: Permission;
  parameters: Record<string, unknown>;
  http: { url: string; method: HttpMethod };
};

const MAX_MANIFEST_CHARS = 32_000;

/** Refuse the manifest; `field` is the path the message starts with (none: the manifest as a whole). */
function bad(message: string, field?: string): never {
  fail("bad_request", `Invalid tool manifest: ${message}.`, field === undefined ? undefined : { field });
}

/** Parse (JSON text or object) and validate a tool manifest, or throw `bad_request` naming the field. */
export function parseHttpToolManifest(input: unknown): HttpToolManifest {
  const m = readManifestObject(input, MAX_MANIFEST_CHARS, bad);
  if (m.version !== undefined && m.version !== 1 && m.version !== "1") bad("version must be 1", "version");
  if (m.kind !== "tool") bad('kind must be "tool"', "kind");

  if (typeof m.slug !== "string" || !TOOL_SLUG_PATTERN.test(m.slug)) {
    bad("slug must be 2 to 64 characters: lowercase letters, digits, '-' or '_', starting with a letter", "slug");
  }
  if (m.slug.startsWith(DELEGATE_PREFIX)) bad(`slug must not start with "${DELEGATE_PREFIX}" (reserved for agent tools)`, "slug");
  const name = m.name === undefined ? m.slug : m.name;
  if (typeof name !== "string" || name.trim() === "" || name.length > 80) bad("name must be 1 to 80 characters", "name");
  if (typeof m.description !== "string" || m.description.trim() === "" || m.description.length > 1000) {
    bad("description must be 1 to 1000 characters", "description");
  }
  if (!isPermission(m.trust_level)) bad("trust_level must be read, write or admin", "trust_level");
  const schemaProblem = parameterSchemaProblem(m.parameters);
  if (schemaProblem) bad(schemaProblem, "parameters");

  const execution = m.execution;
  if (!isPlainObject(execution)) bad("execution must be an object", "execution");
  if (execution.type !== "http") bad('execution.type must be "http"', "execution.type");
  if (typeof execution.url !== "string") bad("execution.url must be a URL", "execution.url");
  let url: URL;
  try {
    url = new URL(execution.url);
  } catch {
    bad("execution.url must be an absolute URL", "execution.url");
  }
  if (url.protocol !== "https:" && url.protocol !== "http:") bad("execution.url must be an http or https URL", "execution.url");
  if (url.username !== "" || url.password !== "") bad("execution.url must not carry credentials", "execution.url");
  const method = execution.method === undefined ? "POST" : execution.method;
  if (typeof method !== "string" || !(HTTP_METHODS as readonly string[]).includes(method)) {
    bad(`execution.method must be one of ${HTTP_METHODS.join(", ")}`, "execution.method");
  }
  return {
    slug: m.slug,
    name: name.trim(),
    description: m.description.trim(),
    trustLevel: m.trust_level,
    parameters: m.parameters as Record<string, unknown>,
    http: { url: url.toString(), method: method as HttpMethod },
  };
}
