/**
 * M1 / M2 over HTTP: malformed input (bad JSON, wrong types, unknown fields,
 * empty or too long messages, foreign ids) is refused with a code and writes
 * nothing; a refusal about one body field names its path as `field` (and one
 * about the body as a whole, a query parameter or a path has none); oversized
 * bodies are refused with 413 before they are parsed, whether they declare
 * their length or arrive chunked without one.
 */
import { afterEach, beforeEach, expect, test, vi } from "vitest";
import { newHarness, type Harness } from "../test.setup";
import { BODY_LIMITS } from "./handlers";
import { adminWithKey, request, rowCounts, type ApiAnswer } from "./testkit.testing";

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

const TABLES = ["threads", "interactions", "agents", "tools", "apiAgentEvents", "jobCallbacks"] as const;

/** `field`: the body field's path the envelope must name; none given = the envelope has no `field`. */
function expectRefused(answer: ApiAnswer, status: number, code: string, message?: RegExp, field?: string) {
  expect({ status: answer.status, code: answer.body.error?.code, field: answer.body.error?.field }).toEqual({ status, code, field });
  expect(answer.body.meta).toEqual({ request_id: answer.headers.get("X-Request-Id") });
  if (message) expect(answer.body.error!.message).toMatch(message);
}

async function setup(t: Harness) {
  const owner = await adminWithKey(t, { permission: "admin" });
  const stranger = await adminWithKey(t);
  const foreign = await request(t, "POST", "/v1/channels/assistant/messages", {
    key: stranger.secret,
    body: { text: "Hello!" },
    headers: { Prefer: "respond-async" },
  });
  return { key: owner.secret, foreignConversation: (foreign.body.data as { conversation_id: string }).conversation_id };
}

test("M1: channel messages — bad JSON, wrong types, unknown fields, empty or too long text, foreign ids", async () => {
  const t = newHarness();
  const { key, foreignConversation } = await setup(t);
  const before = await rowCounts(t, TABLES);
  const send = (body: unknown) => request(t, "POST", "/v1/channels/assistant/messages", { key, body, headers: { Prefer: "respond-async" } });

  expectRefused(await send("{ not json"), 400, "bad_request", /not valid JSON/);
  expectRefused(await send(""), 400, "bad_request", /not valid JSON/);
  expectRefused(await send([{ text: "hi" }]), 400, "bad_request", /JSON object/);
  expectRefused(await send({}), 400, "bad_request", /text is required/, "text");
  expectRefused(await send({ text: 42 }), 400, "bad_request", /text must be a string/, "text");
  expectRefused(await send({ text: "hi", txt: "typo" }), 400, "bad_request", /unknown field "txt"/, "txt");
  expectRefused(await send({ text: "hi", txt: 1, extra: 2 }), 400, "bad_request", /unknown fields "txt", "extra"/, "txt");
  expectRefused(await send({ text: "   " }), 400, "bad_request", /must not be empty/, "text");
  expectRefused(await send({ text: "x".repeat(8_001) }), 400, "bad_request", /at most 8000 characters/, "text");
  expectRefused(await send({ text: "hi", conversation_id: 7 }), 400, "bad_request", /conversation_id must be a string/, "conversation_id");
  expectRefused(await send({ text: "hi", conversation_id: foreignConversation }), 404, "not_found");
  expectRefused(await send({ text: "hi", conversation_id: "not-an-id" }), 404, "not_found");
  expectRefused(await request(t, "POST", "/v1/channels/assistant/messages?debug=1", { key, body: { text: "hi" } }), 400, "bad_request", /query parameter "debug"/);
  expectRefused(await request(t, "POST", "/v1/channels/nobody/messages", { key, body: { text: "hi" } }), 404, "not_found");
  expectRefused(await request(t, "POST", "/v1/channels/a/b/messages", { key, body: { text: "hi" } }), 404, "not_found");
  expectRefused(await request(t, "GET", "/v1/channels/assistant/messages", { key }), 404, "not_found", /takes POST/);
  expectRefused(await request(t, "DELETE", "/v1/nothing-here", { key }), 404, "not_found");
  expect(await rowCounts(t, TABLES)).toEqual(before);
  // The same request, well formed, goes through.
  expect((await send({ text: "hi" })).status).toBe(202);
});

