/**
 * MCP servers, per account (Settings → MCP servers): an account admin
 * registers a server by its Streamable HTTP URL, with an optional bearer
 * token and extra headers; the harness lists its tools into the tool
 * registry as tools of kind "mcp" (`mcp_<server>_<tool>`), which agents are
 * then assigned like any tool (permission level, approval:
 * tools/assignments.ts). "Refresh" lists them again: new tools are added,
 * tools the server no longer lists are disabled (and enabled again if they
 * come back); a server that cannot be reached keeps its tools and is marked
 * failing with the reason.
 *
 * The token and header values are stored server-side (`mcpServerSecrets`)
 * and never returned: the list shows the token's last four characters and
 * the headers' names. Only admins see or change servers; every change is
 * audited (never with a secret). The URL follows the private-address rule of
 * outbound webhooks and model connections (`HARNESS_WEBHOOK_ALLOW_PRIVATE_URLS`),
 * checked before any request. Server ids arrive as strings and are checked
 * here: another account's server answers `not_found`, like one that does not exist.
 */
import { pick } from "convex-helpers";
import { v, type Infer } from "convex/values";
import { internal } from "../_generated/api";
import type { Doc, Id } from "../_generated/dataModel";
import { internalMutation, internalQuery, type MutationCtx, type QueryCtx } from "../_generated/server";
import { fieldChanges } from "../audit/diff";
import { writeAudit } from "../audit/write";
import { env } from "../lib/env";
import { fail } from "../lib/errors";
import { accountAction, accountMutation, accountQuery } from "../lib/functions";
import { vRole } from "../lib/validators";
import { MAX_ACCOUNT_TOOLS } from "../tools/catalogue";
import { BUILTIN_TOOLS } from "../tools/registry";
import { maxLevel, vPermission, vToolStatus } from "../tools/validators";
import { listServerTools, McpFailure, type Reach, type ServerListing } from "./client";
import {
  checkBearerToken,
  checkHeaders,
  checkName,
  checkTimeoutSeconds,
  checkUrl,
  listedTools,
  MCP_LIMITS,
  MCP_TOOL_PREFIX,
  mcpToolSlug,
  requestHeaders,
  serverSlugFrom,
  tokenHint,
  uniqueServerSlug,
} from "./rules";
import { targetOf } from "./runtime";
import { mcpTables } from "./schema";
import {
  vHeader,
  vListedTool,
  vMcpServerInfo,
  vMcpTarget,
  vSkippedTool,
  type Header,
  type ListedTool,
} from "./validators";

/** The audit log's target kind for MCP servers. */
export const MCP_SERVER_TARGET = "mcp_server";

const MAX_AGENTS_CHECKED = 100;
/** Rows of one server's tools read at most (the listed ones, and those it stopped listing). */
const MAX_SERVER_ROWS = 200;

export const vMcpServerTool = v.object({
  slug: v.string(),
  /** Its name on the server. */
  toolName: v.string(),
  name: v.string(),
  trustLevel: vPermission,
  status: vToolStatus,
  /** The server no longer lists it (it was disabled then). */
  missing: v.boolean(),
});

/**
 * A server as admins see it: the row's fields (mcp/schema.ts) named one by
 * one. The bearer token and header values live in `mcpServerSecrets` and are
 * never returned: `hasBearerToken`, `bearerTokenLast4` and `headerNames` stand for them.
 */
export const vMcpServerView = v.object({
  serverId: v.id("mcpServers"),
  ...pick(mcpTables.mcpServers.validator.fields, [
    "slug",
    "name",
    "url",
    "hasBearerToken",
    "bearerTokenLast4",
    "headerNames",
    "timeoutSeconds",
    "status",
    "lastRefresh",
    "lastError",
    "serverInfo",
    "skippedTools",
    "createdBy",
    "createdAt",
    "updatedAt",
  ]),
  tools: v.array(vMcpServerTool),
});
export type McpServerView = Infer<typeof vMcpServerView>;

