/**
 * Provider faults on the wire, each through a whole turn: HTTP statuses,
 * errors sent inside a 200 event stream, streams cut, stalled or unreadable,
 * endpoints that cannot be reached, and providers that report no usage.
 * What must hold: a bad key fails at once with the provider's words and
 * charges nothing; what may heal is retried (after the advised delay for a
 * rate limit), visibly, and can be stopped; the thread ends with one reply and
 * nothing left streaming; budgets hold whatever the provider reports.
 */
import { describe, expect, test, vi } from "vitest";
import { api } from "../_generated/api";
import { accountUsage, send } from "./testkit.testing";
import { QUESTION, WIRE_TEST, endedTurn, quiesce, repliesOf, runRow, stepsOf, turnsOf, wireSuite } from "./wire.testing";

const { turnOn } = wireSuite();

async function llmStep(t: Awaited<ReturnType<typeof turnOn>>["t"], interactionId: Parameters<typeof stepsOf>[1]) {
  return (await stepsOf(t, interactionId)).find((s) => s.kind === "llm")!;
}

async function nothingCharged(user: Awaited<ReturnType<typeof turnOn>>["user"]) {
  const [status] = await user.client.query(api.usage.budgets.status, { accountId: user.accountId });
  expect(status?.reservedTokens ?? 0).toBe(0);
  expect(await accountUsage(user)).toMatchObject({ tokens: 0, usd: 0 });
}

describe("HTTP statuses", () => {
  test("401: not retried; the turn fails with the provider's words; nothing charged", WIRE_TEST, async () => {
    const { t, user, thread, server } = await turnOn();
    server.script("openai.chat", { fixture: "openai-error-401.txt", status: 401 });
    const { interactionId } = await send(user, thread.threadId, QUESTION);
    const turn = await endedTurn(user, thread.threadId);
    expect(turn.status).toBe("failed");
    expect(turn.error!.message).toMatch(/^The provider refused the key \(HTTP 401\): Incorrect API key provided/);
    expect(server.count("openai.chat")).toBe(1);
    expect(await llmStep(t, interactionId)).toMatchObject({ attempt: 1, status: "failed" });
    await quiesce(t);
    await nothingCharged(user);
    expect((await repliesOf(user, thread.threadId)).unfinished).toEqual([]);
  });

  test("429 with Retry-After: retried after that delay, the wait shown on the turn, then answered", WIRE_TEST, async () => {
    const { t, user, thread, server } = await turnOn();
    server.script("openai.chat", { fixture: "openai-error-429.txt", status: 429, headers: { "retry-after": "1" } });
    const sentAt = Date.now();
    const { interactionId } = await send(user, thread.threadId, QUESTION);
    // While it waits, the turn says so: which attempt, of how many, and when the next one is.
    const waiting = await vi.waitFor(
      async () => {
        const [turn] = await turnsOf(user, thread.threadId);
        if (!turn?.providerRetry) throw new Error("not waiting yet");
        return turn.providerRetry;
      },
      { timeout: 10_000, interval: 20 },
    );
    expect(waiting).toMatchObject({ attempt: 1, maxAttempts: 4, reason: "rate_limit" });
    expect(waiting.at - sentAt).toBeGreaterThanOrEqual(900);
    const turn = await endedTurn(user, thread.threadId);
    expect(turn.status).toBe("completed");
    expect(turn.providerRetry).toBeUndefined();
    const [, second] = server.requests.filter((r) => r.route === "openai.chat");
    expect(Date.now() - sentAt).toBeGreaterThanOrEqual(1_000);
    expect(second).toBeDefined();
    expect(await llmStep(t, interactionId)).toMatchObject({ attempt: 2, status: "succeeded" });
    expect((await repliesOf(user, thread.threadId)).replies).toEqual(["2"]);
  });

  test("500 then 503: retried with backoff; one reply", WIRE_TEST, async () => {
    const { t, user, thread, server } = await turnOn();
    server.script("openai.chat", { fixture: "openai-error-500.txt", status: 500 }, { fixture: "openai-error-503.txt", status: 503 });
    const { interactionId } = await send(user, thread.threadId, QUESTION);
    expect((await endedTurn(user, thread.threadId)).status).toBe("completed");
    expect(server.count("openai.chat")).toBe(3);
    expect(await llmStep(t, interactionId)).toMatchObject({ attempt: 3, status: "succeeded" });
    expect((await repliesOf(user, thread.threadId)).replies).toEqual(["2"]);
  });

  test("529 from Anthropic keeps failing: four attempts, then the turn fails with the provider's words; resumable", WIRE_TEST, async () => {
    const { t, user, thread, server } = await turnOn("anthropic");
    server.setDefault("anthropic.messages", { fixture: "anthropic-error-529.txt", status: 529 });
    const { interactionId } = await send(user, thread.threadId, QUESTION);
    const turn = await endedTurn(user, thread.threadId);
    expect(turn).toMatchObject({ status: "failed", canRetry: true });
    expect(turn.error!.message).toBe("The model provider failed (HTTP 529): Overloaded");
    expect(server.count("anthropic.messages")).toBe(4);
    expect(await llmStep(t, interactionId)).toMatchObject({ attempt: 4, status: "failed" });
    await quiesce(t);
    await nothingCharged(user);
  });
});

