/**
 * The real AI SDK providers (`@ai-sdk/openai-compatible` 3.0.92, `@ai-sdk/anthropic`
 * 4.0.105, `ai` 7.0.173 `streamText`, `maxRetries: 0`) against the wire-level test
 * server (`providerServer.testing.ts`) replaying the providers' documented
 * transcripts (`fixtures/`). Real timers and real sockets throughout.
 *
 * WHAT ARRIVES, AND IN WHAT SHAPE (observed here; same under vitest's default
 * edge-runtime environment and under `@vitest-environment node`):
 *
 * In-stream errors (HTTP 200, the error is an SSE event) → a fullStream part
 * `{ type: "error", error }`, then `finish-step` / `finish` with finishReason
 * "error" and every usage number undefined (`totalUsage` resolves, numbers
 * undefined). Text sent before the error arrives as text-delta parts.
 *  - OpenAI-compatible `data: {"error":{message,type,param,code}}`: the provider
 *    emits the raw `{message,type,param,code}` object; `ai` wraps it into a
 *    `StreamProviderError` (name "AI_StreamProviderError",
 *    `StreamProviderError.isInstance`): message = error.message, type =
 *    error.type, code = error.code (undefined when null), statusCode undefined,
 *    isRetryable false, data = the raw object exactly as sent.
 *  - Anthropic `event: error` AFTER message_start: `StreamProviderError` with
 *    message = error.message, type = error.type, statusCode inferred from the
 *    type (overloaded_error 529, rate_limit_error 429, api_error 500,
 *    authentication_error 401, permission_error 403, not_found_error 404,
 *    invalid_request_error / billing_error 400, request_too_large 413),
 *    isRetryable (true for 529/429/500 types, false otherwise), code undefined,
 *    data = the inner `{type, message}` object. The usage from message_start is
 *    NOT reported (usage undefined).
 *  - Anthropic `event: error` as the FIRST event (nothing before it): the
 *    provider throws before returning the stream, so the part's error is an
 *    `APICallError` (name "AI_APICallError") with statusCode/isRetryable inferred
 *    as above, message = error.message, responseBody = JSON of the inner
 *    `{type, message}`, responseHeaders = the 200 event-stream response's
 *    headers, data undefined. No finish part; `totalUsage` rejects with
 *    NoOutputGeneratedError.
 *
 * HTTP errors (non-2xx before any streaming) → one part `{ type: "error", error:
 * APICallError }`, no finish part; `totalUsage` rejects with
 * NoOutputGeneratedError ("No output generated. Check the stream for errors.").
 * APICallError fields: statusCode, responseHeaders (lower-cased record, e.g.
 * `retry-after: "2"`), responseBody (raw text), isRetryable (true for 408, 409,
 * 429, >= 500, incl. 529; false for 401), url, message = the body's
 * error.message, data = parsed body (OpenAI: `{error:{message,type,param,code}}`;
 * Anthropic: `{type:"error", error:{type,message}}` — `request_id` is stripped
 * from data but present in responseBody).
 *
 * Transport failures:
 *  - socket destroyed mid-stream: NOT an error part. Iterating fullStream
 *    THROWS an APICallError "Failed to process successful response" with
 *    statusCode 200, isRetryable true, cause TypeError "terminated" whose cause
 *    is undici's SocketError "other side closed" (code "UND_ERR_SOCKET").
 *    Deltas sent before the drop were delivered. `totalUsage` rejects with the
 *    same error.
 *  - stalled stream: nothing happens by itself. With `timeout: { chunkMs }` the
 *    stream ends with `{ type: "abort", reason: "TimeoutError: Chunk timeout of
 *    <n>ms exceeded" }` (no error part, nothing thrown); with an abortSignal,
 *    `{ type: "abort", reason: "AbortError: This operation was aborted" }`.
 *  - malformed JSON in one event: an error part `JSONParseError` (name
 *    "AI_JSONParseError", `text` = the bad payload, cause SyntaxError); the
 *    stream CONTINUES and later events are used (finishReason "stop", usage
 *    reported).
 *  - connection refused: error part `APICallError` message "Cannot connect to
 *    API: connect ECONNREFUSED 127.0.0.1:<port>", isRetryable true, statusCode
 *    and responseHeaders undefined, cause = the Node Error with code
 *    "ECONNREFUSED" (errno -111, syscall "connect"). (Port 1 and other
 *    fetch-blocked ports fail differently: cause Error "bad port".)
 *
 * Requests: openai-compatible sends `Authorization: Bearer <key>` and
 * `stream_options: {include_usage: true}` ONLY when created with
 * `includeUsage: true`; Anthropic sends `x-api-key: <key>` and
 * `anthropic-version: 2023-06-01`.
 */
