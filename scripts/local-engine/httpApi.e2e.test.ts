// @vitest-environment node
/**
 * The platform HTTP API end to end, as an integrator uses it (issue 9): a
 * person signs in to the app and does the two things the SPA is for — create
 * an API key, subscribe a webhook endpoint — and from then on a plain HTTP
 * client drives the local engine's site origin: read the OpenAPI document,
 * register a tool by manifest, send a channel message, poll the turn, and
 * receive the signed `interaction.completed` webhook on its own server,
 * checked with its own HMAC code and with svix's verifier.
 *
 * Real timers throughout: the engine's scheduler runs the turn's workflow and
 * the webhook pool while the test waits (polling, generous timeouts: the
 * machine is shared).
 */
import { createHmac, timingSafeEqual } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { createServer, type IncomingHttpHeaders, type Server } from "node:http";
import { tmpdir } from "node:os";
import path from "node:path";
import { ConvexClient } from "convex/browser";
import { Webhook, WebhookVerificationError } from "svix";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { api } from "../../convex/_generated/api";
import type { Id } from "../../convex/_generated/dataModel";
import { startEngine, type Engine } from "./engine";
import { collectingLogger, connectClient, signInLocal } from "./testClient.testing";

process.env["HARNESS_WEBHOOK_ALLOW_PRIVATE_URLS"] = "true"; // the integrator's receiver listens on 127.0.0.1
let dataDir: string;
let engine: Engine;
let client: ConvexClient;
const errors: string[] = [];

const logger = collectingLogger(errors);

// --- the integrator's webhook endpoint ---------------------------------------------

type Received = { path: string; headers: IncomingHttpHeaders; body: string };
const received: Received[] = [];
let receiver: Server;
let receiverUrl: string;

async function startReceiver(): Promise<void> {
  receiver = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => {
      received.push({ path: req.url ?? "/", headers: req.headers, body: Buffer.concat(chunks).toString("utf8") });
      res.writeHead(204, { Connection: "close" });
      res.end();
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, "127.0.0.1", resolve));
  receiverUrl = `http://127.0.0.1:${(receiver.address() as { port: number }).port}/hooks/harness`;
}

function header(headers: IncomingHttpHeaders, name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value[0] : value;
}

/**
 * Standard Webhooks, checked the way a receiver would write it with nothing
 * but node:crypto: HMAC-SHA256 keyed with the base64 bytes after `whsec_`
 * over `<webhook-id>.<webhook-timestamp>.<raw body>`, compared in constant
 * time with each `v1,` signature; the timestamp within 5 minutes of now.
 */
function verifyByHand(secret: string, headers: IncomingHttpHeaders, body: string, nowSeconds = Math.floor(Date.now() / 1000)): boolean {
  const id = header(headers, "webhook-id");
  const timestamp = header(headers, "webhook-timestamp");
  const signatures = header(headers, "webhook-signature");
  if (!id || !timestamp || !signatures || !/^\d+$/.test(timestamp)) return false;
  if (Math.abs(nowSeconds - Number(timestamp)) > 300) return false;
  const key = Buffer.from(secret.slice("whsec_".length), "base64");
  const expected = createHmac("sha256", key).update(`${id}.${timestamp}.${body}`).digest();
  return signatures.split(" ").some((entry) => {
    const comma = entry.indexOf(",");
    if (entry.slice(0, comma) !== "v1") return false;
    const given = Buffer.from(entry.slice(comma + 1), "base64");
    return given.length === expected.length && timingSafeEqual(given, expected);
  });
}

/** svix's verifier (it reads `webhook-*` headers as well as `svix-*`); throws on a bad signature. */
function verifyWithSvix(secret: string, headers: IncomingHttpHeaders, body: string): unknown {
  const plain: Record<string, string> = {};
  for (const name of ["webhook-id", "webhook-timestamp", "webhook-signature"]) plain[name] = header(headers, name) ?? "";
  return new Webhook(secret).verify(body, plain);
}

// --- the API client: plain fetch -----------------------------------------------------

type Envelope = { data?: unknown; error?: { code: string; message: string }; meta?: { request_id: string } };
type Answer = { status: number; headers: Headers; body: Envelope };

