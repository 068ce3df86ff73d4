/**
 * The account's embedding model (Settings → Models → Embeddings): who may
 * choose it, what is refused (each refusal naming its field), the audit
 * trail, what `current` shows, and that a connection serving it cannot be
 * removed. Nothing here calls a provider; the wire test is
 * convex/knowledge/embeddings.wire.test.ts.
 */
import { afterEach, beforeEach, expect, test, vi } from "vitest";
import { api } from "../_generated/api";
import { asMember, codeOf, newHarness, type Harness, refusal } from "../test.setup";

const KEY = "sk-test-0123456789abcdefWXYZ";

beforeEach(() => {
  vi.stubEnv("OPENAI_COMPATIBLE_BASE_URL", "");
  vi.stubEnv("HARNESS_EMBEDDING_MODEL", "");
});
afterEach(() => {
  vi.unstubAllEnvs();
});

async function withConnections(t: Harness, orgId = "org_embed") {
  const admin = await asMember(t, orgId, "admin");
  const accountId = admin.accountId;
  await admin.client.mutation(api.models.connections.create, { accountId, name: "OpenAI", kind: "openai-compatible", baseUrl: "https://api.openai.com/v1", apiKey: KEY });
  await admin.client.mutation(api.models.connections.create, { accountId, name: "Claude", kind: "anthropic", apiKey: KEY });
  return { admin, accountId };
}

async function embeddingAudit(t: Harness) {
  return await t.run(async (ctx) => (await ctx.db.query("auditLog").collect()).filter((e) => e.action.startsWith("embedding_model.")));
}

test("an admin chooses a connection's embedding model (its vector length known), audited; `current` shows it; back to the deployment default", async () => {
  const t = newHarness();
  const { admin, accountId } = await withConnections(t);
  const member = await asMember(t, "org_embed", "member");

  const before = await member.client.query(api.models.embeddingChoice.current, { accountId });
  expect(before).toMatchObject({
    active: { modelId: "offline-hash-256", dimension: 256, source: "deployment" },
    deploymentDefault: { modelId: "offline-hash-256", dimension: 256 },
  });
  expect(before.choice).toBeUndefined();
  expect(before.dimensions).toContain(1536);
  expect(before.knownDimensions["text-embedding-3-small"]).toBe(1536);

  const chosen = await admin.client.mutation(api.models.embeddingChoice.setEmbeddingModel, { accountId, modelId: " @openai/text-embedding-3-small " });
  expect(chosen).toMatchObject({
    active: { modelId: "@openai/text-embedding-3-small", dimension: 1536, source: "connection", label: "text-embedding-3-small via OpenAI" },
    choice: { modelId: "@openai/text-embedding-3-small", dimension: 1536, connection: { slug: "openai", name: "OpenAI" } },
    deploymentDefault: { modelId: "offline-hash-256" },
  });
  expect(chosen.problem).toBeUndefined();
  // Any member sees the choice; the key is in no answer.
  const seen = await member.client.query(api.models.embeddingChoice.current, { accountId });
  expect(seen).toEqual(chosen);
  expect(JSON.stringify(seen)).not.toContain(KEY);

  // An unknown model with its vector length given.
  await admin.client.mutation(api.models.embeddingChoice.setEmbeddingModel, { accountId, modelId: "@openai/my-embedder", dimension: 1024 });
  // The same choice again changes nothing (no audit entry).
  await admin.client.mutation(api.models.embeddingChoice.setEmbeddingModel, { accountId, modelId: "@openai/my-embedder", dimension: 1024 });
  const reset = await admin.client.mutation(api.models.embeddingChoice.setEmbeddingModel, { accountId });
  expect(reset.active).toMatchObject({ modelId: "offline-hash-256", source: "deployment" });
  expect(reset.choice).toBeUndefined();
  expect(await t.run(async (ctx) => ctx.db.query("accountEmbeddingModels").collect())).toEqual([]);

  const audit = await embeddingAudit(t);
  expect(audit.map((a) => a.action)).toEqual(["embedding_model.set", "embedding_model.set", "embedding_model.reset"]);
  expect(audit[0]).toMatchObject({
    accountId,
    actorUserId: admin.userId,
    actorRole: "admin",
    targetKind: "account_embedding_model",
    targetId: accountId,
    details: { modelId: "@openai/text-embedding-3-small", dimension: 1536, connectionSlug: "openai", previousModelId: null },
  });
  expect(audit[0]!.reason).toMatch(/a fresh knowledge index/);
  expect(audit[2]!.details).toMatchObject({ modelId: null, previousModelId: "@openai/my-embedder", previousDimension: 1024 });
  expect(JSON.stringify(audit)).not.toContain(KEY);
});

