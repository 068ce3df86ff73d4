import { defineTable } from "convex/server";
import { v } from "convex/values";
import { vConnectionKind, vConnectionStatus, vConnectionTest } from "./connectionRules";

/**
 * Tables of the models domain (spread into convex/schema.ts): the provider
 * connections an account's admins add in Settings → Models, their API
 * keys, kept apart so that no public query can read a key by reading a
 * connection, and the account's choice of embedding model. Index names are
 * `by_<field>_<field>` in index order.
 */
export const modelTables = {
  /**
   * A provider an account reaches its models through: an OpenAI-compatible
   * endpoint (OpenAI, OpenRouter, Ollama, vLLM…) or Anthropic. Its models are
   * written `@<slug>/<model>` (convex/models/registry.ts).
   * Written by: connections.ts (create, update, remove; `recordTest` after
   * "Test connection", `recordModels` after "Refresh models").
   * Read by: connections.ts (the account's list and model list, any member;
   * `by_accountId_slug`, which also serves slug uniqueness), `connectionConfig`
   * / `configFor` (the model call), the agent builder (a connection model id
   * is valid only while its connection exists; labels).
   */
  modelConnections: defineTable({
    accountId: v.id("accounts"),
    /** Unique per account, fixed once created: agents' model ids name it. */
    slug: v.string(),
    /** Shown in labels ("gpt-4o-mini via OpenRouter"). */
    name: v.string(),
    kind: vConnectionKind,
    /** The API root (`https://openrouter.ai/api/v1`); optional for Anthropic (default https://api.anthropic.com/v1). */
    baseUrl: v.optional(v.string()),
    /** Whether a key is stored (in `modelConnectionKeys`). */
    hasKey: v.boolean(),
    /** The key's last four characters, to tell keys apart (absent: no key, or one too short to show any of). */
    keyLast4: v.optional(v.string()),
    /** Whether it answered the last "Test connection": untested after any change of URL or key. */
    status: vConnectionStatus,
    lastTest: v.optional(vConnectionTest),
    /** Model ids the provider listed (`GET /models`), at most 200. */
    models: v.array(v.string()),
    modelsFetchedAt: v.optional(v.number()),
    createdBy: v.id("userProfiles"),
    createdAt: v.number(),
    updatedAt: v.number(),
  }).index("by_accountId_slug", ["accountId", "slug"]),

  /**
   * A connection's API key, in its own table: no public function reads it;
   * it leaves the database only inside an action's provider call.
   * Written by: connections.ts (create, update with a new key, remove).
   * Read by: `connectionConfig` / `configFor` (server-side model calls,
   * "Test connection", "Refresh models"). `by_connectionId`: one row per connection.
   */
  modelConnectionKeys: defineTable({
    connectionId: v.id("modelConnections"),
    apiKey: v.string(),
  }).index("by_connectionId", ["connectionId"]),

  /**
   * The embedding model an account's knowledge uses, when it chose one of its
   * connections' (Settings → Models): `@<slug>/<model>` of an OpenAI-compatible
   * connection, and its vector length. No row: the deployment default
   * (`HARNESS_EMBEDDING_MODEL`, else the offline hashing embedding). At most
   * one row per account (`by_accountId`).
   * Written by: embeddingChoice.ts (`setEmbeddingModel`, account admins, audited).
   * Read by: embeddingChoice.ts (`current`, Settings → Models),
   * `accountEmbeddingConfig` (connectionStore.ts: knowledge queries and
   * mutations) / `embeddingChoice.configFor` (knowledge actions: ingestion,
   * facts, search), connections.ts `remove` (refused while the choice names
   * the connection).
   */
  accountEmbeddingModels: defineTable({
    accountId: v.id("accounts"),
    /** `@<connection slug>/<model>`. */
    modelId: v.string(),
    /** The vector length: one of `RAG_DIMENSIONS` (embeddings.ts). */
    dimension: v.number(),
    updatedBy: v.id("userProfiles"),
    updatedAt: v.number(),
  }).index("by_accountId", ["accountId"]),
};
