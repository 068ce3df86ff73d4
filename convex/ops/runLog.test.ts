/**
 * One delegation tree can be followed in the logs: every JSON log line of a
 * delegate carries its own interaction id, its parent's and its root's.
 */
import { afterEach, beforeEach, expect, test, vi } from "vitest";
import { failNext, resetFaults } from "../lib/faults.testing";
import { newHarness } from "../test.setup";
import { send, settle, userWithThread } from "../chat/testkit.testing";
import { internal } from "../_generated/api";
import { jobLogFields, runLogFields } from "./runLog";
import { rootAndDelegate } from "./runTree.testing";
import { allJobs } from "../jobs/testkit.testing";

beforeEach(() => vi.useFakeTimers());
afterEach(() => {
  resetFaults();
  vi.restoreAllMocks();
  vi.useRealTimers();
});

/** The JSON log lines printed while `run` ran. */
async function logLines(run: () => Promise<void>): Promise<Record<string, unknown>[]> {
  const lines: Record<string, unknown>[] = [];
  vi.spyOn(console, "log").mockImplementation((...args: unknown[]) => {
    if (typeof args[0] !== "string") return;
    try {
      const parsed = JSON.parse(args[0]) as unknown;
      if (parsed !== null && typeof parsed === "object") lines.push(parsed as Record<string, unknown>);
    } catch {
      // Not a structured line (component chatter).
    }
  });
  await run();
  return lines;
}

test("a delegate's log lines name its root and parent; the root's name itself as root", async () => {
  const t = newHarness();
  const { user, thread } = await userWithThread(t);
  const lines = await logLines(async () => {
    await send(user, thread.threadId, "delegate to researcher: find the opening hours");
    await settle(t);
  });
  const { root, child } = await rootAndDelegate(t, thread.threadId);

  const childLines = lines.filter((l) => l.interactionId === child._id);
  expect(childLines.map((l) => l.event)).toEqual(expect.arrayContaining(["llm_done", "completed"]));
  for (const line of childLines) expect(line).toMatchObject({ root_interaction_id: root._id, parent_interaction_id: root._id });

  const rootLines = lines.filter((l) => l.interactionId === root._id);
  expect(rootLines.map((l) => l.event)).toEqual(expect.arrayContaining(["delegation_started", "delegation_done", "completed"]));
  for (const line of rootLines) {
    expect(line.root_interaction_id).toBe(root._id);
    expect(line).not.toHaveProperty("parent_interaction_id");
  }
});

test("a grandchild names the root of the tree, and its own parent", () => {
  const fields = runLogFields({ _id: "c2" as never, rootInteractionId: "r" as never, parentInteractionId: "c1" as never });
  expect(fields).toEqual({ interactionId: "c2", root_interaction_id: "r", parent_interaction_id: "c1" });
});

test("failure lines too (a tool's failed attempts) carry the tree, not only the run's id", async () => {
  const t = newHarness();
  const { user, thread } = await userWithThread(t);
  failNext("tool.execute", 10, "current_time");
  const lines = await logLines(async () => {
    await send(user, thread.threadId, "What time is it in Paris?");
    await settle(t);
  });
  const runLines = lines.filter((l) => typeof l.interactionId === "string");
  expect(runLines.map((l) => l.event)).toEqual(expect.arrayContaining(["tool_attempt_failed", "handed_over", "completed"]));
  for (const line of runLines) expect(line.root_interaction_id).toBe(line.interactionId);
});

test("a delegate's failure lines (failed tool attempts, the failed step) name its root and parent", async () => {
  const t = newHarness();
  const { user, thread } = await userWithThread(t);
  // Every attempt of the researcher's clock fails: attempts, then the step, fail inside the child run.
  failNext("tool.execute", 100, "current_time");
  const lines = await logLines(async () => {
    await send(user, thread.threadId, "delegate to researcher: what time is it in Tokyo?");
    await settle(t);
  });
  const { root, child } = await rootAndDelegate(t, thread.threadId);
  const childLines = lines.filter((l) => l.interactionId === child._id);
  const failures = childLines.filter((l) => l.event === "tool_attempt_failed" || l.event === "step_failed");
  expect(failures.map((l) => l.event)).toContain("tool_attempt_failed");
  for (const line of childLines) expect(line).toMatchObject({ root_interaction_id: root._id, parent_interaction_id: root._id });
});

test("a job a delegate starts logs with the delegate's id, root and parent", async () => {
  const t = newHarness();
  const { user, thread } = await userWithThread(t);
  await send(user, thread.threadId, "delegate to researcher: find the opening hours");
  await settle(t);
  const { root, child } = await rootAndDelegate(t, thread.threadId);
  // What the `schedule_job` tool does when the delegate calls it (jobs/tool.ts).
  const lines = await logLines(async () => {
    const started = await t.mutation(internal.jobs.fromAgent.startFromTool, { interactionId: child._id, idempotencyKey: `${child._id}:tool:1`, task: "summarise the opening hours" });
    expect(started.ok).toBe(true);
    await settle(t);
  });
  const [job] = await allJobs(t);
  expect(job).toMatchObject({ interactionId: child._id, rootInteractionId: root._id, parentInteractionId: root._id, state: "resolved" });
  const jobLines = lines.filter((l) => l.jobId === job!._id);
  expect(jobLines.map((l) => l.event)).toEqual(expect.arrayContaining(["job_created", "job_resolved"]));
  for (const line of jobLines) expect(line).toMatchObject({ interactionId: child._id, root_interaction_id: root._id, parent_interaction_id: root._id });
});

test("a job's lines: its id alone when no run started it; a root run's job names the root and no parent", () => {
  expect(jobLogFields({ _id: "j" as never })).toEqual({ jobId: "j" });
  expect(jobLogFields({ _id: "j" as never, interactionId: "r" as never, rootInteractionId: "r" as never })).toEqual({ jobId: "j", interactionId: "r", root_interaction_id: "r" });
});
