/**
 * Whole turns through the real `@ai-sdk/openai-compatible` and
 * `@ai-sdk/anthropic` providers, against a local server speaking their
 * documented streaming protocols (fixtures in convex/models/wire/fixtures,
 * each naming its source). What a user sees and what the ledger commits come
 * from the bytes on the wire: streamed text, tool calls split across chunks,
 * usage from the last chunk / message_delta, and every fault a provider sends.
 */
import { describe, expect, test } from "vitest";
import { api } from "../_generated/api";
import { costOfUsage } from "../models/prices";
import { accountUsage, send } from "./testkit.testing";
import {
  ANTHROPIC_KEY,
  OPENAI_KEY,
  QUESTION,
  WIRE_TEST,
  chatBodies,
  endedTurn,
  quiesce,
  repliesOf,
  runRow,
  stepsOf,
  wireSuite,
} from "./wire.testing";

const { turnOn } = wireSuite();

describe("the documented happy paths", () => {
  test("OpenAI-compatible: streamed text reaches the thread; usage from the last chunk is what the ledger commits", WIRE_TEST, async () => {
    const { t, user, thread, server } = await turnOn("openai");
    const { interactionId } = await send(user, thread.threadId, QUESTION);
    const turn = await endedTurn(user, thread.threadId);
    expect(turn.status).toBe("completed");
    const { replies, unfinished } = await repliesOf(user, thread.threadId);
    expect(replies).toEqual(["2"]); // the cookbook's documented answer
    expect(unfinished).toEqual([]);

    // What went on the wire: a streaming request asking for usage, with the key as a bearer token.
    const [request] = server.requests.filter((r) => r.route === "openai.chat");
    expect(request!.headers.authorization).toBe(`Bearer ${OPENAI_KEY}`);
    expect(request!.body).toMatchObject({ model: "gpt-4o-mini", stream: true, stream_options: { include_usage: true } });

    // Usage: prompt_tokens 19, completion_tokens 1 from the usage chunk; priced at gpt-4o-mini's list price.
    const run = await runRow(t, interactionId);
    const cost = costOfUsage("openai-compatible/gpt-4o-mini", { inputTokens: 19, outputTokens: 1 }).microUsd;
    expect(run).toMatchObject({ tokensIn: 19, tokensOut: 1, costMicroUsd: cost, llmCalls: 1 });
    expect(run.tokensEstimated ?? 0).toBe(0);
    expect(turn).toMatchObject({ tokensIn: 19, tokensOut: 1, modelLabel: expect.stringContaining("gpt-4o-mini") });
    await quiesce(t);
    expect(await accountUsage(user)).toMatchObject({ tokens: 20, turns: 1 });
    const [status] = await user.client.query(api.usage.budgets.status, { accountId: user.accountId });
    expect(status?.reservedTokens ?? 0).toBe(0);
    console.log(`wire turn (OpenAI-compatible): tokens in ${run.tokensIn}, out ${run.tokensOut}, cost ${run.costMicroUsd} micro-USD, ledger 20 tokens`);
  });

  test("Anthropic: text_delta events become the reply; input from message_start, output from message_delta", WIRE_TEST, async () => {
    const { t, user, thread, server } = await turnOn("anthropic");
    const { interactionId } = await send(user, thread.threadId, QUESTION);
    expect((await endedTurn(user, thread.threadId)).status).toBe("completed");
    expect((await repliesOf(user, thread.threadId)).replies).toEqual(["Hello!"]);
    const [request] = server.requests.filter((r) => r.route === "anthropic.messages");
    expect(request!.headers["x-api-key"]).toBe(ANTHROPIC_KEY);
    expect(request!.headers["anthropic-version"]).toBe("2023-06-01");
    expect(request!.body).toMatchObject({ model: "claude-sonnet-4-5", stream: true, max_tokens: 1024 });
    const run = await runRow(t, interactionId);
    // 25 in × $3/M + 15 out × $15/M = 300 micro-USD.
    expect(run).toMatchObject({ tokensIn: 25, tokensOut: 15, costMicroUsd: 300 });
    await quiesce(t);
    expect(await accountUsage(user)).toMatchObject({ tokens: 40, usd: 0.0003 });
    console.log(`wire turn (Anthropic): tokens in ${run.tokensIn}, out ${run.tokensOut}, cost ${run.costMicroUsd} micro-USD, ledger 40 tokens / $0.0003`);
  });

  test("a tool call split across chunks runs as its own step; the model gets the result and answers", WIRE_TEST, async () => {
    const { t, user, thread, server } = await turnOn("openai");
    server.script("openai.chat", { fixture: "openai-chat-tool-call-current-time.sse" }, { fixture: "openai-chat-text-usage.sse" });
    const { interactionId } = await send(user, thread.threadId, "What time is it in Paris?");
    expect((await endedTurn(user, thread.threadId)).status).toBe("completed");
    const steps = await stepsOf(t, interactionId);
    expect(steps.filter((s) => s.kind === "llm").map((s) => s.status)).toEqual(["succeeded", "succeeded"]);
    expect(steps.find((s) => s.kind === "tool")).toMatchObject({ name: "current_time", status: "succeeded", key: "tool#call_Wire0CurrentTime0001" });
    // The second request carries the tool call and its result back to the model.
    const second = JSON.stringify(chatBodies(server)[1]);
    expect(second).toContain("call_Wire0CurrentTime0001");
    expect(second).toContain("Europe/Paris");
    const run = await runRow(t, interactionId);
    expect(run).toMatchObject({ llmCalls: 2, tokensIn: 61 + 19, tokensOut: 17 + 1 });
  });

  test("a tool call naming a tool the agent does not have: the model is told, the turn goes on", WIRE_TEST, async () => {
    const { t, user, thread, server } = await turnOn("openai");
    // The function-calling guide's own get_weather call: no such tool here.
    server.script("openai.chat", { fixture: "openai-chat-tool-call.sse" }, { fixture: "openai-chat-text-usage.sse" });
    const { interactionId } = await send(user, thread.threadId, "What's the weather like in Paris today?");
    expect((await endedTurn(user, thread.threadId)).status).toBe("completed");
    const refused = (await stepsOf(t, interactionId)).find((s) => s.kind === "tool");
    expect(refused).toMatchObject({ name: "get_weather", status: "failed", error: { code: "policy_denied" } });
    expect(JSON.stringify(chatBodies(server)[1])).toContain('The tool \\"get_weather\\" is not available to this agent.');
    expect((await repliesOf(user, thread.threadId)).replies).toEqual(["2"]);
  });

  test("Anthropic tool_use assembled from input_json_delta partials: text before it kept, the unknown tool refused to the model, then the answer", WIRE_TEST, async () => {
    const { t, user, thread, server } = await turnOn("anthropic");
    server.script("anthropic.messages", { fixture: "anthropic-messages-tool-use.sse" }, { fixture: "anthropic-messages-text.sse" });
    const { interactionId } = await send(user, thread.threadId, "What's the weather like in San Francisco?");
    expect((await endedTurn(user, thread.threadId)).status).toBe("completed");
    const tool = (await stepsOf(t, interactionId)).find((s) => s.kind === "tool");
    expect(tool).toMatchObject({ name: "get_weather", key: "tool#toolu_01T1x1fJ34qAmk2tNTrN7Up6", status: "failed" });
    // The second request carries the whole assembled input back, and the refusal as the tool result.
    const second = JSON.stringify(chatBodies(server, "anthropic.messages")[1]);
    expect(second).toContain("San Francisco, CA");
    expect(second).toContain("fahrenheit");
    expect(second).toContain("is not available to this agent");
    const { replies } = await repliesOf(user, thread.threadId);
    // One assistant message in the UI: the text before the tool call, then the answer after it.
    expect(replies).toEqual(["Okay, let's check the weather for San Francisco, CA: Hello!"]);
    // Usage of both calls, from message_start / message_delta: 472 + 25 in, 89 + 15 out.
    expect(await runRow(t, interactionId)).toMatchObject({ llmCalls: 2, tokensIn: 472 + 25, tokensOut: 89 + 15 });
  });

  test("tool arguments that fail the tool's schema reach the model as a tool error; nothing runs; the turn goes on", WIRE_TEST, async () => {
    const { t, user, thread, server } = await turnOn("openai");
    server.script("openai.chat", { fixture: "openai-chat-tool-call-bad-arguments.sse" }, { fixture: "openai-chat-text-usage.sse" });
    const { interactionId } = await send(user, thread.threadId, "What time is it in Paris?");
    expect((await endedTurn(user, thread.threadId)).status).toBe("completed");
    const tool = (await stepsOf(t, interactionId)).find((s) => s.kind === "tool");
    expect(tool).toMatchObject({ name: "current_time", status: "failed", error: { code: "bad_request" } });
    expect(tool!.error!.message).toMatch(/timezone/);
    expect(await t.run(async (ctx) => ctx.db.query("toolCalls").collect())).toEqual([]); // never started
    expect(JSON.stringify(chatBodies(server)[1])).toMatch(/do not fit/);
    expect((await repliesOf(user, thread.threadId)).replies).toEqual(["2"]);
  });
});