async function serverTools(ctx: QueryCtx, serverId: Id<"mcpServers">): Promise<Doc<"tools">[]> {
  return await ctx.db
    .query("tools")
    .withIndex("by_mcpServerId", (q) => q.eq("mcp.serverId", serverId))
    .take(MAX_SERVER_ROWS);
}

async function view(ctx: QueryCtx, server: Doc<"mcpServers">): Promise<McpServerView> {
  const tools = (await serverTools(ctx, server._id))
    .map((t) => ({
      slug: t.slug,
      toolName: t.mcp!.toolName,
      name: t.name,
      trustLevel: t.trustLevel,
      status: t.status,
      missing: t.mcp!.missingSince !== undefined,
    }))
    .sort((a, b) => a.slug.localeCompare(b.slug));
  return {
    serverId: server._id,
    slug: server.slug,
    name: server.name,
    url: server.url,
    hasBearerToken: server.hasBearerToken,
    ...(server.bearerTokenLast4 !== undefined ? { bearerTokenLast4: server.bearerTokenLast4 } : {}),
    headerNames: server.headerNames,
    timeoutSeconds: server.timeoutSeconds,
    status: server.status,
    lastRefresh: server.lastRefresh,
    ...(server.lastError !== undefined ? { lastError: server.lastError } : {}),
    ...(server.serverInfo !== undefined ? { serverInfo: server.serverInfo } : {}),
    skippedTools: server.skippedTools,
    tools,
    createdBy: server.createdBy,
    createdAt: server.createdAt,
    updatedAt: server.updatedAt,
  };
}

async function accountServers(ctx: QueryCtx, accountId: Id<"accounts">): Promise<Doc<"mcpServers">[]> {
  return await ctx.db
    .query("mcpServers")
    .withIndex("by_accountId_slug", (q) => q.eq("accountId", accountId))
    .take(MCP_LIMITS.perAccount + 1);
}

/** The account's server `rawId`, or `not_found` (absent, malformed, or another account's). */
async function serverOf(ctx: QueryCtx, accountId: Id<"accounts">, rawId: string): Promise<Doc<"mcpServers">> {
  const id = ctx.db.normalizeId("mcpServers", rawId);
  const server = id === null ? null : await ctx.db.get("mcpServers", id);
  if (server === null || server.accountId !== accountId) fail("not_found", "MCP server not found.");
  return server;
}

const vActor = v.object({ userId: v.id("userProfiles"), role: vRole });
type Actor = Infer<typeof vActor>;

/** One audit entry; `details` name the server and at most the token's last four characters. */
async function audit(
  ctx: MutationCtx,
  actor: Actor,
  server: Doc<"mcpServers">,
  action: string,
  reason: string,
  extra: Record<string, string | number> = {},
  sides: { before: object | null; after: object | null } = { before: server, after: server },
) {
  await writeAudit(ctx, {
    accountId: server.accountId,
    actorUserId: actor.userId,
    actorRole: actor.role,
    action: `mcp_server.${action}`,
    surface: "spa",
    changes: fieldChanges(sides.before, sides.after),
    targetKind: MCP_SERVER_TARGET,
    targetId: server._id,
    reason,
    details: {
      slug: server.slug,
      name: server.name,
      url: server.url,
      bearerTokenLast4: server.bearerTokenLast4 ?? null,
      headerNames: server.headerNames.join(", "),
      ...extra,
    },
  });
}

// --- the tool rows of a listing ------------------------------------------------------

type ListingCounts = { listed: number; added: number; updated: number; disabled: number; restored: number; overLimit: number };

/**
 * Make the registry match a listing of `server`'s tools: each listed tool
 * has an active row (a new one gets its slug, an existing one keeps it and
 * takes the new title, description and schema; its trust level only ever
 * rises and it stays non-idempotent once it was, so a server cannot make a
 * tool look safer later), a
 * row the server no longer lists is disabled and marked missing, and a
 * missing one listed again is enabled. Tools an admin disabled stay disabled.
 */