async function call(method: string, pathAndQuery: string, options: { key?: string; body?: unknown; headers?: Record<string, string> } = {}): Promise<Answer> {
  const headers: Record<string, string> = { Accept: "application/json", ...options.headers };
  if (options.key !== undefined) headers.Authorization = `Bearer ${options.key}`;
  if (options.body !== undefined) headers["Content-Type"] = "application/json";
  const response = await fetch(`${engine.siteUrl}${pathAndQuery}`, {
    method,
    headers,
    ...(options.body !== undefined ? { body: JSON.stringify(options.body) } : {}),
  });
  const text = await response.text();
  let body: Envelope;
  try {
    body = JSON.parse(text) as Envelope;
  } catch {
    throw new Error(`${method} ${pathAndQuery}: ${response.status}, not JSON: ${text.slice(0, 300)}`);
  }
  return { status: response.status, headers: response.headers, body };
}

/** The error envelope, with the request id in the body equal to the `X-Request-Id` header. */
function expectErrorEnvelope(answer: Answer, status: number, code: string) {
  expect(answer.status, JSON.stringify(answer.body)).toBe(status);
  expect(answer.body.error).toMatchObject({ code, message: expect.any(String) });
  expect(answer.body.error!.message.length).toBeGreaterThan(0);
  expect(answer.body.data).toBeUndefined();
  const requestId = answer.headers.get("x-request-id");
  expect(requestId).toMatch(/\S+/);
  expect(answer.body.meta).toEqual({ request_id: requestId });
}

