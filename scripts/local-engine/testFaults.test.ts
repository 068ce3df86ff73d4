// @vitest-environment node
/**
 * The test-only fault switch: absent (404) unless the engine is started with
 * `testFaults`, and when on, a plan set over HTTP reaches the app's own
 * offline model — a turn fails with the simulated provider error, and is
 * retried to completion once the faults are used up.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { ConvexClient } from "convex/browser";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { api } from "../../convex/_generated/api";
import { FAULT_TABLE_SLOT } from "../../convex/lib/faults";
import { startEngine, type Engine } from "./engine";
import { collectingLogger, connectClient, signInLocal, waitForQuery } from "./testClient.testing";
import { applyModelFaults, parseFaultRequest, type OfflineModelHooks } from "./testFaults";

const errors: string[] = [];
const logger = collectingLogger(errors);
const WAIT = { timeoutMs: 30_000, engineErrors: errors };
const dirs: string[] = [];
const engines: Engine[] = [];
const clients: ConvexClient[] = [];

async function start(testFaults?: boolean): Promise<Engine> {
  const dataDir = await mkdtemp(path.join(tmpdir(), "local-engine-faults-"));
  dirs.push(dataDir);
  const engine = await startEngine({ port: 0, sitePort: 0, dataDir, web: false, persist: false, logger, ...(testFaults !== undefined ? { testFaults } : {}) });
  engines.push(engine);
  return engine;
}

function post(engine: Engine, body: unknown, contentType = "application/json") {
  return fetch(`${engine.url}/local-test/faults`, { method: "POST", headers: { "content-type": contentType }, body: JSON.stringify(body) });
}

beforeAll(() => {
  process.env["HARNESS_OFFLINE_MODEL_DELAY_MS"] = "0";
});

afterAll(async () => {
  await Promise.all(clients.map((client) => client.close()));
  for (const engine of engines) await engine.close();
  await Promise.all(dirs.map((dir) => rm(dir, { recursive: true, force: true })));
}, 30_000);

test("the request format: a plan, null to clear, anything else refused", () => {
  expect(parseFaultRequest({ model: { failNextCalls: 4, error: "5xx" } })).toEqual({ model: { failNextCalls: 4, error: "5xx" } });
  expect(parseFaultRequest({ model: null })).toEqual({ model: null });
  expect(parseFaultRequest({})).toEqual({ model: null });
  for (const bad of [null, [], "x", { tools: {} }, { model: { failNextCalls: -1 } }, { model: { failNextCalls: 1.5 } }, { model: { error: "boom" } }, { model: { crash: true } }]) {
    expect(() => parseFaultRequest(bad)).toThrow();
  }
  // Installing keeps the model's other options; clearing leaves nothing behind.
  const hooks: OfflineModelHooks = { options: { chunkDelayMs: 5 } };
  applyModelFaults(hooks, { failNextCalls: 2 });
  expect(hooks.options).toEqual({ chunkDelayMs: 5, faults: { failNextCalls: 2 } });
  applyModelFaults(hooks, null);
  expect(hooks.options).toEqual({ chunkDelayMs: 5 });
  const empty: OfflineModelHooks = { options: undefined };
  applyModelFaults(empty, { failNextCalls: 1 });
  applyModelFaults(empty, null);
  expect(empty.options).toBeUndefined();
});

describe("an engine started without the flag", { timeout: 60_000 }, () => {
  test("has no fault switch: every /local-test path is 404, whatever the method", async () => {
    const engine = await start();
    expect((await post(engine, { model: { failNextCalls: 4 } })).status).toBe(404);
    expect((await fetch(`${engine.url}/local-test/faults`)).status).toBe(404);
    expect((await fetch(`${engine.url}/local-test/anything`, { method: "POST" })).status).toBe(404);
    // Explicitly off is the same.
    const off = await start(false);
    expect((await post(off, { model: { failNextCalls: 4 } })).status).toBe(404);
    // And the fault seam was never armed in this process: the app's modules see no fault table.
    expect(FAULT_TABLE_SLOT in globalThis).toBe(false);
  });
});

describe("an engine started with testFaults", { timeout: 90_000 }, () => {
  let engine: Engine;

  test("validates requests and reports the plan", async () => {
    engine = await start(true);
    expect((await post(engine, { model: { failNextCalls: "many" } })).status).toBe(400);
    expect((await post(engine, { model: { failNextCalls: 1 } }, "text/plain")).status).toBe(415);
    expect((await fetch(`${engine.url}/local-test/faults`, { method: "DELETE" })).status).toBe(405);
    expect((await fetch(`${engine.url}/local-test/other`)).status).toBe(404);
    const set = await post(engine, { model: { failNextCalls: 1 } });
    expect(await set.json()).toEqual({ model: { failNextCalls: 1 } });
    const cleared = await post(engine, { model: null });
    expect(await cleared.json()).toEqual({ model: null });
  });

  test("a plan reaches the app's offline model: the turn fails with the provider's error, and retry completes it", async () => {
    const client = connectClient(engine.url);
    clients.push(client);
    await signInLocal(engine.url, client, { name: "Fay", orgId: "org_demo", orgRole: "member" });
    const viewer = await client.mutation(api.tenancy.viewer.sync, {});
    const accountId = viewer.activeAccountId!;
    const assistant = (await client.query(api.agents.agents.list, { accountId })).find((agent) => agent.slug === "assistant")!;
    const { threadId } = await client.mutation(api.chat.threads.create, { accountId, agentId: assistant.agentId });

    // Every attempt of the model step (4) fails.
    expect((await post(engine, { model: { failNextCalls: 4, error: "5xx" } })).status).toBe(200);
    const { interactionId } = await client.mutation(api.chat.messages.send, { accountId, threadId, text: "Tell me about lighthouses" });
    const [failed] = await waitForQuery(client, api.chat.runs.turnsForThread, { accountId, threadId }, (turns) => turns[0]?.status === "failed", WAIT);
    expect(failed).toMatchObject({ interactionId, canRetry: true });
    expect(failed!.error!.message).toMatch(/503/);
    // The model used the plan up.
    expect(await (await fetch(`${engine.url}/local-test/faults`)).json()).toEqual({ model: { failNextCalls: 0, error: "5xx" } });

    await client.mutation(api.chat.runs.retry, { accountId, interactionId });
    await waitForQuery(client, api.chat.runs.turnsForThread, { accountId, threadId }, (turns) => turns[0]?.status === "completed", WAIT);
  });
});
