import { embed, embedMany } from "ai";
import { afterEach, describe, expect, test, vi } from "vitest";
import { errorCode } from "../lib/errors";
import { cosineSimilarity, hashEmbedding, offlineEmbeddingModel, resolveEmbeddingModel } from "./embeddings";

afterEach(() => {
  vi.unstubAllEnvs();
});

const norm = (vector: number[]) => Math.sqrt(vector.reduce((sum, value) => sum + value * value, 0));

describe("offline embeddings", () => {
  test("deterministic, 256 long, L2-normalised", () => {
    const a = hashEmbedding("The refund window is 30 days.");
    expect(a).toHaveLength(256);
    expect(hashEmbedding("The refund window is 30 days.")).toEqual(a);
    expect(norm(a)).toBeCloseTo(1, 10);
    expect(norm(hashEmbedding(""))).toBeCloseTo(1, 10);
  });

  test("similar texts are closer than unrelated ones", () => {
    const query = hashEmbedding("how long do refunds take");
    const close = hashEmbedding("Refunds take up to 30 days to process.");
    const far = hashEmbedding("The office parking garage opens at 7am.");
    expect(cosineSimilarity(query, close)).toBeGreaterThan(cosineSimilarity(query, far));
    expect(cosineSimilarity(hashEmbedding("colour"), hashEmbedding("color"))).toBeGreaterThan(0.3);
  });

  test("works as an AI SDK embedding model", async () => {
    const model = offlineEmbeddingModel();
    const { embedding } = await embed({ model, value: "hello world" });
    expect(embedding).toEqual(hashEmbedding("hello world"));
    const { embeddings } = await embedMany({ model, values: ["a", "b", "c"] });
    expect(embeddings).toHaveLength(3);
  });

  test("resolveEmbeddingModel: offline without an endpoint, the endpoint's model when configured", () => {
    vi.stubEnv("OPENAI_COMPATIBLE_BASE_URL", "");
    vi.stubEnv("HARNESS_EMBEDDING_MODEL", "");
    vi.stubEnv("HARNESS_EMBEDDING_DIMENSION", "");
    expect(resolveEmbeddingModel()).toMatchObject({ modelId: "offline-hash-256", dimension: 256 });

    vi.stubEnv("OPENAI_COMPATIBLE_BASE_URL", "http://localhost:11434/v1");
    vi.stubEnv("HARNESS_EMBEDDING_MODEL", "nomic-embed-text");
    const real = resolveEmbeddingModel();
    expect(real).toMatchObject({ modelId: "openai-compatible/nomic-embed-text", dimension: 768 });
    expect(real.model.modelId).toBe("nomic-embed-text");

    vi.stubEnv("HARNESS_EMBEDDING_MODEL", "some-unknown-embedder");
    expect(() => resolveEmbeddingModel()).toThrow();
    try {
      resolveEmbeddingModel();
    } catch (error) {
      expect(errorCode(error)).toBe("bad_request");
    }
    vi.stubEnv("HARNESS_EMBEDDING_DIMENSION", "1024");
    expect(resolveEmbeddingModel().dimension).toBe(1024);
  });
});