async function applyListing(ctx: MutationCtx, server: Doc<"mcpServers">, listed: ListedTool[]): Promise<ListingCounts> {
  const now = Date.now();
  const counts: ListingCounts = { listed: listed.length, added: 0, updated: 0, disabled: 0, restored: 0, overLimit: 0 };
  const existing = await serverTools(ctx, server._id);
  const byName = new Map(existing.map((row) => [row.mcp!.toolName, row]));
  const own = await ctx.db
    .query("tools")
    .withIndex("by_accountId_slug", (q) => q.eq("accountId", server.accountId))
    .take(MAX_ACCOUNT_TOOLS * 2);
  const taken = new Set([...own.map((t) => t.slug), ...BUILTIN_TOOLS.map((t) => t.slug)]);
  let room = MAX_ACCOUNT_TOOLS - own.length;
  const seen = new Set<string>();
  for (const tool of listed) {
    seen.add(tool.toolName);
    const fields = {
      name: `${tool.title} · ${server.name}`.slice(0, MCP_LIMITS.toolTitle),
      description: tool.description,
      parameters: tool.parameters,
    };
    const row = byName.get(tool.toolName);
    if (row === undefined) {
      if (room <= 0) {
        counts.overLimit++;
        continue;
      }
      const slug = mcpToolSlug(server.slug, tool.toolName, (s) => taken.has(s));
      taken.add(slug);
      room--;
      await ctx.db.insert("tools", {
        accountId: server.accountId,
        slug,
        kind: "mcp",
        ...fields,
        trustLevel: tool.trustLevel,
        status: "active",
        mcp: { serverId: server._id, toolName: tool.toolName, idempotent: tool.idempotent },
        updatedAt: now,
      });
      counts.added++;
      continue;
    }
    const trustLevel = maxLevel(row.trustLevel, tool.trustLevel);
    const idempotent = row.mcp!.idempotent && tool.idempotent;
    const missing = row.mcp!.missingSince !== undefined;
    const changed =
      missing ||
      row.name !== fields.name ||
      row.description !== fields.description ||
      JSON.stringify(row.parameters) !== JSON.stringify(fields.parameters) ||
      row.trustLevel !== trustLevel ||
      row.mcp!.idempotent !== idempotent;
    if (!changed) continue;
    await ctx.db.patch("tools", row._id, {
      ...fields,
      trustLevel,
      ...(missing ? { status: "active" as const } : {}),
      mcp: { serverId: server._id, toolName: tool.toolName, idempotent },
      updatedAt: now,
    });
    if (missing) counts.restored++;
    else counts.updated++;
  }
  for (const row of existing) {
    if (seen.has(row.mcp!.toolName) || row.mcp!.missingSince !== undefined || row.status !== "active") continue;
    await ctx.db.patch("tools", row._id, { status: "disabled", mcp: { ...row.mcp!, missingSince: now }, updatedAt: now });
    counts.disabled++;
  }
  return counts;
}

function plural(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}

/** A listing in words: "13 tools: 1 new, 2 no longer listed (disabled); 1 skipped." */
function listingWords(counts: ListingCounts, skipped: number): string {
  const parts = [
    counts.added > 0 ? `${counts.added} new` : "",
    counts.updated > 0 ? `${counts.updated} changed` : "",
    counts.restored > 0 ? `${counts.restored} listed again (enabled)` : "",
    counts.disabled > 0 ? `${counts.disabled} no longer listed (disabled)` : "",
  ].filter((p) => p !== "");
  const notes = [
    skipped > 0 ? `${plural(skipped, "tool")} skipped` : "",
    counts.overLimit > 0 ? `${counts.overLimit} left out: the account has ${MAX_ACCOUNT_TOOLS} tools at most` : "",
  ].filter((p) => p !== "");
  return `${plural(counts.listed, "tool")}${parts.length > 0 ? `: ${parts.join(", ")}` : ", no changes"}${notes.length > 0 ? `; ${notes.join("; ")}` : ""}.`;
}

// --- public functions ------------------------------------------------------------