import { createServer } from "node:http";
import { createAnthropic } from "@ai-sdk/anthropic";
import { createOpenAICompatible } from "@ai-sdk/openai-compatible";
import { APICallError } from "@ai-sdk/provider";
import { embedMany, JSONParseError, jsonSchema, NoOutputGeneratedError, StreamProviderError, streamText, tool } from "ai";
import { readdirSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, beforeEach, describe, expect, test, vi } from "vitest";
import {
  deterministicEmbedding,
  fixtureData,
  fixtureEvents,
  fixtureHeader,
  fixtureJson,
  startProviderServer,
  type ProviderServer,
} from "./providerServer.testing";

let server: ProviderServer;
beforeAll(async () => {
  server = await startProviderServer();
});
afterAll(async () => {
  await server.close();
});

const OPENAI_KEY = "sk-wire-test-openai";
/** Captured before any test installs fake timers (which also fake process.hrtime, Date and performance). */
const wallClockNs = process.hrtime.bigint;
const ANTHROPIC_KEY = "sk-ant-wire-test";

function openai(options: { includeUsage?: boolean; baseURL?: string } = {}) {
  return createOpenAICompatible({
    name: "wire",
    baseURL: options.baseURL ?? server.openaiBaseURL,
    apiKey: OPENAI_KEY,
    includeUsage: options.includeUsage ?? true,
  }).chatModel("gpt-4o-mini");
}
function anthropic() {
  return createAnthropic({ baseURL: server.anthropicBaseURL, apiKey: ANTHROPIC_KEY })("claude-sonnet-4-5");
}
const weatherTool = {
  get_weather: tool({
    inputSchema: jsonSchema<{ location: string; unit?: string }>({
      type: "object",
      properties: { location: { type: "string" }, unit: { type: "string" } },
      required: ["location"],
    }),
  }),
};

type Run = {
  text: string;
  errors: unknown[];
  toolCalls: { toolCallId: string; toolName: string; input: unknown }[];
  aborts: (string | undefined)[];
  finishReason: string | undefined;
  thrown: unknown;
  totalUsage: Promise<unknown>;
  onErrorCalls: unknown[];
};

async function run(model: ReturnType<typeof openai>, options: { tools?: boolean; chunkMs?: number; abortAfterMs?: number } = {}): Promise<Run> {
  const controller = new AbortController();
  const onErrorCalls: unknown[] = [];
  const result = streamText({
    model,
    prompt: "Hello",
    maxRetries: 0,
    tools: options.tools ? weatherTool : undefined,
    timeout: options.chunkMs ? { chunkMs: options.chunkMs } : undefined,
    abortSignal: options.abortAfterMs ? controller.signal : undefined,
    onError: ({ error }) => {
      onErrorCalls.push(error);
    },
  });
  if (options.abortAfterMs) setTimeout(() => controller.abort(), options.abortAfterMs);
  const out: Run = { text: "", errors: [], toolCalls: [], aborts: [], finishReason: undefined, thrown: undefined, totalUsage: Promise.resolve(undefined), onErrorCalls };
  try {
    for await (const part of result.fullStream) {
      if (part.type === "text-delta") out.text += part.text;
      else if (part.type === "error") out.errors.push(part.error);
      else if (part.type === "tool-call") out.toolCalls.push({ toolCallId: part.toolCallId, toolName: part.toolName, input: part.input });
      else if (part.type === "abort") out.aborts.push(part.reason);
      else if (part.type === "finish") out.finishReason = part.finishReason;
    }
  } catch (error) {
    out.thrown = error;
  }
  out.totalUsage = Promise.resolve(result.totalUsage).then(
    (usage) => usage,
    (error: unknown) => ({ rejected: error }),
  );
  await out.totalUsage;
  return out;
}

