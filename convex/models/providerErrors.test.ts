/**
 * How provider failures are read. The shapes are the ones the AI SDK hands
 * over (checked against real providers on the wire in providers.wire.test.ts
 * and convex/chat/wire.test.ts): `APICallError` for HTTP statuses and fetch
 * failures, the raw `{ message, type, code }` object for an OpenAI-style error
 * event, and `{ type, message, statusCode }` for an Anthropic `event: error`.
 */
import { APICallError } from "@ai-sdk/provider";
import { describe, expect, test } from "vitest";
import { fail } from "../lib/errors";
import { classifyProviderError, ProviderStallError, retryAfterMs } from "./providerErrors";
import { decideRetry, type RetrySettings } from "./retryPolicy";

function httpError(statusCode: number, body: unknown, headers: Record<string, string> = {}) {
  return new APICallError({
    message: "from the SDK",
    url: "https://api.example.test/v1/chat/completions",
    requestBodyValues: {},
    statusCode,
    responseHeaders: headers,
    responseBody: JSON.stringify(body),
  });
}

const openAiError = (message: string, type: string, code: string | null) => ({ error: { message, type, param: null, code } });
const anthropicError = (type: string, message: string) => ({ type: "error", error: { type, message } });

describe("HTTP statuses", () => {
  test("401 is the key, with the provider's own words, never retried", () => {
    const failure = classifyProviderError(httpError(401, openAiError("Incorrect API key provided: sk-abc***xyz.", "invalid_request_error", "invalid_api_key")));
    expect(failure).toMatchObject({ category: "auth", retry: "never", code: "forbidden", statusCode: 401 });
    expect(failure.message).toBe("The provider refused the key (HTTP 401): Incorrect API key provided: sk-abc***xyz.");
  });

  test("429 with Retry-After waits what it says; insufficient_quota does not heal", () => {
    const limited = classifyProviderError(httpError(429, anthropicError("rate_limit_error", "Number of requests has exceeded your rate limit"), { "retry-after": "8" }));
    expect(limited).toMatchObject({ category: "rate_limit", retry: "advised", retryAfterMs: 8_000, code: "rate_limited" });
    expect(limited.message).toContain("Number of requests has exceeded your rate limit");
    const quota = classifyProviderError(httpError(429, openAiError("You exceeded your current quota", "insufficient_quota", "insufficient_quota")));
    expect(quota).toMatchObject({ category: "quota", retry: "never" });
  });

  test("5xx and 529 back off; 400 and 404 fail at once", () => {
    expect(classifyProviderError(httpError(500, openAiError("The server had an error", "server_error", null)))).toMatchObject({ category: "server", retry: "backoff" });
    expect(classifyProviderError(httpError(503, "Service Unavailable"))).toMatchObject({ category: "server", retry: "backoff" });
    expect(classifyProviderError(httpError(529, anthropicError("overloaded_error", "Overloaded")))).toMatchObject({ category: "overloaded", retry: "backoff" });
    expect(classifyProviderError(httpError(400, anthropicError("invalid_request_error", "max_tokens: field required")))).toMatchObject({ category: "bad_request", retry: "never", code: "bad_request" });
    expect(classifyProviderError(httpError(404, openAiError("The model `gpt-9` does not exist", "invalid_request_error", "model_not_found")))).toMatchObject({ category: "model_not_found", retry: "never" });
  });

  test("Retry-After in its three spellings", () => {
    expect(retryAfterMs({ "retry-after-ms": "1500" })).toBe(1_500);
    expect(retryAfterMs({ "Retry-After": "3" })).toBe(3_000);
    const now = Date.parse("2026-12-06T10:00:00Z");
    expect(retryAfterMs({ "retry-after": "Sun, 06 Dec 2026 10:00:05 GMT" }, now)).toBe(5_000);
    expect(retryAfterMs({})).toBeUndefined();
  });
});