/** The account's MCP servers with their status and tools, by slug. Admins only (URLs may name internal systems). */
export const list = accountQuery({
  minRole: "admin",
  args: {},
  returns: v.array(vMcpServerView),
  handler: async (ctx, { accountId }) => await Promise.all((await accountServers(ctx, accountId)).map((s) => view(ctx, s))),
});

const vListingResult = v.object({
  ok: v.boolean(),
  /** What the listing found, or the server's error in words. */
  message: v.string(),
  added: v.number(),
  disabled: v.number(),
  restored: v.number(),
  /** Tools the server listed and the registry holds for it now. */
  toolCount: v.number(),
});
type ListingResult = Infer<typeof vListingResult>;

/** The name a server gives itself (title, else name), else its host. */
function defaultName(listing: ServerListing, url: string): string {
  const said = (listing.serverInfo?.title ?? listing.serverInfo?.name ?? "").replace(/\s+/g, " ").trim();
  return (said !== "" ? said : new URL(url).host).slice(0, MCP_LIMITS.name);
}

/** An `McpFailure` met while registering, as a refusal naming the field to fix. */
function registrationRefusal(error: McpFailure): never {
  const auth = /HTTP 40[13]\b/.test(error.message);
  fail("bad_request", `Could not list the server's tools: ${error.message}`, { field: auth ? "bearerToken" : "url" });
}

/**
 * Register an MCP server: check the URL (private-address rule), token and
 * headers, connect and list its tools, then store the server (its secrets
 * apart) and its tools as registry rows. A server that cannot be reached or
 * refuses is not registered: the refusal says why, naming `url` or
 * `bearerToken`. `name` defaults to the name the server gives itself.
 * Audited (the token by its last four characters at most).
 */
export const add = accountAction({
  minRole: "admin",
  args: {
    /** The Streamable HTTP endpoint, e.g. https://mcp.example.com/mcp. */
    url: v.string(),
    name: v.optional(v.string()),
    /** Sent as `Authorization: Bearer <token>`. */
    bearerToken: v.optional(v.string()),
    /** Extra headers (e.g. an API key header); their values are kept like the token. */
    headers: v.optional(v.array(vHeader)),
    /** One request's time limit (default 30, 1–120). */
    timeoutSeconds: v.optional(v.number()),
  },
  returns: v.object({ server: vMcpServerView, listing: vListingResult }),
  handler: async (ctx, args): Promise<{ server: McpServerView; listing: ListingResult }> => {
    const url = checkUrl(args.url, { allowPrivate: env.webhookAllowPrivateUrls() });
    const name = args.name === undefined || args.name.trim() === "" ? undefined : checkName(args.name);
    const bearerToken = args.bearerToken === undefined || args.bearerToken.trim() === "" ? undefined : checkBearerToken(args.bearerToken);
    const headers = checkHeaders(args.headers ?? []);
    const timeoutSeconds = checkTimeoutSeconds(args.timeoutSeconds);
    await ctx.runQuery(internal.mcp.servers.assertRoom, { accountId: args.accountId });
    const reach: Reach = {
      url,
      headers: requestHeaders(bearerToken, headers),
      timeoutMs: timeoutSeconds * 1000,
      secrets: [...(bearerToken !== undefined ? [bearerToken] : []), ...headers.map((h) => h.value)],
    };
    let listing: ServerListing;
    try {
      listing = await listServerTools(reach);
    } catch (error) {
      if (error instanceof McpFailure) {
        log("mcp_server_add", { accountId: args.accountId, url, ok: false, error: error.message });
        registrationRefusal(error);
      }
      throw error;
    }
    const { tools, skipped } = listedTools(listing.tools);
    const created: { serverId: Id<"mcpServers">; listing: ListingResult } = await ctx.runMutation(internal.mcp.servers.create, {
      accountId: args.accountId,
      actor: { userId: ctx.user._id, role: ctx.membership.role },
      name: name ?? defaultName(listing, url),
      url,
      ...(bearerToken !== undefined ? { bearerToken } : {}),
      headers,
      timeoutSeconds,
      ...(listing.serverInfo ? { serverInfo: listing.serverInfo } : {}),
      tools,
      skipped,
      latencyMs: listing.latencyMs,
    });
    log("mcp_server_add", { accountId: args.accountId, serverId: created.serverId, url, ok: true, tools: tools.length, latencyMs: listing.latencyMs });
    const server: McpServerView = await ctx.runQuery(internal.mcp.servers.viewOf, { serverId: created.serverId });
    return { server, listing: created.listing };
  },
});