test("setEmbeddingModel refuses, naming the field: not a connection's model, no such connection, Anthropic, unknown or wrong vector length; members may not", async () => {
  const t = newHarness();
  const { admin, accountId } = await withConnections(t);
  const other = await withConnections(t, "org_other");
  const member = await asMember(t, "org_embed", "member");
  const set = (args: { modelId?: string; dimension?: number }) => admin.client.mutation(api.models.embeddingChoice.setEmbeddingModel, { accountId, ...args });

  expect(await refusal(set({ modelId: "text-embedding-3-small" }))).toMatchObject({ code: "bad_request", field: "modelId" });
  expect(await refusal(set({ modelId: "@nope/text-embedding-3-small" }))).toMatchObject({ code: "bad_request", field: "modelId", message: expect.stringMatching(/no model connection “nope”/) });
  expect(await refusal(set({ modelId: "@claude/text-embedding-3-small" }))).toMatchObject({ code: "bad_request", field: "modelId", message: expect.stringMatching(/Anthropic connection/) });
  expect(await refusal(set({ modelId: "@openai/my-embedder" }))).toMatchObject({ code: "bad_request", field: "dimension", message: expect.stringMatching(/unknown: give its dimension/) });
  expect(await refusal(set({ modelId: "@openai/my-embedder", dimension: 1000 }))).toMatchObject({ code: "bad_request", field: "dimension" });
  expect(await refusal(set({ modelId: "@openai/my-embedder", dimension: 1024.5 }))).toMatchObject({ code: "bad_request", field: "dimension" });
  expect(await refusal(set({ modelId: "@openai/text-embedding-3-small", dimension: 768 }))).toMatchObject({
    code: "bad_request",
    field: "dimension",
    message: expect.stringMatching(/makes vectors of length 1536/),
  });
  expect(await refusal(set({ dimension: 768 }))).toMatchObject({ code: "bad_request", field: "dimension" });
  // Another account's connection of the same slug does not count: only this account's.
  await other.admin.client.mutation(api.models.connections.create, { accountId: other.accountId, name: "Theirs", kind: "openai-compatible", baseUrl: "https://api.openai.com/v1" });
  expect(await refusal(set({ modelId: "@theirs/text-embedding-3-small" }))).toMatchObject({ code: "bad_request", field: "modelId" });
  // Members may read, not choose.
  expect(await codeOf(member.client.mutation(api.models.embeddingChoice.setEmbeddingModel, { accountId, modelId: "@openai/text-embedding-3-small" }))).toBe("forbidden");
  expect(await t.run(async (ctx) => ctx.db.query("accountEmbeddingModels").collect())).toEqual([]);
  expect(await embeddingAudit(t)).toEqual([]);
});

test("a connection serving the account's embedding model cannot be removed until another model is chosen", async () => {
  const t = newHarness();
  const { admin, accountId } = await withConnections(t);
  await admin.client.mutation(api.models.embeddingChoice.setEmbeddingModel, { accountId, modelId: "@openai/text-embedding-3-small" });
  const [openai] = (await admin.client.query(api.models.connections.list, { accountId })).filter((c) => c.slug === "openai");
  expect(await refusal(admin.client.mutation(api.models.connections.remove, { accountId, connectionId: openai!.connectionId }))).toMatchObject({
    code: "conflict",
    message: expect.stringMatching(/serves this account's embedding model/),
  });
  await admin.client.mutation(api.models.embeddingChoice.setEmbeddingModel, { accountId, modelId: "" });
  await admin.client.mutation(api.models.connections.remove, { accountId, connectionId: openai!.connectionId });
  expect((await admin.client.query(api.models.embeddingChoice.current, { accountId })).active?.modelId).toBe("offline-hash-256");
});

test("a private base URL the deployment no longer allows is shown as the problem, not resolved", async () => {
  vi.stubEnv("HARNESS_WEBHOOK_ALLOW_PRIVATE_URLS", "true");
  const t = newHarness();
  const admin = await asMember(t, "org_local", "admin");
  const accountId = admin.accountId;
  await admin.client.mutation(api.models.connections.create, { accountId, name: "Ollama", kind: "openai-compatible", baseUrl: "http://127.0.0.1:11434/v1" });
  const chosen = await admin.client.mutation(api.models.embeddingChoice.setEmbeddingModel, { accountId, modelId: "@ollama/nomic-embed-text" });
  expect(chosen.active).toMatchObject({ modelId: "@ollama/nomic-embed-text", dimension: 768 });
  vi.stubEnv("HARNESS_WEBHOOK_ALLOW_PRIVATE_URLS", "false");
  const now = await admin.client.query(api.models.embeddingChoice.current, { accountId });
  expect(now.active).toBeUndefined();
  expect(now.problem).toMatch(/public internet addresses/);
  expect(now.choice?.modelId).toBe("@ollama/nomic-embed-text");
});