describe("errors inside a 200 event stream", () => {
  test("OpenAI-style error object: an invalid key is not retried and keeps its message", () => {
    const failure = classifyProviderError({ message: "Incorrect API key provided: sk-1234.", type: "invalid_request_error", param: null, code: "invalid_api_key" });
    expect(failure).toMatchObject({ category: "auth", retry: "never" });
    expect(failure.message).toBe("The provider refused the key: Incorrect API key provided: sk-1234.");
  });

  test("the same object wrapped by the AI SDK as a StreamProviderError", () => {
    const wrapped = Object.assign(new Error("Incorrect API key provided: sk-1234."), { name: "AI_StreamProviderError", type: "invalid_request_error", code: "invalid_api_key" });
    expect(classifyProviderError(wrapped)).toMatchObject({ category: "auth", retry: "never" });
  });

  test("OpenAI-style rate limit and server errors are retried", () => {
    expect(classifyProviderError({ message: "Rate limit reached", type: "requests", code: "rate_limit_exceeded" })).toMatchObject({ category: "rate_limit", retry: "advised" });
    expect(classifyProviderError({ message: "The server had an error while processing your request.", type: "server_error", code: null })).toMatchObject({ category: "server", retry: "backoff" });
  });

  test("Anthropic stream errors (as the SDK hands them over, with an inferred status)", () => {
    expect(classifyProviderError({ type: "overloaded_error", message: "Overloaded", statusCode: 529, isRetryable: true })).toMatchObject({ category: "overloaded", retry: "backoff" });
    expect(classifyProviderError({ type: "authentication_error", message: "invalid x-api-key" })).toMatchObject({ category: "auth", retry: "never" });
    expect(classifyProviderError({ type: "rate_limit_error", message: "slow down", statusCode: 429 })).toMatchObject({ category: "rate_limit" });
  });

  test("a content filter fails with policy_denied", () => {
    expect(classifyProviderError({ type: "content_filter", code: "content_filter", message: "withheld" })).toMatchObject({ category: "content_filter", code: "policy_denied", retry: "never" });
  });
});

describe("the network", () => {
  test("connection refused and unknown hosts are unreachable: one short retry", () => {
    const refused = new APICallError({
      message: "Cannot connect to API: connect ECONNREFUSED 127.0.0.1:9",
      url: "http://127.0.0.1:9/v1/chat/completions",
      requestBodyValues: {},
      cause: Object.assign(new Error("connect ECONNREFUSED 127.0.0.1:9"), { code: "ECONNREFUSED" }),
      isRetryable: true,
    });
    expect(classifyProviderError(refused)).toMatchObject({ category: "unreachable", retry: "short" });
    const dns = Object.assign(new TypeError("fetch failed"), { cause: Object.assign(new Error("getaddrinfo ENOTFOUND nowhere.invalid"), { code: "ENOTFOUND" }) });
    expect(classifyProviderError(dns)).toMatchObject({ category: "unreachable" });
  });

  test("a stream cut mid-reply, a stall, and an unreadable chunk are retried with backoff", () => {
    const cut = Object.assign(new TypeError("terminated"), { cause: Object.assign(new Error("other side closed"), { code: "UND_ERR_SOCKET" }) });
    expect(classifyProviderError(cut)).toMatchObject({ category: "dropped", retry: "backoff" });
    expect(classifyProviderError(new ProviderStallError(30_000))).toMatchObject({ category: "timeout", retry: "backoff" });
    const parse = Object.assign(new Error("JSON parsing failed: Text: {oops"), { name: "AI_JSONParseError" });
    expect(classifyProviderError(parse)).toMatchObject({ category: "malformed", retry: "backoff" });
  });

  test("our own refusals pass through with their code", () => {
    let thrown: unknown;
    try {
      fail("bad_request", "No model connection “gone” on this account.");
    } catch (error) {
      thrown = error;
    }
    expect(classifyProviderError(thrown)).toMatchObject({ category: "harness", retry: "never", code: "bad_request" });
  });
});

describe("retry decisions", () => {
  const settings: RetrySettings = { maxAttempts: 4, backoffMs: 1_000, maxAdvisedMs: 60_000, unreachableRetryMs: 2_000 };
  const of = (status: number, headers: Record<string, string> = {}) => classifyProviderError(httpError(status, {}, headers));

  test("backoff doubles until the attempts run out", () => {
    expect([1, 2, 3, 4].map((attempt) => decideRetry(of(503), attempt, settings))).toEqual([
      { retry: true, delayMs: 1_000, maxAttempts: 4 },
      { retry: true, delayMs: 2_000, maxAttempts: 4 },
      { retry: true, delayMs: 4_000, maxAttempts: 4 },
      { retry: false, maxAttempts: 4 },
    ]);
  });

  test("a rate limit waits the advised delay; too long an advice fails with it in words", () => {
    expect(decideRetry(of(429, { "retry-after": "8" }), 1, settings)).toEqual({ retry: true, delayMs: 8_000, maxAttempts: 4 });
    expect(decideRetry(of(429, { "retry-after": "3600" }), 1, settings)).toEqual({ retry: false, maxAttempts: 4, why: "the provider asks to wait 3600 s" });
  });

  test("an unreachable endpoint gets one retry; a bad key none", () => {
    const refused = classifyProviderError(Object.assign(new Error("connect ECONNREFUSED"), { code: "ECONNREFUSED" }));
    expect(decideRetry(refused, 1, settings)).toEqual({ retry: true, delayMs: 2_000, maxAttempts: 2 });
    expect(decideRetry(refused, 2, settings)).toEqual({ retry: false, maxAttempts: 2 });
    expect(decideRetry(of(401), 1, settings)).toEqual({ retry: false, maxAttempts: 1 });
  });
});
