/**
 * The embedding model of an account's knowledge (Settings → Models →
 * Embeddings): the deployment default (`HARNESS_EMBEDDING_MODEL` on the
 * deployment's OpenAI-compatible endpoint, else the offline hashing
 * embedding), or an embedding model of one of the account's OpenAI-compatible
 * connections, `@<slug>/<model>`, with its vector length (known for the
 * well-known models, else given by the admin; one of `RAG_DIMENSIONS`).
 *
 * Knowledge keeps one RAG namespace per (scope, embedding model id), so a
 * switch starts a fresh, empty index: documents added before are searched
 * only under the model they were added with (switching back finds them
 * again) until they are added again. Platform knowledge, shared by every
 * account, always uses the deployment default.
 *
 * Any member may read the choice (`current`); only admins change it
 * (`setEmbeddingModel`, audited). Server-side callers load it with the
 * connection's key through `accountEmbeddingConfig` (connectionStore.ts:
 * queries, mutations) or `configFor` (actions), and pass it to
 * `resolveEmbeddingModel`.
 */
import { v, type Infer } from "convex/values";
import type { Doc, Id } from "../_generated/dataModel";
import { internalQuery, type QueryCtx } from "../_generated/server";
import { fieldChanges } from "../audit/diff";
import { writeAudit } from "../audit/write";
import { fail } from "../lib/errors";
import { accountMutation, accountQuery } from "../lib/functions";
import { vConnectionConfig } from "./connectionRules";
import { accountEmbeddingConfig, assertCallable, connectionBySlug, embeddingChoiceOf } from "./connectionStore";
import {
  deploymentEmbeddingModel,
  isRagDimension,
  knownEmbeddingDimension,
  knownEmbeddingDimensions,
  RAG_DIMENSIONS,
  resolveEmbeddingModel,
  type ResolvedEmbeddingModel,
} from "./embeddings";
import { connectionModelId, parseConnectionModelId } from "./registry";

/** The audit log's target kind for the account's embedding model (target id: the account). */
export const EMBEDDING_MODEL_TARGET = "account_embedding_model";

const vEmbeddingModelView = v.object({
  /** `offline-hash-256`, `openai-compatible/<model>` or `@<slug>/<model>`: the id its knowledge namespaces are keyed by. */
  modelId: v.string(),
  label: v.string(),
  dimension: v.number(),
});

export const vEmbeddingSettings = v.object({
  /** What the account's knowledge is embedded with now; absent when that cannot be used (see `problem`). */
  active: v.optional(v.object({ ...vEmbeddingModelView.fields, source: v.union(v.literal("deployment"), v.literal("connection")) })),
  /** The account's own choice, when it made one. */
  choice: v.optional(
    v.object({
      modelId: v.string(),
      dimension: v.number(),
      /** Its connection (absent when the account no longer has it). */
      connection: v.optional(v.object({ slug: v.string(), name: v.string() })),
      updatedAt: v.number(),
    }),
  ),
  /** The deployment's embedding model, used without a choice (absent when misconfigured: see `problem`). */
  deploymentDefault: v.optional(vEmbeddingModelView),
  /** Why the embedding model in use cannot embed anything, in words. */
  problem: v.optional(v.string()),
  /** The vector lengths the knowledge store accepts. */
  dimensions: v.array(v.number()),
  /** The vector lengths of well-known embedding models, by name (without vendor prefix or `:tag`). */
  knownDimensions: v.record(v.string(), v.number()),
});
export type EmbeddingSettings = Infer<typeof vEmbeddingSettings>;

function messageOf(error: unknown): string {
  const data = (error as { data?: { message?: unknown } }).data;
  if (data !== undefined && typeof data.message === "string") return data.message;
  return error instanceof Error ? error.message : String(error);
}

function view(resolved: ResolvedEmbeddingModel) {
  return { modelId: resolved.modelId, label: resolved.label, dimension: resolved.dimension };
}

