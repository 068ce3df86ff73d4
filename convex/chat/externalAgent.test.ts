/**
 * External agents (manifest `execution.type: "external"`): whole chat turns,
 * and a delegation, answered by a real local endpoint (the external tools'
 * test server, toolServer.testing.ts) over HTTP. Real timers, short backoff.
 */
import { afterEach, expect, test, vi } from "vitest";
import { api } from "../_generated/api";
import type { Id } from "../_generated/dataModel";
import { offlineModelCalls } from "../models/offline";
import { verifySignature } from "../outbound/receiver.testing";
import { codeOf, newHarness, type Harness } from "../test.setup";
import { createSigningSecret, startToolServer, toolTestEnv, type ToolResponder, type ToolServer } from "../tools/http/toolServer.testing";
import { send, userWithThread, type Caller } from "./testkit.testing";
import { endedTurn, quiesce, repliesOf, runRow, stepsOf } from "./wire.testing";

const REAL_HTTP = { timeout: 60_000 };

let server: ToolServer | undefined;
afterEach(async () => {
  vi.unstubAllEnvs();
  await server?.close();
  server = undefined;
});

let orgs = 0;

function externalManifest(url: string, execution: Record<string, unknown> = {}) {
  return {
    version: 1,
    kind: "agent",
    name: "Oracle",
    slug: "oracle",
    description: "Answers from elsewhere.",
    execution: { type: "external", model: null, endpoint_url: url, timeout_seconds: 5, ...execution },
    tools: [],
  };
}

/** An admin, a signing secret the endpoint trusts, the external agent "oracle" and a thread with it. */
async function setup(responder: ToolResponder, execution: Record<string, unknown> = {}, env: Parameters<typeof toolTestEnv>[0] = {}) {
  toolTestEnv(env);
  const t = newHarness();
  server = await startToolServer(responder);
  const { user, agentId: assistantId } = await userWithThread(t, { orgId: `org_ext_${++orgs}`, role: "admin" });
  const secret = await createSigningSecret(user);
  server.trust(secret);
  const agent = await user.client.mutation(api.agents.manifests.importManifest, { accountId: user.accountId, manifest: externalManifest(server.url("/agent"), execution) });
  const thread = await user.client.mutation(api.chat.threads.create, { accountId: user.accountId, agentId: agent.agentId });
  return { t, user, thread, agentId: agent.agentId, assistantId, secret, server };
}

async function externalStep(t: Harness, interactionId: Id<"interactions">) {
  return (await stepsOf(t, interactionId)).find((s) => s.key === "external");
}

async function turn(user: Caller, threadId: Id<"threads">, text: string) {
  const { interactionId } = await send(user, threadId, text);
  const ended = await endedTurn(user, threadId);
  return { interactionId, ended };
}

test("a turn for an external agent: signed POST with the prompt and recent messages; the reply is stored in the thread", REAL_HTTP, async () => {
  const { t, user, thread, secret, server } = await setup((req) => ({
    status: 200,
    body: { reply: `Oracle says: ${(req.body as { prompt: string }).prompt.toUpperCase()}`, usage: { input_tokens: 12, output_tokens: 5 } },
  }));
  const first = await turn(user, thread.threadId, "hello there");
  expect(first.ended.status).toBe("completed");
  const second = await turn(user, thread.threadId, "and again");
  expect(second.ended.status).toBe("completed");

  const { replies } = await repliesOf(user, thread.threadId);
  expect(replies).toEqual(["Oracle says: HELLO THERE", "Oracle says: AND AGAIN"]);
  expect(offlineModelCalls.filter((c) => JSON.stringify(c.prompt).includes("and again"))).toHaveLength(0);

  expect(server.requests).toHaveLength(2);
  const [one, two] = server.requests;
  expect(one!.signatureValid).toBe(true);
  expect(verifySignature(secret, two!.headers, two!.rawBody)).toBe(true);
  expect(one!.headers["idempotency-key"]).toBe(`${first.interactionId}:external:g0`);
  expect(one!.body).toMatchObject({ interaction_id: first.interactionId, kind: "turn", prompt: "hello there", messages: [], account_id: user.accountId, agent: "oracle" });
  expect(two!.body).toMatchObject({
    prompt: "and again",
    messages: [
      { role: "user", text: "hello there" },
      { role: "assistant", text: "Oracle says: HELLO THERE" },
    ],
  });
  // Reported tokens are recorded at a zero price.
  const run = await runRow(t, first.interactionId);
  expect(run).toMatchObject({ tokensIn: 12, tokensOut: 5, costMicroUsd: 0, llmCalls: 0 });
  const step = await externalStep(t, first.interactionId);
  expect(step).toMatchObject({ status: "succeeded", kind: "tool", attempt: 1 });
  expect(step!.detail).toMatch(new RegExp(`^POST ${server.url("/agent")} → HTTP 200 in \\d+ ms$`));
  await quiesce(t);
});

