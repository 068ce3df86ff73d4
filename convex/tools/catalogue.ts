/**
 * The account-visible tool catalogue (the `tools` table), as plain functions
 * taking `ctx`: lookups that fall back to the code registry for built-ins,
 * the built-in upsert, agent-type tools for delegation, parameter-schema
 * validation and the public shape of a tool.
 */
import { v, type Infer } from "convex/values";
import type { Doc, Id } from "../_generated/dataModel";
import type { MutationCtx, QueryCtx } from "../_generated/server";
import { fail } from "../lib/errors";
import { BUILTIN_TOOLS, findTool, type ToolDefinition } from "./registry";
import { vHttpEndpoint, vPermission, vToolKind, vToolStatus, type HttpEndpoint, type Permission, type ToolKind, type ToolStatus } from "./validators";

/** A tool as the builder and the runtime see it, wherever it is stored. */
export type ToolInfo = {
  toolId: Id<"tools"> | null;
  /** null: a platform built-in. */
  accountId: Id<"accounts"> | null;
  slug: string;
  kind: ToolKind;
  name: string;
  description: string;
  parameters: Record<string, unknown>;
  trustLevel: Permission;
  status: ToolStatus;
  agentId?: Id<"agents">;
  http?: HttpEndpoint;
  /** kind "mcp": its server and its name there. */
  mcp?: { serverId: Id<"mcpServers">; toolName: string };
};

export const MAX_ACCOUNT_TOOLS = 200;
export const TOOL_SLUG_PATTERN = /^[a-z][a-z0-9_-]{1,63}$/;
export const DELEGATE_PREFIX = "delegate_";

/** The slug of the agent-type tool that delegates to the agent with `agentSlug`. */
export function delegateToolSlug(agentSlug: string): string {
  return `${DELEGATE_PREFIX}${agentSlug}`;
}

/** The invocation contract of every agent-type tool: a task, and optional context. */
export const DELEGATE_PARAMETERS = {
  type: "object",
  properties: {
    task: { type: "string", description: "What the agent should do, in plain words." },
    context: { type: "string", description: "Anything it needs to know to do it (optional)." },
  },
  required: ["task"],
  additionalProperties: false,
} as const;

function titleOf(slug: string): string {
  const words = slug.replace(/[_-]+/g, " ").trim();
  return words.charAt(0).toUpperCase() + words.slice(1);
}

function builtinInfo(definition: ToolDefinition): ToolInfo {
  return {
    toolId: null,
    accountId: null,
    slug: definition.slug,
    kind: "builtin",
    name: titleOf(definition.slug),
    description: definition.description,
    parameters: definition.parameters as Record<string, unknown>,
    trustLevel: definition.trustLevel,
    status: "active",
  };
}

export function infoOf(tool: Doc<"tools">): ToolInfo {
  return {
    toolId: tool._id,
    accountId: tool.accountId,
    slug: tool.slug,
    kind: tool.kind,
    name: tool.name,
    description: tool.description,
    parameters: tool.parameters as Record<string, unknown>,
    trustLevel: tool.trustLevel,
    status: tool.status,
    ...(tool.agentId ? { agentId: tool.agentId } : {}),
    ...(tool.http ? { http: tool.http } : {}),
    ...(tool.mcp ? { mcp: { serverId: tool.mcp.serverId, toolName: tool.mcp.toolName } } : {}),
  };
}

async function rowBySlug(ctx: QueryCtx, accountId: Id<"accounts"> | null, slug: string) {
  return await ctx.db
    .query("tools")
    .withIndex("by_accountId_slug", (q) => q.eq("accountId", accountId).eq("slug", slug))
    .unique();
}

/**
 * The tool `slug` as account `accountId` sees it: its own tool, else the
 * platform's built-in row, else the built-in from code (before the seed ran).
 */
export async function findAccountTool(ctx: QueryCtx, accountId: Id<"accounts">, slug: string): Promise<ToolInfo | null> {
  const own = await rowBySlug(ctx, accountId, slug);
  if (own) return infoOf(own);
  const platform = await rowBySlug(ctx, null, slug);
  if (platform) return infoOf(platform);
  const definition = findTool(slug);
  return definition ? builtinInfo(definition) : null;
}