/**
 * Rename a server, point it at another URL, change its timeout, or replace
 * (or remove) its token or headers. A new URL or secret is used from the
 * next request; refresh to list the tools again. The slug, and so every tool
 * slug, stays. Audited (a replaced token by its last four characters).
 */
export const update = accountMutation({
  minRole: "admin",
  args: {
    serverId: v.string(),
    name: v.optional(v.string()),
    url: v.optional(v.string()),
    /** A new token; "" removes the stored one. */
    bearerToken: v.optional(v.string()),
    /** Replaces every extra header ([] removes them). */
    headers: v.optional(v.array(vHeader)),
    timeoutSeconds: v.optional(v.number()),
  },
  returns: vMcpServerView,
  handler: async (ctx, { accountId, serverId, name, url, bearerToken, headers, timeoutSeconds }) => {
    const server = await serverOf(ctx, accountId, serverId);
    const patch: Partial<Doc<"mcpServers">> = {};
    const changes: string[] = [];
    if (name !== undefined && checkName(name) !== server.name) {
      patch.name = checkName(name);
      changes.push("name");
    }
    if (url !== undefined) {
      const checked = checkUrl(url, { allowPrivate: env.webhookAllowPrivateUrls() });
      if (checked !== server.url) {
        patch.url = checked;
        changes.push("URL");
      }
    }
    if (timeoutSeconds !== undefined && checkTimeoutSeconds(timeoutSeconds) !== server.timeoutSeconds) {
      patch.timeoutSeconds = timeoutSeconds;
      changes.push("timeout");
    }
    const secrets = await secretsOf(ctx, server._id);
    let stored: { bearerToken?: string; headers: Header[] } = { ...(secrets?.bearerToken !== undefined ? { bearerToken: secrets.bearerToken } : {}), headers: secrets?.headers ?? [] };
    let secretChanged = false;
    if (bearerToken !== undefined) {
      const token = bearerToken.trim() === "" ? undefined : checkBearerToken(bearerToken);
      if (token !== stored.bearerToken) {
        stored = { ...(token !== undefined ? { bearerToken: token } : {}), headers: stored.headers };
        patch.hasBearerToken = token !== undefined;
        patch.bearerTokenLast4 = token !== undefined ? tokenHint(token) : undefined;
        changes.push(token === undefined ? "bearer token removed" : server.bearerTokenLast4 !== undefined ? `bearer token replaced (was ••••${server.bearerTokenLast4})` : "bearer token set");
        secretChanged = true;
      }
    }
    if (headers !== undefined) {
      const checked = checkHeaders(headers);
      if (JSON.stringify(checked) !== JSON.stringify(stored.headers)) {
        stored = { ...stored, headers: checked };
        patch.headerNames = checked.map((h) => h.name);
        changes.push("headers");
        secretChanged = true;
      }
    }
    if (changes.length === 0) return await view(ctx, server);
    if (secretChanged) await writeSecrets(ctx, server._id, stored);
    await ctx.db.patch("mcpServers", server._id, { ...patch, updatedAt: Date.now() });
    const updated = (await ctx.db.get("mcpServers", server._id))!;
    await audit(ctx, { userId: ctx.user._id, role: ctx.membership.role }, updated, secretChanged ? "secret_replace" : "update", `changed: ${changes.join(", ")}`, {}, {
      before: { ...server, ...(secretChanged ? { secrets: secrets ?? null } : {}) },
      after: { ...updated, ...(secretChanged ? { secrets: stored } : {}) },
    });
    return await view(ctx, updated);
  },
});