async function poll<T>(what: string, check: () => Promise<T | undefined> | T | undefined, timeoutMs = 60_000, intervalMs = 100): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; engine errors: ${errors.join(" | ") || "none"}`);
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}

// --- the person in the app -------------------------------------------------------------

beforeAll(async () => {
  dataDir = await mkdtemp(path.join(tmpdir(), "local-engine-http-api-"));
  engine = await startEngine({ port: 0, sitePort: 0, dataDir, web: false, seed: false, persist: false, logger });
  await startReceiver();
  client = connectClient(engine.url);
}, 120_000);

afterAll(async () => {
  await client?.close();
  await engine?.close();
  await new Promise<void>((resolve) => (receiver ? receiver.close(() => resolve()) : resolve()));
  await rm(dataDir, { recursive: true, force: true });
}, 30_000);

const toolManifest = {
  version: 1,
  kind: "tool",
  slug: "order_status",
  name: "Order status",
  description: "Looks up the status of a customer order by its number.",
  trust_level: "read",
  parameters: { type: "object", properties: { order: { type: "string", description: "The order number" } }, required: ["order"] },
  execution: { type: "http", url: "https://orders.example.test/status", method: "POST" },
};

type InteractionView = {
  interaction_id: string;
  conversation_id: string;
  agent_id: string;
  status: string;
  answer: string | null;
  error: { code: string; message: string } | null;
  cost: { usd: number; tokens_in: number; tokens_out: number; model_calls: number };
  created_at: string;
  ended_at: string | null;
};
type WebhookEvent = { id: string; type: string; timestamp: string; accountId: string; data: Record<string, unknown> };

describe("the HTTP API through the local engine, with a plain HTTP client", { timeout: 120_000 }, () => {
  let accountId: Id<"accounts">;
  let apiKey: string;
  let signingSecret: string;
  let subscriptionId: Id<"webhookSubscriptions">;

  test("in the app: an org admin creates an API key and subscribes the endpoint (both secrets shown once)", async () => {
    await signInLocal(engine.url, client, { name: "Ivy Integrator", email: "ivy@example.test", orgId: "org_http_e2e", orgRole: "admin" });
    const viewer = await client.mutation(api.tenancy.viewer.sync, {});
    accountId = viewer.activeAccountId!;
    expect(accountId).toBeDefined();

    const created = await client.action(api.httpApi.keys.create, { accountId, name: "integration", permission: "admin" });
    apiKey = created.secret;
    expect(apiKey).toMatch(/^thk_[A-Za-z0-9_-]{43}$/);
    expect(created.key).toMatchObject({ name: "integration", permission: "admin", status: "active", displayPrefix: apiKey.slice(0, 10) });
    // The list never shows the secret again.
    expect(JSON.stringify(await client.query(api.httpApi.keys.list, { accountId }))).not.toContain(apiKey);

    const subscribed = await client.mutation(api.outbound.subscriptions.subscribe, {
      accountId,
      url: receiverUrl,
      events: ["interaction.completed", "message.response"],
      description: "e2e receiver",
    });
    signingSecret = subscribed.secret;
    subscriptionId = subscribed.subscription.subscriptionId;
    expect(signingSecret).toMatch(/^whsec_[A-Za-z0-9+/]+=*$/);
    expect(subscribed.subscription).toMatchObject({ url: receiverUrl, status: "active" });
    expect([...subscribed.subscription.events].sort()).toEqual(["interaction.completed", "message.response"]);
    expect(JSON.stringify(await client.query(api.outbound.subscriptions.list, { accountId }))).not.toContain(signingSecret);
    expect(errors).toEqual([]);
  });

  test("GET /v1/openapi.json: the contract, no key needed", async () => {
    const answer = await call("GET", "/v1/openapi.json");
    expect(answer.status).toBe(200);
    expect(answer.headers.get("content-type")).toMatch(/^application\/json/);
    const document = answer.body as unknown as { openapi: string; paths: Record<string, Record<string, unknown>> };
    expect(document.openapi).toMatch(/^3\.1\./);
    expect(Object.keys(document.paths)).toEqual(
      expect.arrayContaining(["/v1/channels/{channel_id}/messages", "/v1/interactions/{interaction_id}", "/v1/capabilities", "/v1/capabilities/{capability_id}"]),
    );
    expect(document.paths["/v1/capabilities"]).toHaveProperty("post");
  });

  test("a bad key: 401 with the error envelope and X-Request-Id; no key at all too", async () => {
    const unknownKey = `thk_${"A".repeat(43)}`;
    expectErrorEnvelope(await call("GET", "/v1/capabilities", { key: unknownKey }), 401, "unauthenticated");
    expectErrorEnvelope(await call("GET", "/v1/capabilities", { key: "not-a-key" }), 401, "unauthenticated");
    expectErrorEnvelope(await call("GET", "/v1/capabilities"), 401, "unauthenticated");
    // A guess one character away from the real key is just as unknown.
    const flipped = apiKey.slice(0, -1) + (apiKey.endsWith("A") ? "B" : "A");
    expectErrorEnvelope(await call("POST", "/v1/capabilities", { key: flipped, body: toolManifest }), 401, "unauthenticated");
    // Unknown routes under /v1/ answer in the same envelope.
    expectErrorEnvelope(await call("GET", "/v1/nowhere", { key: apiKey }), 404, "not_found");
  });

  test("POST /v1/capabilities registers an external tool by manifest; the same slug again is a 409 envelope", async () => {
    const created = await call("POST", "/v1/capabilities", { key: apiKey, body: toolManifest });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    expect(created.headers.get("location")).toBe("/v1/capabilities/tool:order_status");
    expect(created.body.meta).toEqual({ request_id: created.headers.get("x-request-id") });
    expect(created.body.data).toMatchObject({
      id: "tool:order_status",
      kind: "tool",
      slug: "order_status",
      name: "Order status",
      tool: {
        tool_kind: "http",
        trust_level: "read",
        parameters: toolManifest.parameters,
        account_owned: true,
        endpoint: { url: "https://orders.example.test/status", method: "POST" },
      },
    });

    const again = await call("POST", "/v1/capabilities", { key: apiKey, body: { ...toolManifest, name: "Order status (again)" } });
    expectErrorEnvelope(again, 409, "conflict");

    const one = await call("GET", "/v1/capabilities/tool:order_status", { key: apiKey });
    expect(one.status).toBe(200);
    expect(one.body.data).toEqual(created.body.data);

    // The app sees the same tool (the registry is shared with the SPA).
    const appTools = await client.query(api.tools.tools.list, { accountId, includeDisabled: true });
    expect(appTools.filter((tool) => tool.slug === "order_status")).toHaveLength(1);
  });

  test("GET /v1/capabilities?kind=tool lists it among the account's tools", async () => {
    const answer = await call("GET", "/v1/capabilities?kind=tool", { key: apiKey });
    expect(answer.status).toBe(200);
    const tools = answer.body.data as Array<{ id: string; kind: string; name: string }>;
    expect(tools.every((c) => c.kind === "tool")).toBe(true);
    expect(tools.map((c) => c.id)).toEqual(expect.arrayContaining(["tool:order_status", "tool:current_time", "tool:delegate_researcher"]));
    expect(tools.filter((c) => c.id === "tool:order_status")).toHaveLength(1);
    expectErrorEnvelope(await call("GET", "/v1/capabilities?kind=robot", { key: apiKey }), 400, "bad_request");
  });

  /** The turn answered by 202 + polling (its webhooks are checked below), and the one answered in the request. */
  let view: InteractionView;
  let quick: InteractionView;

  const ENDED = ["completed", "failed", "cancelled"];

  async function pollUntilEnded(pollUrl: string): Promise<InteractionView> {
    return await poll("the turn to end", async () => {
      const polled = await call("GET", pollUrl, { key: apiKey });
      expect(polled.status, JSON.stringify(polled.body)).toBe(200);
      const current = polled.body.data as InteractionView;
      return ENDED.includes(current.status) ? current : undefined;
    });
  }

  test("POST /v1/channels/assistant/messages with Prefer: respond-async: 202, then GET the poll URL until completed", async () => {
    const sent = await call("POST", "/v1/channels/assistant/messages", {
      key: apiKey,
      body: { text: "Tell me about durable workflows" },
      headers: { Prefer: "respond-async" },
    });
    expect(sent.status, JSON.stringify(sent.body)).toBe(202);
    expect(sent.body.meta).toEqual({ request_id: sent.headers.get("x-request-id") });
    const accepted = sent.body.data as { interaction_id: string; conversation_id: string; poll_url: string; status: string };
    expect(["queued", "running"]).toContain(accepted.status);
    expect(accepted.poll_url).toBe(`/v1/interactions/${accepted.interaction_id}`);
    expect(sent.headers.get("location")).toBe(accepted.poll_url);

    view = await pollUntilEnded(accepted.poll_url);
    expect(view).toMatchObject({ interaction_id: accepted.interaction_id, conversation_id: accepted.conversation_id, status: "completed", error: null });
    expect(view.answer).toMatch(/^I'm the built-in offline model: I work without any network connection, so I can't give you a real answer to that\./);
    expect(view.cost.model_calls).toBe(1);
    expect(view.cost.tokens_in).toBeGreaterThan(0);
    expect(view.cost.tokens_out).toBeGreaterThan(0);
    expect(view.ended_at).not.toBeNull();
  });

  test("a message that continues the conversation and may wait answers 200 with the answer (or 202 on a slow machine)", async () => {
    const sent = await call("POST", "/v1/channels/assistant/messages", {
      key: apiKey,
      body: { text: "And how do retries work?", conversation_id: view.conversation_id },
      headers: { Prefer: "wait=10" },
    });
    expect([200, 202], JSON.stringify(sent.body)).toContain(sent.status);
    quick = sent.status === 200 ? (sent.body.data as InteractionView) : await pollUntilEnded((sent.body.data as { poll_url: string }).poll_url);
    expect(quick).toMatchObject({ conversation_id: view.conversation_id, status: "completed", error: null });
    expect(quick.interaction_id).not.toBe(view.interaction_id);
    expect(quick.answer).toMatch(/^I'm the built-in offline model: [\s\S]*Settings → Models/);
    // The poll URL shows the same ended turn.
    const polled = await call("GET", `/v1/interactions/${quick.interaction_id}`, { key: apiKey });
    expect(polled.status).toBe(200);
    expect(polled.body.data).toEqual(quick);
  });

  test("the endpoint receives interaction.completed and message.response, signed; tampered copies fail", async () => {
    const arrivals = await poll(
      "both webhook deliveries",
      () => {
        const ours = received.filter((r) => (JSON.parse(r.body) as WebhookEvent).data.interactionId === view.interaction_id);
        const types = new Set(ours.map((r) => (JSON.parse(r.body) as WebhookEvent).type));
        return types.has("interaction.completed") && types.has("message.response") ? ours : undefined;
      },
      90_000,
      100,
    );
    for (const arrival of arrivals) {
      expect(arrival.path).toBe("/hooks/harness");
      expect(header(arrival.headers, "content-type")).toMatch(/^application\/json/);
      expect(verifyByHand(signingSecret, arrival.headers, arrival.body)).toBe(true);
      expect(verifyWithSvix(signingSecret, arrival.headers, arrival.body)).toEqual(JSON.parse(arrival.body));
    }

    const completed = arrivals.find((r) => (JSON.parse(r.body) as WebhookEvent).type === "interaction.completed")!;
    const event = JSON.parse(completed.body) as WebhookEvent;
    expect(event).toMatchObject({ id: `${view.interaction_id}:completed:0`, type: "interaction.completed", accountId });
    expect(Number.isNaN(Date.parse(event.timestamp))).toBe(false);
    expect(event.data).toMatchObject({
      interactionId: view.interaction_id,
      threadId: view.conversation_id,
      agent: { agentId: view.agent_id, name: "Assistant" },
      status: "completed",
      error: null,
      resultText: view.answer,
      resultTruncated: false,
      llmCalls: view.cost.model_calls,
      tokens: { input: view.cost.tokens_in, output: view.cost.tokens_out },
      treeCostUsd: view.cost.usd,
      generation: 0,
    });
    expect(event.data.costUsd).toBeLessThanOrEqual(event.data.treeCostUsd as number);
    expect(event.data.endedAt).toBe(Date.parse(view.ended_at!));

    const response = JSON.parse(arrivals.find((r) => (JSON.parse(r.body) as WebhookEvent).type === "message.response")!.body) as WebhookEvent;
    expect(response).toMatchObject({ id: `${view.interaction_id}:response:0`, data: { interactionId: view.interaction_id, text: view.answer, truncated: false } });
    expect(response.data.messageId).toBe(event.data.messageId);

    // Tampering: one byte of the body, the timestamp, the id, or another secret — each fails both checks.
    const body = completed.body;
    const tamperedBody = body.replace('"status":"completed"', '"status":"completeD"');
    expect(tamperedBody).not.toBe(body);
    const otherSecret = `whsec_${Buffer.from("someone else's secret bytes!").toString("base64")}`;
    const laterTimestamp = String(Number(header(completed.headers, "webhook-timestamp")) + 1);
    const forgeries: Array<[string, IncomingHttpHeaders, string]> = [
      [signingSecret, completed.headers, tamperedBody],
      [signingSecret, { ...completed.headers, "webhook-timestamp": laterTimestamp }, body],
      [signingSecret, { ...completed.headers, "webhook-id": "msg_forged" }, body],
      [otherSecret, completed.headers, body],
    ];
    for (const [secret, headers, payload] of forgeries) {
      expect(verifyByHand(secret, headers, payload)).toBe(false);
      expect(() => verifyWithSvix(secret, headers, payload)).toThrow(WebhookVerificationError);
    }
    // A genuine delivery replayed an hour later is refused by the timestamp check.
    expect(verifyByHand(signingSecret, completed.headers, body, Math.floor(Date.now() / 1000) + 3600)).toBe(false);

    // The app's delivery log agrees: each delivered on the first attempt, and the webhook-id is the delivery id.
    const ours = await poll("the deliveries to be marked delivered", async () => {
      const page = (await client.query(api.outbound.subscriptions.deliveries, { accountId, subscriptionId, paginationOpts: { numItems: 10, cursor: null } })).page;
      const mine = page.filter((d) => d.eventId.startsWith(`${view.interaction_id}:`));
      return mine.length === 2 && mine.every((d) => d.status === "delivered") ? mine : undefined;
    });
    for (const delivery of ours) {
      expect(delivery).toMatchObject({ attempts: 1, lastStatusCode: 204 });
      const arrival = arrivals.find((r) => header(r.headers, "webhook-id") === delivery.deliveryId);
      expect(arrival?.body).toBe(delivery.payload);
    }

    // The second turn's events arrive too, signed; each event exactly once.
    const second = await poll("the second turn's webhook deliveries", () => {
      const mine = received.filter((r) => (JSON.parse(r.body) as WebhookEvent).data.interactionId === quick.interaction_id);
      return mine.length === 2 ? mine : undefined;
    });
    for (const arrival of second) expect(verifyByHand(signingSecret, arrival.headers, arrival.body)).toBe(true);
    const eventIds = received.map((r) => (JSON.parse(r.body) as WebhookEvent).id).sort();
    expect(eventIds).toEqual(
      [view, quick].flatMap((turn) => [`${turn.interaction_id}:completed:0`, `${turn.interaction_id}:response:0`]).sort(),
    );
    expect(errors).toEqual([]);
  });
});