describe("errors inside a 200 event stream", () => {
  test("OpenAI-style invalid_api_key event: fails at once with the provider's message, nothing charged", WIRE_TEST, async () => {
    const { t, user, thread, server } = await turnOn();
    server.script("openai.chat", { fixture: "openai-chat-error-in-stream.sse" });
    await send(user, thread.threadId, QUESTION);
    const turn = await endedTurn(user, thread.threadId);
    expect(turn.status).toBe("failed");
    expect(turn.error).toMatchObject({ code: "forbidden" });
    expect(turn.error!.message).toMatch(/^The provider refused the key: Incorrect API key provided/);
    expect(server.count("openai.chat")).toBe(1);
    await quiesce(t);
    await nothingCharged(user);
  });

  test("OpenAI-style server_error after some text: retried; one whole reply, no half message", WIRE_TEST, async () => {
    const { user, thread, server } = await turnOn();
    server.script("openai.chat", { fixture: "openai-chat-error-mid-stream.sse" });
    await send(user, thread.threadId, QUESTION);
    expect((await endedTurn(user, thread.threadId)).status).toBe("completed");
    expect(server.count("openai.chat")).toBe(2);
    const { replies, unfinished } = await repliesOf(user, thread.threadId);
    expect(replies).toEqual(["2"]);
    expect(unfinished).toEqual([]);
  });

  test("Anthropic overloaded_error and rate_limit_error events are retried", WIRE_TEST, async () => {
    const { t, user, thread, server } = await turnOn("anthropic");
    server.script("anthropic.messages", { fixture: "anthropic-messages-error-overloaded.sse" }, { fixture: "anthropic-messages-error-rate-limit.sse" });
    const { interactionId } = await send(user, thread.threadId, QUESTION);
    expect((await endedTurn(user, thread.threadId)).status).toBe("completed");
    expect(server.count("anthropic.messages")).toBe(3);
    const step = await llmStep(t, interactionId);
    expect(step).toMatchObject({ attempt: 3, status: "succeeded" });
    expect((await repliesOf(user, thread.threadId)).replies).toEqual(["Hello!"]);
  });

  test("Anthropic authentication_error event: not retried", WIRE_TEST, async () => {
    const { user, thread, server } = await turnOn("anthropic");
    server.script("anthropic.messages", { fixture: "anthropic-messages-error-authentication.sse" });
    await send(user, thread.threadId, QUESTION);
    const turn = await endedTurn(user, thread.threadId);
    expect(turn.status).toBe("failed");
    expect(turn.error!.message).toMatch(/^The provider refused the key/);
    expect(server.count("anthropic.messages")).toBe(1);
  });
});

