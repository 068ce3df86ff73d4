/**
 * Knowledge on an account's own embedding model, on the wire: the AI SDK's
 * OpenAI-compatible provider talks HTTP to the local provider server
 * (convex/models/wire/providerServer.testing.ts), whose `/embeddings` answers
 * deterministic vectors per text. Proves what a connection's embedding model
 * sends (URL, key, model, the chunk texts), that its vectors are the ones
 * stored and searched, that switching models never mixes vectors (one
 * namespace per embedding model id), and that a provider's refusal marks the
 * document failed in words. Real timers throughout — a socket and a fake
 * clock don't mix — waiting with `vi.waitFor`.
 */
import { createServer } from "node:http";
import { afterEach, beforeEach, expect, test, vi } from "vitest";
import { api } from "../_generated/api";
import type { Id } from "../_generated/dataModel";
import { drainAndClose, startProviderServer, type ProviderServer } from "../models/wire/providerServer.testing";
import { asMember, newHarness, type Harness } from "../test.setup";
import { chunkText } from "./chunking";
import { probe, probeModules } from "./probe.testing";

const KEY = "sk-wire-embeddings-000000000000000000000abcd";
const WIRE = { timeout: 60_000 };

const REFUNDS = `# Refund policy

Customers can ask for a refund within 30 days of purchase. Refunds are paid back to the original card.

## Timing

A refund takes five to ten business days to reach the customer's bank account.`;

const PARKING = "The office parking garage opens at 7am and closes at 10pm. Visitors park on level 2.";

let server: ProviderServer | undefined;
let harness: Harness | undefined;

beforeEach(async () => {
  // The deployment has no embedding model of its own: its default is the offline one.
  vi.stubEnv("OPENAI_COMPATIBLE_BASE_URL", "");
  vi.stubEnv("HARNESS_EMBEDDING_MODEL", "");
  // The provider server listens on 127.0.0.1.
  vi.stubEnv("HARNESS_WEBHOOK_ALLOW_PRIVATE_URLS", "true");
  server = await startProviderServer({ defaults: { "openai.embeddings": { embeddings: 1536 } } });
});
afterEach(async () => {
  await drainAndClose(harness, server);
  harness = undefined;
  server = undefined;
  vi.unstubAllEnvs();
});

type Admin = Awaited<ReturnType<typeof asMember>>;

/** An admin whose account has the connection `wire` (to the provider server, with KEY). */
async function setup(options: { baseUrl?: string; apiKey?: string } = {}) {
  const t = newHarness(probeModules);
  harness = t;
  const admin = await asMember(t, "org_wire_embeddings", "admin");
  await admin.client.mutation(api.models.connections.create, {
    accountId: admin.accountId,
    name: "Wire",
    slug: "wire",
    kind: "openai-compatible",
    baseUrl: options.baseUrl ?? server!.openaiBaseURL,
    apiKey: options.apiKey ?? KEY,
  });
  return { t, admin };
}

async function useModel(admin: Admin, modelId?: string) {
  return await admin.client.mutation(api.models.embeddingChoice.setEmbeddingModel, { accountId: admin.accountId, ...(modelId !== undefined ? { modelId } : {}) });
}

async function addText(admin: Admin, text: string, title: string) {
  return await admin.client.mutation(api.knowledge.documents.addText, { accountId: admin.accountId, scope: { kind: "user" }, title, text, format: "markdown" });
}

/** Wait (real time) until the document's ingestion has ended, and return it. */
async function ingested(admin: Admin, documentId: Id<"knowledgeDocuments">) {
  return await vi.waitFor(
    async () => {
      const document = await admin.client.query(api.knowledge.documents.get, { accountId: admin.accountId, documentId });
      if (document.status !== "ready" && document.status !== "failed") throw new Error(`still ${document.status}`);
      return document;
    },
    { timeout: 30_000, interval: 25 },
  );
}

async function search(t: Harness, admin: Admin, query: string) {
  return await t.action(probe.search, { accountId: admin.accountId, userId: admin.userId, query, limit: 5 });
}

function embeddingRequests() {
  return server!.requests.filter((r) => r.route === "openai.embeddings");
}

