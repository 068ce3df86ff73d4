/**
 * Embedding models. A real one when the OpenAI-compatible endpoint has an
 * embedding model configured (`HARNESS_EMBEDDING_MODEL`), otherwise a
 * deterministic offline hashing embedding.
 *
 * Vectors of different models are not comparable: callers keep them apart by
 * `modelId` (e.g. one RAG namespace per embedding model id).
 */
import type { EmbeddingModelV4, EmbeddingModelV4CallOptions, EmbeddingModelV4Result } from "@ai-sdk/provider";
import { createOpenAICompatible } from "@ai-sdk/openai-compatible";
import { env } from "../lib/env";
import { fail } from "../lib/errors";
import { fnv1a, STOP_WORDS, tokensForChars, words } from "./text";

/** Vector lengths the RAG component has tables for. */
export const RAG_DIMENSIONS = [128, 256, 512, 768, 1024, 1408, 1536, 2048, 3072, 4096] as const;

export const OFFLINE_EMBEDDING_DIMENSION = 256;
export const OFFLINE_EMBEDDING_MODEL_ID = `offline-hash-${OFFLINE_EMBEDDING_DIMENSION}`;

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

export type ResolvedEmbeddingModel = {
  model: EmbeddingModelV4;
  /** `offline-hash-256` or `openai-compatible/<model>`: keep vectors of different ids apart. */
  modelId: string;
  dimension: number;
};

function configuredDimension(model: string): number {
  const explicit = env.embeddingDimension();
  const known = KNOWN_DIMENSIONS[model.replace(/^.*\//, "").replace(/:.*$/, "")];
  const dimension = explicit !== undefined ? Number(explicit) : known;
  if (dimension === undefined) {
    fail("bad_request", `The vector length of embedding model “${model}” is unknown; set HARNESS_EMBEDDING_DIMENSION.`);
  }
  if (!(RAG_DIMENSIONS as readonly number[]).includes(dimension)) {
    fail("bad_request", `Embedding model “${model}” makes vectors of length ${String(dimension)}; the knowledge store accepts ${RAG_DIMENSIONS.join(", ")}.`);
  }
  return dimension;
}

/** The embedding model this deployment uses. */
export function resolveEmbeddingModel(): ResolvedEmbeddingModel {
  const baseURL = env.openAiCompatibleBaseUrl();
  const model = env.embeddingModelId();
  if (baseURL === undefined || model === undefined) {
    return { model: offlineEmbeddingModel(), modelId: OFFLINE_EMBEDDING_MODEL_ID, dimension: OFFLINE_EMBEDDING_DIMENSION };
  }
  const dimension = configuredDimension(model);
  const provider = createOpenAICompatible({ name: "openai-compatible", baseURL, apiKey: env.openAiCompatibleApiKey() });
  return { model: provider.embeddingModel(model), modelId: `openai-compatible/${model}`, dimension };
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