test("500 then 200: retried with the same Idempotency-Key, one reply", REAL_HTTP, async () => {
  const { t, user, thread, server } = await setup((req) => (req.n === 1 ? { status: 500, body: { error: "warming up" } } : { status: 200, body: { reply: "Ready now." } }));
  const { interactionId, ended } = await turn(user, thread.threadId, "are you there?");
  expect(ended.status).toBe("completed");
  expect(server.requests).toHaveLength(2);
  const keys = server.requests.map((r) => r.headers["idempotency-key"]);
  expect(keys[0]).toBe(keys[1]);
  expect(server.effects).toHaveLength(1);
  expect(server.requests.every((r) => r.signatureValid)).toBe(true);
  const { replies } = await repliesOf(user, thread.threadId);
  expect(replies).toEqual(["Ready now."]);
  expect(await externalStep(t, interactionId)).toMatchObject({ status: "succeeded", attempt: 2 });
  await quiesce(t);
});

test("a 4xx fails the run with the endpoint's words, without retrying", REAL_HTTP, async () => {
  const { t, user, thread, server } = await setup(() => ({ status: 422, body: { error: "I only speak in riddles" } }));
  const { interactionId, ended } = await turn(user, thread.threadId, "tell me plainly");
  expect(ended.status).toBe("failed");
  expect(server.requests).toHaveLength(1);
  const run = await runRow(t, interactionId);
  expect(run.error!.code).toBe("bad_request");
  expect(run.error!.message).toMatch(/HTTP 422.*I only speak in riddles/);
  expect(run.failedStepKey).toBe("external");
  const { replies } = await repliesOf(user, thread.threadId);
  expect(replies).toEqual([]);
  await quiesce(t);
});

