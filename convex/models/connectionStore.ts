/**
 * Reading an account's provider connections server-side, as plain functions
 * taking `ctx` (no function builders here, so the agent builder can import it
 * without an import cycle): the list, one by slug, one WITH its key for a
 * model call (`connectionConfig`), names for labels, and the account's
 * embedding model with its connection (`accountEmbeddingConfig`). The public
 * functions are in connections.ts and embeddingChoice.ts.
 */
import type { Doc, Id } from "../_generated/dataModel";
import type { QueryCtx } from "../_generated/server";
import { env } from "../lib/env";
import { fail } from "../lib/errors";
import { CONNECTION_LIMITS, privateBaseUrlRefusal } from "./connectionRules";
import { resolveEmbeddingModel, type AccountEmbeddingConfig, type ResolvedEmbeddingModel } from "./embeddings";
import { parseConnectionModelId, resolveModel, type ConnectionConfig, type ResolvedModel } from "./registry";

/** The account's connections, by slug (at most `CONNECTION_LIMITS.perAccount`). */
export async function accountConnections(ctx: QueryCtx, accountId: Id<"accounts">): Promise<Doc<"modelConnections">[]> {
  return await ctx.db
    .query("modelConnections")
    .withIndex("by_accountId_slug", (q) => q.eq("accountId", accountId))
    .take(CONNECTION_LIMITS.perAccount);
}

export async function connectionBySlug(ctx: QueryCtx, accountId: Id<"accounts">, slug: string): Promise<Doc<"modelConnections"> | null> {
  return await ctx.db
    .query("modelConnections")
    .withIndex("by_accountId_slug", (q) => q.eq("accountId", accountId).eq("slug", slug))
    .unique();
}

export async function keyOf(ctx: QueryCtx, connectionId: Id<"modelConnections">): Promise<Doc<"modelConnectionKeys"> | null> {
  return await ctx.db
    .query("modelConnectionKeys")
    .withIndex("by_connectionId", (q) => q.eq("connectionId", connectionId))
    .unique();
}

export async function configOf(ctx: QueryCtx, connection: Doc<"modelConnections">): Promise<ConnectionConfig> {
  const key = await keyOf(ctx, connection._id);
  return {
    slug: connection.slug,
    name: connection.name,
    kind: connection.kind,
    ...(connection.baseUrl !== undefined ? { baseUrl: connection.baseUrl } : {}),
    ...(key !== null ? { apiKey: key.apiKey } : {}),
  };
}

/** Refuse (`bad_request`, field `baseUrl`) a connection whose base URL is private while the deployment does not allow that. */
export function assertCallable(connection: Pick<Doc<"modelConnections">, "baseUrl" | "name">): void {
  if (connection.baseUrl === undefined || env.webhookAllowPrivateUrls()) return;
  const refusal = privateBaseUrlRefusal(connection.baseUrl);
  if (refusal !== null) fail("bad_request", `${connection.name}: ${refusal}`, { field: "baseUrl" });
}

/**
 * The account's connection `slug` WITH its API key, for `resolveModel(id, {
 * connection })` inside a query or mutation; null when the account has none
 * by that slug. Throws `bad_request` when its base URL is a private address
 * the deployment no longer allows. Never return it from a public function.
 */
export async function connectionConfig(ctx: QueryCtx, accountId: Id<"accounts">, slug: string): Promise<ConnectionConfig | null> {
  const connection = await connectionBySlug(ctx, accountId, slug);
  if (connection === null) return null;
  assertCallable(connection);
  return await configOf(ctx, connection);
}

/** Connection names by slug, for labels ("gpt-4o-mini via OpenRouter"). */
export type ConnectionNames = ReadonlyMap<string, string>;

export async function connectionNames(ctx: QueryCtx, accountId: Id<"accounts">): Promise<ConnectionNames> {
  return new Map((await accountConnections(ctx, accountId)).map((c) => [c.slug, c.name]));
}

/**
 * What the UI shows for a connection model id, without calling the provider:
 * `gpt-4o-mini via OpenRouter`; `… (connection removed)` when the account no
 * longer has it; `<model> via @slug` when no names were loaded. Undefined for
 * an id that is not a connection's.
 */
export function connectionModelLabel(modelId: string, names: ConnectionNames | undefined): string | undefined {
  const parsed = parseConnectionModelId(modelId);
  if (parsed === undefined) return undefined;
  if (names === undefined) return `${parsed.name} via @${parsed.slug}`;
  const name = names.get(parsed.slug);
  return name === undefined ? `${modelId} (connection removed)` : `${parsed.name} via ${name}`;
}


/**
 * The connection (with its key) that `modelId` needs, if it names one of the
 * account's connections (`@<slug>/<model>`); undefined for deployment models
 * and for a connection that no longer exists (resolveModel then refuses in words).
 */
export async function connectionForModel(ctx: QueryCtx, accountId: Id<"accounts">, modelId: string): Promise<ConnectionConfig | undefined> {
  const parsed = parseConnectionModelId(modelId);
  if (parsed === undefined) return undefined;
  return (await connectionConfig(ctx, accountId, parsed.slug)) ?? undefined;
}

/** `resolveModel` for a model an account's agent names: its connections included. */
export async function resolveAccountModel(ctx: QueryCtx, accountId: Id<"accounts">, modelId: string): Promise<ResolvedModel> {
  const connection = await connectionForModel(ctx, accountId, modelId);
  return resolveModel(modelId, connection ? { connection } : {});
}

// --- the account's embedding model ---------------------------------------------------

/** The account's embedding model choice (`accountEmbeddingModels`), or null: the deployment default. */
export async function embeddingChoiceOf(ctx: QueryCtx, accountId: Id<"accounts">): Promise<Doc<"accountEmbeddingModels"> | null> {
  return await ctx.db
    .query("accountEmbeddingModels")
    .withIndex("by_accountId", (q) => q.eq("accountId", accountId))
    .unique();
}

/**
 * The account's embedding model with its connection WITH the key, for
 * `resolveEmbeddingModel(config)` inside a query or mutation (actions:
 * `internal.models.embeddingChoice.configFor`). Null: the deployment default.
 * `connection` is null when the account no longer has it (resolving then
 * refuses in words). Never return it from a public function.
 */
export async function accountEmbeddingConfig(ctx: QueryCtx, accountId: Id<"accounts">): Promise<AccountEmbeddingConfig | null> {
  const choice = await embeddingChoiceOf(ctx, accountId);
  if (choice === null) return null;
  const parsed = parseConnectionModelId(choice.modelId);
  const connection = parsed === undefined ? null : await connectionConfig(ctx, accountId, parsed.slug);
  return { modelId: choice.modelId, dimension: choice.dimension, connection };
}

/** The embedding model the account's knowledge uses now (its choice, else the deployment's). */
export async function resolveAccountEmbeddingModel(ctx: QueryCtx, accountId: Id<"accounts">): Promise<ResolvedEmbeddingModel> {
  return resolveEmbeddingModel(await accountEmbeddingConfig(ctx, accountId));
}
