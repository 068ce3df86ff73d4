/**
 * Embedding models. An account may choose one of its OpenAI-compatible
 * connections' embedding models (Settings → Models: `@<slug>/<model>` with
 * its vector length; see embeddingChoice.ts); otherwise the deployment's: a
 * real one when the OpenAI-compatible endpoint has an embedding model
 * configured (`HARNESS_EMBEDDING_MODEL`), else a deterministic offline
 * hashing embedding.
 *
 * Vectors of different models are not comparable: callers keep them apart by
 * `modelId` (one RAG namespace per embedding model id, convex/knowledge/scopes.ts).
 */
import type { EmbeddingModelV4, EmbeddingModelV4CallOptions, EmbeddingModelV4Result } from "@ai-sdk/provider";
import { createOpenAICompatible } from "@ai-sdk/openai-compatible";
import { embedMany } from "ai";
import { env } from "../lib/env";
import { fail } from "../lib/errors";
import { apiRoot, hostOf, providerErrorWords } from "./connectionRules";
import { connectionModelId, parseConnectionModelId, type ConnectionConfig } from "./registry";
import { fnv1a, STOP_WORDS, tokensForChars, words } from "./text";

/** Vector lengths the RAG component has tables for. */
export const RAG_DIMENSIONS = [128, 256, 512, 768, 1024, 1408, 1536, 2048, 3072, 4096] as const;

export const OFFLINE_EMBEDDING_DIMENSION = 256;
export const OFFLINE_EMBEDDING_MODEL_ID = `offline-hash-${OFFLINE_EMBEDDING_DIMENSION}`;
export const OFFLINE_EMBEDDING_LABEL = "Offline hashing embedding (built-in)";

const UNIGRAM_WEIGHT = 1;
const TRIGRAM_WEIGHT = 0.5;
/** Stop words still count, a little, so "to be or not to be" isn't an empty vector. */
const STOP_WORD_WEIGHT = 0.2;

/**
 * Feature hashing of word unigrams and character trigrams (of each word padded
 * with `#`) into `dimension` signed buckets, L2-normalised: cosine similarity
 * is a dot product, texts sharing words or word pieces come out close.
 * Text with no letters or digits embeds to the first unit vector.
 */
export function hashEmbedding(text: string, dimension = OFFLINE_EMBEDDING_DIMENSION): number[] {
  const vector = new Array<number>(dimension).fill(0);
  const add = (feature: string, weight: number) => {
    const hash = fnv1a(feature);
    const sign = fnv1a(feature, 0x5bd1e995) & 1 ? -1 : 1;
    vector[hash % dimension] = (vector[hash % dimension] ?? 0) + sign * weight;
  };
  for (const word of words(text)) {
    add(`w:${word}`, STOP_WORDS.has(word) ? STOP_WORD_WEIGHT : UNIGRAM_WEIGHT);
    const padded = `#${word}#`;
    for (let index = 0; index + 3 <= padded.length; index++) add(`c:${padded.slice(index, index + 3)}`, TRIGRAM_WEIGHT);
  }
  const norm = Math.sqrt(vector.reduce((sum, value) => sum + value * value, 0));
  if (norm === 0) {
    vector[0] = 1;
    return vector;
  }
  return vector.map((value) => value / norm);
}

/** The offline embedding model (AI SDK `EmbeddingModelV4`). */
export function offlineEmbeddingModel(dimension = OFFLINE_EMBEDDING_DIMENSION): EmbeddingModelV4 {
  return {
    specificationVersion: "v4",
    provider: "offline",
    modelId: `offline-hash-${dimension}`,
    maxEmbeddingsPerCall: 1000,
    supportsParallelCalls: true,
    doEmbed(options: EmbeddingModelV4CallOptions): PromiseLike<EmbeddingModelV4Result> {
      const chars = options.values.reduce((sum, value) => sum + value.length, 0);
      return Promise.resolve({
        embeddings: options.values.map((value) => hashEmbedding(value, dimension)),
        usage: { tokens: tokensForChars(chars) },
        warnings: [],
      });
    },
  };
}

/** Vector lengths of well-known embedding models (without vendor prefix or `:tag`). */
const KNOWN_DIMENSIONS: Readonly<Record<string, number>> = {
  "text-embedding-3-small": 1536,
  "text-embedding-3-large": 3072,
  "text-embedding-ada-002": 1536,
  "nomic-embed-text": 768,
  "mxbai-embed-large": 1024,
  "bge-m3": 1024,
  "snowflake-arctic-embed": 1024,
  "embeddinggemma": 768,
};

