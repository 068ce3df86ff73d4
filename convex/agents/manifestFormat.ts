/**
 * The agent manifest: an agent as JSON, in the capability-manifest shape.
 *
 * ```json
 * { "version": 1, "kind": "agent", "name": "Researcher", "slug": "researcher",
 *   "description": "...", "execution": { "model": null, "instructions": "..." },
 *   "capability_level": "read",
 *   "tools": [{ "slug": "current_time", "permission": "read", "needs_approval": false }],
 *   "channels": [], "metadata": { "accent_color": "#0891b2" } }
 * ```
 *
 * `execution.model` null = the deployment's default model. An **external
 * agent** says `"execution": { "type": "external", "endpoint_url": "https://…",
 * "timeout_seconds": 30 }` (instructions optional): its turns, and delegations
 * to it, are answered by that endpoint (convex/chat/externalAgent.ts has the
 * contract). A delegation is
 * a tool entry for the target's agent tool (`delegate_<slug>`), optionally
 * with `allowed_tools` (the composition's restriction). Pure: parsing and
 * shape checks only; the account-dependent checks happen in manifests.ts.
 */
import { v, type Infer } from "convex/values";
import { fail } from "../lib/errors";
import { isPlainObject, readManifestObject } from "../tools/manifestInput";
import { isPermission, vPermission, type Permission } from "../tools/validators";
import {
  accentColorProblem,
  descriptionProblem,
  instructionsProblem,
  LIMITS,
  nameProblem,
  slugProblem,
  vCapabilityLevel,
  type CapabilityLevel,
} from "./validators";
import { parseViews, type StoredView } from "./views";
import { parseChannels, vChannel, type Channel } from "./channels";

export const MANIFEST_VERSION = 1;
const MAX_MANIFEST_CHARS = 64_000;

export const vAgentManifest = v.object({
  version: v.number(),
  kind: v.literal("agent"),
  name: v.string(),
  slug: v.string(),
  description: v.string(),
  execution: v.object({
    /** Absent or "model": a model answers; "external": `endpoint_url` does. */
    type: v.optional(v.union(v.literal("model"), v.literal("external"))),
    model: v.union(v.string(), v.null()),
    instructions: v.string(),
    endpoint_url: v.optional(v.string()),
    timeout_seconds: v.optional(v.number()),
  }),
  capability_level: vCapabilityLevel,
  tools: v.array(
    v.object({
      slug: v.string(),
      permission: vPermission,
      needs_approval: v.boolean(),
      allowed_tools: v.optional(v.array(v.string())),
    }),
  ),
  /** Where it answers (channels.ts); empty = everywhere. */
  channels: v.array(vChannel),
  /** How the app shows the agent (views.ts); absent = a conversation only. `config`: as its view type declares, checked there. */
  views: v.optional(
    v.array(v.object({ type: v.string(), name: v.optional(v.string()), data_source: v.optional(v.string()), config: v.optional(v.any()) })),
  ),
  metadata: v.object({
    accent_color: v.optional(v.string()),
    template_slug: v.optional(v.string()),
    agent_version: v.optional(v.number()),
  }),
});
export type AgentManifest = Infer<typeof vAgentManifest>;

export type ParsedManifest = {
  name: string;
  slug: string;
  description: string;
  instructions: string;
  /** undefined: the deployment's default. */
  model?: string;
  capabilityLevel: CapabilityLevel;
  accentColor?: string;
  tools: { slug: string; permission: Permission; needsApproval?: boolean; allowedTools?: string[] }[];
  /** `execution.type: "external"`: the endpoint that answers its turns. */
  external?: { endpointUrl: string; timeoutSeconds?: number };
  views?: StoredView[];
  /** Absent: every channel. */
  channels?: Channel[];
};

/** An external agent's time limit per attempt, unless `execution.timeout_seconds` says. */
export const EXTERNAL_DEFAULT_TIMEOUT_SECONDS = 30;
export const EXTERNAL_MIN_TIMEOUT_SECONDS = 0.1;
export const EXTERNAL_MAX_TIMEOUT_SECONDS = 120;

/** `execution.endpoint_url` and `execution.timeout_seconds` of an external agent. */
function parseExternal(execution: Record<string, unknown>): NonNullable<ParsedManifest["external"]> {
  const raw = execution.endpoint_url;
  let url: URL;
  try {
    url = new URL(typeof raw === "string" ? raw : "");
  } catch {
    bad("execution.endpoint_url must be an absolute URL", "execution.endpoint_url");
  }
  if (url.protocol !== "https:" && url.protocol !== "http:") bad("execution.endpoint_url must be an http or https URL", "execution.endpoint_url");
  if (url.username !== "" || url.password !== "") bad("execution.endpoint_url must not carry credentials", "execution.endpoint_url");
  const timeout = execution.timeout_seconds;
  if (
    timeout !== undefined &&
    (typeof timeout !== "number" || !Number.isFinite(timeout) || timeout < EXTERNAL_MIN_TIMEOUT_SECONDS || timeout > EXTERNAL_MAX_TIMEOUT_SECONDS)
  ) {
    bad(`execution.timeout_seconds must be a number from ${EXTERNAL_MIN_TIMEOUT_SECONDS} to ${EXTERNAL_MAX_TIMEOUT_SECONDS}`, "execution.timeout_seconds");
  }
  return { endpointUrl: url.toString(), ...(typeof timeout === "number" ? { timeoutSeconds: timeout } : {}) };
}

