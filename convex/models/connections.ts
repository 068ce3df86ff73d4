/**
 * Provider connections, per account (Settings → Models): an account admin
 * adds an OpenAI-compatible endpoint (OpenAI, OpenRouter, Ollama, vLLM…) or
 * Anthropic with its API key, tests it with one tiny call, and fetches its
 * model list; agents then name its models `@<slug>/<model>`.
 *
 * The key is stored server-side (`modelConnectionKeys`) and never returned:
 * every answer shows only its last four characters. Any member may list the
 * connections and their models (the agent builder offers them); only admins
 * add, change, test, refresh or remove one. Every change is audited (the key
 * never is: its last four characters at most). Connection ids arrive as
 * strings and are checked here: another account's connection answers
 * `not_found`, like one that does not exist.
 *
 * Server-side callers load a connection with its key through
 * `connectionConfig(ctx, accountId, slug)` (connectionStore.ts: queries,
 * mutations) or `internal.models.connections.configFor` (actions), and pass
 * it to `resolveModel(modelId, { connection })`.
 */
import { generateText } from "ai";
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
import {
  CONNECTION_LIMITS,
  PROVIDER_TIMEOUT_MS,
  checkApiKey,
  checkBaseUrl,
  checkName,
  checkSlug,
  hostOf,
  keyHint,
  modelIdsOf,
  modelListRequest,
  providerErrorWords,
  providerMessage,
  redact,
  slugFromName,
  uniqueSlug,
  vConnectionConfig,
  vConnectionKind,
  vConnectionTest,
  type ConnectionKind,
} from "./connectionRules";
import { accountConnections, assertCallable, configOf, connectionConfig, embeddingChoiceOf, keyOf } from "./connectionStore";
import { priceOf } from "./prices";
import { modelTables } from "./schema";
import { availableModels as environmentModels, connectionModelId, parseConnectionModelId, resolveModel } from "./registry";

/** The audit log's target kind for connections. */
export const CONNECTION_TARGET = "model_connection";

const MAX_AGENTS_CHECKED = 100;

/**
 * A connection as members see it: the row's own fields (models/schema.ts),
 * named one by one so nothing added to the table is shown without a decision.
 * The key lives in another table and is never returned; `hasKey` and `keyLast4` tell keys apart.
 */
export const vConnectionView = v.object({
  connectionId: v.id("modelConnections"),
  ...pick(modelTables.modelConnections.validator.fields, [
    "slug",
    "name",
    "kind",
    "baseUrl",
    "hasKey",
    "keyLast4",
    "status",
    "lastTest",
    "models",
    "modelsFetchedAt",
    "createdBy",
    "createdAt",
    "updatedAt",
  ]),
});
export type ConnectionView = Infer<typeof vConnectionView>;

function publicConnection(c: Doc<"modelConnections">): ConnectionView {
  return {
    connectionId: c._id,
    slug: c.slug,
    name: c.name,
    kind: c.kind,
    ...(c.baseUrl !== undefined ? { baseUrl: c.baseUrl } : {}),
    hasKey: c.hasKey,
    ...(c.keyLast4 !== undefined ? { keyLast4: c.keyLast4 } : {}),
    status: c.status,
    ...(c.lastTest !== undefined ? { lastTest: c.lastTest } : {}),
    models: c.models,
    ...(c.modelsFetchedAt !== undefined ? { modelsFetchedAt: c.modelsFetchedAt } : {}),
    createdBy: c.createdBy,
    createdAt: c.createdAt,
    updatedAt: c.updatedAt,
  };
}

/**
 * The account's connection `slug` WITH its API key, for an action's model
 * call: `ctx.runQuery(internal.models.connections.configFor, { accountId, slug })`,
 * then `resolveModel(modelId, { connection })`. Null when the account has no
 * such connection; `bad_request` when its base URL is a private address the
 * deployment does not allow (`connectionConfig` is the same inside queries and mutations).
 */
