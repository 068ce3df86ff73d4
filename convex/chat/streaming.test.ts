/**
 * Streaming as a client sees it: real timers, the offline model slowed down,
 * and the thread's messages query polled while the reply is being written.
 */
import { afterEach, expect, test } from "vitest";
import { api } from "../_generated/api";
import { offlineModel } from "../lib/faults.testing";
import { newHarness } from "../test.setup";
import { messagesOf, send, userWithThread } from "./testkit.testing";

afterEach(() => {
  offlineModel.options = undefined;
});

type StreamList = { kind: "list"; messages: { streamId: string; status: string }[] };
type StreamDeltas = { kind: "deltas"; deltas: { streamId: string; start: number; end: number; parts: unknown[] }[] };

test("a reply streams: several deltas are seen before it completes, then it is saved once", async () => {
  const t = newHarness();
  const { user, thread } = await userWithThread(t);
  offlineModel.options = { chunkDelayMs: 40, chunkWords: 2 };
  await send(user, thread.threadId, "Explain in a few sentences why streaming replies feel faster");

  const seenDeltaCounts = new Set<number>();
  const deadline = Date.now() + 20_000;
  let done = false;
  while (!done && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 25));
    const listed = await user.client.query(api.chat.messages.list, {
      accountId: user.accountId,
      threadId: thread.threadId,
      paginationOpts: { numItems: 10, cursor: null },
      streamArgs: { kind: "list", startOrder: 0 },
    });
    const streams = (listed.streams as StreamList | undefined)?.messages ?? [];
    const streaming = streams.filter((s) => s.status === "streaming");
    if (streaming.length > 0) {
      const withDeltas = await user.client.query(api.chat.messages.list, {
        accountId: user.accountId,
        threadId: thread.threadId,
        paginationOpts: { numItems: 10, cursor: null },
        streamArgs: { kind: "deltas", cursors: streaming.map((s) => ({ streamId: s.streamId, cursor: 0 })) },
      });
      seenDeltaCounts.add((withDeltas.streams as StreamDeltas).deltas.length);
    }
    const [turn] = await user.client.query(api.chat.runs.turnsForThread, { accountId: user.accountId, threadId: thread.threadId });
    done = turn!.status === "completed";
  }
  expect(done).toBe(true);
  // The reply grew: at least three different amounts of streamed text were observed mid-flight.
  expect([...seenDeltaCounts].filter((n) => n > 0).length).toBeGreaterThanOrEqual(3);
  const messages = await messagesOf(user, thread.threadId);
  expect(messages.map((m) => [m.role, m.status])).toEqual([
    ["user", "success"],
    ["assistant", "success"],
  ]);
  expect(messages[1]!.text.length).toBeGreaterThan(40);
}, 30_000);
