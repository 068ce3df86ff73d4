/**
 * External HTTP tools executed: whole chat turns (the offline model calls the
 * tool by name) whose tool call goes over real HTTP to a local tool server
 * (toolServer.testing.ts) through `toolPool`. Real timers, short backoff.
 */
import { afterEach, expect, test, vi } from "vitest";
import { api } from "../../_generated/api";
import type { Doc, Id } from "../../_generated/dataModel";
import { endedTurn, quiesce, repliesOf, stepsOf, turnsOf } from "../../chat/wire.testing";
import { send, userWithThread } from "../../chat/testkit.testing";
import { createKey, request } from "../../httpApi/testkit.testing";
import { verifySignature } from "../../outbound/receiver.testing";
import { offlineModelCalls } from "../../models/offline";
import { codeOf, newHarness, type Harness } from "../../test.setup";
import { createSigningSecret, installTool, startToolServer, toolManifest, toolTestEnv, type ToolServer } from "./toolServer.testing";

const REAL_HTTP = { timeout: 60_000 };

let server: ToolServer | undefined;
afterEach(async () => {
  vi.unstubAllEnvs();
  await server?.close();
  server = undefined;
});

let orgs = 0;

/** An account admin chatting with the Assistant, a signing secret, and a tool server trusting it. */
async function setup(responder?: Parameters<typeof startToolServer>[0]) {
  toolTestEnv();
  const t = newHarness();
  server = await startToolServer(responder);
  const { user, thread, agentId } = await userWithThread(t, { orgId: `org_http_${++orgs}`, role: "admin" });
  const secret = await createSigningSecret(user);
  server.trust(secret);
  return { t, user, thread, agentId, secret, server };
}

async function callRows(t: Harness): Promise<Doc<"httpToolCalls">[]> {
  return await t.run(async (ctx) => ctx.db.query("httpToolCalls").collect());
}

async function toolCallRecords(t: Harness): Promise<Doc<"toolCalls">[]> {
  return await t.run(async (ctx) => ctx.db.query("toolCalls").collect());
}

async function toolStep(t: Harness, interactionId: Id<"interactions">) {
  return (await stepsOf(t, interactionId)).find((s) => s.kind === "tool");
}

/** The tool results the model read in its latest call (the offline model records its prompts). */
function toolResultsInLastPrompt(): { toolName: string; output: unknown }[] {
  const last = offlineModelCalls.at(-1);
  if (!last) return [];
  return last.prompt.flatMap((message) =>
    message.role === "tool" ? message.content.filter((part) => part.type === "tool-result").map((part) => ({ toolName: part.toolName, output: part.output })) : [],
  );
}

test("a sync tool call: signed (Standard Webhooks), with the arguments, call_id, account_id and agent, one Idempotency-Key; the result reaches the model", REAL_HTTP, async () => {
  const { t, user, thread, agentId, secret, server } = await setup((req) => ({ status: 200, body: { shipped: true, tracking: `TRK-${req.n}` } }));
  const slug = await installTool(user, agentId, toolManifest(server.url("/ship"), { return_schema: { type: "object", properties: { shipped: { type: "boolean" }, tracking: { type: "string" } }, required: ["shipped"] } }));
  const { interactionId } = await send(user, thread.threadId, `Please ${slug} for order A-1001`);
  expect((await endedTurn(user, thread.threadId)).status).toBe("completed");

  expect(server.requests).toHaveLength(1);
  const [call] = server.requests;
  expect(call!.method).toBe("POST");
  expect(call!.path).toBe("/ship");
  expect(call!.signatureValid).toBe(true);
  expect(verifySignature(secret, call!.headers, call!.rawBody)).toBe(true);
  const [row] = await callRows(t);
  expect(call!.headers["idempotency-key"]).toBe(row!.key);
  expect(row!.key).toMatch(new RegExp(`^${interactionId}:tool#`));
  expect(call!.headers["webhook-id"]).toBe(row!.callId);
  expect(call!.body).toEqual({ order_id: expect.stringContaining("A-1001"), call_id: row!.callId, account_id: user.accountId, agent: "assistant" });
  expect(row).toMatchObject({ status: "done", outcome: "succeeded", attempts: 1, lastStatusCode: 200, mode: "sync" });

  const step = await toolStep(t, interactionId);
  expect(step).toMatchObject({ name: slug, status: "succeeded" });
  expect(step!.detail).toContain(`POST ${server.url("/ship")}`);
  const [record] = await toolCallRecords(t);
  expect(record).toMatchObject({ status: "committed", result: '{"shipped":true,"tracking":"TRK-1"}' });
  const { replies } = await repliesOf(user, thread.threadId);
  expect(replies.at(-1)).toContain("TRK-1");

  // A signature made with any other secret does not verify.
  expect(verifySignature("whsec_" + Buffer.from("not the secret at all!!").toString("base64"), call!.headers, call!.rawBody)).toBe(false);
  await quiesce(t);
});