const lastRequest = () => server.requests[server.requests.length - 1]!;
/** Concatenated text of a fixture's text deltas, read straight from the file. */
function documentedText(name: string): string {
  return fixtureData(name)
    .map((data) => {
      const d = data as { choices?: { delta?: { content?: string | null } }[]; type?: string; delta?: { type?: string; text?: string } };
      if (d.type === "content_block_delta" && d.delta?.type === "text_delta") return d.delta.text ?? "";
      return d.choices?.[0]?.delta?.content ?? "";
    })
    .join("");
}
const undefinedUsage = { inputTokens: undefined, outputTokens: undefined, totalTokens: undefined };

describe("fixtures", () => {
  const dir = fileURLToPath(new URL("./fixtures/", import.meta.url));
  const files = readdirSync(dir).sort();

  test("every fixture names its source (a URL, or the fixture it is derived from) and parses", () => {
    expect(files.length).toBeGreaterThanOrEqual(20);
    for (const file of files) {
      const header = fixtureHeader(file);
      expect(header.some((line) => /^source: https:\/\//.test(line) || /^derived from: \S+\.(sse|txt)\b/.test(line)), file).toBe(true);
      expect(header.some((line) => line.startsWith("what: ")), file).toBe(true);
      if (file.endsWith(".txt")) expect(() => fixtureJson(file), file).not.toThrow();
      else expect(file.endsWith(".sse"), file).toBe(true);
    }
  });

  test("OpenAI streams: data-only events of chat.completion.chunk objects or error objects, [DONE] last when present", () => {
    for (const file of files.filter((f) => f.startsWith("openai-chat-"))) {
      const events = fixtureEvents(file);
      for (const event of events) expect(event, file).toMatch(/^data: \S/);
      const done = events.indexOf("data: [DONE]");
      expect(done === -1 || done === events.length - 1, file).toBe(true);
      for (const data of fixtureData(file)) {
        const chunk = data as { object?: string; choices?: unknown[]; error?: { message?: unknown; type?: unknown; param?: unknown; code?: unknown } };
        if (chunk.error) {
          expect(Object.keys(chunk.error).sort(), file).toEqual(["code", "message", "param", "type"]);
          expect(typeof chunk.error.message, file).toBe("string");
        } else {
          expect(chunk.object, file).toBe("chat.completion.chunk");
          expect(Array.isArray(chunk.choices), file).toBe(true);
        }
      }
    }
  });

  test("Anthropic streams: every event's name matches its data.type", () => {
    for (const file of files.filter((f) => f.startsWith("anthropic-messages-"))) {
      for (const event of fixtureEvents(file)) {
        const [nameLine, dataLine, ...rest] = event.split("\n");
        expect(rest, file).toEqual([]);
        const name = nameLine!.replace(/^event: /, "");
        const data = JSON.parse(dataLine!.replace(/^data: /, "")) as { type: string };
        expect(data.type, file).toBe(name);
      }
    }
  });

  test("HTTP error bodies have the documented shapes", () => {
    for (const file of files.filter((f) => /^openai-error-/.test(f))) {
      const body = fixtureJson(file) as { error: Record<string, unknown> };
      expect(Object.keys(body)).toEqual(["error"]);
      expect(Object.keys(body.error).sort(), file).toEqual(["code", "message", "param", "type"]);
    }
    for (const file of files.filter((f) => /^anthropic-error-/.test(f))) {
      const body = fixtureJson(file) as { type: string; error: { type: string; message: string } };
      expect(body.type, file).toBe("error");
      expect(Object.keys(body.error).sort(), file).toEqual(["message", "type"]);
    }
  });
});

describe("OpenAI-compatible over the wire", () => {
  test("text stream with include_usage: documented text and usage; request carries key and stream_options", async () => {
    server.script("openai.chat", { fixture: "openai-chat-text-usage.sse" });
    const out = await run(openai());
    expect(out.text).toBe("2");
    expect(out.text).toBe(documentedText("openai-chat-text-usage.sse"));
    expect(out.errors).toEqual([]);
    expect(out.finishReason).toBe("stop");
    expect(await out.totalUsage).toMatchObject({ inputTokens: 19, outputTokens: 1, totalTokens: 20 });

    const request = lastRequest();
    expect(request).toMatchObject({ route: "openai.chat", method: "POST", path: "/openai/v1/chat/completions" });
    expect(request.headers.authorization).toBe(`Bearer ${OPENAI_KEY}`);
    expect(request.body).toMatchObject({ model: "gpt-4o-mini", stream: true, stream_options: { include_usage: true } });
  });

  test("without includeUsage the provider sends no stream_options", async () => {
    server.script("openai.chat", { fixture: "openai-chat-reference.sse" });
    const out = await run(openai({ includeUsage: false }));
    expect(out.text).toBe("Hello");
    expect(await out.totalUsage).toMatchObject(undefinedUsage);
    expect((lastRequest().body as Record<string, unknown>).stream_options).toBeUndefined();
  });

  test("no usage chunk: same text, usage undefined", async () => {
    server.script("openai.chat", { fixture: "openai-chat-text-no-usage.sse" });
    const out = await run(openai());
    expect(out.text).toBe("2");
    expect(out.finishReason).toBe("stop");
    expect(await out.totalUsage).toMatchObject(undefinedUsage);
  });

  test("tool call split across chunks by index: one call, arguments assembled and parsed", async () => {
    server.script("openai.chat", { fixture: "openai-chat-tool-call.sse" });
    const out = await run(openai(), { tools: true });
    expect(out.toolCalls).toEqual([{ toolCallId: "call_DdmO9pD3xa9XTPNJ32zg2hcA", toolName: "get_weather", input: { location: "Paris, France" } }]);
    expect(out.text).toBe("");
    expect(out.finishReason).toBe("tool-calls");
    expect(await out.totalUsage).toMatchObject({ inputTokens: 61, outputTokens: 17, totalTokens: 78 });
    expect((lastRequest().body as { tools: { function: { name: string } }[] }).tools[0]!.function.name).toBe("get_weather");
  });

  test("in-stream error event: StreamProviderError carrying the raw OpenAI error object", async () => {
    server.script("openai.chat", { fixture: "openai-chat-error-in-stream.sse" });
    const out = await run(openai());
    const sent = (fixtureData("openai-chat-error-in-stream.sse")[0] as { error: { message: string } }).error;
    expect(out.errors).toHaveLength(1);
    const error = out.errors[0];
    expect(StreamProviderError.isInstance(error)).toBe(true);
    expect(error).toMatchObject({
      name: "AI_StreamProviderError",
      message: sent.message,
      type: "invalid_request_error",
      code: "invalid_api_key",
      statusCode: undefined,
      isRetryable: false,
      data: sent,
    });
    expect(out.finishReason).toBe("error");
    expect(out.thrown).toBeUndefined();
    expect(out.onErrorCalls).toEqual([error]);
    expect(await out.totalUsage).toMatchObject(undefinedUsage);
  });

  test("error after partial output: the text so far, then the error", async () => {
    server.script("openai.chat", { fixture: "openai-chat-error-mid-stream.sse" });
    const out = await run(openai());
    expect(out.text).toBe("Hello");
    expect(out.errors).toHaveLength(1);
    expect(out.errors[0]).toMatchObject({ name: "AI_StreamProviderError", message: "The server had an error while processing your request.", type: "server_error", code: undefined, isRetryable: false });
    expect(out.finishReason).toBe("error");
  });

  test.each([
    { status: 401, fixture: "openai-error-401.txt", retryable: false, headers: {} },
    { status: 429, fixture: "openai-error-429.txt", retryable: true, headers: { "retry-after": "2" } },
    { status: 500, fixture: "openai-error-500.txt", retryable: true, headers: {} },
    { status: 503, fixture: "openai-error-503.txt", retryable: true, headers: {} },
  ] as { status: number; fixture: string; retryable: boolean; headers: Record<string, string> }[])("HTTP $status: APICallError with status, headers, body, retryability", async ({ status, fixture, retryable, headers }) => {
    server.script("openai.chat", { status, fixture, headers });
    const out = await run(openai());
    const body = fixtureJson(fixture) as { error: { message: string } };
    expect(out.errors).toHaveLength(1);
    const error = out.errors[0];
    expect(APICallError.isInstance(error)).toBe(true);
    expect(error).toMatchObject({ name: "AI_APICallError", message: body.error.message, statusCode: status, isRetryable: retryable, data: body, url: `${server.openaiBaseURL}/chat/completions` });
    const apiError = error as APICallError;
    expect(JSON.parse(apiError.responseBody!)).toEqual(body);
    expect(apiError.responseHeaders).toMatchObject({ "content-type": "application/json", ...headers });
    expect(out.finishReason).toBeUndefined();
    expect(out.thrown).toBeUndefined();
    expect(NoOutputGeneratedError.isInstance(((await out.totalUsage) as { rejected: unknown }).rejected)).toBe(true);
  });
});

describe("Anthropic over the wire", () => {
  test("basic text stream: documented text and usage; request carries x-api-key", async () => {
    server.script("anthropic.messages", { fixture: "anthropic-messages-text.sse" });
    const out = await run(anthropic());
    expect(out.text).toBe("Hello!");
    expect(out.text).toBe(documentedText("anthropic-messages-text.sse"));
    expect(out.errors).toEqual([]);
    expect(out.finishReason).toBe("stop");
    expect(await out.totalUsage).toMatchObject({ inputTokens: 25, outputTokens: 15, totalTokens: 40 });

    const request = lastRequest();
    expect(request).toMatchObject({ route: "anthropic.messages", method: "POST", path: "/anthropic/v1/messages" });
    expect(request.headers["x-api-key"]).toBe(ANTHROPIC_KEY);
    expect(request.headers["anthropic-version"]).toBe("2023-06-01");
    expect(request.headers.authorization).toBeUndefined();
    expect(request.body).toMatchObject({ model: "claude-sonnet-4-5", stream: true });
  });

  test("tool use: text, then the tool call assembled from input_json_delta partials", async () => {
    server.script("anthropic.messages", { fixture: "anthropic-messages-tool-use.sse" });
    const out = await run(anthropic(), { tools: true });
    expect(out.text).toBe("Okay, let's check the weather for San Francisco, CA:");
    expect(out.text).toBe(documentedText("anthropic-messages-tool-use.sse"));
    expect(out.toolCalls).toEqual([
      { toolCallId: "toolu_01T1x1fJ34qAmk2tNTrN7Up6", toolName: "get_weather", input: { location: "San Francisco, CA", unit: "fahrenheit" } },
    ]);
    expect(out.finishReason).toBe("tool-calls");
    expect(await out.totalUsage).toMatchObject({ inputTokens: 472, outputTokens: 89, totalTokens: 561 });
  });

  test("error event after message_start: StreamProviderError with type, inferred 529, retryable", async () => {
    server.script("anthropic.messages", { fixture: "anthropic-messages-error-overloaded-mid-stream.sse" });
    const out = await run(anthropic());
    expect(out.text).toBe("Hello");
    expect(out.errors).toHaveLength(1);
    expect(StreamProviderError.isInstance(out.errors[0])).toBe(true);
    expect(out.errors[0]).toMatchObject({
      name: "AI_StreamProviderError",
      message: "Overloaded",
      type: "overloaded_error",
      statusCode: 529,
      isRetryable: true,
      code: undefined,
      data: { type: "overloaded_error", message: "Overloaded" },
    });
    expect(out.finishReason).toBe("error");
    expect(await out.totalUsage).toMatchObject(undefinedUsage);
  });

  test.each([
    { fixture: "anthropic-messages-error-overloaded.sse", type: "overloaded_error", status: 529, retryable: true },
    { fixture: "anthropic-messages-error-rate-limit.sse", type: "rate_limit_error", status: 429, retryable: true },
    { fixture: "anthropic-messages-error-authentication.sse", type: "authentication_error", status: 401, retryable: false },
  ])("error event as the first event ($type): APICallError with inferred status $status", async ({ fixture, type, status, retryable }) => {
    server.script("anthropic.messages", { fixture });
    const out = await run(anthropic());
    const sent = (fixtureData(fixture)[0] as { error: { type: string; message: string } }).error;
    expect(sent.type).toBe(type);
    expect(out.errors).toHaveLength(1);
    const error = out.errors[0];
    expect(APICallError.isInstance(error)).toBe(true);
    expect(error).toMatchObject({ name: "AI_APICallError", message: sent.message, statusCode: status, isRetryable: retryable, data: undefined });
    expect(JSON.parse((error as APICallError).responseBody!)).toEqual(sent);
    expect((error as APICallError).responseHeaders).toMatchObject({ "content-type": "text/event-stream" });
    expect(out.finishReason).toBeUndefined();
    expect(NoOutputGeneratedError.isInstance(((await out.totalUsage) as { rejected: unknown }).rejected)).toBe(true);
  });

  test.each([
    { status: 401, fixture: "anthropic-error-401.txt", retryable: false, headers: {} },
    { status: 429, fixture: "anthropic-error-429.txt", retryable: true, headers: { "retry-after": "2" } },
    { status: 500, fixture: "anthropic-error-500.txt", retryable: true, headers: {} },
    { status: 529, fixture: "anthropic-error-529.txt", retryable: true, headers: {} },
  ] as { status: number; fixture: string; retryable: boolean; headers: Record<string, string> }[])("HTTP $status: APICallError with the Anthropic error body", async ({ status, fixture, retryable, headers }) => {
    server.script("anthropic.messages", { status, fixture, headers });
    const out = await run(anthropic());
    const body = fixtureJson(fixture) as { type: string; error: { type: string; message: string }; request_id: string };
    expect(out.errors).toHaveLength(1);
    const error = out.errors[0];
    expect(APICallError.isInstance(error)).toBe(true);
    expect(error).toMatchObject({
      name: "AI_APICallError",
      message: body.error.message,
      statusCode: status,
      isRetryable: retryable,
      data: { type: "error", error: body.error },
    });
    expect(JSON.parse((error as APICallError).responseBody!)).toEqual(body);
    expect((error as APICallError).responseHeaders).toMatchObject(headers);
    expect(NoOutputGeneratedError.isInstance(((await out.totalUsage) as { rejected: unknown }).rejected)).toBe(true);
  });
});

describe("transport failures", () => {
  test.each([
    { provider: "openai", fixture: "openai-chat-text-usage.sse", drop: 2, textBefore: "2" },
    { provider: "anthropic", fixture: "anthropic-messages-text.sse", drop: 4, textBefore: "Hello" },
  ] as const)("$provider: socket destroyed mid-stream → fullStream throws APICallError(UND_ERR_SOCKET)", async ({ provider, fixture, drop, textBefore }) => {
    server.script(provider === "openai" ? "openai.chat" : "anthropic.messages", { fixture, dropAfterEvents: drop });
    const out = await run(provider === "openai" ? openai() : anthropic());
    expect(out.text).toBe(textBefore);
    expect(out.errors).toEqual([]);
    expect(APICallError.isInstance(out.thrown)).toBe(true);
    expect(out.thrown).toMatchObject({ message: "Failed to process successful response", statusCode: 200, isRetryable: true });
    const cause = (out.thrown as { cause: { name: string; message: string; cause: { code: string; message: string } } }).cause;
    expect(cause).toMatchObject({ name: "TypeError", message: "terminated" });
    expect(cause.cause).toMatchObject({ code: "UND_ERR_SOCKET", message: "other side closed" });
    expect((await out.totalUsage) as { rejected: unknown }).toEqual({ rejected: out.thrown });
  });

  test("stalled stream with timeout.chunkMs → abort part with a TimeoutError reason", async () => {
    server.script("openai.chat", { fixture: "openai-chat-text-usage.sse", stallAfterEvents: 2 });
    const out = await run(openai(), { chunkMs: 300 });
    expect(out.text).toBe("2");
    expect(out.aborts).toEqual(["TimeoutError: Chunk timeout of 300ms exceeded"]);
    expect(out.errors).toEqual([]);
    expect(out.thrown).toBeUndefined();
    expect(out.finishReason).toBeUndefined();
  });

  test("stalled stream aborted by the caller → abort part with an AbortError reason", async () => {
    server.script("anthropic.messages", { fixture: "anthropic-messages-text.sse", stallAfterEvents: 4 });
    const out = await run(anthropic(), { abortAfterMs: 300 });
    expect(out.text).toBe("Hello");
    expect(out.aborts).toEqual(["AbortError: This operation was aborted"]);
    expect(out.errors).toEqual([]);
    expect(out.thrown).toBeUndefined();
  });

  test.each([
    { provider: "openai", fixture: "openai-chat-text-usage.sse", corrupt: 1, text: "", usage: { inputTokens: 19, outputTokens: 1 } },
    { provider: "anthropic", fixture: "anthropic-messages-text.sse", corrupt: 3, text: "!", usage: { inputTokens: 25, outputTokens: 15 } },
  ] as const)("$provider: malformed JSON in one event → JSONParseError part, stream continues", async ({ provider, fixture, corrupt, text, usage }) => {
    server.script(provider === "openai" ? "openai.chat" : "anthropic.messages", { fixture, corruptEvent: corrupt });
    const out = await run(provider === "openai" ? openai() : anthropic());
    expect(out.errors).toHaveLength(1);
    expect(JSONParseError.isInstance(out.errors[0])).toBe(true);
    const original = fixtureEvents(fixture)[corrupt]!.split("\n").find((line) => line.startsWith("data:"))!.slice(5).trim();
    expect((out.errors[0] as JSONParseError).text).toBe(original.slice(0, Math.floor(original.length / 2)));
    expect(out.text).toBe(text);
    expect(out.finishReason).toBe("stop");
    expect(await out.totalUsage).toMatchObject(usage);
  });

  test("connection refused → APICallError whose cause has code ECONNREFUSED", async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, "127.0.0.1", resolve));
    const { port } = closed.address() as { port: number };
    await new Promise<void>((resolve) => closed.close(() => resolve()));

    const out = await run(openai({ baseURL: `http://127.0.0.1:${port}/openai/v1` }));
    expect(out.errors).toHaveLength(1);
    const error = out.errors[0];
    expect(APICallError.isInstance(error)).toBe(true);
    expect(error).toMatchObject({
      message: `Cannot connect to API: connect ECONNREFUSED 127.0.0.1:${port}`,
      isRetryable: true,
      statusCode: undefined,
      responseHeaders: undefined,
      url: `http://127.0.0.1:${port}/openai/v1/chat/completions`,
    });
    expect((error as APICallError).cause).toMatchObject({ code: "ECONNREFUSED", syscall: "connect", port });
    expect(NoOutputGeneratedError.isInstance(((await out.totalUsage) as { rejected: unknown }).rejected)).toBe(true);
  });
});

