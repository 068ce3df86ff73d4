/**
 * The OpenAPI document against the code: every `/v1` route the router has
 * is documented with its method and nothing else is; the document's examples
 * fit its own schemas; and every documented status of every operation is
 * produced by a real request (the document's example requests among them),
 * with a body that fits the documented schema.
 *
 * Real timers: message requests wait for their turn while the scheduler runs it.
 */
import { expect, test } from "vitest";
import { api } from "../_generated/api";
import type { Id } from "../_generated/dataModel";
import http from "../http";
import { newHarness, type Harness } from "../test.setup";
import { BODY_LIMITS } from "./handlers";
import { openApiDocument } from "./openapi";
import { API_ROUTES, FALLBACK_PREFIX } from "./routes";
import { schemaProblems } from "./schemaCheck.testing";
import { adminWithKey, createKey, request, type ApiAnswer } from "./testkit.testing";

type Schema = Record<string, unknown>;
type MediaType = { schema: Schema; example?: unknown; examples?: Record<string, { value: unknown }> };
type Operation = {
  operationId: string;
  parameters?: { name: string; in: string; example?: string }[];
  requestBody?: { content: Record<string, MediaType> };
  responses: Record<string, { content?: Record<string, MediaType>; headers?: Record<string, { required?: boolean }> }>;
};

const doc = openApiDocument as unknown as { components: { schemas: Record<string, unknown> }; paths: Record<string, Record<string, Operation>> };
const operations = Object.entries(doc.paths).flatMap(([path, item]) =>
  Object.entries(item).map(([method, operation]) => ({ path, method: method.toUpperCase(), operation })),
);

function sample(path: string): string {
  return path.replace(/\{[^}]+\}/g, "sample");
}

test("every /v1 route is documented with its methods, and every documented operation is routed", () => {
  const routed = http
    .getRoutes()
    .filter(([path]) => path.startsWith("/v1/"))
    .map(([path, method]) => `${method} ${path}`);
  const expected = [
    ...API_ROUTES.map((r) => `${r.method} ${"path" in r ? r.path : `${r.pathPrefix}*`}`),
    ...["GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"].map((m) => `${m} ${FALLBACK_PREFIX}*`),
  ];
  expect(routed.sort()).toEqual(expected.sort());
  expect(operations.map((o) => `${o.method} ${o.path}`).sort()).toEqual(API_ROUTES.map((r) => `${r.method} ${r.documentedPath}`).sort());
  // Each documented path, with its parameters filled in, reaches its own route (not the catch-all).
  for (const { path, method } of operations) {
    const route = API_ROUTES.find((r) => r.method === method && r.documentedPath === path)!;
    const found = http.lookup(sample(path), method as "GET");
    expect(found?.[2]).toBe("path" in route ? route.path : `${route.pathPrefix}*`);
  }
});

test("the document's examples fit its schemas", () => {
  let checked = 0;
  for (const { operation } of operations) {
    const media: MediaType[] = [
      ...Object.values(operation.requestBody?.content ?? {}),
      ...Object.values(operation.responses).flatMap((response) => Object.values(response.content ?? {})),
    ];
    for (const { schema, example, examples } of media) {
      for (const value of [...(example !== undefined ? [example] : []), ...Object.values(examples ?? {}).map((e) => e.value)]) {
        expect(schemaProblems(doc, schema, value), `${operation.operationId}: ${JSON.stringify(value).slice(0, 80)}`).toEqual([]);
        checked++;
      }
    }
  }
  expect(checked).toBeGreaterThan(40);
  // The checker itself refuses what does not fit.
  const envelope = { $ref: "#/components/schemas/Error" };
  expect(schemaProblems(doc, envelope, { error: { code: "bad_request", message: "m" }, meta: { request_id: "req_0123456789abcdef0123456789abcdef" } })).toEqual([]);
  expect(schemaProblems(doc, envelope, { error: { code: "nope", message: "m" }, meta: { request_id: "x" } })).toHaveLength(2);
  expect(schemaProblems(doc, envelope, { error: { code: "bad_request" }, meta: {}, extra: 1 })).toHaveLength(3);
  expect(schemaProblems(doc, { $ref: "#/components/schemas/Interaction" }, { status: "completed" }).length).toBeGreaterThan(5);
});