/** The vector length of a well-known embedding model (`openai/text-embedding-3-small`, `nomic-embed-text:v1.5`), else undefined. */
export function knownEmbeddingDimension(model: string): number | undefined {
  return KNOWN_DIMENSIONS[model.replace(/^.*\//, "").replace(/:.*$/, "")];
}

/** The well-known models and their vector lengths, for the Settings form. */
export function knownEmbeddingDimensions(): Record<string, number> {
  return { ...KNOWN_DIMENSIONS };
}

export function isRagDimension(dimension: number): boolean {
  return (RAG_DIMENSIONS as readonly number[]).includes(dimension);
}

/** How long one embeddings request may take before it counts as failed. */
export const EMBEDDING_TIMEOUT_MS = 60_000;

export type ResolvedEmbeddingModel = {
  model: EmbeddingModelV4;
  /**
   * `offline-hash-256`, `openai-compatible/<model>` (the deployment's endpoint)
   * or `@<connection>/<model>` (an account's connection): keep vectors of
   * different ids apart (one RAG namespace per id).
   */
  modelId: string;
  dimension: number;
  provider: "offline" | "openai-compatible";
  /** Shown in Settings → Models, e.g. "text-embedding-3-small via OpenAI". */
  label: string;
  /** A failed call to this model in words: the provider's own message, its key never repeated. */
  errorWords: (error: unknown, timedOut?: boolean) => string;
};

/**
 * An account's own embedding model (`accountEmbeddingModels`, chosen in
 * Settings → Models) with its connection loaded server-side, key included.
 * Null / absent: the deployment default. Never send it to a client.
 */
export type AccountEmbeddingConfig = {
  /** `@<connection slug>/<model>`. */
  modelId: string;
  dimension: number;
  /** Null when the account no longer has that connection. */
  connection: ConnectionConfig | null;
};

function configuredDimension(model: string): number {
  const explicit = env.embeddingDimension();
  const dimension = explicit !== undefined ? Number(explicit) : knownEmbeddingDimension(model);
  if (dimension === undefined) {
    fail("bad_request", `The vector length of embedding model “${model}” is unknown; set HARNESS_EMBEDDING_DIMENSION.`);
  }
  if (!isRagDimension(dimension)) {
    fail("bad_request", `Embedding model “${model}” makes vectors of length ${String(dimension)}; the knowledge store accepts ${RAG_DIMENSIONS.join(", ")}.`);
  }
  return dimension;
}

function hostOfUrl(baseURL: string): string {
  try {
    return new URL(baseURL).host;
  } catch {
    return "the embedding provider";
  }
}

function remoteErrorWords(host: string, secret: string | undefined) {
  return (error: unknown, timedOut = false) =>
    timedOut
      ? `Cannot reach ${host}: no answer within ${EMBEDDING_TIMEOUT_MS / 1000} s.`
      : providerErrorWords(error, { host, secret });
}

function openAiCompatibleEmbeddingModel(name: string, baseURL: string, apiKey: string | undefined): EmbeddingModelV4 {
  return createOpenAICompatible({ name: "openai-compatible", baseURL, apiKey }).embeddingModel(name);
}

/** The deployment's embedding model: `HARNESS_EMBEDDING_MODEL` on the OpenAI-compatible endpoint, else the offline one. */
export function deploymentEmbeddingModel(): ResolvedEmbeddingModel {
  const baseURL = env.openAiCompatibleBaseUrl();
  const model = env.embeddingModelId();
  if (baseURL === undefined || model === undefined) {
    return {
      model: offlineEmbeddingModel(),
      modelId: OFFLINE_EMBEDDING_MODEL_ID,
      dimension: OFFLINE_EMBEDDING_DIMENSION,
      provider: "offline",
      label: OFFLINE_EMBEDDING_LABEL,
      errorWords: (error) => (error instanceof Error ? error.message : String(error)),
    };
  }
  const dimension = configuredDimension(model);
  const apiKey = env.openAiCompatibleApiKey();
  const host = hostOfUrl(baseURL);
  return {
    model: openAiCompatibleEmbeddingModel(model, baseURL, apiKey),
    modelId: `openai-compatible/${model}`,
    dimension,
    provider: "openai-compatible",
    label: `${model} via ${host}`,
    errorWords: remoteErrorWords(host, apiKey),
  };
}

/**
 * The embedding model to use: the account's own choice (a model of one of
 * its OpenAI-compatible connections, `POST {baseUrl}/embeddings` with the
 * connection's key) when it has one, else the deployment's. Throws
 * `bad_request` in words when the choice can no longer be used (its
 * connection is gone or not OpenAI-compatible, a bad vector length).
 */
export function resolveEmbeddingModel(account?: AccountEmbeddingConfig | null): ResolvedEmbeddingModel {
  if (account === undefined || account === null) return deploymentEmbeddingModel();
  const parsed = parseConnectionModelId(account.modelId);
  if (parsed === undefined) {
    fail("bad_request", `“${account.modelId}” is not an embedding model of a connection; choose one in Settings → Models, written @<connection>/<model>.`);
  }
  const connection = account.connection;
  if (connection === null || connection.slug !== parsed.slug) {
    fail("bad_request", `This account's embedding model ${account.modelId} needs the model connection “${parsed.slug}”, which it no longer has; choose another embedding model in Settings → Models.`);
  }
  if (connection.kind !== "openai-compatible") {
    fail("bad_request", `${connection.name} is an Anthropic connection, which has no embeddings API; choose an OpenAI-compatible connection's embedding model in Settings → Models.`);
  }
  if (!isRagDimension(account.dimension)) {
    fail("bad_request", `This account's embedding model makes vectors of length ${String(account.dimension)}; the knowledge store accepts ${RAG_DIMENSIONS.join(", ")}.`);
  }
  const baseURL = apiRoot(connection.kind, connection.baseUrl);
  return {
    model: openAiCompatibleEmbeddingModel(parsed.name, baseURL, connection.apiKey),
    modelId: connectionModelId(parsed.slug, parsed.name),
    dimension: account.dimension,
    provider: "openai-compatible",
    label: `${parsed.name} via ${connection.name}`,
    errorWords: remoteErrorWords(hostOf(connection.kind, connection.baseUrl), connection.apiKey),
  };
}

/**
 * Embed `values` in one call (no SDK retries unless `maxRetries`: callers
 * retry where it is journaled), at most `EMBEDDING_TIMEOUT_MS` for a remote
 * model. Throws an `Error` whose message is the failure in words — the
 * provider's status and own message, "Cannot reach <host>: connection
 * refused", or vectors of another length than the model's setting.
 */
export async function embedTexts(resolved: ResolvedEmbeddingModel, values: string[], { maxRetries = 0 }: { maxRetries?: number } = {}): Promise<number[][]> {
  // The built-in model runs in this process and ignores aborts; its tests run on fake clocks, where a timer would fire early.
  const abort = resolved.provider === "offline" ? undefined : new AbortController();
  const timer = abort === undefined ? undefined : setTimeout(() => abort.abort(), EMBEDDING_TIMEOUT_MS);
  let embeddings: number[][];
  try {
    ({ embeddings } = await embedMany({ model: resolved.model, values, maxRetries, ...(abort !== undefined ? { abortSignal: abort.signal } : {}) }));
  } catch (error) {
    throw new Error(resolved.errorWords(error, abort?.signal.aborted ?? false), { cause: error });
  } finally {
    if (timer !== undefined) clearTimeout(timer);
  }
  const wrong = embeddings.find((vector) => vector.length !== resolved.dimension);
  if (embeddings.length !== values.length || wrong !== undefined) {
    throw new Error(
      wrong !== undefined
        ? `${resolved.label} returned vectors of length ${wrong.length}, but its vector length is set to ${resolved.dimension}; correct it in Settings → Models.`
        : `${resolved.label} returned ${embeddings.length} vectors for ${values.length} texts.`,
    );
  }
  return embeddings;
}

/** Cosine similarity of two vectors (1 = same direction). */
export function cosineSimilarity(a: readonly number[], b: readonly number[]): number {
  let dot = 0;
  let normA = 0;
  let normB = 0;
  for (let index = 0; index < Math.min(a.length, b.length); index++) {
    const x = a[index] ?? 0;
    const y = b[index] ?? 0;
    dot += x * y;
    normA += x * x;
    normB += y * y;
  }
  return normA === 0 || normB === 0 ? 0 : dot / Math.sqrt(normA * normB);
}