export const configFor = internalQuery({
  args: { accountId: v.id("accounts"), slug: v.string() },
  returns: v.union(
    v.null(),
    v.object({
      slug: v.string(),
      name: v.string(),
      kind: vConnectionKind,
      baseUrl: v.optional(v.string()),
      apiKey: v.optional(v.string()),
    }),
  ),
  handler: async (ctx, { accountId, slug }) => await connectionConfig(ctx, accountId, slug),
});

/** The account's connection `rawId`, or `not_found` (absent, malformed, or another account's). */
async function connectionOf(ctx: QueryCtx, accountId: Id<"accounts">, rawId: string): Promise<Doc<"modelConnections">> {
  const id = ctx.db.normalizeId("modelConnections", rawId);
  const connection = id === null ? null : await ctx.db.get("modelConnections", id);
  if (connection === null || connection.accountId !== accountId) fail("not_found", "Model connection not found.");
  return connection;
}

type Caller = MutationCtx & { user: Doc<"userProfiles">; membership: Doc<"memberships"> };

/** One audit entry; `details` name the connection and at most the key's last four characters. */
/** `before` / `after`: the connection (with `apiKey` when one was set or replaced, shown redacted) on each side of the change. */
type Sides = { before: object | null; after: object | null };

async function audit(ctx: Caller, connection: Doc<"modelConnections">, action: string, reason: string, sides: Sides) {
  await writeAudit(ctx, {
    accountId: connection.accountId,
    actorUserId: ctx.user._id,
    actorRole: ctx.membership.role,
    action: `model_connection.${action}`,
    targetKind: CONNECTION_TARGET,
    targetId: connection._id,
    reason,
    details: {
      slug: connection.slug,
      name: connection.name,
      kind: connection.kind,
      baseUrl: connection.baseUrl ?? null,
      keyLast4: connection.keyLast4 ?? null,
    },
    surface: "spa",
    changes: fieldChanges(sides.before, sides.after),
  });
}

// --- public functions ------------------------------------------------------------

/** The account's connections, by slug. Any member: the agent builder shows their models. The keys are never included. */
export const list = accountQuery({
  args: {},
  returns: v.array(vConnectionView),
  handler: async (ctx, { accountId }) => (await accountConnections(ctx, accountId)).map(publicConnection),
});

export const vModelChoice = v.object({
  /** What an agent stores: `offline`, `openai-compatible/…`, `anthropic/…` or `@<slug>/<model>`. */
  modelId: v.string(),
  provider: v.union(v.literal("offline"), v.literal("openai-compatible"), v.literal("anthropic")),
  label: v.string(),
  isDefault: v.boolean(),
  /** Whether the price table knows it (an unpriced model's spend is counted as 0). */
  priced: v.boolean(),
  /** For a connection's model: its connection. */
  connection: v.optional(v.object({ slug: v.string(), name: v.string() })),
});

/**
 * The models the agent builder offers on this account: the offline model,
 * the deployment's providers' known models, then each connection's fetched
 * models as `@slug/<model>`. A model id not listed may still be typed.
 */
export const availableModels = accountQuery({
  args: {},
  returns: v.array(vModelChoice),
  handler: async (ctx, { accountId }) => {
    const choices: Infer<typeof vModelChoice>[] = environmentModels().map((m) => ({ ...m }));
    for (const connection of await accountConnections(ctx, accountId)) {
      for (const name of connection.models) {
        const modelId = connectionModelId(connection.slug, name);
        choices.push({
          modelId,
          provider: connection.kind,
          label: `${name} via ${connection.name}`,
          isDefault: false,
          priced: priceOf(modelId) !== undefined,
          connection: { slug: connection.slug, name: connection.name },
        });
      }
    }
    return choices;
  },
});

/**
 * Add a connection. `slug` (how agents' model ids name it) is made from the
 * name when absent (and made unique); a given slug that is taken is a
 * `conflict`. The key is stored apart and never returned. Audited.
 */
