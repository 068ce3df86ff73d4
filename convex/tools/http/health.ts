/**
 * External HTTP tools as the account's Settings show them: their settings,
 * the last probe of their `health_check_url`, and how their last call went.
 * A probe is on demand (`probe`): one GET with a 10 s limit, the private-
 * address rule applied, a 2xx is healthy; its result is kept (one row per tool).
 */
import { v, type Infer } from "convex/values";
import { internal } from "../../_generated/api";
import type { Doc, Id } from "../../_generated/dataModel";
import { internalMutation, internalQuery, type QueryCtx } from "../../_generated/server";
import { fail } from "../../lib/errors";
import { accountAction, accountQuery } from "../../lib/functions";
import { MAX_ACCOUNT_TOOLS } from "../catalogue";
import { vHttpExecutionMode, vHttpMethod } from "../validators";
import { readBody } from "./request";
import { privateUrlRefusal } from "./send";
import { effectiveSettings } from "./settings";

export const HEALTH_TIMEOUT_MS = 10_000;
const MAX_ERROR_CHARS = 300;

export const vHealth = v.object({
  url: v.string(),
  checkedAt: v.number(),
  ok: v.boolean(),
  statusCode: v.optional(v.number()),
  latencyMs: v.number(),
  error: v.optional(v.string()),
});
export type Health = Infer<typeof vHealth>;

export const vExternalToolStatus = v.object({
  toolId: v.id("tools"),
  slug: v.string(),
  name: v.string(),
  status: v.union(v.literal("active"), v.literal("disabled")),
  url: v.string(),
  method: vHttpMethod,
  mode: vHttpExecutionMode,
  timeoutSeconds: v.number(),
  /** Deferred tools. */
  callbackTimeoutSeconds: v.optional(v.number()),
  hasReturnSchema: v.boolean(),
  healthCheckUrl: v.optional(v.string()),
  /** The last probe, if any. */
  health: v.optional(vHealth),
  /** The newest call: when, how it ended (or that it is still going), and its last error. */
  lastCall: v.optional(
    v.object({
      at: v.number(),
      status: v.union(v.literal("sending"), v.literal("awaiting_callback"), v.literal("done")),
      outcome: v.optional(v.string()),
      attempts: v.number(),
      statusCode: v.optional(v.number()),
      latencyMs: v.optional(v.number()),
      error: v.optional(v.string()),
    }),
  ),
});

function publicHealth(row: Doc<"httpToolHealth">): Health {
  return {
    url: row.url,
    checkedAt: row.checkedAt,
    ok: row.ok,
    latencyMs: row.latencyMs,
    ...(row.statusCode !== undefined ? { statusCode: row.statusCode } : {}),
    ...(row.error !== undefined ? { error: row.error } : {}),
  };
}

async function healthOf(ctx: QueryCtx, toolId: Id<"tools">) {
  return await ctx.db
    .query("httpToolHealth")
    .withIndex("by_toolId", (q) => q.eq("toolId", toolId))
    .unique();
}

/** The account's external HTTP tools with their health and last call. */
export const list = accountQuery({
  args: {},
  returns: v.array(vExternalToolStatus),
  handler: async (ctx, { accountId }) => {
    const tools = await ctx.db
      .query("tools")
      .withIndex("by_accountId_slug", (q) => q.eq("accountId", accountId))
      .take(MAX_ACCOUNT_TOOLS);
    const out: Infer<typeof vExternalToolStatus>[] = [];
    for (const tool of tools) {
      if (tool.kind !== "http" || tool.http === undefined) continue;
      const settings = effectiveSettings(tool.http);
      const health = await healthOf(ctx, tool._id);
      const last = await ctx.db
        .query("httpToolCalls")
        .withIndex("by_toolId", (q) => q.eq("toolId", tool._id))
        .order("desc")
        .first();
      out.push({
        toolId: tool._id,
        slug: tool.slug,
        name: tool.name,
        status: tool.status,
        url: settings.url,
        method: settings.method,
        mode: settings.mode,
        timeoutSeconds: settings.timeoutMs / 1000,
        ...(settings.mode === "deferred" ? { callbackTimeoutSeconds: settings.callbackTimeoutMs / 1000 } : {}),
        hasReturnSchema: settings.returnSchema !== null,
        ...(settings.healthCheckUrl !== null ? { healthCheckUrl: settings.healthCheckUrl } : {}),
        ...(health ? { health: publicHealth(health) } : {}),
        ...(last
          ? {
              lastCall: {
                at: last.startedAt,
                status: last.status,
                attempts: last.attempts,
                ...(last.outcome !== undefined ? { outcome: last.outcome } : {}),
                ...(last.lastStatusCode !== undefined ? { statusCode: last.lastStatusCode } : {}),
                ...(last.lastLatencyMs !== undefined ? { latencyMs: last.lastLatencyMs } : {}),
                ...(last.lastError !== undefined ? { error: last.lastError } : {}),
              },
            }
          : {}),
      });
    }
    return out;
  },
});