/** The settings as the UI shows them. Reads no key: a connection is resolved without one, nothing is called. */
async function settingsOf(ctx: QueryCtx, accountId: Id<"accounts">): Promise<EmbeddingSettings> {
  const base = { dimensions: [...RAG_DIMENSIONS], knownDimensions: knownEmbeddingDimensions() };
  let deploymentDefault: ResolvedEmbeddingModel | undefined;
  let deploymentProblem: string | undefined;
  try {
    deploymentDefault = deploymentEmbeddingModel();
  } catch (error) {
    deploymentProblem = messageOf(error);
  }
  const choice = await embeddingChoiceOf(ctx, accountId);
  if (choice === null) {
    return {
      ...base,
      ...(deploymentDefault !== undefined
        ? { active: { ...view(deploymentDefault), source: "deployment" as const }, deploymentDefault: view(deploymentDefault) }
        : {}),
      ...(deploymentProblem !== undefined ? { problem: deploymentProblem } : {}),
    };
  }
  const parsed = parseConnectionModelId(choice.modelId);
  const connection = parsed === undefined ? null : await connectionBySlug(ctx, accountId, parsed.slug);
  let active: ResolvedEmbeddingModel | undefined;
  let problem: string | undefined;
  try {
    if (connection !== null) assertCallable(connection);
    active = resolveEmbeddingModel({
      modelId: choice.modelId,
      dimension: choice.dimension,
      connection:
        connection === null
          ? null
          : { slug: connection.slug, name: connection.name, kind: connection.kind, ...(connection.baseUrl !== undefined ? { baseUrl: connection.baseUrl } : {}) },
    });
  } catch (error) {
    problem = messageOf(error);
  }
  return {
    ...base,
    ...(active !== undefined ? { active: { ...view(active), source: "connection" as const } } : {}),
    choice: {
      modelId: choice.modelId,
      dimension: choice.dimension,
      ...(connection !== null ? { connection: { slug: connection.slug, name: connection.name } } : {}),
      updatedAt: choice.updatedAt,
    },
    ...(deploymentDefault !== undefined ? { deploymentDefault: view(deploymentDefault) } : {}),
    ...(problem !== undefined ? { problem } : {}),
  };
}

/** The account's embedding model: what is in use, its own choice, the deployment default, and the vector lengths on offer. Any member. */
export const current = accountQuery({
  args: {},
  returns: vEmbeddingSettings,
  handler: async (ctx, { accountId }) => await settingsOf(ctx, accountId),
});

/** The vector length for `model`: the known one, else the one given; refusals name `dimension`. */
function checkedDimension(model: string, given: number | undefined): number {
  const known = knownEmbeddingDimension(model);
  const accepted = RAG_DIMENSIONS.join(", ");
  if (given === undefined) {
    if (known === undefined) {
      fail("bad_request", `The vector length of “${model}” is unknown: give its dimension (one of ${accepted}).`, { field: "dimension" });
    }
    return known;
  }
  if (!Number.isInteger(given) || !isRagDimension(given)) {
    fail("bad_request", `dimension must be one of ${accepted} (the vector lengths the knowledge store accepts).`, { field: "dimension" });
  }
  if (known !== undefined && known !== given) {
    fail("bad_request", `${model} makes vectors of length ${known}, not ${given}: leave the dimension empty or give ${known}.`, { field: "dimension" });
  }
  return given;
}

function describe(choice: Pick<Doc<"accountEmbeddingModels">, "modelId" | "dimension"> | null, deploymentLabel: string): string {
  return choice === null ? `the deployment default (${deploymentLabel})` : `${choice.modelId} (${choice.dimension} dimensions)`;
}

/**
 * Choose the account's embedding model: `modelId` `@<slug>/<model>` of one
 * of its OpenAI-compatible connections, with `dimension` (required unless the
 * model is a well-known one), or no `modelId` (or "") for the deployment
 * default. Switching starts a fresh index (documents added before are
 * searched only under their old model until added again). Account admins;
 * audited; choosing the current model again changes nothing.
 */