export const create = accountMutation({
  minRole: "admin",
  args: {
    name: v.string(),
    slug: v.optional(v.string()),
    kind: vConnectionKind,
    /** The API root, e.g. https://openrouter.ai/api/v1; optional for Anthropic. */
    baseUrl: v.optional(v.string()),
    /** Required for Anthropic; an OpenAI-compatible server without keys (a local Ollama) may go without. */
    apiKey: v.optional(v.string()),
  },
  returns: vConnectionView,
  handler: async (ctx, { accountId, name, slug, kind, baseUrl, apiKey }) => {
    const checkedName = checkName(name);
    const checkedBaseUrl = checkBaseUrl(baseUrl, kind, { allowPrivate: env.webhookAllowPrivateUrls() });
    const key = apiKey === undefined || apiKey.trim() === "" ? undefined : checkApiKey(apiKey);
    if (key === undefined && kind === "anthropic") fail("bad_request", "apiKey is required for an Anthropic connection.", { field: "apiKey" });
    const existing = await accountConnections(ctx, accountId);
    if (existing.length >= CONNECTION_LIMITS.perAccount) {
      fail("conflict", `An account has at most ${CONNECTION_LIMITS.perAccount} model connections; remove one first.`);
    }
    let checkedSlug: string;
    if (slug !== undefined && slug.trim() !== "") {
      checkedSlug = checkSlug(slug);
      if (existing.some((c) => c.slug === checkedSlug)) fail("conflict", `A model connection with the slug "${checkedSlug}" already exists in this account.`, { field: "slug" });
    } else {
      checkedSlug = uniqueSlug(slugFromName(checkedName), new Set(existing.map((c) => c.slug)));
    }
    const now = Date.now();
    const hint = key !== undefined ? keyHint(key) : undefined;
    const connectionId = await ctx.db.insert("modelConnections", {
      accountId,
      slug: checkedSlug,
      name: checkedName,
      kind,
      ...(checkedBaseUrl !== undefined ? { baseUrl: checkedBaseUrl } : {}),
      hasKey: key !== undefined,
      ...(hint !== undefined ? { keyLast4: hint } : {}),
      status: "untested",
      models: [],
      createdBy: ctx.user._id,
      createdAt: now,
      updatedAt: now,
    });
    if (key !== undefined) await ctx.db.insert("modelConnectionKeys", { connectionId, apiKey: key });
    const connection = (await ctx.db.get("modelConnections", connectionId))!;
    await audit(ctx, connection, "create", key !== undefined ? "added with an API key" : "added without an API key", {
      before: null,
      after: { ...connection, ...(key !== undefined ? { apiKey: key } : {}) },
    });
    return publicConnection(connection);
  },
});

/**
 * Rename a connection, point it at another base URL, or replace its key
 * (`apiKey`). A new URL or key makes it untested again; a new URL also drops
 * the fetched model list. The slug stays. Audited (a replaced key by its last
 * four characters).
 */