/** The account's agents (not archived) that hold one of `server`'s tools. */
async function agentsUsing(ctx: QueryCtx, server: Doc<"mcpServers">): Promise<Doc<"agents">[]> {
  const agents = await ctx.db
    .query("agents")
    .withIndex("by_accountId_slug", (q) => q.eq("accountId", server.accountId))
    .take(MAX_AGENTS_CHECKED);
  const slugs = new Set((await serverTools(ctx, server._id)).map((t) => t.slug));
  const prefix = `${MCP_TOOL_PREFIX}${server.slug.replace(/-/g, "_")}_`;
  const users: Doc<"agents">[] = [];
  for (const agent of agents) {
    if (agent.status === "archived") continue;
    const assigned = await ctx.db
      .query("toolAssignments")
      .withIndex("by_agentId_toolSlug", (q) => q.eq("agentId", agent._id).gte("toolSlug", prefix).lt("toolSlug", `${prefix}\uffff`))
      .take(MCP_LIMITS.toolsPerServer);
    if (assigned.some((a) => slugs.has(a.toolSlug))) users.push(agent);
  }
  return users;
}

/** Remove a server, its secrets and its tools. Refused (`conflict`, naming them) while an agent is assigned one of its tools. Audited. */
export const remove = accountMutation({
  minRole: "admin",
  args: { serverId: v.string() },
  returns: v.null(),
  handler: async (ctx, { accountId, serverId }) => {
    const server = await serverOf(ctx, accountId, serverId);
    const users = await agentsUsing(ctx, server);
    if (users.length > 0) {
      const names = users.slice(0, 5).map((a) => a.name).join(", ");
      fail(
        "conflict",
        `${server.name}'s tools are assigned to ${users.length === 1 ? "the agent" : `${users.length} agents:`} ${names}${users.length > 5 ? "…" : ""}; remove them from ${users.length === 1 ? "it" : "them"} first.`,
      );
    }
    const tools = await serverTools(ctx, server._id);
    for (const tool of tools) await ctx.db.delete("tools", tool._id);
    const secrets = await secretsOf(ctx, server._id);
    if (secrets !== null) await ctx.db.delete("mcpServerSecrets", secrets._id);
    await ctx.db.delete("mcpServers", server._id);
    await audit(ctx, { userId: ctx.user._id, role: ctx.membership.role }, server, "delete", `removed with ${plural(tools.length, "tool")}`, {}, { before: server, after: null });
    return null;
  },
});

/**
 * "Refresh": list the server's tools again. New tools are added, tools it no
 * longer lists are disabled (enabled again when they return). A server that
 * cannot be reached or refuses keeps its tools; it is marked failing with the
 * reason, which is also the answer.
 */
export const refresh = accountAction({
  minRole: "admin",
  args: { serverId: v.string() },
  returns: vListingResult,
  handler: async (ctx, { accountId, serverId }): Promise<ListingResult> => {
    const found: { serverId: Id<"mcpServers">; updatedAt: number; target: Infer<typeof vMcpTarget> } = await ctx.runQuery(internal.mcp.servers.refreshTarget, {
      accountId,
      serverId,
    });
    const actor = { userId: ctx.user._id, role: ctx.membership.role };
    const started = Date.now();
    let listing: ServerListing;
    try {
      listing = await listServerTools(found.target);
    } catch (error) {
      if (!(error instanceof McpFailure)) throw error;
      log("mcp_server_refresh", { accountId, serverId: found.serverId, ok: false, error: error.message });
      const toolCount: number = await ctx.runMutation(internal.mcp.servers.recordFailure, {
        serverId: found.serverId,
        updatedAt: found.updatedAt,
        message: error.message,
        latencyMs: Date.now() - started,
      });
      return { ok: false, message: `${error.message} Its tools are kept.`, added: 0, disabled: 0, restored: 0, toolCount };
    }
    const { tools, skipped } = listedTools(listing.tools);
    const result: ListingResult = await ctx.runMutation(internal.mcp.servers.recordListing, {
      serverId: found.serverId,
      updatedAt: found.updatedAt,
      actor,
      ...(listing.serverInfo ? { serverInfo: listing.serverInfo } : {}),
      tools,
      skipped,
      latencyMs: listing.latencyMs,
    });
    log("mcp_server_refresh", { accountId, serverId: found.serverId, ok: result.ok, message: result.message, latencyMs: listing.latencyMs });
    return result;
  },
});

