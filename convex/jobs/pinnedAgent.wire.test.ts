/**
 * What a background job's model call is sent, seen at the provider: the
 * instructions and the model of the agent version the job pinned when it
 * started, though the agent was edited while the job waited; the next job
 * sends the new version's. Real timers, a local OpenAI-compatible server
 * (models/wire/providerServer.testing.ts) recording every request.
 */
import { afterEach, beforeEach, expect, test, vi } from "vitest";
import { api } from "../_generated/api";
import type { Id } from "../_generated/dataModel";
import { userWithThread, type Caller } from "../chat/testkit.testing";
import { drainAndClose, startProviderServer, type ProviderServer } from "../models/wire/providerServer.testing";
import { newHarness, type Harness } from "../test.setup";
import { jobRow, startJob } from "./testkit.testing";

/** A chat completion as OpenAI answers a request without `stream`. */
const COMPLETION = {
  id: "chatcmpl-job",
  object: "chat.completion",
  created: 1_700_000_000,
  model: "served",
  choices: [{ index: 0, message: { role: "assistant", content: "Tides: two a day." }, finish_reason: "stop" }],
  usage: { prompt_tokens: 40, completion_tokens: 6, total_tokens: 46 },
};

let server: ProviderServer | undefined;
let harness: Harness | undefined;

beforeEach(async () => {
  vi.stubEnv("HARNESS_WEBHOOK_ALLOW_PRIVATE_URLS", "true"); // the server listens on 127.0.0.1
  server = await startProviderServer({ defaults: { "openai.chat": { status: 200, body: COMPLETION } } });
});
afterEach(async () => {
  await drainAndClose(harness, server);
  harness = undefined;
  server = undefined;
  vi.unstubAllEnvs();
});

async function edit(user: Caller, agentId: Id<"agents">, instructions: string, modelId: string) {
  return await user.client.mutation(api.agents.agents.update, { accountId: user.accountId, agentId, instructions, modelId });
}

async function resolved(t: Harness, jobId: Id<"jobs">) {
  return await vi.waitFor(
    async () => {
      const job = await jobRow(t, jobId);
      if (job.state !== "resolved" && job.state !== "failed") throw new Error(`job is ${job.state}`);
      return job;
    },
    { timeout: 15_000, interval: 50 },
  );
}

/** The system prompt and model of the provider's chat requests, in order. */
function sent() {
  return server!.requests
    .filter((r) => r.route === "openai.chat")
    .map((r) => {
      const body = r.body as { model: string; messages: { role: string; content: string }[] };
      return { model: body.model, system: body.messages.find((m) => m.role === "system")?.content ?? "" };
    });
}

test("a waiting job sends the pinned version's instructions and model; the next job sends the edited ones", async () => {
  const t = newHarness();
  harness = t;
  const { user, thread, agentId } = await userWithThread(t);
  await user.client.mutation(api.models.connections.create, { accountId: user.accountId, name: "Wire", slug: "wire", kind: "openai-compatible", baseUrl: server!.openaiBaseURL, apiKey: "sk-test-wire-0123456789abcdef" });
  const pinned = await edit(user, agentId, "You write tide summaries for sailors.", "@wire/pinned-model");

  const waiting = await startJob(user, { type: "summarize", input: "the tide tables", threadId: thread.threadId, runAt: Date.now() + 1_500 });
  const edited = await edit(user, agentId, "You write summaries in French.", "@wire/edited-model");
  expect(edited.version).toBe(pinned.version + 1);

  const first = await resolved(t, waiting);
  expect(first).toMatchObject({ state: "resolved", agentVersion: pinned.version, result: "Tides: two a day." });
  expect(sent()).toHaveLength(1);
  expect(sent()[0]!.model).toBe("pinned-model");
  expect(sent()[0]!.system).toContain("You write tide summaries for sailors.");
  expect(sent()[0]!.system).not.toContain("French");

  const next = await startJob(user, { type: "summarize", input: "the tide tables", threadId: thread.threadId });
  expect(await resolved(t, next)).toMatchObject({ state: "resolved", agentVersion: edited.version });
  expect(sent()[1]!.model).toBe("edited-model");
  expect(sent()[1]!.system).toContain("You write summaries in French.");
});
