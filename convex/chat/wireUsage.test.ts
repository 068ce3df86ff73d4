/**
 * Budgets hold whatever a provider reports. Many OpenAI-compatible servers
 * ignore `stream_options.include_usage` (no usage chunk) or report zeros;
 * such a turn is counted by the harness from the request it sent and the
 * reply it got, charged like reported usage, and marked estimated everywhere
 * a person reads usage (turn, run row, usage totals, /metrics).
 */
import { expect, test, vi } from "vitest";
import { api } from "../_generated/api";
import { failNext } from "../lib/faults.testing";
import { estimateCallUsage } from "../models/tokenCount";
import { fixtureText } from "../models/wire/providerServer.testing";
import { parseExposition, valueOf } from "../ops/prometheus.testing";
import { send, type Caller } from "./testkit.testing";
import { QUESTION, WIRE_TEST, chatBodies, endedTurn, quiesce, repliesOf, runRow, stepsOf, wireSuite } from "./wire.testing";

const { turnOn } = wireSuite();

async function weekOfUsage(user: Caller) {
  const days = await user.client.query(api.usage.budgets.daily, { accountId: user.accountId, scope: "account", days: 7 });
  return days.reduce((sum, d) => ({ tokens: sum.tokens + d.tokens, estimated: sum.estimated + d.estimatedTokens }), { tokens: 0, estimated: 0 });
}

test("no usage chunk: tokens are counted here, charged, and marked estimated", WIRE_TEST, async () => {
  const { t, user, thread, server } = await turnOn("openai");
  server.setDefault("openai.chat", { fixture: "openai-chat-text-no-usage.sse" });
  const { interactionId } = await send(user, thread.threadId, QUESTION);
  const turn = await endedTurn(user, thread.threadId);
  expect(turn.status).toBe("completed");
  expect((await repliesOf(user, thread.threadId)).replies).toEqual(["2"]);

  // The count is the tokenizer's count of exactly what was sent and received.
  const expected = estimateCallUsage({ modelId: "openai-compatible/gpt-4o-mini", request: chatBodies(server)[0], outputText: "2", toolCalls: [] });
  const run = await runRow(t, interactionId);
  expect(run).toMatchObject({ tokensIn: expected.inputTokens, tokensOut: expected.outputTokens, tokensEstimated: expected.inputTokens + expected.outputTokens });
  expect(run.tokensIn).toBeGreaterThan(10);
  expect(run.costMicroUsd).toBeGreaterThan(0);
  const [step] = (await stepsOf(t, interactionId)).filter((s) => s.kind === "llm");
  expect(step).toMatchObject({ usageEstimated: true, tokensIn: expected.inputTokens });
  expect(turn.tokensEstimated).toBe(run.tokensIn + run.tokensOut);
  await quiesce(t);
  expect(await weekOfUsage(user)).toEqual({ tokens: run.tokensIn + run.tokensOut, estimated: run.tokensIn + run.tokensOut });

  // /metrics keeps estimated tokens apart from reported ones, so an operator sees a provider that stopped reporting.
  vi.stubEnv("HARNESS_METRICS_TOKEN", "metrics-token-for-wire-usage");
  const response = await t.fetch("/metrics", { headers: { Authorization: "Bearer metrics-token-for-wire-usage" } });
  const metrics = parseExposition(await response.text());
  const model = "openai-compatible/gpt-4o-mini";
  expect(valueOf(metrics, "harness_llm_tokens_total", { model, direction: "input", source: "estimated" })).toBe(run.tokensIn);
  expect(valueOf(metrics, "harness_llm_tokens_total", { model, direction: "output", source: "estimated" })).toBe(run.tokensOut);
  expect(valueOf(metrics, "harness_llm_tokens_total", { model, direction: "input", source: "reported" })).toBeUndefined();
});

test("a usage chunk of zeros for a non-empty reply is not believed", WIRE_TEST, async () => {
  const { t, user, thread, server } = await turnOn("openai");
  const zeros = fixtureText("openai-chat-text-usage.sse")
    .split("\n")
    .filter((line) => !line.startsWith("#"))
    .join("\n")
    .replace('"usage":{"prompt_tokens":19,"completion_tokens":1,"total_tokens":20}', '"usage":{"prompt_tokens":0,"completion_tokens":0,"total_tokens":0}');
  expect(zeros).toContain('"prompt_tokens":0');
  server.setDefault("openai.chat", { status: 200, headers: { "content-type": "text/event-stream" }, body: zeros });
  const { interactionId } = await send(user, thread.threadId, QUESTION);
  expect((await endedTurn(user, thread.threadId)).status).toBe("completed");
  const run = await runRow(t, interactionId);
  expect(run.tokensIn).toBeGreaterThan(0);
  expect(run.tokensEstimated).toBe(run.tokensIn + run.tokensOut);
});

