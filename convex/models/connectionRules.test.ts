/** The pure rules of provider connections: slugs, a provider's error in words, a model list read into ids. */
import { APICallError } from "@ai-sdk/provider";
import { expect, test } from "vitest";
import { checkBaseUrl, keyHint, modelIdsOf, modelListRequest, providerErrorWords, slugFromName, uniqueSlug } from "./connectionRules";

test("slugs are made from names and kept unique within 40 characters", () => {
  expect(slugFromName("My OpenRouter")).toBe("my-openrouter");
  expect(slugFromName("  Ünïcode · vLLM!! ")).toBe("unicode-vllm");
  expect(slugFromName("***")).toBe("connection");
  expect(slugFromName("x".repeat(60))).toHaveLength(40);
  expect(uniqueSlug("openai", new Set())).toBe("openai");
  expect(uniqueSlug("openai", new Set(["openai", "openai-2"]))).toBe("openai-3");
  const long = "y".repeat(40);
  expect(uniqueSlug(long, new Set([long]))).toBe(`${"y".repeat(38)}-2`);
});

test("base URLs are normalised without a trailing slash; Anthropic may name none", () => {
  expect(checkBaseUrl(" https://openrouter.ai/api/v1/ ", "openai-compatible", { allowPrivate: false })).toBe("https://openrouter.ai/api/v1");
  expect(checkBaseUrl("", "anthropic", { allowPrivate: false })).toBeUndefined();
  expect(checkBaseUrl("http://127.0.0.1:11434/v1", "openai-compatible", { allowPrivate: true })).toBe("http://127.0.0.1:11434/v1");
});

test("a key shows only its last 4 characters, and none of a short one", () => {
  expect(keyHint("sk-abcdefghijklmnop1234")).toBe("1234");
  expect(keyHint("ollama")).toBeUndefined();
});

test("provider errors in words: status and the provider's message, network failures, timeouts; the key is never repeated", () => {
  const host = "api.example.test";
  const status = (statusCode: number, responseBody: string) =>
    new APICallError({ message: "Unauthorized", url: "https://api.example.test/v1/chat/completions", requestBodyValues: {}, statusCode, responseBody });
  expect(providerErrorWords(status(401, JSON.stringify({ error: { message: "Incorrect API key provided: sk-...abcd." } })), { host })).toBe(
    "api.example.test answered HTTP 401: Incorrect API key provided: sk-...abcd.",
  );
  // Anthropic's shape, and a plain-text body.
  expect(providerErrorWords(status(529, JSON.stringify({ type: "error", error: { type: "overloaded_error", message: "Overloaded" } })), { host })).toBe(
    "api.example.test answered HTTP 529: Overloaded",
  );
  expect(providerErrorWords(status(502, "<html><body>Bad gateway</body></html>"), { host })).toBe("api.example.test answered HTTP 502: Bad gateway");

  const network = (code: string) => Object.assign(new TypeError("fetch failed"), { cause: Object.assign(new Error(`getaddrinfo ${code}`), { code }) });
  expect(providerErrorWords(network("ECONNREFUSED"), { host })).toBe("Cannot reach api.example.test: connection refused.");
  expect(providerErrorWords(network("ENOTFOUND"), { host })).toBe("Cannot reach api.example.test: host not found.");
  expect(providerErrorWords(new DOMException("The operation was aborted.", "AbortError"), { host })).toBe("Cannot reach api.example.test: no answer within 15 s.");
  expect(providerErrorWords(new Error("anything"), { host, timedOut: true })).toBe("Cannot reach api.example.test: no answer within 15 s.");
  // generateText's retry wrapper is looked through.
  expect(providerErrorWords({ name: "AI_RetryError", message: "Failed after 1 attempt", lastError: network("ECONNREFUSED") }, { host })).toContain("connection refused");

  const secret = "sk-live-0123456789abcdefLAST";
  expect(providerErrorWords(status(401, JSON.stringify({ error: { message: `Key ${secret} is revoked` } })), { host, secret })).toBe(
    "api.example.test answered HTTP 401: Key ••••LAST is revoked",
  );
});

test("model lists: OpenAI and Anthropic requests, ids kept when a connection model id can name them", () => {
  expect(modelListRequest("openai-compatible", "https://openrouter.ai/api/v1", "k")).toEqual({
    url: "https://openrouter.ai/api/v1/models",
    headers: { Authorization: "Bearer k", Accept: "application/json" },
  });
  expect(modelListRequest("anthropic", undefined, "k")).toEqual({
    url: "https://api.anthropic.com/v1/models?limit=200",
    headers: { "x-api-key": "k", "anthropic-version": "2023-06-01", Accept: "application/json" },
  });
  expect(modelIdsOf("or", { data: [{ id: "openai/gpt-4o-mini" }, { id: "gpt-4o" }, { id: "gpt-4o" }, { id: "bad id" }, { id: 3 }, {}] })).toEqual(["gpt-4o", "openai/gpt-4o-mini"]);
  expect(modelIdsOf("or", { models: [] })).toBeNull();
  expect(modelIdsOf("or", { data: Array.from({ length: 300 }, (_, i) => ({ id: `m-${String(i).padStart(3, "0")}` })) })).toHaveLength(200);
});