function log(event: string, fields: Record<string, unknown>) {
  console.log(JSON.stringify({ event, ...fields }));
}

// --- internal: what the actions read and write -------------------------------------

async function secretsOf(ctx: QueryCtx, serverId: Id<"mcpServers">) {
  return await ctx.db
    .query("mcpServerSecrets")
    .withIndex("by_serverId", (q) => q.eq("serverId", serverId))
    .unique();
}

async function writeSecrets(ctx: MutationCtx, serverId: Id<"mcpServers">, secrets: { bearerToken?: string; headers: Header[] }) {
  const row = await secretsOf(ctx, serverId);
  const value = { ...(secrets.bearerToken !== undefined ? { bearerToken: secrets.bearerToken } : {}), headers: secrets.headers };
  if (row === null) await ctx.db.insert("mcpServerSecrets", { serverId, ...value });
  else await ctx.db.replace("mcpServerSecrets", row._id, { serverId, ...value });
}

/** Refuse early (before any request) when the account has as many servers as it may. */
export const assertRoom = internalQuery({
  args: { accountId: v.id("accounts") },
  returns: v.null(),
  handler: async (ctx, { accountId }) => {
    if ((await accountServers(ctx, accountId)).length >= MCP_LIMITS.perAccount) {
      fail("conflict", `An account has at most ${MCP_LIMITS.perAccount} MCP servers; remove one first.`);
    }
    return null;
  },
});

export const viewOf = internalQuery({
  args: { serverId: v.id("mcpServers") },
  returns: vMcpServerView,
  handler: async (ctx, { serverId }) => await view(ctx, (await ctx.db.get("mcpServers", serverId))!),
});

/** Store a server that was just listed, with its secrets and tools. */
export const create = internalMutation({
  args: {
    accountId: v.id("accounts"),
    actor: vActor,
    name: v.string(),
    url: v.string(),
    bearerToken: v.optional(v.string()),
    headers: v.array(vHeader),
    timeoutSeconds: v.number(),
    serverInfo: v.optional(vMcpServerInfo),
    tools: v.array(vListedTool),
    skipped: v.array(vSkippedTool),
    latencyMs: v.number(),
  },
  returns: v.object({ serverId: v.id("mcpServers"), listing: vListingResult }),
  handler: async (ctx, args) => {
    const existing = await accountServers(ctx, args.accountId);
    if (existing.length >= MCP_LIMITS.perAccount) fail("conflict", `An account has at most ${MCP_LIMITS.perAccount} MCP servers; remove one first.`);
    const slug = uniqueServerSlug(serverSlugFrom(args.name), new Set(existing.map((s) => s.slug)));
    const now = Date.now();
    const hint = args.bearerToken !== undefined ? tokenHint(args.bearerToken) : undefined;
    const serverId = await ctx.db.insert("mcpServers", {
      accountId: args.accountId,
      slug,
      name: args.name,
      url: args.url,
      hasBearerToken: args.bearerToken !== undefined,
      ...(hint !== undefined ? { bearerTokenLast4: hint } : {}),
      headerNames: args.headers.map((h) => h.name),
      timeoutSeconds: args.timeoutSeconds,
      status: "ok",
      lastRefresh: { ok: true, message: "", at: now, latencyMs: args.latencyMs },
      ...(args.serverInfo ? { serverInfo: args.serverInfo } : {}),
      skippedTools: args.skipped,
      createdBy: args.actor.userId,
      createdAt: now,
      updatedAt: now,
    });
    if (args.bearerToken !== undefined || args.headers.length > 0) {
      await writeSecrets(ctx, serverId, { ...(args.bearerToken !== undefined ? { bearerToken: args.bearerToken } : {}), headers: args.headers });
    }
    const server = (await ctx.db.get("mcpServers", serverId))!;
    const counts = await applyListing(ctx, server, args.tools);
    const message = listingWords(counts, args.skipped.length);
    await ctx.db.patch("mcpServers", serverId, { lastRefresh: { ok: true, message, at: now, latencyMs: args.latencyMs } });
    await audit(ctx, args.actor, server, "create", args.bearerToken !== undefined ? "added with a bearer token" : "added", { tools: counts.added }, { before: null, after: server });
    return { serverId, listing: { ok: true, message, added: counts.added, disabled: 0, restored: 0, toolCount: counts.added } };
  },
});

