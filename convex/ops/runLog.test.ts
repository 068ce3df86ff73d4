/**
 * One delegation tree can be followed in the logs: every JSON log line of a
 * delegate carries its own interaction id, its parent's and its root's.
 */
import { afterEach, beforeEach, expect, test, vi } from "vitest";
import { newHarness } from "../test.setup";
import { send, settle, userWithThread } from "../chat/testkit.testing";
import { toolFaults } from "../tools/testHooks";
import { runLogFields } from "./runLog";

beforeEach(() => vi.useFakeTimers());
afterEach(() => {
  for (const key of Object.keys(toolFaults)) delete toolFaults[key];
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
  const runs = await t.run(async (ctx) => await ctx.db.query("interactions").collect());
  const root = runs.find((r) => r.threadId === thread.threadId && r.depth === 0)!;
  const child = runs.find((r) => r.parentInteractionId === root._id)!;
  expect(child).toBeDefined();

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
  toolFaults.current_time = { throwBeforeEffect: 10 };
  const lines = await logLines(async () => {
    await send(user, thread.threadId, "What time is it in Paris?");
    await settle(t);
  });
  const runLines = lines.filter((l) => typeof l.interactionId === "string");
  expect(runLines.map((l) => l.event)).toEqual(expect.arrayContaining(["tool_attempt_failed", "handed_over", "completed"]));
  for (const line of runLines) expect(line.root_interaction_id).toBe(line.interactionId);
});
