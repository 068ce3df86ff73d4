/**
 * The channel that started a run, in the inspector (its delegates' too) and
 * in each channel's traffic on the Usage page.
 */
import { afterEach, beforeEach, expect, test, vi } from "vitest";
import { api } from "../_generated/api";
import { send, settle, userWithThread } from "../chat/testkit.testing";
import { asMember, newHarness, refusal } from "../test.setup";

beforeEach(() => {
  vi.useFakeTimers();
  // Noon UTC: settling fires every timer and moves the clock on, which must not carry the turns past midnight ("today" below).
  vi.setSystemTime(new Date(Date.UTC(2026, 5, 15, 12)));
});
afterEach(() => vi.useRealTimers());

test("runs say which channel started them; Usage shows turns, tokens and cost per channel per day", async () => {
  const t = newHarness();
  const { user: admin, thread: appThread, agentId } = await userWithThread(t, { orgId: "org_ch", role: "admin" });
  const viaTelegram = await admin.client.mutation(api.chat.threads.create, { accountId: admin.accountId, agentId, title: "From Telegram" });
  // As the Telegram inbox creates its threads: the same row with `source` set.
  await t.run(async (ctx) => ctx.db.patch("threads", viaTelegram.threadId, { source: "telegram" }));

  await send(admin, appThread.threadId, "What time is it?");
  await send(admin, viaTelegram.threadId, "Ask the researcher to find three facts about tides");
  await settle(t);
  await send(admin, viaTelegram.threadId, "Thanks!");
  await settle(t);

  const runs = await admin.client.query(api.inspector.runs.listRuns, { accountId: admin.accountId, paginationOpts: { numItems: 20, cursor: null } });
  const seen = runs.page.map((run) => [run.kind, run.channel]);
  expect(seen.filter(([kind]) => kind === "turn").map(([, channel]) => channel).sort()).toEqual(["app", "telegram", "telegram"]);
  // The researcher's delegate runs in its own sub-thread and still says Telegram.
  expect(seen.filter(([kind]) => kind === "delegation").map(([, channel]) => channel)).toEqual(["telegram"]);
  const one = await admin.client.query(api.inspector.runs.getRun, { accountId: admin.accountId, interactionId: runs.page.find((r) => r.kind === "delegation")!.interactionId });
  expect(one.run.channel).toBe("telegram");

  const traffic = await admin.client.query(api.channels.traffic.daily, { accountId: admin.accountId, days: 7 });
  expect(traffic.truncated).toBe(false);
  const byChannel = (channel: string) => traffic.rows.filter((row) => row.channel === channel);
  expect(byChannel("app").reduce((n, row) => n + row.turns, 0)).toBe(1);
  expect(byChannel("telegram").reduce((n, row) => n + row.turns, 0)).toBe(2);
  const turnsByChannel = runs.page.filter((run) => run.kind === "turn");
  const tokensOf = (channel: string) => turnsByChannel.filter((run) => run.channel === channel).reduce((n, run) => n + run.tokensIn + run.tokensOut, 0);
  expect(byChannel("telegram").reduce((n, row) => n + row.tokens, 0)).toBe(tokensOf("telegram"));
  expect(tokensOf("telegram")).toBeGreaterThan(0);
  expect(byChannel("email")).toEqual([]);

  // Another account's member sees none of it; a bad period is refused on its field.
  const other = await asMember(t, "org_other", "admin");
  expect((await admin.client.query(api.channels.traffic.daily, { accountId: admin.accountId, days: 1 })).rows.length).toBeGreaterThan(0);
  expect((await other.client.query(api.channels.traffic.daily, { accountId: other.accountId, days: 7 })).rows).toEqual([]);
  expect(await refusal(other.client.query(api.channels.traffic.daily, { accountId: admin.accountId, days: 7 }))).toMatchObject({ code: "not_found" });
  expect(await refusal(admin.client.query(api.channels.traffic.daily, { accountId: admin.accountId, days: 0 }))).toMatchObject({ code: "bad_request", field: "days" });
});
