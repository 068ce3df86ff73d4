// @vitest-environment node
/**
 * kill -9: the engine runs as `npm start` runs it (its own process, main.ts
 * through tsx) on free ports and a temporary data folder. A user's writes go
 * through the official `ConvexHttpClient`; the process is SIGKILLed the
 * moment the last write is acknowledged, then started again on the same
 * folder. Every acknowledged write must be there, and the turn whose
 * scheduled functions were pending at the kill must still finish.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import Database from "better-sqlite3";
import { ConvexHttpClient } from "convex/browser";
import { afterAll, beforeAll, expect, test } from "vitest";
import { api } from "../../convex/_generated/api";
import type { Id } from "../../convex/_generated/dataModel";
import { localToken } from "./testClient.testing";

const root = fileURLToPath(new URL("../..", import.meta.url));
const WRITES = 30;

type Running = { child: ChildProcess; url: string; output: string[] };

/** Start main.ts as `npm start` does (no IPC channel: not supervised) and wait for its banner. */
async function startEngineProcess(dataDir: string): Promise<Running> {
  const tsx = import.meta.resolve("tsx");
  const child = spawn(process.execPath, ["--import", tsx, "scripts/local-engine/main.ts", "--port", "0", "--data-dir", dataDir, "--no-crons", "--no-web"], {
    cwd: root,
    env: { ...process.env, HARNESS_OFFLINE_MODEL_DELAY_MS: "0" },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const output: string[] = [];
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the engine did not start in 90 s:\n${output.join("")}`)), 90_000);
    const onData = (chunk: Buffer) => {
      output.push(chunk.toString("utf8"));
      const match = /Open the app:\s+(http:\/\/\S+)/.exec(output.join(""));
      if (match !== null) {
        clearTimeout(timer);
        resolve(match[1]!);
      }
    };
    child.stdout!.on("data", onData);
    child.stderr!.on("data", (chunk: Buffer) => output.push(chunk.toString("utf8")));
    child.once("exit", (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`the engine exited (${code ?? signal}) before it was ready:\n${output.join("")}`));
    });
  });
  return { child, url, output };
}

function exited(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => child.once("exit", () => resolve()));
}

/** The app's scheduled functions in the data file, by id (read while no engine holds it). */
function scheduledJobs(dataDir: string): Map<string, { name: string; state: string }> {
  const db = new Database(path.join(dataDir, "engine.sqlite"), { readonly: true });
  try {
    const rows = db.prepare("SELECT id, json FROM documents WHERE component = '' AND id LIKE '%_scheduled_functions'").all() as Array<{ id: string; json: string }>;
    return new Map(
      rows.map((row) => {
        const job = JSON.parse(row.json) as { name: string; state: { kind: string } };
        return [row.id, { name: job.name, state: job.state.kind }];
      }),
    );
  } finally {
    db.close();
  }
}

let dataDir: string;
let engine: Running | null = null;

beforeAll(async () => {
  dataDir = await mkdtemp(path.join(tmpdir(), "local-engine-crash-"));
});

afterAll(async () => {
  if (engine !== null) {
    engine.child.kill("SIGKILL");
    await exited(engine.child);
  }
  await rm(dataDir, { recursive: true, force: true });
});

test("kill -9 right after an acknowledgement loses no acknowledged write, and pending work runs after the restart", { timeout: 240_000 }, async () => {
  engine = await startEngineProcess(dataDir);
  const user = { name: "Kim Crash", email: "kim@example.test", orgId: "org_demo", orgRole: "member" };
  let client = new ConvexHttpClient(engine.url, { logger: false });
  client.setAuth(await localToken(engine.url, user));
  const viewer = await client.mutation(api.tenancy.viewer.sync, {});
  const accountId = viewer.activeAccountId!;
  const agents = await client.query(api.agents.agents.list, { accountId });
  const agentId = agents.find((agent) => agent.slug === "assistant")!.agentId;

  // Acknowledged writes, one transaction each, as fast as the client sends them.
  const tasks: Array<{ taskId: Id<"tasks">; title: string }> = [];
  for (let i = 0; i < WRITES; i++) {
    const task = await client.mutation(api.tasks.tasks.create, { accountId, title: `Crash task ${i}` });
    tasks.push({ taskId: task.taskId, title: task.title });
  }
  // The last one starts a turn: its model call and watch are scheduled functions.
  const started = await client.mutation(api.chat.threads.start, { accountId, agentId, text: "Hello! Please answer after the crash." });
  engine.child.kill("SIGKILL");
  await exited(engine.child);
  expect(engine.child.signalCode).toBe("SIGKILL");

  const atKill = scheduledJobs(dataDir);
  const pendingAtKill = [...atKill].filter(([, job]) => job.state === "pending" || job.state === "inProgress").map(([id]) => id);
  expect(pendingAtKill.length, `scheduled functions at the kill: ${JSON.stringify([...atKill.values()])}`).toBeGreaterThan(0);

  engine = await startEngineProcess(dataDir);
  expect(engine.output.join("")).toMatch(/Scheduled functions: \d+ re-armed/);
  client = new ConvexHttpClient(engine.url, { logger: false });
  // Same data folder, same local sign-in secret.
  client.setAuth(await localToken(engine.url, user));

  // Every acknowledged write is there, as the user wrote it.
  for (const { taskId, title } of tasks) {
    expect((await client.query(api.tasks.tasks.get, { accountId, taskId })).title).toBe(title);
  }
  expect((await client.query(api.chat.threads.get, { accountId, threadId: started.thread.threadId })).threadId).toBe(started.thread.threadId);

  // The turn whose work was pending at the kill finishes after the restart.
  const threadId = started.thread.threadId;
  await expect
    .poll(async () => (await client.query(api.chat.runs.turnsForThread, { accountId, threadId }))[0]?.status, { timeout: 60_000, interval: 250 })
    .toBe("completed");

  // A clean stop, then the jobs that were pending at the kill are no longer pending: they ran.
  engine.child.kill("SIGTERM");
  await exited(engine.child);
  engine = null;
  const after = scheduledJobs(dataDir);
  const stillPending = pendingAtKill.filter((id) => after.get(id)?.state === "pending");
  expect(stillPending, `states after restart: ${JSON.stringify(pendingAtKill.map((id) => after.get(id)))}`).toEqual([]);
});