test("a document for an account on @wire/text-embedding-3-small: POST {base}/embeddings with the connection's key, the model and the chunk texts; those vectors are stored and searched", WIRE, async () => {
  const { t, admin } = await setup();
  await useModel(admin, "@wire/text-embedding-3-small");
  const added = await addText(admin, REFUNDS, "Refunds");
  const document = await ingested(admin, added.documentId);
  expect(document).toMatchObject({ status: "ready", modelId: "@wire/text-embedding-3-small" });

  const chunks = chunkText(REFUNDS);
  expect(document.chunkCount).toBe(chunks.length);
  const [ingestion, ...others] = embeddingRequests();
  expect(others).toEqual([]);
  expect(ingestion).toMatchObject({ method: "POST", path: "/openai/v1/embeddings" });
  expect(ingestion!.headers.authorization).toBe(`Bearer ${KEY}`);
  expect(ingestion!.body).toMatchObject({ model: "text-embedding-3-small", input: chunks });

  // The query is embedded by the same model; a chunk's own text comes back as the same vector: similarity 1.
  const hits = await search(t, admin, chunks[0]!);
  expect(hits[0]).toMatchObject({ documentId: added.documentId, title: "Refunds", scope: "user" });
  expect(hits[0]!.score).toBeCloseTo(1, 5);
  const query = embeddingRequests().at(-1)!;
  expect(query.headers.authorization).toBe(`Bearer ${KEY}`);
  expect(query.body).toMatchObject({ model: "text-embedding-3-small", input: [chunks[0]] });
  // Another text's (pseudo-random) vector is nowhere near: the stored vectors are the server's, not the offline model's.
  const unrelated = await search(t, admin, "how long does a refund take to reach my bank?");
  expect(unrelated.every((hit) => hit.score < 0.3)).toBe(true);
  // The key went only into the Authorization header of the provider's requests.
  expect(JSON.stringify(hits)).not.toContain(KEY);
});

test("switching embedding models never mixes vectors: another model searches its own (empty) index, no dimension error; switching back finds the documents again", WIRE, async () => {
  const { t, admin } = await setup();
  // Model A, the deployment default: offline, 256 dimensions.
  const refunds = await addText(admin, REFUNDS, "Refunds");
  expect(await ingested(admin, refunds.documentId)).toMatchObject({ status: "ready", modelId: "offline-hash-256" });
  expect((await search(t, admin, "refund within 30 days"))[0]?.documentId).toBe(refunds.documentId);

  // Model B, 1536 dimensions: A's vectors are not searched, and nothing fails.
  const b = await useModel(admin, "@wire/text-embedding-3-small");
  expect(b.active).toMatchObject({ modelId: "@wire/text-embedding-3-small", dimension: 1536, source: "connection" });
  const before = embeddingRequests().length;
  expect(await search(t, admin, "refund within 30 days")).toEqual([]);
  // B has no index anywhere this user may look: the query is not even embedded.
  expect(embeddingRequests().length).toBe(before);

  // Model C: the same server and dimension, identical vectors for identical texts — still its own namespace.
  await useModel(admin, "@wire/text-embedding-ada-002");
  const parking = await addText(admin, PARKING, "Parking");
  expect(await ingested(admin, parking.documentId)).toMatchObject({ status: "ready", modelId: "@wire/text-embedding-ada-002" });
  const beforeC = embeddingRequests().length;
  expect((await search(t, admin, PARKING))[0]).toMatchObject({ documentId: parking.documentId });
  expect(embeddingRequests().length).toBe(beforeC + 1); // C has an index now: the query, embedded by C
  await useModel(admin, "@wire/text-embedding-3-small");
  expect(await search(t, admin, PARKING)).toEqual([]);

  // Back to A: its document is found again, C's is not.
  await useModel(admin);
  const underA = await search(t, admin, "refund within 30 days, parking garage");
  expect(underA.map((hit) => hit.documentId)).toEqual([refunds.documentId]);
  // And back to C: its document again.
  await useModel(admin, "@wire/text-embedding-ada-002");
  expect((await search(t, admin, PARKING)).map((hit) => hit.documentId)).toEqual([parking.documentId]);

  // Every namespace is its own: one per (scope, embedding model id).
  const namespaces = await t.run(async (ctx) => ctx.db.query("knowledgeNamespaces").collect());
  expect(namespaces.map((n) => n.modelId).sort()).toEqual(["@wire/text-embedding-ada-002", "offline-hash-256"]);
});