describe("the server", () => {
  beforeEach(() => {
    vi.useRealTimers();
  });

  test("models lists and embeddings", async () => {
    const openaiModels = await fetch(`${server.openaiBaseURL}/models`, { headers: { authorization: "Bearer x" } });
    expect(openaiModels.status).toBe(200);
    expect(await openaiModels.json()).toEqual(fixtureJson("openai-models.txt"));
    const anthropicModels = await fetch(`${server.anthropicBaseURL}/models?limit=20`);
    expect(await anthropicModels.json()).toMatchObject({ has_more: false, data: [{ type: "model", id: "claude-sonnet-4-5-20250929" }, { type: "model" }] });
    expect(lastRequest()).toMatchObject({ route: "anthropic.models", path: "/anthropic/v1/models", query: "limit=20" });

    const provider = createOpenAICompatible({ name: "wire", baseURL: server.openaiBaseURL, apiKey: OPENAI_KEY });
    server.script("openai.embeddings", { embeddings: 6 });
    const { embeddings } = await embedMany({ model: provider.embeddingModel("text-embedding-3-small"), values: ["tides", "haiku"], maxRetries: 0 });
    expect(embeddings).toEqual([deterministicEmbedding("tides", 6), deterministicEmbedding("haiku", 6)]);
    expect(embeddings[0]).not.toEqual(embeddings[1]);
    expect(Math.hypot(...embeddings[0]!)).toBeCloseTo(1, 10);
    expect(lastRequest()).toMatchObject({ route: "openai.embeddings", body: { model: "text-embedding-3-small", input: ["tides", "haiku"] } });

    server.script("openai.embeddings", { fixture: "openai-embeddings.txt" });
    const documented = await embedMany({ model: provider.embeddingModel("text-embedding-ada-002"), values: ["The food was delicious and the waiter..."], maxRetries: 0 });
    expect(documented.embeddings).toEqual([[0.0023064255, -0.009327292, -0.0028842222]]);
  });

  test("scripts are consumed in order per route, then the default; requests are counted", async () => {
    const before = server.counts();
    server.script("openai.chat", { status: 500, fixture: "openai-error-500.txt" }, { fixture: "openai-chat-reference.sse" });
    expect(server.pending("openai.chat")).toBe(2);
    expect((await run(openai())).errors[0]).toMatchObject({ statusCode: 500 });
    expect((await run(openai())).text).toBe("Hello");
    expect((await run(openai())).text).toBe("2"); // the default: openai-chat-text-usage.sse
    expect(server.pending("openai.chat")).toBe(0);
    const unknown = await fetch(`${server.url}/v2/nothing`);
    expect(unknown.status).toBe(404);
    expect(server.counts()).toEqual({ ...before, "openai.chat": before["openai.chat"] + 3, unknown: before.unknown + 1 });
  });

  test("delays run on the real clock under vi.useFakeTimers()", async () => {
    vi.useFakeTimers();
    try {
      server.script("openai.chat", { fixture: "openai-chat-text-usage.sse", delayMsBetweenEvents: 60 });
      const started = wallClockNs();
      const out = await run(openai());
      const elapsedMs = Number(wallClockNs() - started) / 1e6;
      expect(out.text).toBe("2");
      expect(out.finishReason).toBe("stop");
      expect(elapsedMs).toBeGreaterThanOrEqual(4 * 60 - 20); // 5 events, 4 gaps
    } finally {
      vi.useRealTimers();
    }
  });
});
