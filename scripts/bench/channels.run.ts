/**
 * What a message costs by channel (issue 23), counted by convex-test (no
 * timings): documents read and written and transactions from the moment the
 * message arrives to the moment its reply has left, for
 *   - the SPA: `messages.send` and the turn;
 *   - Telegram: the webhook POST, applying the update, the turn, and the
 *     reply's delivery (typing, sendMessage/editMessageText) to a Bot API server;
 *   - email: the Postmark inbound POST, applying it, the turn, and the reply
 *     mail (to the local outbox).
 * The same question each time, so the turn's share is the same; the rest is the channel's.
 */
import { afterAll, expect, test, vi } from "vitest";
import { api } from "../../convex/_generated/api";
import { botToken, startBotApiServer } from "../../convex/channels/telegram/botApiServer.testing";
import { inboundMail } from "../../convex/channels/email/postmark.testing";
import { send, userWithThread } from "../../convex/chat/testkit.testing";
import { newHarness, type Harness } from "../../convex/test.setup";
import { installMeter, measure } from "./transactionMeter";

installMeter();
const QUESTION = "Explain what a journal is in a workflow engine";
const rows: { channel: string; transactions: number; read: number; written: number }[] = [];

afterAll(() => {
  console.log("\nA message and its reply, by channel (documents, all transactions from arrival to the reply leaving):");
  console.log("channel    transactions  read  written  written vs SPA");
  const spa = rows.find((r) => r.channel === "SPA");
  for (const r of rows) {
    console.log(`${r.channel.padEnd(10)} ${String(r.transactions).padStart(12)} ${String(r.read).padStart(5)} ${String(r.written).padStart(8)}  ${spa ? `${(r.written - spa.written >= 0 ? "+" : "")}${r.written - spa.written}` : ""}`);
  }
});

async function quiet(t: Harness) {
  // Let the workpools' bookkeeping after the last step finish inside the measurement.
  await new Promise((resolve) => setTimeout(resolve, 500));
  void t;
}

test("the same question through the SPA, Telegram and email", async () => {
  vi.useRealTimers();
  // SPA
  {
    const t = newHarness();
    const { user, thread } = await userWithThread(t);
    const counted = await measure(async () => {
      await send(user, thread.threadId, QUESTION);
      await vi.waitFor(async () => {
        const runs = await t.run(async (ctx) => await ctx.db.query("interactions").collect());
        if (runs[0]?.status !== "completed") throw new Error("turn running");
      }, { timeout: 30_000, interval: 25 });
      await quiet(t);
    });
    rows.push({ channel: "SPA", transactions: counted.transactions, read: counted.total.documentsRead, written: counted.total.documentsWritten });
  }
  // Telegram
  {
    const server = await startBotApiServer();
    vi.stubEnv("TELEGRAM_API_ROOT", server.apiRoot);
    vi.stubEnv("CONVEX_SITE_URL", "https://bench.convex.site");
    const t = newHarness();
    const { user, agentId } = await userWithThread(t);
    const token = botToken(7100001);
    server.validTokens.add(token);
    const { botId } = await user.client.action(api.channels.telegram.connections.connect, { accountId: user.accountId, token, agentId });
    const secret = String(server.callsOf("setWebhook")[0]!.body.secret_token);
    const from = { id: 99, is_bot: false, first_name: "Bench" };
    const post = async (updateId: number, text: string) =>
      await t.fetch("/telegram/7100001", {
        method: "POST",
        headers: { "Content-Type": "application/json", "X-Telegram-Bot-Api-Secret-Token": secret },
        body: JSON.stringify({ update_id: updateId, message: { message_id: updateId, from, chat: { id: 99, type: "private" }, date: 1, text } }),
      });
    const { code } = await user.client.mutation(api.channels.telegram.connections.createLinkCode, { accountId: user.accountId, botId });
    await post(1, `/start ${code}`);
    await vi.waitFor(async () => {
      if ((await t.run(async (ctx) => await ctx.db.query("telegramLinks").collect())).length === 0) throw new Error("not linked");
    });
    await quiet(t);
    const counted = await measure(async () => {
      await post(2, QUESTION);
      await vi.waitFor(async () => {
        const replies = await t.run(async (ctx) => await ctx.db.query("telegramReplies").collect());
        if (!replies.some((r) => r.interactionId !== undefined && r.done)) throw new Error("reply going");
      }, { timeout: 30_000, interval: 25 });
      await quiet(t);
    });
    rows.push({ channel: "Telegram", transactions: counted.transactions, read: counted.total.documentsRead, written: counted.total.documentsWritten });
    vi.unstubAllEnvs();
    await server.close();
  }
  // Email
  {
    vi.stubEnv("HARNESS_EMAIL_INBOUND_SECRET", "bench-secret");
    const t = newHarness();
    const { user, agentId } = await userWithThread(t);
    await user.client.mutation(api.channels.email.inboxes.configure, { accountId: user.accountId, enabled: true, defaultAgentId: agentId });
    const address = (await user.client.query(api.channels.email.inboxes.mailbox, { accountId: user.accountId }))!.addresses.find((a) => a.agentId === agentId)!.address;
    const email = await t.run(async (ctx) => (await ctx.db.get("userProfiles", user.userId))!.email!);
    const mail = inboundMail({ from: email, to: address, mailboxHash: /\+([^@]+)@/.exec(address)![1]!, subject: "Bench", textBody: QUESTION });
    const counted = await measure(async () => {
      await t.fetch("/email/postmark/inbound", { method: "POST", headers: { "Content-Type": "application/json", Authorization: `Basic ${btoa("postmark:bench-secret")}` }, body: JSON.stringify(mail) });
      await vi.waitFor(async () => {
        const out = await t.run(async (ctx) => await ctx.db.query("emailOutbox").collect());
        if (out[0]?.status !== "held") throw new Error("reply going");
      }, { timeout: 30_000, interval: 25 });
      await quiet(t);
    });
    rows.push({ channel: "email", transactions: counted.transactions, read: counted.total.documentsRead, written: counted.total.documentsWritten });
    vi.unstubAllEnvs();
  }
  expect(rows).toHaveLength(3);
  for (const row of rows) expect(row.written, `${row.channel}: documents written`).toBeGreaterThan(0);
});