test("a provider that sends no usage cannot run an account past its budget", WIRE_TEST, async () => {
  const { t, user, thread, server } = await turnOn("openai");
  server.setDefault("openai.chat", { fixture: "openai-chat-text-no-usage.sse" });
  // Room for one call's reservation (prompt + context allowance + output cap ≈ 3,040 tokens) and little more.
  const cap = 3_100;
  await user.client.mutation(api.usage.budgets.setBudget, { accountId: user.accountId, scope: "account", period: "total", capTokens: cap });

  await send(user, thread.threadId, QUESTION);
  expect((await endedTurn(user, thread.threadId)).status).toBe("completed");
  await send(user, thread.threadId, QUESTION);
  const second = await endedTurn(user, thread.threadId);
  // Were the first turn free (usage 0), this one would fit again, and so would every next one.
  expect(second.status).toBe("failed");
  expect(second.error?.code).toBe("budget_exceeded");
  expect(server.count("openai.chat")).toBe(1);
  await quiesce(t);
  const [account] = await user.client.query(api.usage.budgets.status, { accountId: user.accountId });
  expect(account!.spentTokens).toBeGreaterThan(0);
  expect(account!.spentTokens).toBeLessThanOrEqual(cap);
  expect(account!.reservedTokens ?? 0).toBe(0);
});

test("a server that ignores max_tokens and reports no usage is cut off at the output limit, charged as the limit", WIRE_TEST, async () => {
  const { t, user, thread, server } = await turnOn("openai");
  // The documented chunk envelope (openai-chat-text-no-usage.sse), its content chunk repeated far past 1,024 tokens.
  const events = fixtureText("openai-chat-text-no-usage.sse")
    .split("\n")
    .filter((line) => line.startsWith("data: "));
  const contentChunk = events.find((line) => line.includes('"content":"2"'))!;
  const endless = Array.from({ length: 3_000 }, (_, i) => contentChunk.replace('"content":"2"', `"content":" word${i % 10}"`));
  const body = [events[0], ...endless, ...events.slice(events.indexOf(contentChunk) + 1)].map((line) => `${line}\n\n`).join("");
  server.setDefault("openai.chat", { status: 200, headers: { "content-type": "text/event-stream" }, body });
  const { interactionId } = await send(user, thread.threadId, QUESTION);
  const turn = await endedTurn(user, thread.threadId);
  expect(turn.status).toBe("completed");
  const { replies, unfinished } = await repliesOf(user, thread.threadId);
  expect(replies).toHaveLength(1);
  expect(replies[0]).toMatch(/Cut off: the reply reached this turn's limit of 1024 tokens/);
  expect(replies[0]!.length).toBeLessThan(3_000 * 6); // far from all of it
  expect(unfinished).toEqual([]);
  const run = await runRow(t, interactionId);
  expect(run).toMatchObject({ tokensOut: 1_024, tokensEstimated: run.tokensIn + 1_024 });
  const [step] = (await stepsOf(t, interactionId)).filter((s) => s.kind === "llm");
  expect(step).toMatchObject({ status: "succeeded", attempt: 1, usageEstimated: true });
  await quiesce(t);
  expect((await weekOfUsage(user)).tokens).toBe(run.tokensIn + run.tokensOut);
});

test("a call that died after saving its reply is not repeated, and its replay is still charged (estimated) when the provider reported no usage", WIRE_TEST, async () => {
  const { t, user, thread, server } = await turnOn("openai");
  server.setDefault("openai.chat", { fixture: "openai-chat-text-no-usage.sse" });
  failNext("model.afterReplySaved", 1);
  try {
    const { interactionId } = await send(user, thread.threadId, QUESTION);
    expect((await endedTurn(user, thread.threadId)).status).toBe("completed");
    expect(server.count("openai.chat")).toBe(1);
    expect((await repliesOf(user, thread.threadId)).replies).toEqual(["2"]);
    const run = await runRow(t, interactionId);
    expect(run.tokensIn).toBeGreaterThan(0);
    expect(run.tokensEstimated).toBe(run.tokensIn + run.tokensOut);
    const [step] = (await stepsOf(t, interactionId)).filter((s) => s.kind === "llm");
    expect(step).toMatchObject({ attempt: 2, status: "succeeded", usageEstimated: true });
  } finally {
    failNext("model.afterReplySaved", 0);
  }
});