/** Every tool visible to the account, built-ins first, then by slug. */
export async function listAccountTools(ctx: QueryCtx, accountId: Id<"accounts">): Promise<ToolInfo[]> {
  const platform = await ctx.db
    .query("tools")
    .withIndex("by_accountId_slug", (q) => q.eq("accountId", null))
    .take(100);
  const own = await ctx.db
    .query("tools")
    .withIndex("by_accountId_slug", (q) => q.eq("accountId", accountId))
    .take(MAX_ACCOUNT_TOOLS);
  const builtins = platform.map(infoOf);
  for (const definition of BUILTIN_TOOLS) {
    if (!builtins.some((t) => t.slug === definition.slug)) builtins.push(builtinInfo(definition));
  }
  builtins.sort((a, b) => a.slug.localeCompare(b.slug));
  return [...builtins, ...own.map(infoOf)];
}

/**
 * Mirror `BUILTIN_TOOLS` into the `tools` table (accountId null). Idempotent:
 * writes only rows that are missing or differ; keeps a row's status.
 */
export async function upsertBuiltinTools(ctx: MutationCtx): Promise<{ inserted: number; updated: number; unchanged: number }> {
  const counts = { inserted: 0, updated: 0, unchanged: 0 };
  for (const definition of BUILTIN_TOOLS) {
    const wanted = builtinInfo(definition);
    const fields = {
      kind: wanted.kind,
      name: wanted.name,
      description: wanted.description,
      parameters: wanted.parameters,
      trustLevel: wanted.trustLevel,
    };
    const row = await rowBySlug(ctx, null, definition.slug);
    if (row === null) {
      await ctx.db.insert("tools", { accountId: null, slug: definition.slug, ...fields, status: "active", updatedAt: Date.now() });
      counts.inserted++;
    } else if (!sameValue(fields, { kind: row.kind, name: row.name, description: row.description, parameters: row.parameters, trustLevel: row.trustLevel })) {
      await ctx.db.patch("tools", row._id, { ...fields, updatedAt: Date.now() });
      counts.updated++;
    } else {
      counts.unchanged++;
    }
  }
  return counts;
}

/** JSON with object keys sorted: stored objects do not keep key order. */
function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, inner: unknown) =>
    inner !== null && typeof inner === "object" && !Array.isArray(inner)
      ? Object.fromEntries(Object.entries(inner as Record<string, unknown>).sort(([a], [b]) => a.localeCompare(b)))
      : inner,
  );
}

/** Deep equality of two JSON-like values, ignoring key order. */
export function sameValue(a: unknown, b: unknown): boolean {
  return canonicalJson(a) === canonicalJson(b);
}

/** The agent's own agent-type tool, if it has one. */
export async function agentToolOf(ctx: QueryCtx, agentId: Id<"agents">): Promise<Doc<"tools"> | null> {
  return await ctx.db
    .query("tools")
    .withIndex("by_agentId", (q) => q.eq("agentId", agentId))
    .first();
}

/**
 * The agent-type tool that delegates to `agent`, created on first use
 * (`delegate_<slug>`, trust level read: asking another agent has no effect
 * of its own; what the delegate may do is capped by the composition).
 */
export async function ensureAgentTool(ctx: MutationCtx, agent: Doc<"agents">): Promise<Doc<"tools">> {
  const existing = await agentToolOf(ctx, agent._id);
  if (existing) return existing;
  const slug = delegateToolSlug(agent.slug);
  const taken = await findAccountTool(ctx, agent.accountId, slug);
  if (taken) fail("conflict", `The tool slug "${slug}" is already taken in this account.`);
  const toolId = await ctx.db.insert("tools", {
    accountId: agent.accountId,
    slug,
    kind: "agent",
    name: `Ask ${agent.name}`,
    description: `Delegate a task to ${agent.name}${agent.description ? `: ${agent.description}` : "."}`,
    parameters: DELEGATE_PARAMETERS,
    trustLevel: "read",
    status: "active",
    agentId: agent._id,
    updatedAt: Date.now(),
  });
  return (await ctx.db.get("tools", toolId))!;
}

// --- parameter schemas --------------------------------------------------------

const MAX_SCHEMA_CHARS = 16_000;
const MAX_SCHEMA_DEPTH = 12;

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** A key Convex cannot store, or a nesting too deep, anywhere in `value`. */
function storageProblem(value: unknown, path: string, depth: number): string | null {
  if (depth > MAX_SCHEMA_DEPTH) return `${path} is nested more than ${MAX_SCHEMA_DEPTH} levels deep`;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const problem = storageProblem(value[i], `${path}[${i}]`, depth + 1);
      if (problem) return problem;
    }
    return null;
  }
  if (!isPlainObject(value)) return null;
  for (const [key, inner] of Object.entries(value)) {
    if (key.startsWith("$")) return `${path}.${key}: keywords starting with "$" ($ref, $schema...) are not supported`;
    if (key === "" || !/^[\x20-\x7e]+$/.test(key)) return `${path}: property names must be printable ASCII`;
    const problem = storageProblem(inner, `${path}.${key}`, depth + 1);
    if (problem) return problem;
  }
  return null;
}

