import { embed, embedMany } from "ai";
import { afterEach, beforeEach, describe, expect, test, vi } from "vitest";
import { errorCode } from "../lib/errors";
import { cosineSimilarity, embedTexts, hashEmbedding, knownEmbeddingDimension, offlineEmbeddingModel, resolveEmbeddingModel } from "./embeddings";

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

describe("an account's embedding model", () => {
  beforeEach(() => {
    vi.stubEnv("OPENAI_COMPATIBLE_BASE_URL", "");
    vi.stubEnv("HARNESS_EMBEDDING_MODEL", "");
  });
  const connection = { slug: "openai", name: "OpenAI", kind: "openai-compatible" as const, baseUrl: "https://api.openai.com/v1", apiKey: "sk-0123456789abcdef" };

  test("a connection's model: its own id, the connection's endpoint, the vector length chosen", () => {
    const resolved = resolveEmbeddingModel({ modelId: "@openai/text-embedding-3-small", dimension: 1536, connection });
    expect(resolved).toMatchObject({ modelId: "@openai/text-embedding-3-small", dimension: 1536, provider: "openai-compatible", label: "text-embedding-3-small via OpenAI" });
    expect(resolved.model.modelId).toBe("text-embedding-3-small");
    // No choice: the deployment's.
    expect(resolveEmbeddingModel(null).modelId).toBe("offline-hash-256");
    expect(resolveEmbeddingModel().modelId).toBe("offline-hash-256");
  });

  test("a choice that cannot be used is refused in words", () => {
    const code = (run: () => unknown) => {
      try {
        run();
        return "no error";
      } catch (error) {
        return `${errorCode(error)}: ${(error as { data: { message: string } }).data.message}`;
      }
    };
    expect(code(() => resolveEmbeddingModel({ modelId: "@openai/text-embedding-3-small", dimension: 1536, connection: null }))).toMatch(
      /^bad_request: .*needs the model connection “openai”, which it no longer has/,
    );
    expect(code(() => resolveEmbeddingModel({ modelId: "@claude/x", dimension: 1024, connection: { slug: "claude", name: "Claude", kind: "anthropic" } }))).toMatch(
      /^bad_request: Claude is an Anthropic connection, which has no embeddings API/,
    );
    expect(code(() => resolveEmbeddingModel({ modelId: "@openai/my-embedder", dimension: 1000, connection }))).toMatch(/^bad_request: .*vectors of length 1000/);
    expect(knownEmbeddingDimension("openai/text-embedding-3-large")).toBe(3072);
    expect(knownEmbeddingDimension("nomic-embed-text:v1.5")).toBe(768);
    expect(knownEmbeddingDimension("my-embedder")).toBeUndefined();
  });

  test("embedTexts refuses vectors of another length than the model's setting", async () => {
    const resolved = { ...resolveEmbeddingModel(null), dimension: 1536 };
    await expect(embedTexts(resolved, ["hello"])).rejects.toThrow(/returned vectors of length 256, but its vector length is set to 1536/);
    expect(await embedTexts(resolveEmbeddingModel(null), ["hello"])).toEqual([hashEmbedding("hello")]);
  });
});