export const update = accountMutation({
  minRole: "admin",
  args: {
    connectionId: v.string(),
    name: v.optional(v.string()),
    /** "" for an Anthropic connection: back to Anthropic's own API. */
    baseUrl: v.optional(v.string()),
    /** A new key, replacing the stored one. */
    apiKey: v.optional(v.string()),
  },
  returns: vConnectionView,
  handler: async (ctx, { accountId, connectionId, name, baseUrl, apiKey }) => {
    const connection = await connectionOf(ctx, accountId, connectionId);
    const patch: Partial<Doc<"modelConnections">> = {};
    const changes: string[] = [];
    if (name !== undefined) {
      const checked = checkName(name);
      if (checked !== connection.name) {
        patch.name = checked;
        changes.push("name");
      }
    }
    if (baseUrl !== undefined) {
      const checked = checkBaseUrl(baseUrl, connection.kind, { allowPrivate: env.webhookAllowPrivateUrls() });
      if (checked !== connection.baseUrl) {
        patch.baseUrl = checked;
        patch.models = [];
        patch.modelsFetchedAt = undefined;
        changes.push("base URL");
      }
    }
    let key: string | undefined;
    let previousKey: string | undefined;
    if (apiKey !== undefined) {
      key = checkApiKey(apiKey);
      const stored = await keyOf(ctx, connection._id);
      previousKey = stored?.apiKey;
      if (stored === null) await ctx.db.insert("modelConnectionKeys", { connectionId: connection._id, apiKey: key });
      else if (stored.apiKey !== key) await ctx.db.patch("modelConnectionKeys", stored._id, { apiKey: key });
      else key = undefined; // the same key again: nothing changes
      if (key !== undefined) {
        patch.hasKey = true;
        patch.keyLast4 = keyHint(key);
        changes.push(connection.keyLast4 !== undefined ? `API key replaced (was ••••${connection.keyLast4})` : "API key replaced");
      }
    }
    if (changes.length === 0) return publicConnection(connection);
    if ("baseUrl" in patch || key !== undefined) patch.status = "untested";
    await ctx.db.patch("modelConnections", connection._id, { ...patch, updatedAt: Date.now() });
    const updated = (await ctx.db.get("modelConnections", connection._id))!;
    await audit(ctx, updated, key !== undefined ? "key_replace" : "update", `changed: ${changes.join(", ")}`, {
      before: { ...connection, ...(key !== undefined ? { apiKey: previousKey ?? null } : {}) },
      after: { ...updated, ...(key !== undefined ? { apiKey: key } : {}) },
    });
    return publicConnection(updated);
  },
});

/** The account's agents (not archived) whose model is one of connection `slug`'s. */
async function agentsUsing(ctx: QueryCtx, accountId: Id<"accounts">, slug: string): Promise<Doc<"agents">[]> {
  const agents = await ctx.db
    .query("agents")
    .withIndex("by_accountId_slug", (q) => q.eq("accountId", accountId))
    .take(MAX_AGENTS_CHECKED);
  return agents.filter((a) => a.status !== "archived" && a.modelId !== undefined && parseConnectionModelId(a.modelId)?.slug === slug);
}

/** Remove a connection and its key. Refused (`conflict`, naming them) while an agent's model, or the account's embedding model, is one of its models. Audited. */
export const remove = accountMutation({
  minRole: "admin",
  args: { connectionId: v.string() },
  returns: v.null(),
  handler: async (ctx, { accountId, connectionId }) => {
    const connection = await connectionOf(ctx, accountId, connectionId);
    const users = await agentsUsing(ctx, accountId, connection.slug);
    if (users.length > 0) {
      const names = users.slice(0, 5).map((a) => a.name).join(", ");
      fail(
        "conflict",
        `${connection.name} is the model connection of ${users.length === 1 ? "the agent" : `${users.length} agents:`} ${names}${users.length > 5 ? "…" : ""}; give ${users.length === 1 ? "it" : "them"} another model first.`,
      );
    }
    const embedding = await embeddingChoiceOf(ctx, accountId);
    if (embedding !== null && parseConnectionModelId(embedding.modelId)?.slug === connection.slug) {
      fail("conflict", `${connection.name} serves this account's embedding model (${embedding.modelId}); choose another embedding model first (Settings → Models → Embeddings).`);
    }
    const key = await keyOf(ctx, connection._id);
    if (key !== null) await ctx.db.delete("modelConnectionKeys", key._id);
    await ctx.db.delete("modelConnections", connection._id);
    await audit(ctx, connection, "delete", key !== null ? "removed with its API key" : "removed", { before: connection, after: null });
    return null;
  },
});

// --- talking to the provider (actions) -------------------------------------------------

/** What an action needs of a connection: its config with the key, and its `updatedAt` (to record only results of that version). */
const vActionTarget = v.object({
  connectionId: v.id("modelConnections"),
  updatedAt: v.number(),
  models: v.array(v.string()),
  config: vConnectionConfig,
});
type ActionTarget = Infer<typeof vActionTarget>;