test("a search embeds nothing until knowledge was written where the caller may look: another user's document does not count, the account's does", WIRE, async () => {
  const { t, admin } = await setup();
  await useModel(admin, "@wire/text-embedding-3-small");
  const member = await asMember(t, "org_wire_embeddings", "member");
  const mine = await addText(admin, REFUNDS, "Refunds");
  await ingested(admin, mine.documentId);
  const afterIngestion = embeddingRequests().length;

  // The member may see the platform's, the account's and their own scope: nothing written there yet.
  expect(await search(t, member, chunkText(REFUNDS)[0]!)).toEqual([]);
  expect(embeddingRequests()).toHaveLength(afterIngestion);
  // The admin's own scope has the document: their query is embedded and finds it.
  expect((await search(t, admin, chunkText(REFUNDS)[0]!))[0]?.documentId).toBe(mine.documentId);
  expect(embeddingRequests()).toHaveLength(afterIngestion + 1);

  // Knowledge for the whole account: now the member's search embeds the query too, and finds it.
  const shared = await admin.client.mutation(api.knowledge.documents.addText, { accountId: admin.accountId, scope: { kind: "account" }, title: "Parking", text: PARKING, format: "markdown" });
  await ingested(admin, shared.documentId);
  const beforeMember = embeddingRequests().length;
  expect((await search(t, member, PARKING)).map((hit) => hit.documentId)).toEqual([shared.documentId]);
  expect(embeddingRequests()).toHaveLength(beforeMember + 1);
});

test("re-adding a document after a switch indexes it under the new model and drops its vectors under the old one", WIRE, async () => {
  const { t, admin } = await setup();
  const scope = { kind: "user" as const, accountId: admin.accountId, userId: admin.userId };
  const first = await addText(admin, REFUNDS, "Refunds");
  await ingested(admin, first.documentId);
  await useModel(admin, "@wire/text-embedding-3-small");
  const again = await addText(admin, REFUNDS, "Refunds");
  expect(again).toMatchObject({ documentId: first.documentId, status: "queued", unchanged: false });
  expect(await ingested(admin, first.documentId)).toMatchObject({ status: "ready", modelId: "@wire/text-embedding-3-small" });
  expect((await search(t, admin, chunkText(REFUNDS)[0]!))[0]?.documentId).toBe(first.documentId);
  // Added a third time under the same model: nothing to do.
  expect(await addText(admin, REFUNDS, "Refunds")).toMatchObject({ unchanged: true });
  // Its old vectors go (in the background).
  await useModel(admin);
  await vi.waitFor(async () => expect(await t.action(probe.entryCount, { scope })).toBe(0), { timeout: 10_000, interval: 25 });
  expect(await search(t, admin, "refund within 30 days")).toEqual([]);
});

test("an embeddings call refused with 401 marks the document failed with the provider's words, after the workpool's retries", WIRE, async () => {
  const { t, admin } = await setup({ apiKey: "sk-wrong-key-0000000000000000wxyz" });
  server!.setDefault("openai.embeddings", { fixture: "openai-error-401.txt", status: 401 });
  await useModel(admin, "@wire/text-embedding-3-small");
  const added = await addText(admin, REFUNDS, "Refunds");
  const document = await ingested(admin, added.documentId);
  expect(document.status).toBe("failed");
  const host = new URL(server!.url).host;
  expect(document.error).toBe(
    `Ingestion failed after retries: ${host} answered HTTP 401: Incorrect API key provided: sk-abc12***************************************wxyz. You can find your API key at https://platform.openai.com/account/api-keys.`,
  );
  expect(document.error).not.toContain("sk-wrong-key");
  // The RAG workpool's three attempts, each one request.
  expect(embeddingRequests()).toHaveLength(3);
  expect(embeddingRequests().every((r) => r.headers.authorization === "Bearer sk-wrong-key-0000000000000000wxyz")).toBe(true);
  // Its partial entry is dropped (in the background).
  const scope = { kind: "user" as const, accountId: admin.accountId, userId: admin.userId };
  await vi.waitFor(async () => expect(await t.action(probe.entryCount, { scope })).toBe(0), { timeout: 10_000, interval: 25 });
});

test("an embeddings endpoint that refuses the connection marks the document failed: Cannot reach <host>: connection refused", WIRE, async () => {
  // A port that was just free: nothing listens there.
  const closed = createServer();
  await new Promise<void>((resolve) => closed.listen(0, "127.0.0.1", resolve));
  const { port } = closed.address() as { port: number };
  await new Promise<void>((resolve) => closed.close(() => resolve()));

  const { admin } = await setup({ baseUrl: `http://127.0.0.1:${port}/v1` });
  await useModel(admin, "@wire/text-embedding-3-small");
  const added = await addText(admin, REFUNDS, "Refunds");
  const document = await ingested(admin, added.documentId);
  expect(document).toMatchObject({ status: "failed", error: `Ingestion failed after retries: Cannot reach 127.0.0.1:${port}: connection refused.` });
});