export const probeTarget = internalQuery({
  args: { accountId: v.id("accounts"), slug: v.string() },
  returns: v.union(v.null(), v.object({ toolId: v.id("tools"), url: v.union(v.string(), v.null()) })),
  handler: async (ctx, { accountId, slug }) => {
    const tool = await ctx.db
      .query("tools")
      .withIndex("by_accountId_slug", (q) => q.eq("accountId", accountId).eq("slug", slug))
      .unique();
    if (tool === null || tool.kind !== "http" || tool.http === undefined) return null;
    return { toolId: tool._id, url: tool.http.healthCheckUrl ?? null };
  },
});

export const recordProbe = internalMutation({
  args: { accountId: v.id("accounts"), toolId: v.id("tools"), health: vHealth },
  returns: v.null(),
  handler: async (ctx, { accountId, toolId, health }) => {
    const existing = await healthOf(ctx, toolId);
    if (existing) await ctx.db.replace("httpToolHealth", existing._id, { toolId, accountId, ...health });
    else await ctx.db.insert("httpToolHealth", { toolId, accountId, ...health });
    console.log(JSON.stringify({ event: "http_tool_health", toolId, ok: health.ok, statusCode: health.statusCode, latencyMs: health.latencyMs }));
    return null;
  },
});

/** One GET of `url`: healthy on a 2xx within the limit. */
export async function probeUrl(url: string, timeoutMs = HEALTH_TIMEOUT_MS): Promise<Health> {
  const checkedAt = Date.now();
  const refusal = privateUrlRefusal(url);
  if (refusal !== null) return { url, checkedAt, ok: false, latencyMs: 0, error: refusal };
  const abort = new AbortController();
  const timer = setTimeout(() => abort.abort(), timeoutMs);
  try {
    const response = await fetch(url, { method: "GET", headers: { "User-Agent": "harness-tools/1 (health check)" }, redirect: "manual", signal: abort.signal });
    const latencyMs = Date.now() - checkedAt;
    const ok = response.status >= 200 && response.status < 300;
    const body = ok ? { text: "" } : await readBody(response, 1_024);
    if (ok) await response.body?.cancel().catch(() => undefined);
    const said = body.text.replace(/\s+/g, " ").trim().slice(0, MAX_ERROR_CHARS);
    return { url, checkedAt, ok, statusCode: response.status, latencyMs, ...(ok ? {} : { error: `HTTP ${response.status}${said ? `: ${said}` : ""}` }) };
  } catch (error) {
    const latencyMs = Date.now() - checkedAt;
    const reason = abort.signal.aborted ? `no answer within ${timeoutMs / 1000} s` : error instanceof Error ? `${error.message}${error.cause instanceof Error ? ` (${error.cause.message})` : ""}` : String(error);
    return { url, checkedAt, ok: false, latencyMs, error: reason.slice(0, MAX_ERROR_CHARS) };
  } finally {
    clearTimeout(timer);
  }
}

/** Probe a tool's `health_check_url` now and keep the result. Any member may ask (it reads nothing private). */
export const probe = accountAction({
  args: { slug: v.string() },
  returns: vHealth,
  handler: async (ctx, { accountId, slug }): Promise<Health> => {
    const found = await ctx.runQuery(internal.tools.http.health.probeTarget, { accountId, slug });
    if (found === null) fail("not_found", `No external HTTP tool "${slug}" in this account.`);
    if (found.url === null) fail("bad_request", `${slug} has no health_check_url in its manifest.`);
    const health = await probeUrl(found.url);
    await ctx.runMutation(internal.tools.http.health.recordProbe, { accountId, toolId: found.toolId, health });
    return health;
  },
});