test("M1: capabilities, callbacks and agent events refuse malformed input and write nothing", async () => {
  const t = newHarness();
  const { key } = await setup(t);
  const before = await rowCounts(t, TABLES);
  const post = (path: string, body: unknown) => request(t, "POST", path, { key, body });

  expectRefused(await request(t, "GET", "/v1/capabilities?kind=robot", { key }), 400, "bad_request", /kind must be/);
  expectRefused(await request(t, "GET", "/v1/capabilities?kind=agent&kind=tool", { key }), 400, "bad_request", /twice/);

  const tool = {
    kind: "tool",
    slug: "weather",
    description: "Weather",
    trust_level: "read",
    parameters: { type: "object", properties: {} },
    execution: { type: "http", url: "https://api.example.com/w" },
  };
  expectRefused(await post("/v1/capabilities", { ...tool, kind: "robot" }), 400, "bad_request", /kind must be/, "kind");
  expectRefused(await post("/v1/capabilities", { ...tool, owner: "me" }), 400, "bad_request", /The manifest has unknown field "owner"/, "owner");
  expectRefused(await post("/v1/capabilities", { ...tool, execution: { ...tool.execution, headers: {} } }), 400, "bad_request", /execution has unknown field "headers"/, "execution.headers");
  expectRefused(await post("/v1/capabilities", { ...tool, slug: "Bad Slug" }), 400, "bad_request", /slug must be/, "slug");
  expectRefused(await post("/v1/capabilities", { ...tool, parameters: { type: "object", properties: { a: { $ref: "#/x" } } } }), 400, "bad_request", /"\$" \(\$ref/, "parameters");
  expectRefused(await post("/v1/capabilities", { ...tool, trust_level: 3 }), 400, "bad_request", /trust_level/, "trust_level");
  const agent = { version: 1, kind: "agent", name: "A", slug: "a-agent", execution: { instructions: "x" } };
  expectRefused(await post("/v1/capabilities", { ...agent, tools: [{ slug: "current_time", permission: "read", extra: 1 }] }), 400, "bad_request", /tools\[0\] has unknown field "extra"/, "tools[0].extra");
  expectRefused(await post("/v1/capabilities", { ...agent, metadata: { colour: "red" } }), 400, "bad_request", /metadata has unknown field "colour"/, "metadata.colour");
  expectRefused(await post("/v1/capabilities", { ...agent, tools: [{ slug: "current_time", permission: "superuser" }] }), 400, "bad_request", /permission/, "tools[0].permission");
  expectRefused(await post("/v1/capabilities", { ...agent, tools: [{ slug: "no_such_tool", permission: "read" }] }), 400, "bad_request", /no tool "no_such_tool"/, "tools[0].slug");
  expectRefused(await post("/v1/capabilities", { ...agent, execution: { instructions: 5 } }), 400, "bad_request", /instructions/, "execution.instructions");

  expectRefused(await post("/v1/callbacks/call_x", {}), 400, "bad_request", /exactly one/);
  expectRefused(await post("/v1/callbacks/call_x", { result: "a", error: "b" }), 400, "bad_request", /exactly one/);
  expectRefused(await post("/v1/callbacks/call_x", { error: 5 }), 400, "bad_request", /error must be a string/, "error");
  expectRefused(await post("/v1/callbacks/call_x", { result: "a", status: "ok" }), 400, "bad_request", /unknown field "status"/, "status");
  expectRefused(await post("/v1/callbacks/call_x", { result: "a".repeat(20_001) }), 400, "bad_request", /at most 20000/, "result");
  expectRefused(await post("/v1/callbacks/call_x", { result: "a" }), 404, "not_found");

  expectRefused(await post("/v1/agent-events", { type: "x" }), 400, "bad_request", /agent is required/, "agent");
  expectRefused(await post("/v1/agent-events", { agent: "assistant" }), 400, "bad_request", /type is required/, "type");
  expectRefused(await post("/v1/agent-events", { agent: "assistant", type: "has space" }), 400, "bad_request", /type must be letters/, "type");
  expectRefused(await post("/v1/agent-events", { agent: "assistant", type: "x", event_id: "two words" }), 400, "bad_request", /event_id/, "event_id");
  expectRefused(await post("/v1/agent-events", { agent: "assistant", type: "x", payload: {} }), 400, "bad_request", /unknown field "payload"/, "payload");
  expectRefused(await post("/v1/agent-events", { agent: "assistant", type: "x", data: { blob: "y".repeat(9_000) } }), 400, "bad_request", /too long/);
  expectRefused(await post("/v1/agent-events", { agent: "nobody", type: "x" }), 404, "not_found");
  expect(await rowCounts(t, TABLES)).toEqual(before);
});

test("M2: bodies over the limit are refused with 413 before parsing — by Content-Length, and chunked without one", async () => {
  const t = newHarness();
  const { key } = await setup(t);
  const before = await rowCounts(t, TABLES);
  // Not even JSON: a 413 rather than a 400 shows the body was never parsed.
  const oversized = "x".repeat(BODY_LIMITS.message + 1);
  expectRefused(await request(t, "POST", "/v1/channels/assistant/messages", { key, body: oversized }), 413, "payload_too_large", /64 KiB/);
  // A declared length over the limit is refused without reading the body.
  expectRefused(
    await request(t, "POST", "/v1/channels/assistant/messages", { key, body: '{"text":"hi"}', headers: { "Content-Length": String(10 * 1024 * 1024) } }),
    413,
    "payload_too_large",
  );
  // Chunked, no length: reading stops at the limit.
  let sent = 0;
  const chunk = new TextEncoder().encode("y".repeat(16 * 1024));
  const stream = new ReadableStream<Uint8Array>({
    pull(controller) {
      if (sent >= 1024 * 1024) return controller.close();
      sent += chunk.byteLength;
      controller.enqueue(chunk);
    },
  });
  expectRefused(await request(t, "POST", "/v1/capabilities", { key, body: stream }), 413, "payload_too_large", /256 KiB/);
  expect(sent).toBeLessThan(1024 * 1024);
  for (const path of ["/v1/agent-events", "/v1/callbacks/call_x", "/v1/capabilities"]) {
    const limit = path.includes("callbacks") ? BODY_LIMITS.callback : path.includes("events") ? BODY_LIMITS.event : BODY_LIMITS.capability;
    expectRefused(await request(t, "POST", path, { key, body: "z".repeat(limit + 1) }), 413, "payload_too_large");
  }
  expect(await rowCounts(t, TABLES)).toEqual(before);
});