/** A server to refresh, with its secrets: `not_found` for another account's; `bad_request` when its URL is now a refused private address. */
export const refreshTarget = internalQuery({
  args: { accountId: v.id("accounts"), serverId: v.string() },
  returns: v.object({ serverId: v.id("mcpServers"), updatedAt: v.number(), target: vMcpTarget }),
  handler: async (ctx, { accountId, serverId }) => {
    const server = await serverOf(ctx, accountId, serverId);
    checkUrl(server.url, { allowPrivate: env.webhookAllowPrivateUrls() });
    return { serverId: server._id, updatedAt: server.updatedAt, target: await targetOf(ctx, server) };
  },
});

export const recordListing = internalMutation({
  args: {
    serverId: v.id("mcpServers"),
    updatedAt: v.number(),
    actor: vActor,
    serverInfo: v.optional(vMcpServerInfo),
    tools: v.array(vListedTool),
    skipped: v.array(vSkippedTool),
    latencyMs: v.number(),
  },
  returns: vListingResult,
  handler: async (ctx, args): Promise<ListingResult> => {
    const server = await ctx.db.get("mcpServers", args.serverId);
    // Removed, or pointed elsewhere while the listing ran: it is about something that no longer exists.
    if (server === null || server.updatedAt !== args.updatedAt) {
      return { ok: false, message: "The server was changed or removed while its tools were listed; refresh again.", added: 0, disabled: 0, restored: 0, toolCount: 0 };
    }
    const counts = await applyListing(ctx, server, args.tools);
    const message = listingWords(counts, args.skipped.length);
    const now = Date.now();
    await ctx.db.patch("mcpServers", server._id, {
      status: "ok",
      lastRefresh: { ok: true, message, at: now, latencyMs: args.latencyMs },
      ...(args.serverInfo ? { serverInfo: args.serverInfo } : {}),
      skippedTools: args.skipped,
    });
    if (counts.added + counts.disabled + counts.restored > 0) {
      await audit(ctx, args.actor, server, "refresh", message, { added: counts.added, disabled: counts.disabled, restored: counts.restored });
    }
    const toolCount = (await serverTools(ctx, server._id)).filter((t) => t.status === "active").length;
    return { ok: true, message, added: counts.added, disabled: counts.disabled, restored: counts.restored, toolCount };
  },
});

/** A refresh that failed: the server is marked failing with the reason; its tools stay as they were. Returns how many are active. */
export const recordFailure = internalMutation({
  args: { serverId: v.id("mcpServers"), updatedAt: v.number(), message: v.string(), latencyMs: v.number() },
  returns: v.number(),
  handler: async (ctx, { serverId, updatedAt, message, latencyMs }) => {
    const server = await ctx.db.get("mcpServers", serverId);
    if (server === null) return 0;
    if (server.updatedAt === updatedAt) {
      const at = Date.now();
      await ctx.db.patch("mcpServers", serverId, { status: "failing", lastRefresh: { ok: false, message, at, latencyMs }, lastError: { message, at } });
    }
    return (await serverTools(ctx, serverId)).filter((t) => t.status === "active").length;
  },
});
