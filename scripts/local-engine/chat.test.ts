// @vitest-environment node
/**
 * The local engine with the chat app's real components (@convex-dev/agent,
 * workflow, workpool, budget) behind the real `ConvexClient`: the paths that
 * call into components from a client mutation, and subscriptions that must
 * update when a scheduled workflow step commits inside a component.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { ConvexClient } from "convex/browser";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { api } from "../../convex/_generated/api";
import type { Id } from "../../convex/_generated/dataModel";
import { startEngine, type Engine } from "./engine";
import { collectingLogger, connectClient, signInLocal, waitForQuery } from "./testClient.testing";

let dataDir: string;
let engine: Engine;
const errors: string[] = [];
const clients: ConvexClient[] = [];

const logger = collectingLogger(errors);
const WAIT = { timeoutMs: 15_000, engineErrors: errors };

function connect(): ConvexClient {
  const client = connectClient(engine.url);
  clients.push(client);
  return client;
}

let guards: Array<(error: unknown) => void> = [];

beforeAll(async () => {
  process.env["HARNESS_OFFLINE_MODEL_DELAY_MS"] = "5";
  dataDir = await mkdtemp(path.join(tmpdir(), "local-engine-chat-"));
  const before = new Set(process.listeners("uncaughtException"));
  // Seeded like `npm start`: the demo account `org_demo` with its Assistant.
  engine = await startEngine({ port: 0, sitePort: 0, dataDir, web: false, persist: false, logger });
  guards = process.listeners("uncaughtException").filter((listener) => !before.has(listener)) as typeof guards;
}, 60_000);

afterAll(async () => {
  await Promise.all(clients.map((client) => client.close()));
  await engine?.close();
  for (const guard of guards) expect(process.listeners("uncaughtException")).not.toContain(guard);
  await rm(dataDir, { recursive: true, force: true });
}, 30_000);

describe("chat through the local engine", { timeout: 60_000 }, () => {
  test("an uncaught error is logged under a request id instead of ending the process", () => {
    expect(guards).toHaveLength(1);
    expect(process.listeners("unhandledRejection")).toContain(guards[0]);
    guards[0]!(new Error("boom from a stray timer"));
    const logged = errors.splice(0);
    expect(logged).toHaveLength(1);
    expect(logged[0]).toMatch(/^\[Request ID: [0-9a-f]+\] Uncaught error .*boom from a stray timer/);
  });

  let client: ConvexClient;
  let accountId: Id<"accounts">;
  let agentId: Id<"agents">;
  let threadId: Id<"threads">;

  test("a client mutation that calls a component (agent createThread) succeeds", async () => {
    client = connect();
    await signInLocal(engine.url, client, { name: "Erin", email: "erin@example.test", orgId: "org_demo", orgRole: "member" });
    const viewer = await client.mutation(api.tenancy.viewer.sync, {});
    accountId = viewer.activeAccountId!;
    const agents = await client.query(api.agents.agents.list, { accountId });
    const assistant = agents.find((agent) => agent.slug === "assistant");
    expect(assistant).toBeDefined();
    agentId = assistant!.agentId;
    const thread = await client.mutation(api.chat.threads.create, { accountId, agentId });
    threadId = thread.threadId;
    expect(thread.title).toContain("Assistant");
    // The engine is still alive and serving.
    expect((await client.query(api.chat.threads.get, { accountId, threadId })).threadId).toBe(threadId);
    expect(errors).toEqual([]);
  });

  test("subscriptions to app queries update after workflow steps commit inside components", async () => {
    const statuses: string[] = [];
    const failures: string[] = [];
    const unsubscribeTurns = client.onUpdate(
      api.chat.runs.turnsForThread,
      { accountId, threadId },
      (turns) => statuses.push(turns[0]?.status ?? "none"),
      (error) => failures.push(error.message),
    );
    const unsubscribeApprovals = client.onUpdate(
      api.chat.approvals.pendingForThread,
      { accountId, threadId },
      () => {},
      (error) => failures.push(error.message),
    );
    await waitForQuery(client, api.chat.runs.turnsForThread, { accountId, threadId }, (turns) => turns.length === 0, WAIT);
    await client.mutation(api.chat.messages.send, { accountId, threadId, text: "Hello there, please tell me something." });
    const [turn] = await waitForQuery(client, api.chat.runs.turnsForThread, { accountId, threadId }, (turns) => turns[0]?.status === "completed", WAIT);
    expect(turn!.status).toBe("completed");
    // The subscription saw the run progress through the workflow's commits, not just the end state.
    expect(statuses[0]).toBe("none");
    expect(statuses.at(-1)).toBe("completed");
    expect(statuses.length).toBeGreaterThanOrEqual(3);
    expect(failures).toEqual([]);
    expect(errors.filter((line) => line.includes("Could not find module"))).toEqual([]);

    // A tool that needs approval: the pending approval appears through the same kind of re-run.
    await client.mutation(api.chat.messages.send, { accountId, threadId, text: "save_note: call the plumber on Monday" });
    const [pending] = await waitForQuery(client, api.chat.approvals.pendingForThread, { accountId, threadId }, (rows) => rows.length === 1, WAIT);
    expect(pending!.toolSlug).toBe("save_note");
    await client.mutation(api.chat.approvals.decide, { accountId, approvalId: pending!.approvalId, approve: true });
    await waitForQuery(client, api.chat.approvals.pendingForThread, { accountId, threadId }, (rows) => rows.length === 0, WAIT);
    await waitForQuery(client, api.chat.runs.turnsForThread, { accountId, threadId }, (turns) => turns.length === 2 && turns[0]?.status === "completed", WAIT);
    unsubscribeTurns();
    unsubscribeApprovals();
    expect(failures).toEqual([]);
    expect(errors).toEqual([]);
  });
});
