/**
 * Fact extraction with a real provider on the wire: after the turn, one
 * structured-output call to the agent's model (a JSON schema in
 * `response_format`), answered the way OpenAI answers it; the proposed
 * facts are screened (the card number is dropped), stored with their
 * provenance, and the call's tokens are charged to the budgets.
 */
import { expect, test, vi } from "vitest";
import { api } from "../_generated/api";
import { endedTurn, quiesce, WIRE_TEST, wireSuite } from "../chat/wire.testing";
import { send, type Caller } from "../chat/testkit.testing";

const wire = wireSuite();

const EXTRACTION_USAGE = { prompt_tokens: 212, completion_tokens: 61 };

/** A chat completion in OpenAI's documented shape, its content the JSON the schema asked for. */
function structuredCompletion(facts: unknown[]) {
  return {
    id: "chatcmpl-facts-1",
    object: "chat.completion",
    created: 1_765_000_000,
    model: "gpt-4o-mini",
    choices: [{ index: 0, message: { role: "assistant", content: JSON.stringify({ facts }), refusal: null }, logprobs: null, finish_reason: "stop" }],
    usage: { ...EXTRACTION_USAGE, total_tokens: EXTRACTION_USAGE.prompt_tokens + EXTRACTION_USAGE.completion_tokens },
  };
}

async function weekTokens(user: Caller) {
  const days = await user.client.query(api.usage.budgets.daily, { accountId: user.accountId, scope: "account", days: 7 });
  return days.reduce((sum, day) => sum + day.tokens, 0);
}

test("one structured-output call after the turn: facts screened, stored with provenance, tokens charged", WIRE_TEST, async () => {
  const { t, user, thread, server } = await wire.turnOn("openai");
  server.script(
    "openai.chat",
    { fixture: "openai-chat-text-usage.sse" },
    {
      status: 200,
      body: structuredCompletion([
        { about: "user", subject: "the user", predicate: "lives in", value: "Lisbon", category: "personal", explicit: false },
        { about: "user", subject: "the user's card number", predicate: "is", value: "4111 1111 1111 1111", category: "payment", explicit: false },
      ]),
    },
  );
  const message = "I moved to Lisbon last month; my card number is 4111 1111 1111 1111.";
  await send(user, thread.threadId, message);
  const turn = await endedTurn(user, thread.threadId);
  expect(turn.status).toBe("completed");

  const facts = await vi.waitFor(
    async () => {
      const page = await user.client.query(api.knowledge.aboutMe.overview, { accountId: user.accountId });
      const mine = page.groups[0]!.facts;
      if (mine.length === 0) throw new Error("no facts yet");
      return mine;
    },
    { timeout: 20_000, interval: 50 },
  );
  await quiesce(t);
  expect(facts.map((fact) => [fact.text, fact.category])).toEqual([["the user lives in Lisbon", "personal"]]);
  const run = await t.run(async (ctx) => (await ctx.db.query("interactions").collect())[0]!);
  expect(facts[0]).toMatchObject({ messageId: run.promptMessageId, interactionId: run._id });

  // The second request to the provider is the extraction: the user's words, a JSON schema, a bounded output.
  const requests = server.requests.filter((request) => request.route === "openai.chat");
  expect(requests).toHaveLength(2);
  const body = requests[1]!.body as { messages: { role: string; content: unknown }[]; response_format?: { type: string }; max_tokens?: number; stream?: boolean };
  expect(body.stream).not.toBe(true);
  expect(body.response_format?.type).toMatch(/^json_(schema|object)$/);
  expect(JSON.stringify(body)).toContain("durable");
  // The JSON shape is in the instructions too, for providers that take no schema in the request.
  expect(JSON.stringify(body.messages[0])).toContain("Answer with JSON only");
  expect(body.messages.at(-1)).toMatchObject({ role: "user" });
  expect(JSON.stringify(body.messages.at(-1)!.content)).toContain("I moved to Lisbon");
  expect(body.max_tokens).toBe(400);

  // Budgets see it: the account's usage is the turn's tokens plus the extraction call's.
  expect(await weekTokens(user)).toBe(run.tokensIn + run.tokensOut + EXTRACTION_USAGE.prompt_tokens + EXTRACTION_USAGE.completion_tokens);
});

test("a message that says nothing about its speaker costs no extraction call", WIRE_TEST, async () => {
  const { user, thread, server } = await wire.turnOn("openai");
  await send(user, thread.threadId, "Explain what a journal is in a workflow engine");
  await endedTurn(user, thread.threadId);
  await new Promise((resolve) => setTimeout(resolve, 300));
  expect(server.count("openai.chat")).toBe(1);
});