/**
 * Why `schema` is not a usable parameter schema (a JSON Schema of type
 * "object"), or null. Messages start with the field name `field`.
 */
export function parameterSchemaProblem(schema: unknown, field = "parameters"): string | null {
  if (!isPlainObject(schema)) return `${field} must be a JSON Schema object`;
  if (schema.type !== "object") return `${field}.type must be "object" (tool arguments are an object)`;
  if (JSON.stringify(schema).length > MAX_SCHEMA_CHARS) return `${field} must be at most ${MAX_SCHEMA_CHARS} characters of JSON`;
  const properties = schema.properties;
  if (properties !== undefined) {
    if (!isPlainObject(properties)) return `${field}.properties must be an object`;
    for (const [name, property] of Object.entries(properties)) {
      if (!isPlainObject(property) && typeof property !== "boolean") return `${field}.properties.${name} must be a schema object`;
    }
  }
  const required = schema.required;
  if (required !== undefined) {
    if (!Array.isArray(required) || !required.every((r) => typeof r === "string")) return `${field}.required must be an array of property names`;
    for (const name of required as string[]) {
      if (!isPlainObject(properties) || !(name in properties)) return `${field}.required names "${name}", which is not in ${field}.properties`;
    }
  }
  const additional = schema.additionalProperties;
  if (additional !== undefined && typeof additional !== "boolean" && !isPlainObject(additional)) {
    return `${field}.additionalProperties must be a boolean or a schema object`;
  }
  return storageProblem(schema, field, 0);
}

/**
 * Why `schema` is not a usable result schema (any JSON Schema object an
 * external tool's answer must match), or null.
 */
export function returnSchemaProblem(schema: unknown, field = "return_schema"): string | null {
  if (!isPlainObject(schema)) return `${field} must be a JSON Schema object`;
  if (JSON.stringify(schema).length > MAX_SCHEMA_CHARS) return `${field} must be at most ${MAX_SCHEMA_CHARS} characters of JSON`;
  return storageProblem(schema, field, 0);
}

// --- public shape -------------------------------------------------------------

export const vPublicTool = v.object({
  /** null for built-ins that were not seeded yet. */
  toolId: v.union(v.id("tools"), v.null()),
  slug: v.string(),
  kind: vToolKind,
  /** false: a platform built-in (the same for every account). */
  accountOwned: v.boolean(),
  name: v.string(),
  description: v.string(),
  /** The tool's JSON Schema for its arguments (tools/schema.ts): arbitrary JSON by nature. */
  parameters: v.any(),
  trustLevel: vPermission,
  status: vToolStatus,
  /** kind "agent": the agent it delegates to. */
  agentId: v.optional(v.id("agents")),
  /** kind "http": the endpoint. */
  http: v.optional(vHttpEndpoint),
  /** Built-ins that cannot run on this deployment (e.g. `web_search` without a provider key): why. Calls are refused with it. */
  notConfigured: v.optional(v.string()),
  /** kind "mcp": the MCP server it comes from and its name there. */
  mcp: v.optional(v.object({ serverId: v.id("mcpServers"), toolName: v.string() })),
});
export type PublicTool = Infer<typeof vPublicTool>;

export function publicTool(tool: ToolInfo): PublicTool {
  const notConfigured = tool.kind === "builtin" ? (findTool(tool.slug)?.unavailableReason?.() ?? null) : null;
  return {
    toolId: tool.toolId,
    slug: tool.slug,
    kind: tool.kind,
    accountOwned: tool.accountId !== null,
    name: tool.name,
    description: tool.description,
    parameters: tool.parameters,
    trustLevel: tool.trustLevel,
    status: tool.status,
    ...(tool.agentId ? { agentId: tool.agentId } : {}),
    ...(tool.http ? { http: tool.http } : {}),
    ...(notConfigured !== null ? { notConfigured } : {}),
    ...(tool.mcp ? { mcp: tool.mcp } : {}),
  };
}