describe("the network", () => {
  test("connection dropped mid-stream: retried; one reply in the thread, nothing left streaming", WIRE_TEST, async () => {
    const { t, user, thread, server } = await turnOn("anthropic");
    server.script("anthropic.messages", { fixture: "anthropic-messages-text.sse", dropAfterEvents: 4 });
    const { interactionId } = await send(user, thread.threadId, QUESTION);
    expect((await endedTurn(user, thread.threadId)).status).toBe("completed");
    const { replies, unfinished } = await repliesOf(user, thread.threadId);
    expect(replies).toEqual(["Hello!"]);
    expect(unfinished).toEqual([]);
    expect(await llmStep(t, interactionId)).toMatchObject({ attempt: 2, status: "succeeded" });
  });

  test("a stream that stalls: abandoned after the stall timeout and retried", WIRE_TEST, async () => {
    const { t, user, thread, server } = await turnOn();
    server.script("openai.chat", { fixture: "openai-chat-text-usage.sse", stallAfterEvents: 1 });
    const { interactionId } = await send(user, thread.threadId, QUESTION);
    expect((await endedTurn(user, thread.threadId)).status).toBe("completed");
    const step = await llmStep(t, interactionId);
    expect(step).toMatchObject({ attempt: 2, status: "succeeded" });
    expect((await repliesOf(user, thread.threadId)).replies).toEqual(["2"]);
  });

  test("malformed JSON in a chunk: retried", WIRE_TEST, async () => {
    const { t, user, thread, server } = await turnOn();
    server.script("openai.chat", { fixture: "openai-chat-text-usage.sse", corruptEvent: 1 });
    const { interactionId } = await send(user, thread.threadId, QUESTION);
    expect((await endedTurn(user, thread.threadId)).status).toBe("completed");
    expect(await llmStep(t, interactionId)).toMatchObject({ attempt: 2, status: "succeeded" });
    expect((await repliesOf(user, thread.threadId)).replies).toEqual(["2"]);
  });

  test("connection refused: one short retry, then a failure in words, well within 10 s", WIRE_TEST, async () => {
    const { t, user, thread, server } = await turnOn();
    const closedPort = server.url;
    await server.close();
    vi.stubEnv("OPENAI_COMPATIBLE_BASE_URL", `${closedPort}/openai/v1`);
    vi.stubEnv("HARNESS_MODEL_UNREACHABLE_RETRY_MS", "2000"); // the default
    const started = Date.now();
    const { interactionId } = await send(user, thread.threadId, QUESTION);
    const turn = await endedTurn(user, thread.threadId);
    const elapsed = Date.now() - started;
    expect(turn.status).toBe("failed");
    expect(turn.error!.message).toMatch(/^The model provider cannot be reached: .*ECONNREFUSED/);
    expect(await llmStep(t, interactionId)).toMatchObject({ attempt: 2 });
    expect(elapsed).toBeLessThan(10_000);
    console.log(`connection refused: failed after ${elapsed} ms (2 attempts)`);
  });
});

describe("waiting can be stopped", () => {
  test("cancel while a retry waits: the turn ends cancelled and the provider is not called again", WIRE_TEST, async () => {
    const { t, user, thread, server } = await turnOn();
    server.script("openai.chat", { fixture: "openai-error-429.txt", status: 429, headers: { "retry-after": "2" } });
    const { interactionId } = await send(user, thread.threadId, QUESTION);
    await vi.waitFor(
      async () => {
        const [turn] = await turnsOf(user, thread.threadId);
        if (!turn?.providerRetry) throw new Error("not waiting yet");
      },
      { timeout: 10_000, interval: 20 },
    );
    await user.client.mutation(api.chat.runs.cancel, { accountId: user.accountId, interactionId });
    expect((await endedTurn(user, thread.threadId)).status).toBe("cancelled");
    await new Promise((resolve) => setTimeout(resolve, 2_500)); // past the advised wait
    await quiesce(t);
    expect(server.count("openai.chat")).toBe(1);
    expect((await runRow(t, interactionId)).providerRetry).toBeUndefined();
  });
});
