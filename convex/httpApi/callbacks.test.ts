/**
 * `POST /v1/callbacks/{call_id}`: the jobs domain's delivery over HTTP. A
 * waiting job is resolved once; a second delivery answers "already resolved"
 * and changes nothing; another account's call id is 404 like an unknown one.
 */
import { afterEach, beforeEach, expect, test, vi } from "vitest";
import { newHarness, type Harness } from "../test.setup";
import { callbackRows, detail, drive, settle, startJob } from "../jobs/testkit.testing";
import { adminWithKey, agentIdOf, createKey, request, type ApiAnswer } from "./testkit.testing";

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

async function waitingJob(t: Harness, options: { agent?: string } = {}) {
  const owner = await adminWithKey(t);
  const agentId = options.agent ? await agentIdOf(t, owner.admin.accountId, options.agent) : undefined;
  const jobId = await startJob(owner.admin, { type: "wait_for_callback", input: "Wait for the bank", ...(agentId ? { agentId } : {}) });
  await drive(t);
  const view = await detail(owner.admin, jobId);
  expect(view.job.state).toBe("waiting");
  return { ...owner, jobId, callId: view.waitingFor!.callId };
}

function deliver(t: Harness, key: string, callId: string, body: unknown): Promise<ApiAnswer> {
  return request(t, "POST", `/v1/callbacks/${callId}`, { key, body });
}

test("a callback resolves the wait once; the second delivery reports it already resolved and changes nothing", async () => {
  const t = newHarness();
  const { admin, secret, jobId, callId } = await waitingJob(t);
  const first = await deliver(t, secret, callId, { result: "payment settled" });
  expect(first.status).toBe(200);
  expect(first.body.data).toEqual({ call_id: callId, accepted: true, already_resolved: false, status: "resolved", job_id: jobId });
  const second = await deliver(t, secret, callId, { result: "a different answer" });
  expect(second.status).toBe(200);
  expect(second.body.data).toEqual({ call_id: callId, accepted: false, already_resolved: true, status: "resolved", job_id: jobId });
  await settle(t);
  expect((await detail(admin, jobId)).job).toMatchObject({ state: "resolved", result: "payment settled" });
  expect((await callbackRows(t, jobId)).map((c) => [c.status, c.result])).toEqual([["resolved", "payment settled"]]);
});

test("a JSON result is kept as its JSON text; an error fails the job", async () => {
  const t = newHarness();
  const { admin, secret, jobId, callId } = await waitingJob(t);
  expect((await deliver(t, secret, callId, { result: { amount: 42, currency: "EUR" } })).status).toBe(200);
  await settle(t);
  expect((await detail(admin, jobId)).job.result).toBe('{"amount":42,"currency":"EUR"}');

  const other = await waitingJob(t);
  expect((await deliver(t, other.secret, other.callId, { error: "card declined" })).status).toBe(200);
  await settle(t);
  expect((await detail(other.admin, other.jobId)).job).toMatchObject({ state: "failed", error: { code: "callback_error" } });
});

test("another account's call id, an unknown one, or one outside the key's agent is 404; a read key is 403; nothing changes", async () => {
  const t = newHarness();
  const { admin, jobId, callId } = await waitingJob(t, { agent: "assistant" });
  const stranger = await adminWithKey(t);
  const researcherOnly = await createKey(admin, { agentId: await agentIdOf(t, admin.accountId, "researcher") });
  const assistantOnly = await createKey(admin, { agentId: await agentIdOf(t, admin.accountId, "assistant") });
  const reader = await createKey(admin, { permission: "read" });

  for (const [key, id] of [[stranger.secret, callId], [researcherOnly.secret, callId], [stranger.secret, "call_unknown"]] as const) {
    const refused = await deliver(t, key, id, { result: "forged" });
    expect(refused.status).toBe(404);
    expect(refused.body.error!.code).toBe("not_found");
  }
  expect((await deliver(t, reader.secret, callId, { result: "forged" })).status).toBe(403);
  expect((await detail(admin, jobId)).job.state).toBe("waiting");
  expect((await callbackRows(t, jobId)).map((c) => c.status)).toEqual(["pending"]);
  // The key for the job's own agent may answer it.
  expect((await deliver(t, assistantOnly.secret, callId, { result: "ok" })).body.data).toMatchObject({ accepted: true });
});