export const setEmbeddingModel = accountMutation({
  minRole: "admin",
  args: { modelId: v.optional(v.string()), dimension: v.optional(v.number()) },
  returns: vEmbeddingSettings,
  handler: async (ctx, { accountId, modelId, dimension }) => {
    const previous = await embeddingChoiceOf(ctx, accountId);
    let deploymentLabel: string;
    try {
      deploymentLabel = deploymentEmbeddingModel().label;
    } catch {
      deploymentLabel = "misconfigured";
    }
    const raw = (modelId ?? "").trim();
    let next: { modelId: string; dimension: number; slug: string; connectionName: string } | null = null;
    if (raw === "") {
      if (dimension !== undefined) {
        fail("bad_request", "The deployment default's vector length is the deployment's; give a dimension only with a connection's model.", { field: "dimension" });
      }
    } else {
      const parsed = parseConnectionModelId(raw);
      if (parsed === undefined) {
        fail("bad_request", `“${raw}” is not a connection's model: write @<connection>/<model>, e.g. @openai/text-embedding-3-small.`, { field: "modelId" });
      }
      const connection = await connectionBySlug(ctx, accountId, parsed.slug);
      if (connection === null) fail("bad_request", `This account has no model connection “${parsed.slug}” (Settings → Models).`, { field: "modelId" });
      if (connection.kind !== "openai-compatible") {
        fail("bad_request", `${connection.name} is an Anthropic connection, which has no embeddings API; choose an OpenAI-compatible connection.`, { field: "modelId" });
      }
      assertCallable(connection);
      next = {
        modelId: connectionModelId(parsed.slug, parsed.name),
        dimension: checkedDimension(parsed.name, dimension),
        slug: connection.slug,
        connectionName: connection.name,
      };
    }
    if (next === null ? previous === null : previous !== null && previous.modelId === next.modelId && previous.dimension === next.dimension) {
      return await settingsOf(ctx, accountId); // no change
    }
    const now = Date.now();
    if (next === null) {
      await ctx.db.delete("accountEmbeddingModels", previous!._id);
    } else if (previous === null) {
      await ctx.db.insert("accountEmbeddingModels", { accountId, modelId: next.modelId, dimension: next.dimension, updatedBy: ctx.user._id, updatedAt: now });
    } else {
      await ctx.db.patch("accountEmbeddingModels", previous._id, { modelId: next.modelId, dimension: next.dimension, updatedBy: ctx.user._id, updatedAt: now });
    }
    const from = describe(previous, deploymentLabel);
    const to = describe(next, deploymentLabel);
    await writeAudit(ctx, {
      accountId,
      actorUserId: ctx.user._id,
      actorRole: ctx.membership.role,
      action: next === null ? "embedding_model.reset" : "embedding_model.set",
      targetKind: EMBEDDING_MODEL_TARGET,
      targetId: accountId,
      reason: `from ${from} to ${to}: a fresh knowledge index; documents added before are searched only under ${from} until added again`,
      surface: "spa",
      changes: fieldChanges(
        previous === null ? null : { modelId: previous.modelId, dimension: previous.dimension },
        next === null ? null : { modelId: next.modelId, dimension: next.dimension },
      ),
      details: {
        modelId: next?.modelId ?? null,
        dimension: next?.dimension ?? null,
        connectionSlug: next?.slug ?? null,
        connectionName: next?.connectionName ?? null,
        previousModelId: previous?.modelId ?? null,
        previousDimension: previous?.dimension ?? null,
      },
    });
    return await settingsOf(ctx, accountId);
  },
});

/**
 * The account's embedding model WITH its connection's key, for an action
 * that embeds (knowledge ingestion, facts, search):
 * `resolveEmbeddingModel(await ctx.runQuery(internal.models.embeddingChoice.configFor, { accountId }))`.
 * Null: the deployment default. Throws `bad_request` when the connection's
 * base URL is a private address the deployment does not allow.
 */
export const configFor = internalQuery({
  args: { accountId: v.id("accounts") },
  returns: v.union(v.null(), v.object({ modelId: v.string(), dimension: v.number(), connection: v.union(v.null(), vConnectionConfig) })),
  handler: async (ctx, { accountId }) => await accountEmbeddingConfig(ctx, accountId),
});