test("500, then 200: the pool retries with the same Idempotency-Key, the server's effect happens once, the model reads one result", REAL_HTTP, async () => {
  const { t, user, thread, agentId, server } = await setup((req) => (req.n === 1 ? { status: 500, body: { error: "database hiccup" } } : { status: 200, body: { shipped: true } }));
  const slug = await installTool(user, agentId, toolManifest(server.url()));
  const { interactionId } = await send(user, thread.threadId, `${slug} order B-2`);
  expect((await endedTurn(user, thread.threadId)).status).toBe("completed");

  expect(server.requests).toHaveLength(2);
  const keys = server.requests.map((r) => r.headers["idempotency-key"]);
  expect(keys[0]).toBe(keys[1]);
  expect(server.requests.map((r) => r.headers["webhook-id"])).toEqual([server.requests[0]!.headers["webhook-id"], server.requests[0]!.headers["webhook-id"]]);
  expect(server.requests.every((r) => r.signatureValid)).toBe(true);
  expect(server.effects).toHaveLength(1);
  expect(server.countFor(keys[0] as string)).toBe(2);

  const [row] = await callRows(t);
  expect(row).toMatchObject({ status: "done", outcome: "succeeded", attempts: 2, lastStatusCode: 200 });
  expect(await toolCallRecords(t)).toEqual([expect.objectContaining({ status: "committed", result: '{"shipped":true}' })]);
  expect((await toolStep(t, interactionId))!.status).toBe("succeeded");
  expect(toolResultsInLastPrompt()).toHaveLength(1);
  await quiesce(t);
});