export const actionTarget = internalQuery({
  args: { accountId: v.id("accounts"), connectionId: v.string() },
  returns: vActionTarget,
  handler: async (ctx, { accountId, connectionId }): Promise<ActionTarget> => {
    const connection = await connectionOf(ctx, accountId, connectionId);
    assertCallable(connection);
    return { connectionId: connection._id, updatedAt: connection.updatedAt, models: connection.models, config: await configOf(ctx, connection) };
  },
});

export const recordTest = internalMutation({
  args: { connectionId: v.id("modelConnections"), updatedAt: v.number(), test: vConnectionTest },
  returns: v.null(),
  handler: async (ctx, { connectionId, updatedAt, test }) => {
    const connection = await ctx.db.get("modelConnections", connectionId);
    // Removed or changed (URL, key) while the call ran: this result is about something that no longer exists.
    if (connection === null || connection.updatedAt !== updatedAt) return null;
    await ctx.db.patch("modelConnections", connectionId, { lastTest: test, status: test.ok ? "ok" : "failing" });
    return null;
  },
});

export const recordModels = internalMutation({
  args: { connectionId: v.id("modelConnections"), updatedAt: v.number(), models: v.array(v.string()) },
  returns: v.null(),
  handler: async (ctx, { connectionId, updatedAt, models }) => {
    const connection = await ctx.db.get("modelConnections", connectionId);
    if (connection === null || connection.updatedAt !== updatedAt) return null;
    await ctx.db.patch("modelConnections", connectionId, { models: models.slice(0, CONNECTION_LIMITS.models), modelsFetchedAt: Date.now() });
    return null;
  },
});

/** Small, cheap models to say "OK" with when none is named, by kind. */
const TEST_MODELS: Record<ConnectionKind, string[]> = {
  "openai-compatible": ["gpt-4o-mini", "openai/gpt-4o-mini", "gpt-4.1-mini"],
  anthropic: ["claude-3-5-haiku-latest", "claude-haiku-4-5"],
};

/** The model a test talks to: the one named, else a small one the provider lists, else its first, else a usual default. */
function testModel(kind: ConnectionKind, listed: string[], named: string | undefined): string {
  if (named !== undefined && named.trim() !== "") return named.trim();
  const preferred = TEST_MODELS[kind];
  return preferred.find((m) => listed.includes(m)) ?? listed[0] ?? preferred[0]!;
}

function log(event: string, fields: Record<string, unknown>) {
  console.log(JSON.stringify({ event, ...fields }));
}

export const vTestResult = v.object({
  ok: v.boolean(),
  /** The provider's answer, or its error in words. */
  message: v.string(),
  latencyMs: v.number(),
  /** The model it talked to. */
  model: v.string(),
});

/**
 * "Test connection": ONE tiny call ("Say OK", at most 5 tokens, no retry,
 * 15 s) to `model` (default: a small model it lists, or its first). Records
 * and returns the provider's answer, or its error in words (the HTTP status
 * and the provider's own message; "Cannot reach <host>: connection refused",
 * "… host not found", "… no answer within 15 s").
 */