/** Wait (real time) for `check` to hold. */
async function eventually<T>(check: () => Promise<T | undefined>): Promise<T> {
  const deadline = Date.now() + 20_000;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error("timed out waiting");
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

async function fixture(t: Harness) {
  const { admin, secret: adminKey } = await adminWithKey(t, { permission: "admin" });
  const readWrite = (await createKey(admin, { permission: "read_write" })).secret;
  const read = (await createKey(admin, { permission: "read" })).secret;
  const limited = (await createKey(admin, { permission: "admin", rateLimit: { requests: 1, periodSeconds: 3600 } })).secret;
  expect((await request(t, "GET", "/v1/capabilities", { key: limited })).status).toBe(200); // its one request
  const { jobId } = await admin.client.mutation(api.jobs.jobs.start, { accountId: admin.accountId, type: "wait_for_callback", input: "Wait" });
  const callId = await eventually(async () => {
    const view = await admin.client.query(api.jobs.jobs.get, { accountId: admin.accountId, jobId });
    return view.waitingFor?.callId;
  });
  return { admin, adminKey, readWrite, read, limited, callId };
}

function exampleOf(operationId: string, name?: string): unknown {
  const operation = operations.find((o) => o.operation.operationId === operationId)!.operation;
  const media = operation.requestBody!.content["application/json"]!;
  return name ? media.examples![name]!.value : media.example;
}

function paramExample(operationId: string, name: string): string {
  return operations.find((o) => o.operation.operationId === operationId)!.operation.parameters!.find((p) => p.name === name)!.example!;
}

test("every documented status of every operation comes from a real request, with a body that fits the documented schema", async () => {
  const t = newHarness();
  const f = await fixture(t);
  const big = "x".repeat(BODY_LIMITS.capability + 1);
  const channel = `/v1/channels/${paramExample("sendChannelMessage", "channel_id")}/messages`;
  const message = exampleOf("sendChannelMessage");
  const ids: { interaction?: string; conversation?: string } = {};

  type Scenario = [operationId: string, status: string, run: () => Promise<ApiAnswer>];
  const scenarios: Scenario[] = [
    ["sendChannelMessage", "200", async () => {
      const answer = await request(t, "POST", channel, { key: f.readWrite, body: message });
      ids.interaction = (answer.body.data as { interaction_id: string }).interaction_id;
      ids.conversation = (answer.body.data as { conversation_id: string }).conversation_id;
      return answer;
    }],
    ["sendChannelMessage", "202", () => request(t, "POST", channel, { key: f.readWrite, body: message, headers: { Prefer: "respond-async" } })],
    ["sendChannelMessage", "400", () => request(t, "POST", channel, { key: f.readWrite, body: { text: "hi", txt: "typo" } })],
    ["sendChannelMessage", "401", () => request(t, "POST", channel, { body: message })],
    ["sendChannelMessage", "403", () => request(t, "POST", channel, { key: f.read, body: message })],
    ["sendChannelMessage", "404", () => request(t, "POST", "/v1/channels/nobody/messages", { key: f.readWrite, body: message })],
    ["sendChannelMessage", "409", async () => {
      await f.admin.client.mutation(api.chat.threads.setArchived, { accountId: f.admin.accountId, threadId: ids.conversation as Id<"threads">, archived: true });
      return request(t, "POST", channel, { key: f.readWrite, body: { text: "Hello again", conversation_id: ids.conversation } });
    }],
    ["sendChannelMessage", "413", () => request(t, "POST", channel, { key: f.readWrite, body: big })],
    ["sendChannelMessage", "429", () => request(t, "POST", channel, { key: f.limited, body: message })],

    ["getInteraction", "200", () => request(t, "GET", `/v1/interactions/${ids.interaction}`, { key: f.read })],
    ["getInteraction", "401", () => request(t, "GET", `/v1/interactions/${ids.interaction}`, { key: `thk_${"0".repeat(43)}` })],
    ["getInteraction", "404", () => request(t, "GET", `/v1/interactions/${paramExample("getInteraction", "interaction_id")}`, { key: f.read })],
    ["getInteraction", "429", () => request(t, "GET", `/v1/interactions/${ids.interaction}`, { key: f.limited })],

    ["listCapabilities", "200", () => request(t, "GET", `/v1/capabilities?kind=${paramExample("listCapabilities", "kind")}`, { key: f.read })],
    ["listCapabilities", "400", () => request(t, "GET", "/v1/capabilities?kind=robot", { key: f.read })],
    ["listCapabilities", "401", () => request(t, "GET", "/v1/capabilities")],
    ["listCapabilities", "429", () => request(t, "GET", "/v1/capabilities", { key: f.limited })],

    ["registerCapability", "201", () => request(t, "POST", "/v1/capabilities", { key: f.adminKey, body: exampleOf("registerCapability", "agent") })],
    ["registerCapability", "201", () => request(t, "POST", "/v1/capabilities", { key: f.adminKey, body: exampleOf("registerCapability", "tool") })],
    ["registerCapability", "400", () => request(t, "POST", "/v1/capabilities", { key: f.adminKey, body: { kind: "robot" } })],
    ["registerCapability", "401", () => request(t, "POST", "/v1/capabilities", { body: exampleOf("registerCapability", "tool") })],
    ["registerCapability", "403", () => request(t, "POST", "/v1/capabilities", { key: f.readWrite, body: exampleOf("registerCapability", "tool") })],
    ["registerCapability", "409", () => request(t, "POST", "/v1/capabilities", { key: f.adminKey, body: exampleOf("registerCapability", "agent") })],
    ["registerCapability", "413", () => request(t, "POST", "/v1/capabilities", { key: f.adminKey, body: big })],
    ["registerCapability", "429", () => request(t, "POST", "/v1/capabilities", { key: f.limited, body: exampleOf("registerCapability", "tool") })],

    ["getCapability", "200", () => request(t, "GET", `/v1/capabilities/${paramExample("getCapability", "capability_id")}`, { key: f.read })],
    ["getCapability", "401", () => request(t, "GET", "/v1/capabilities/tool:current_time")],
    ["getCapability", "404", () => request(t, "GET", "/v1/capabilities/tool:nothing", { key: f.read })],
    ["getCapability", "429", () => request(t, "GET", "/v1/capabilities/tool:current_time", { key: f.limited })],

    ["resolveCallback", "200", () => request(t, "POST", `/v1/callbacks/${f.callId}`, { key: f.readWrite, body: exampleOf("resolveCallback") })],
    ["resolveCallback", "400", () => request(t, "POST", `/v1/callbacks/${f.callId}`, { key: f.readWrite, body: {} })],
    ["resolveCallback", "401", () => request(t, "POST", `/v1/callbacks/${f.callId}`, { body: exampleOf("resolveCallback") })],
    ["resolveCallback", "403", () => request(t, "POST", `/v1/callbacks/${f.callId}`, { key: f.read, body: exampleOf("resolveCallback") })],
    ["resolveCallback", "404", () => request(t, "POST", `/v1/callbacks/${paramExample("resolveCallback", "call_id")}`, { key: f.readWrite, body: exampleOf("resolveCallback") })],
    ["resolveCallback", "413", () => request(t, "POST", `/v1/callbacks/${f.callId}`, { key: f.readWrite, body: big })],
    ["resolveCallback", "429", () => request(t, "POST", `/v1/callbacks/${f.callId}`, { key: f.limited, body: exampleOf("resolveCallback") })],

    ["pushAgentEvent", "202", () => request(t, "POST", "/v1/agent-events", { key: f.readWrite, body: exampleOf("pushAgentEvent") })],
    ["pushAgentEvent", "200", () => request(t, "POST", "/v1/agent-events", { key: f.readWrite, body: exampleOf("pushAgentEvent") })],
    ["pushAgentEvent", "400", () => request(t, "POST", "/v1/agent-events", { key: f.readWrite, body: { agent: "assistant" } })],
    ["pushAgentEvent", "401", () => request(t, "POST", "/v1/agent-events", { body: exampleOf("pushAgentEvent") })],
    ["pushAgentEvent", "403", () => request(t, "POST", "/v1/agent-events", { key: f.read, body: exampleOf("pushAgentEvent") })],
    ["pushAgentEvent", "404", () => request(t, "POST", "/v1/agent-events", { key: f.readWrite, body: { agent: "nobody", type: "x" } })],
    ["pushAgentEvent", "413", () => request(t, "POST", "/v1/agent-events", { key: f.readWrite, body: big })],
    ["pushAgentEvent", "429", () => request(t, "POST", "/v1/agent-events", { key: f.limited, body: exampleOf("pushAgentEvent") })],

    ["getOpenApiDocument", "200", async () => {
      const answer = await request(t, "GET", "/v1/openapi.json");
      expect(answer.body).toEqual(JSON.parse(JSON.stringify(openApiDocument)));
      return answer;
    }],
  ];

  const covered = new Set<string>();
  for (const [operationId, status, run] of scenarios) {
    const operation = operations.find((o) => o.operation.operationId === operationId)!.operation;
    const documented = operation.responses[status];
    expect(documented, `${operationId} ${status} is documented`).toBeDefined();
    const answer = await run();
    expect(`${operationId} → ${answer.status}`, JSON.stringify(answer.body).slice(0, 300)).toBe(`${operationId} → ${status}`);
    const schema = documented!.content!["application/json"]!.schema;
    expect(schemaProblems(doc, schema, answer.body), `${operationId} ${status}`).toEqual([]);
    for (const [header, spec] of Object.entries(documented!.headers ?? {})) {
      if (spec.required || header === "Location") expect(answer.headers.get(header), `${operationId} ${status} ${header}`).not.toBeNull();
    }
    expect(answer.headers.get("X-Request-Id")).toMatch(/^req_[0-9a-f]{32}$/);
    covered.add(`${operationId} ${status}`);
  }
  const documentedStatuses = operations.flatMap(({ operation }) =>
    Object.keys(operation.responses)
      .filter((status) => status !== "default")
      .map((status) => `${operation.operationId} ${status}`),
  );
  expect([...covered].sort()).toEqual(documentedStatuses.sort());
}, 60_000);
