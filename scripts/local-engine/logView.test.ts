// @vitest-environment node
/**
 * The engine's log view of one run tree (`GET /_engine/logs?root=…`): a
 * delegating turn and a plain one through the real client, then the view of
 * the first tree holds its root's and its child's lines, not the other run's.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { ConvexClient } from "convex/browser";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { api } from "../../convex/_generated/api";
import type { Id } from "../../convex/_generated/dataModel";
import { startEngine, type Engine } from "./engine";
import type { LogLine } from "./functionLogs";
import { collectingLogger, connectClient, signInLocal, waitForQuery } from "./testClient.testing";

let dataDir: string;
let engine: Engine;
let client: ConvexClient;
const errors: string[] = [];
const WAIT = { timeoutMs: 30_000, engineErrors: errors };

type LogView = { root: string; capacity: number; total: number; lines: LogLine[] };
const fields = (line: LogLine) => JSON.parse(line.message) as Record<string, string>;

async function logView(root: string): Promise<LogView> {
  const response = await fetch(`${engine.url}/_engine/logs?root=${encodeURIComponent(root)}&format=json`);
  expect(response.status).toBe(200);
  return (await response.json()) as LogView;
}

beforeAll(async () => {
  process.env["HARNESS_OFFLINE_MODEL_DELAY_MS"] = "5";
  dataDir = await mkdtemp(path.join(tmpdir(), "local-engine-logs-"));
  engine = await startEngine({ port: 0, sitePort: 0, dataDir, web: false, persist: false, crons: false, logger: collectingLogger(errors) });
  client = connectClient(engine.url);
  await signInLocal(engine.url, client, { name: "Lou", email: "lou@example.test", orgId: "org_demo", orgRole: "member" });
}, 60_000);

afterAll(async () => {
  await client?.close();
  await engine?.close();
  await rm(dataDir, { recursive: true, force: true });
}, 30_000);

describe("the log view of a run tree", { timeout: 90_000 }, () => {
  let root: Id<"interactions">;
  let other: Id<"interactions">;

  test("holds the root's and its child's lines, with time, function and level, and not another run's", async () => {
    const viewer = await client.mutation(api.tenancy.viewer.sync, {});
    const accountId = viewer.activeAccountId!;
    const agents = await client.query(api.agents.agents.list, { accountId });
    const agentId = agents.find((agent) => agent.slug === "assistant")!.agentId;
    const { threadId } = await client.mutation(api.chat.threads.create, { accountId, agentId });

    await client.mutation(api.chat.messages.send, { accountId, threadId, text: "Ask the researcher to find three facts about tides" });
    const [delegating] = await waitForQuery(client, api.chat.runs.turnsForThread, { accountId, threadId }, (turns) => turns[0]?.status === "completed", WAIT);
    root = delegating!.interactionId;
    await client.mutation(api.chat.messages.send, { accountId, threadId, text: "Hello there, please tell me something." });
    const turns = await waitForQuery(client, api.chat.runs.turnsForThread, { accountId, threadId }, (rows) => rows.length === 2 && rows.every((t) => t.status === "completed"), WAIT);
    other = turns.find((turn) => turn.interactionId !== root)!.interactionId;

    const children = await engine.t.run((ctx) => ctx.db.query("interactions").withIndex("by_parentInteractionId", (q) => q.eq("parentInteractionId", root)).collect());
    expect(children.length).toBeGreaterThan(0);
    const child = children[0]!._id;

    const view = await logView(root);
    expect(view.capacity).toBe(5_000);
    const ids = new Set(view.lines.map((line) => fields(line)["interactionId"]));
    expect(ids).toContain(root);
    expect(ids).toContain(child);
    expect(ids).not.toContain(other);
    for (const line of view.lines) expect(fields(line)["root_interaction_id"] ?? fields(line)["interactionId"]).toBe(root);
    const childLine = view.lines.find((line) => fields(line)["interactionId"] === child)!;
    expect(fields(childLine)["parent_interaction_id"]).toBe(root);
    expect(childLine.function).toMatch(/^[\w/]+:\w+$/);
    expect(["log", "info", "warn", "error", "debug"]).toContain(childLine.level);
    // Newest last.
    const times = view.lines.map((line) => line.time);
    expect(times).toEqual([...times].sort((a, b) => a - b));

    // The other run has its own tree, and none of the first's lines.
    const otherIds = new Set((await logView(other)).lines.map((line) => fields(line)["interactionId"]));
    expect(otherIds).toEqual(new Set([other]));
    expect(errors).toEqual([]);
  });

  test("the page lists the same lines, HTML-escaped, newest last", async () => {
    const response = await fetch(`${engine.url}/_engine/logs?root=${root}`);
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toMatch(/^text\/html/);
    const page = await response.text();
    const rows = page.match(/<tr data-level=/g) ?? [];
    expect(rows.length).toBe((await logView(root)).lines.length);
    // A JSON line's quotes arrive escaped; the raw JSON never appears in the markup.
    expect(page).toContain(`&quot;root_interaction_id&quot;:&quot;${root}&quot;`);
    expect(page).not.toContain(`"root_interaction_id":"${root}"`);
    expect(page).not.toContain(`&quot;interactionId&quot;:&quot;${other}&quot;`);
  });

  test("a missing or malformed root is refused with a clear error; only GET is served", async () => {
    const missing = await fetch(`${engine.url}/_engine/logs`);
    expect(missing.status).toBe(400);
    expect(((await missing.json()) as { error: string }).error).toMatch(/root interaction id/);
    const malformed = await fetch(`${engine.url}/_engine/logs?root=${encodeURIComponent("<script>")}`);
    expect(malformed.status).toBe(400);
    expect(((await malformed.json()) as { error: string }).error).toMatch(/must be an interaction id/);
    const posted = await fetch(`${engine.url}/_engine/logs?root=${root}`, { method: "POST" });
    expect(posted.status).toBe(405);
  });
});