export const testConnection = accountAction({
  minRole: "admin",
  args: { connectionId: v.string(), model: v.optional(v.string()) },
  returns: vTestResult,
  handler: async (ctx, { accountId, connectionId, model }): Promise<Infer<typeof vTestResult>> => {
    const target: ActionTarget = await ctx.runQuery(internal.models.connections.actionTarget, { accountId, connectionId });
    const { config } = target;
    const name = testModel(config.kind, target.models, model);
    const modelId = connectionModelId(config.slug, name);
    if (parseConnectionModelId(modelId)?.name !== name) fail("bad_request", `“${name}” is not a model name.`, { field: "model" });
    const resolved = resolveModel(modelId, { connection: config });
    const host = hostOf(config.kind, config.baseUrl);
    const abort = new AbortController();
    const timer = setTimeout(() => abort.abort(), PROVIDER_TIMEOUT_MS);
    const started = Date.now();
    let result: { ok: boolean; message: string };
    try {
      const answer = await generateText({ model: resolved.model, prompt: "Say OK", maxOutputTokens: 5, maxRetries: 0, abortSignal: abort.signal });
      const text = redact(answer.text.replace(/\s+/g, " ").trim(), config.apiKey).slice(0, CONNECTION_LIMITS.message);
      result = { ok: true, message: text === "" ? "(an empty answer)" : text };
    } catch (error) {
      result = { ok: false, message: providerErrorWords(error, { host, timedOut: abort.signal.aborted, secret: config.apiKey }) };
    } finally {
      clearTimeout(timer);
    }
    const latencyMs = Date.now() - started;
    log("model_connection_test", { accountId, connectionId: target.connectionId, host, model: name, ok: result.ok, latencyMs, ...(result.ok ? {} : { error: result.message }) });
    await ctx.runMutation(internal.models.connections.recordTest, {
      connectionId: target.connectionId,
      updatedAt: target.updatedAt,
      test: { ...result, at: Date.now(), latencyMs },
    });
    return { ...result, latencyMs, model: name };
  },
});

/**
 * "Refresh models": `GET {baseUrl}/models` with the key (OpenAI style:
 * `Authorization: Bearer`; Anthropic: `x-api-key` and `anthropic-version`),
 * keeps the listed ids (at most 200). A failure is answered in words and
 * keeps the previous list.
 */
const vRefreshResult = v.object({ ok: v.boolean(), message: v.string(), models: v.array(v.string()) });

export const refreshModels = accountAction({
  minRole: "admin",
  args: { connectionId: v.string() },
  returns: vRefreshResult,
  handler: async (ctx, { accountId, connectionId }): Promise<Infer<typeof vRefreshResult>> => {
    const target: ActionTarget = await ctx.runQuery(internal.models.connections.actionTarget, { accountId, connectionId });
    const { config } = target;
    const host = hostOf(config.kind, config.baseUrl);
    const request = modelListRequest(config.kind, config.baseUrl, config.apiKey);
    const abort = new AbortController();
    const timer = setTimeout(() => abort.abort(), PROVIDER_TIMEOUT_MS);
    let outcome: { ok: true; models: string[] } | { ok: false; message: string };
    try {
      // Redirects are not followed: a public endpoint cannot bounce the key inward.
      const response = await fetch(request.url, { headers: request.headers, redirect: "manual", signal: abort.signal });
      const body = await response.text();
      if (response.status < 200 || response.status >= 300) {
        const said = response.status >= 300 && response.status < 400 ? "a redirect (not followed)" : (providerMessage(body) ?? "no reason given");
        outcome = { ok: false, message: redact(`${host} answered HTTP ${response.status}: ${said}`, config.apiKey).slice(0, CONNECTION_LIMITS.message) };
      } else {
        let parsed: unknown;
        try {
          parsed = JSON.parse(body);
        } catch {
          parsed = undefined;
        }
        const models = modelIdsOf(config.slug, parsed);
        outcome = models === null ? { ok: false, message: `${host} did not answer with a model list ({"data":[{"id":…}]}).` } : { ok: true, models };
      }
    } catch (error) {
      outcome = { ok: false, message: providerErrorWords(error, { host, timedOut: abort.signal.aborted, secret: config.apiKey }) };
    } finally {
      clearTimeout(timer);
    }
    log("model_connection_models", { accountId, connectionId: target.connectionId, host, ok: outcome.ok, ...(outcome.ok ? { count: outcome.models.length } : { error: outcome.message }) });
    if (!outcome.ok) return { ok: false, message: outcome.message, models: [] };
    await ctx.runMutation(internal.models.connections.recordModels, { connectionId: target.connectionId, updatedAt: target.updatedAt, models: outcome.models });
    const count = outcome.models.length;
    return { ok: true, message: count === 0 ? `${host} lists no models.` : `${count} model${count === 1 ? "" : "s"} from ${host}.`, models: outcome.models };
  },
});