/** What every manifest refusal's message starts with, so it is understood without its field. */
export const MANIFEST_REFUSAL = "Invalid agent manifest";

/** Refuse the manifest (`bad_request`); `field` is the path the message starts with (none: the manifest as a whole). */
export function refuseManifest(message: string, field?: string): never {
  fail("bad_request", `${MANIFEST_REFUSAL}: ${message}.`, field === undefined ? undefined : { field });
}

const bad: typeof refuseManifest = refuseManifest;

function problem(field: string, found: string | null) {
  if (found !== null) bad(`${field} ${found}`, field);
}

/** Parse (JSON text or object) and check the manifest's shape, or throw `bad_request` naming the field. */
export function parseAgentManifest(input: unknown): ParsedManifest {
  const m = readManifestObject(input, MAX_MANIFEST_CHARS, bad);
  if (m.version !== MANIFEST_VERSION && m.version !== "1" && m.version !== "1.0") bad(`version must be ${MANIFEST_VERSION}`, "version");
  if (m.kind !== "agent") bad('kind must be "agent"', "kind");
  if (typeof m.name !== "string") bad("name must be a string", "name");
  problem("name", nameProblem(m.name));
  if (typeof m.slug !== "string") bad("slug must be a string", "slug");
  problem("slug", slugProblem(m.slug));
  const description = m.description ?? "";
  if (typeof description !== "string") bad("description must be a string", "description");
  problem("description", descriptionProblem(description));

  if (!isPlainObject(m.execution)) bad("execution must be an object with model and instructions", "execution");
  const type = m.execution.type ?? "model";
  if (type !== "model" && type !== "external") bad('execution.type must be "model" or "external"', "execution.type");
  const external = type === "external" ? parseExternal(m.execution) : undefined;
  const { model } = m.execution;
  // An external agent's instructions are only a note for people: its endpoint decides what it says.
  const instructions = m.execution.instructions ?? (external ? `Answered by its external endpoint (${new URL(external.endpointUrl).host}).` : undefined);
  if (typeof instructions !== "string") bad("execution.instructions must be a string", "execution.instructions");
  problem("execution.instructions", instructionsProblem(instructions));
  if (model !== undefined && model !== null && typeof model !== "string") bad("execution.model must be a model id or null", "execution.model");

  const capability = m.capability_level ?? "write";
  if (!isPermission(capability)) bad("capability_level must be read, write or admin", "capability_level");

  const toolsInput = m.tools ?? [];
  if (!Array.isArray(toolsInput)) bad("tools must be an array", "tools");
  if (toolsInput.length > LIMITS.toolsPerAgent) bad(`tools must have at most ${LIMITS.toolsPerAgent} entries`, "tools");
  const tools: ParsedManifest["tools"] = [];
  const seen = new Set<string>();
  toolsInput.forEach((entry: unknown, i) => {
    const at = `tools[${i}]`;
    if (!isPlainObject(entry)) bad(`${at} must be an object with slug, permission and needs_approval`, at);
    if (typeof entry.slug !== "string" || entry.slug === "") bad(`${at}.slug must be a tool slug`, `${at}.slug`);
    if (seen.has(entry.slug)) bad(`${at}.slug repeats "${entry.slug}"`, `${at}.slug`);
    seen.add(entry.slug);
    if (!isPermission(entry.permission)) bad(`${at}.permission must be read, write or admin`, `${at}.permission`);
    if (entry.needs_approval !== undefined && typeof entry.needs_approval !== "boolean") bad(`${at}.needs_approval must be true or false`, `${at}.needs_approval`);
    const allowed = entry.allowed_tools;
    if (allowed !== undefined && (!Array.isArray(allowed) || !allowed.every((s) => typeof s === "string"))) {
      bad(`${at}.allowed_tools must be an array of tool slugs`, `${at}.allowed_tools`);
    }
    tools.push({
      slug: entry.slug,
      permission: entry.permission,
      ...(entry.needs_approval !== undefined ? { needsApproval: entry.needs_approval } : {}),
      ...(allowed !== undefined ? { allowedTools: allowed as string[] } : {}),
    });
  });

  const channels = parseChannels(m.channels, bad);

  const views = parseViews(m.views, bad);

  const metadata = m.metadata ?? {};
  if (!isPlainObject(metadata)) bad("metadata must be an object", "metadata");
  const accent = metadata.accent_color;
  if (accent !== undefined) {
    if (typeof accent !== "string") bad("metadata.accent_color must be a string", "metadata.accent_color");
    problem("metadata.accent_color", accentColorProblem(accent));
  }

  return {
    name: m.name.trim(),
    slug: m.slug,
    description: description.trim(),
    instructions: instructions.trim(),
    ...(typeof model === "string" && model.trim() !== "" ? { model } : {}),
    capabilityLevel: capability,
    ...(typeof accent === "string" ? { accentColor: accent } : {}),
    tools,
    ...(external ? { external } : {}),
    ...(views !== undefined ? { views } : {}),
    ...(channels !== undefined ? { channels } : {}),
  };
}
