/**
 * What sharing a conversation adds to sending a message (issue 23), counted
 * by convex-test: the `messages.send` transaction alone (documents read and
 * written) in one's own thread, in General, in a private conversation, and
 * with an @mention. The turn after it is the same in each case.
 */
import { afterAll, expect, test, vi } from "vitest";
import { api } from "../../convex/_generated/api";
import type { Id } from "../../convex/_generated/dataModel";
import { send, settle, userWithThread } from "../../convex/chat/testkit.testing";
import { asMember, newHarness } from "../../convex/test.setup";
import { installMeter, measure } from "./transactionMeter";

installMeter();
const rows: { where: string; read: number; written: number }[] = [];

afterAll(() => {
  console.log("\nThe send mutation alone, by kind of conversation (documents):");
  console.log("where                      read  written");
  for (const r of rows) console.log(`${r.where.padEnd(26)} ${String(r.read).padStart(4)} ${String(r.written).padStart(8)}`);
});

test("send: own thread, General, private conversation, @mention", async () => {
  vi.useFakeTimers();
  const t = newHarness();
  const { user: ada, thread } = await userWithThread(t, { orgId: "org_bench", role: "admin" });
  const bob = await asMember(t, "org_bench", "member");
  const shared = await bob.client.query(api.conversations.conversations.list, { accountId: bob.accountId });
  const general = shared.find((c) => c.general === true)!;
  const plan = await ada.client.mutation(api.conversations.conversations.create, { accountId: ada.accountId, title: "Plan", sharing: "members", memberIds: [bob.userId] });
  const cases: [string, typeof ada, Id<"threads">, string][] = [
    ["own thread", ada, thread.threadId, "Hello there"],
    ["General (another member)", bob, general.threadId, "Hello there"],
    ["private (a member)", bob, plan.threadId, "Hello there"],
    ["General, @researcher", bob, general.threadId, "@researcher hello there"],
  ];
  for (const [where, caller, threadId, text] of cases) {
    const counted = await measure(() => send(caller, threadId, text));
    expect(counted.transactions).toBe(1);
    rows.push({ where, read: counted.total.documentsRead, written: counted.total.documentsWritten });
    await settle(t);
  }
  vi.useRealTimers();
});