test("a tool that never answers: each attempt is cut at timeout_seconds, retried, then the model is told; the turn goes on", REAL_HTTP, async () => {
  const { t, user, thread, agentId, server } = await setup(() => ({ hang: true }));
  vi.stubEnv("HARNESS_TOOL_MAX_ATTEMPTS", "2");
  const slug = await installTool(user, agentId, toolManifest(server.url(), { execution: { timeout_seconds: 0.3 } }));
  const started = Date.now();
  const { interactionId } = await send(user, thread.threadId, `${slug} order C-3`);
  expect((await endedTurn(user, thread.threadId)).status).toBe("completed");
  expect(Date.now() - started).toBeGreaterThanOrEqual(600);

  expect(server.requests).toHaveLength(2);
  expect(server.effects).toHaveLength(1);
  const step = await toolStep(t, interactionId);
  expect(step).toMatchObject({ status: "failed", error: { code: "timeout" } });
  expect(step!.error!.message).toMatch(/failed after 2 attempts: No answer within 0.3 s \(the tool's timeout_seconds\)/);
  expect((await callRows(t))[0]).toMatchObject({ outcome: "failed", attempts: 2 });
  const { replies } = await repliesOf(user, thread.threadId);
  expect(replies.at(-1)).toMatch(/No answer within 0.3 s/);
  await quiesce(t);
});

test("an answer that breaks return_schema is a tool error the model reads; it is not retried", REAL_HTTP, async () => {
  const { t, user, thread, agentId, server } = await setup(() => ({ status: 200, body: { shipped: "yes", tracking: 42 } }));
  const slug = await installTool(
    user,
    agentId,
    toolManifest(server.url(), { return_schema: { type: "object", properties: { shipped: { type: "boolean" }, tracking: { type: "string" } }, required: ["shipped", "tracking"] } }),
  );
  const { interactionId } = await send(user, thread.threadId, `${slug} order D-4`);
  expect((await endedTurn(user, thread.threadId)).status).toBe("completed");
  expect(server.requests).toHaveLength(1);
  const step = await toolStep(t, interactionId);
  expect(step).toMatchObject({ status: "failed", error: { code: "bad_request" } });
  expect(step!.error!.message).toMatch(/does not match its return_schema: shipped: .*boolean.*; tracking: .*string/);
  expect(await toolCallRecords(t)).toEqual([expect.objectContaining({ status: "committed", error: expect.stringContaining("return_schema") })]);
  expect((await repliesOf(user, thread.threadId)).replies.at(-1)).toMatch(/return_schema/);
  await quiesce(t);
});

test("a 4xx is the tool refusing the call: not retried, its words reach the model", REAL_HTTP, async () => {
  const { t, user, thread, agentId, server } = await setup(() => ({ status: 422, body: { error: "order E-5 is already shipped" } }));
  const slug = await installTool(user, agentId, toolManifest(server.url()));
  const { interactionId } = await send(user, thread.threadId, `${slug} order E-5`);
  expect((await endedTurn(user, thread.threadId)).status).toBe("completed");
  await new Promise((resolve) => setTimeout(resolve, 200)); // a retry would have come by now (backoff 20 ms)
  expect(server.requests).toHaveLength(1);
  const step = await toolStep(t, interactionId);
  expect(step).toMatchObject({ status: "failed", error: { code: "bad_request" } });
  expect(step!.error!.message).toContain("HTTP 422");
  expect(step!.error!.message).toContain("already shipped");
  expect((await callRows(t))[0]).toMatchObject({ attempts: 1, lastStatusCode: 422, outcome: "failed" });
  await quiesce(t);
});

test("a deferred tool: accepted with 202, the turn waits, POST /v1/callbacks/{call_id} delivers the result once", REAL_HTTP, async () => {
  const { t, user, thread, agentId, server } = await setup(() => ({ status: 202, body: { queued: true } }));
  const slug = await installTool(
    user,
    agentId,
    toolManifest(server.url(), {
      return_schema: { type: "object", properties: { label: { type: "string" } }, required: ["label"] },
      execution: { execution_mode: "async", callback_timeout_seconds: 60 },
    }),
  );
  const { secret: apiKey } = await createKey(user);
  const { interactionId } = await send(user, thread.threadId, `${slug} order F-6`);

  // The request went out and was accepted; the call now waits for its callback.
  const row = await vi.waitFor(
    async () => {
      const [found] = await callRows(t);
      if (found?.status !== "awaiting_callback") throw new Error(`call is ${found?.status ?? "missing"}`);
      return found;
    },
    { timeout: 20_000, interval: 25 },
  );
  expect(row.mode).toBe("deferred");
  expect(server.requests[0]!.body!.call_id).toBe(row.callId);
  expect(row.callId).toMatch(/^tool_[0-9a-f]{32}$/);
  expect((await toolStep(t, interactionId))!.status).toBe("waiting");
  expect((await turnsOf(user, thread.threadId))[0]!.status).not.toBe("completed");

  const delivered = await request(t, "POST", `/v1/callbacks/${row.callId}`, { key: apiKey, body: { result: { label: "LBL-F6" } } });
  expect(delivered.status).toBe(200);
  expect(delivered.body.data).toEqual({ call_id: row.callId, accepted: true, already_resolved: false, status: "resolved", interaction_id: interactionId });
  expect((await endedTurn(user, thread.threadId)).status).toBe("completed");
  expect((await repliesOf(user, thread.threadId)).replies.at(-1)).toContain("LBL-F6");
  expect(await toolCallRecords(t)).toEqual([expect.objectContaining({ status: "committed", result: '{"label":"LBL-F6"}' })]);
  const step = await toolStep(t, interactionId);
  expect(step).toMatchObject({ status: "succeeded" });
  expect(step!.detail).toMatch(/callback after/);

  const again = await request(t, "POST", `/v1/callbacks/${row.callId}`, { key: apiKey, body: { result: { label: "other" } } });
  expect(again.body.data).toEqual({ call_id: row.callId, accepted: false, already_resolved: true, status: "resolved", interaction_id: interactionId });
  expect(server.requests).toHaveLength(1);
  expect(toolResultsInLastPrompt()).toHaveLength(1);

  // Another account's key cannot see the call.
  const stranger = await userWithThread(t, { orgId: "org_http_stranger", role: "admin" });
  const { secret: strangerKey } = await createKey(stranger.user);
  expect((await request(t, "POST", `/v1/callbacks/${row.callId}`, { key: strangerKey, body: { result: { label: "x" } } })).status).toBe(404);
  await quiesce(t);
});

test("a deferred tool whose deadline passes: the model is told it timed out; a late callback changes nothing", REAL_HTTP, async () => {
  const { t, user, thread, agentId, server } = await setup(() => ({ status: 202 }));
  const slug = await installTool(user, agentId, toolManifest(server.url(), { execution: { execution_mode: "deferred", callback_timeout_seconds: 1 } }));
  const { secret: apiKey } = await createKey(user);
  const { interactionId } = await send(user, thread.threadId, `${slug} order G-7`);
  expect((await endedTurn(user, thread.threadId, 20_000)).status).toBe("completed");
  const [row] = await callRows(t);
  expect(row).toMatchObject({ status: "done", outcome: "timed_out" });
  const step = await toolStep(t, interactionId);
  expect(step).toMatchObject({ status: "failed", error: { code: "timeout" } });
  expect(step!.error!.message).toMatch(/did not call back within 1 s/);
  expect((await repliesOf(user, thread.threadId)).replies.at(-1)).toMatch(/did not call back/);

  const late = await request(t, "POST", `/v1/callbacks/${row!.callId}`, { key: apiKey, body: { result: { label: "late" } } });
  expect(late.status).toBe(200);
  expect(late.body.data).toMatchObject({ accepted: false, already_resolved: false, status: "timed_out" });
  expect(await toolCallRecords(t)).toEqual([expect.objectContaining({ status: "committed", error: expect.stringContaining("did not call back") })]);
  await quiesce(t);
});

test("a deferred tool's callback error and a result breaking return_schema both reach the model as the tool's error", REAL_HTTP, async () => {
  const { t, user, thread, agentId, server } = await setup(() => ({ status: 202 }));
  const slug = await installTool(
    user,
    agentId,
    toolManifest(server.url(), { return_schema: { type: "object", required: ["label"] }, execution: { execution_mode: "deferred" } }),
  );
  const { secret: apiKey } = await createKey(user);
  const waiting = async () =>
    await vi.waitFor(
      async () => {
        const found = (await callRows(t)).find((r) => r.status === "awaiting_callback");
        if (!found) throw new Error("no call waiting");
        return found;
      },
      { timeout: 20_000, interval: 25 },
    );
  const first = await send(user, thread.threadId, `${slug} order H-8`);
  const bad = await request(t, "POST", `/v1/callbacks/${(await waiting()).callId}`, { key: apiKey, body: { result: { nolabel: true } } });
  expect(bad.body.data).toMatchObject({ accepted: true, status: "resolved" });
  expect((await endedTurn(user, thread.threadId)).status).toBe("completed");
  expect((await toolStep(t, first.interactionId))!.error!.message).toMatch(/return_schema: result: .*label/);

  const second = await send(user, thread.threadId, `${slug} order H-9`);
  await request(t, "POST", `/v1/callbacks/${(await waiting()).callId}`, { key: apiKey, body: { error: "carrier refused the parcel" } });
  await vi.waitFor(async () => expect((await turnsOf(user, thread.threadId))[0]!.status).toBe("completed"), { timeout: 20_000, interval: 25 });
  expect((await toolStep(t, second.interactionId))!.error!.message).toBe(`${slug} reported an error: carrier refused the parcel`);
  await quiesce(t);
});

test("a private address is refused before any request unless the deployment allows it; no signing secret, nothing is sent", REAL_HTTP, async () => {
  const { t, user, thread, agentId, server } = await setup();
  const slug = await installTool(user, agentId, toolManifest(server.url()));
  vi.stubEnv("HARNESS_WEBHOOK_ALLOW_PRIVATE_URLS", "");
  const { interactionId } = await send(user, thread.threadId, `${slug} order I-10`);
  expect((await endedTurn(user, thread.threadId)).status).toBe("completed");
  expect(server.requests).toHaveLength(0);
  const step = await toolStep(t, interactionId);
  expect(step).toMatchObject({ status: "failed", error: { code: "policy_denied" } });
  expect(step!.error!.message).toBe("The URL's host 127.0.0.1 is a loopback address; tools reach only public internet addresses.");

  // Another account, no secret: refused before anything is enqueued.
  vi.stubEnv("HARNESS_WEBHOOK_ALLOW_PRIVATE_URLS", "true");
  const other = await userWithThread(t, { orgId: "org_http_nosecret", role: "admin" });
  const otherSlug = await installTool(other.user, other.agentId, toolManifest(server.url()));
  const run = await send(other.user, other.thread.threadId, `${otherSlug} order I-11`);
  expect((await endedTurn(other.user, other.thread.threadId)).status).toBe("completed");
  expect(server.requests).toHaveLength(0);
  expect((await toolStep(t, run.interactionId))!.error!.message).toMatch(/an admin must create the tool signing secret/);
  await quiesce(t);
});

test("secret rotation: calls carry both signatures for the grace period; only admins manage the secret, and it is shown once", REAL_HTTP, async () => {
  const { t, user, thread, agentId, secret, server } = await setup();
  expect(await codeOf(user.client.action(api.tools.http.secret.create, { accountId: user.accountId }))).toBe("conflict");
  const rotated = await user.client.action(api.tools.http.secret.rotate, { accountId: user.accountId });
  expect(rotated.secret).toMatch(/^whsec_/);
  expect(rotated.secret).not.toBe(secret);
  const status = await user.client.query(api.tools.http.secret.status, { accountId: user.accountId });
  expect(status).toMatchObject({ configured: true, hint: rotated.hint });
  expect(JSON.stringify(status)).not.toContain(rotated.secret.slice(10));
  expect(status.previousValidUntil).toBeGreaterThan(Date.now());

  const slug = await installTool(user, agentId, toolManifest(server.url()));
  await send(user, thread.threadId, `${slug} order J-12`);
  expect((await endedTurn(user, thread.threadId)).status).toBe("completed");
  const [call] = server.requests;
  expect(String(call!.headers["webhook-signature"]).split(" ")).toHaveLength(2);
  expect(verifySignature(rotated.secret, call!.headers, call!.rawBody)).toBe(true);
  expect(verifySignature(secret, call!.headers, call!.rawBody)).toBe(true);

  const member = await userWithThread(t, { orgId: `org_http_${orgs}`, role: "member" });
  expect(await codeOf(member.user.client.action(api.tools.http.secret.rotate, { accountId: user.accountId }))).toBe("forbidden");
  expect(await codeOf(member.user.client.query(api.tools.http.secret.status, { accountId: user.accountId }))).toBe("forbidden");
  await quiesce(t);
});

test("health_check_url is probed on demand; the result and the last call are shown with the tool", REAL_HTTP, async () => {
  const { t, user, thread, agentId, server } = await setup((req) => (req.path === "/health" ? { status: req.n === 1 ? 200 : 503, body: "ok" } : { status: 200, body: { shipped: true } }));
  const slug = await installTool(user, agentId, toolManifest(server.url(), { execution: { health_check_url: server.url("/health") } }));
  const healthy = await user.client.action(api.tools.http.health.probe, { accountId: user.accountId, slug });
  expect(healthy).toMatchObject({ ok: true, statusCode: 200, url: server.url("/health") });
  await send(user, thread.threadId, `${slug} order K-13`);
  expect((await endedTurn(user, thread.threadId)).status).toBe("completed");
  const sick = await user.client.action(api.tools.http.health.probe, { accountId: user.accountId, slug });
  expect(sick).toMatchObject({ ok: false, statusCode: 503, error: "HTTP 503: ok" });

  const [listed] = await user.client.query(api.tools.http.health.list, { accountId: user.accountId });
  expect(listed).toMatchObject({
    slug,
    mode: "sync",
    timeoutSeconds: 5,
    healthCheckUrl: server.url("/health"),
    health: { ok: false, statusCode: 503 },
    lastCall: { status: "done", outcome: "succeeded", attempts: 1, statusCode: 200 },
  });
  const withoutUrl = await installTool(user, agentId, toolManifest(server.url(), { slug: "no_health" }));
  expect(await codeOf(user.client.action(api.tools.http.health.probe, { accountId: user.accountId, slug: withoutUrl }))).toBe("bad_request");
  expect(await codeOf(user.client.action(api.tools.http.health.probe, { accountId: user.accountId, slug: "current_time" }))).toBe("not_found");
  await quiesce(t);
});

test("an external tool is assignable and offered like a built-in: its trust level caps the assignment, write tools wait for approval", REAL_HTTP, async () => {
  const { t, user, thread, agentId, server } = await setup();
  const slug = await installTool(user, agentId, toolManifest(server.url(), { slug: "refund", trust_level: "write" }));
  const assignments = await user.client.query(api.tools.assignments.listForAgent, { accountId: user.accountId, agentId });
  expect(assignments.find((a) => a.toolSlug === slug)).toMatchObject({ permission: "write", needsApproval: true });
  const { interactionId } = await send(user, thread.threadId, `${slug} order L-14`);
  const [pending] = await vi.waitFor(
    async () => {
      const found = await user.client.query(api.chat.approvals.pendingForThread, { accountId: user.accountId, threadId: thread.threadId });
      if (found.length === 0) throw new Error("no approval yet");
      return found;
    },
    { timeout: 20_000, interval: 25 },
  );
  expect(pending!.toolSlug).toBe(slug);
  expect(server.requests).toHaveLength(0);
  await user.client.mutation(api.chat.approvals.decide, { accountId: user.accountId, approvalId: pending!.approvalId, approve: true });
  expect((await endedTurn(user, thread.threadId)).status).toBe("completed");
  expect(server.requests).toHaveLength(1);
  expect((await toolStep(t, interactionId))!.status).toBe("succeeded");

  // Disabled: no longer offered, and a call naming it is refused.
  await user.client.mutation(api.tools.tools.disable, { accountId: user.accountId, slug });
  await send(user, thread.threadId, `${slug} order L-15`);
  expect((await endedTurn(user, thread.threadId)).status).toBe("completed");
  expect(server.requests).toHaveLength(1);
  await quiesce(t);
});