test("a body that is not {reply} fails the run, saying what came back", REAL_HTTP, async () => {
  const { t, user, thread } = await setup(() => ({ status: 200, body: { answer: "wrong field" } }));
  const { interactionId, ended } = await turn(user, thread.threadId, "hi oracle");
  expect(ended.status).toBe("failed");
  expect((await runRow(t, interactionId)).error!.message).toMatch(/must answer \{"reply".*wrong field/);
  await quiesce(t);
});

test("an endpoint that never answers: each attempt is cut at timeout_seconds, then the run fails", REAL_HTTP, async () => {
  const { t, user, thread, server } = await setup(() => ({ hang: true }), { timeout_seconds: 0.3 }, { maxAttempts: 2 });
  const started = Date.now();
  const { interactionId, ended } = await turn(user, thread.threadId, "take your time");
  expect(ended.status).toBe("failed");
  expect(Date.now() - started).toBeGreaterThanOrEqual(600);
  expect(server.requests).toHaveLength(2);
  const run = await runRow(t, interactionId);
  expect(run.error).toMatchObject({ code: "timeout" });
  expect(run.error!.message).toMatch(/Oracle failed after 2 attempt\(s\): The agent's endpoint did not answer within 0.3 s/);
  await quiesce(t);
});

test("a private address is refused without a request unless allowed; no signing secret, nothing is sent", REAL_HTTP, async () => {
  const { t, user, thread, server } = await setup(() => ({ status: 200, body: { reply: "hi" } }), {}, { allowPrivate: false });
  const { interactionId, ended } = await turn(user, thread.threadId, "hello?");
  expect(ended.status).toBe("failed");
  expect((await runRow(t, interactionId)).error).toMatchObject({ code: "policy_denied", message: expect.stringMatching(/public internet addresses/) });
  expect(server.requests).toHaveLength(0);
  // Without a secret (none yet in this fresh account), nothing goes out unsigned.
  vi.stubEnv("HARNESS_WEBHOOK_ALLOW_PRIVATE_URLS", "true");
  const other = await userWithThread(t, { orgId: `org_ext_${++orgs}`, role: "admin" });
  const agent = await other.user.client.mutation(api.agents.manifests.importManifest, { accountId: other.user.accountId, manifest: externalManifest(server.url("/agent")) });
  const thread2 = await other.user.client.mutation(api.chat.threads.create, { accountId: other.user.accountId, agentId: agent.agentId });
  const second = await turn(other.user, thread2.threadId, "hello?");
  expect(second.ended.status).toBe("failed");
  expect((await runRow(t, second.interactionId)).error!.message).toMatch(/no tool signing secret/);
  expect(server.requests).toHaveLength(0);
  await quiesce(t);
});

test("a parent delegating to an external agent gets its reply as the tool result", REAL_HTTP, async () => {
  const { t, user, agentId, assistantId, server } = await setup((req) => ({ status: 200, body: { reply: `Prophecy for: ${(req.body as { prompt: string }).prompt}` } }));
  await user.client.mutation(api.agents.delegations.compose, { accountId: user.accountId, fromAgentId: assistantId, toAgentId: agentId });
  const thread = await user.client.mutation(api.chat.threads.create, { accountId: user.accountId, agentId: assistantId });
  const { interactionId, ended } = await turn(user, thread.threadId, "Ask the oracle to predict the tides");
  expect(ended.status).toBe("completed");
  expect(server.requests).toHaveLength(1);
  const body = server.requests[0]!.body as { kind: string; prompt: string; agent: string };
  expect(body).toMatchObject({ kind: "delegation", agent: "oracle" });
  expect(body.prompt).toMatch(/tides/);
  const child = (await t.run(async (ctx) => ctx.db.query("interactions").collect())).find((i) => i.parentInteractionId === interactionId)!;
  expect(child).toMatchObject({ kind: "delegation", status: "completed" });
  // The parent model read the endpoint's reply as the delegation's result.
  const last = offlineModelCalls.at(-1)!;
  const results = last.prompt.flatMap((m) => (m.role === "tool" ? m.content.filter((p) => p.type === "tool-result") : []));
  expect(JSON.stringify(results)).toContain("Prophecy for:");
  const { replies } = await repliesOf(user, thread.threadId);
  expect(replies.at(-1)).toContain("Prophecy for:");
  await quiesce(t);
});

test("the manifest: execution.type external needs an http(s) endpoint_url; export round-trips it", async () => {
  const t = newHarness();
  const { user } = await userWithThread(t, { orgId: `org_ext_${++orgs}`, role: "admin" });
  const refused = (manifest: unknown) => codeOf(user.client.mutation(api.agents.manifests.importManifest, { accountId: user.accountId, manifest }));
  expect(await refused(externalManifest("ftp://example.com/agent"))).toBe("bad_request");
  expect(await refused(externalManifest("https://example.com/agent", { timeout_seconds: 500 }))).toBe("bad_request");
  expect(await refused({ ...externalManifest("https://example.com/agent"), execution: { type: "robot", model: null, instructions: "x" } })).toBe("bad_request");
  const agent = await user.client.mutation(api.agents.manifests.importManifest, { accountId: user.accountId, manifest: externalManifest("https://agents.example.com/oracle") });
  expect(agent.externalEndpointUrl).toBe("https://agents.example.com/oracle");
  const exported = await user.client.query(api.agents.manifests.exportManifest, { accountId: user.accountId, agentId: agent.agentId });
  expect(exported.execution).toMatchObject({ type: "external", endpoint_url: "https://agents.example.com/oracle", timeout_seconds: 5 });
});
