/**
 * The Telegram channel end to end: a bot connected in Settings, updates
 * posted to the webhook route as the Bot API documents them
 * (https://core.telegram.org/bots/api#update), and the calls the harness
 * then makes to a Bot API server (botApiServer.testing.ts). Real timers:
 * the turn runs on the scheduler while the test waits for the reply.
 */
import { afterEach, expect, test, vi } from "vitest";
import { api } from "../../_generated/api";
import type { Id } from "../../_generated/dataModel";
import { offlineModel } from "../../lib/faults.testing";
import { asMember, asUser, newHarness, refusal, type Harness } from "../../test.setup";
import { assistantOf } from "../../chat/testkit.testing";
import { botToken, startBotApiServer, type BotApiServer } from "./botApiServer.testing";

const BOT_ID = 7000001;
const SITE = "https://harness-test.convex.site";
let server: BotApiServer | undefined;

afterEach(async () => {
  vi.unstubAllEnvs();
  offlineModel.options = undefined;
  await server?.close();
  server = undefined;
});

const ADA = { id: 1111111, is_bot: false, first_name: "Ada", last_name: "Lovelace", username: "ada", language_code: "en" };
let nextUpdate = 500_000;

/** A private-chat text message, as the Bot API delivers it. */
function privateText(text: string, from = ADA) {
  const command = /^\/\w+/.exec(text);
  return {
    update_id: ++nextUpdate,
    message: {
      message_id: nextUpdate,
      from,
      chat: { id: from.id, first_name: from.first_name, username: from.username, type: "private" },
      date: 1441645532,
      text,
      ...(command ? { entities: [{ offset: 0, length: command[0].length, type: "bot_command" }] } : {}),
    },
  };
}

async function setup(options: { orgMember?: boolean } = {}) {
  server = await startBotApiServer();
  vi.stubEnv("TELEGRAM_API_ROOT", server.apiRoot);
  vi.stubEnv("CONVEX_SITE_URL", SITE);
  const t = newHarness();
  const admin = options.orgMember ? await asMember(t, "org_telegram", "admin") : await asUser(t);
  const agentId = await assistantOf(t, admin.accountId);
  const token = botToken(BOT_ID);
  server.validTokens.add(token);
  const connected = await admin.client.action(api.channels.telegram.connections.connect, { accountId: admin.accountId, token, agentId });
  const secret = server.callsOf("setWebhook")[0]!.body.secret_token as string;
  return { t, admin, agentId, token, secret, botId: connected.botId, server };
}

async function post(t: Harness, update: unknown, secret: string | null, botId = BOT_ID) {
  const response = await t.fetch(`/telegram/${botId}`, {
    method: "POST",
    headers: { "Content-Type": "application/json", ...(secret !== null ? { "X-Telegram-Bot-Api-Secret-Token": secret } : {}) },
    body: typeof update === "string" ? update : JSON.stringify(update),
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

/** Link `from` to `user` the way a member does: a code from Settings, sent as /start <code>. */
async function link(t: Harness, user: Awaited<ReturnType<typeof asUser>>, botId: Id<"telegramBots">, secret: string, from = ADA) {
  const { code } = await user.client.mutation(api.channels.telegram.connections.createLinkCode, { accountId: user.accountId, botId });
  const before = server!.callsOf("sendMessage").length;
  expect((await post(t, privateText(`/start ${code}`, from), secret)).status).toBe(200);
  const reply = await vi.waitFor(() => {
    const sent = server!.callsOf("sendMessage").slice(before);
    if (sent.length === 0) throw new Error("no reply yet");
    return sent[0]!;
  });
  expect(reply.body.text).toMatch(/^Linked to /);
}

/** Wait until every queued reply has been delivered, and return the last MarkdownV2 call to `chatId` (the end of the reply). */
async function finalReplyTo(t: Harness, chatId: number, timeout = 30_000) {
  await vi.waitFor(
    async () => {
      const replies = await t.run(async (ctx) => await ctx.db.query("telegramReplies").collect());
      if (!replies.some((r) => r.interactionId !== undefined) || replies.some((r) => !r.done)) throw new Error("replies still going");
    },
    { timeout, interval: 50 },
  );
  const rich = server!.calls.filter((c) => (c.method === "editMessageText" || c.method === "sendMessage") && c.body.chat_id === chatId && c.body.parse_mode === "MarkdownV2");
  return rich[rich.length - 1]!;
}

test("connecting checks the token with getMe, registers the webhook with a secret token, and never returns the token", async () => {
  const { t, admin, token, server } = await setup();
  const [setWebhook] = server.callsOf("setWebhook");
  expect(setWebhook!.body).toMatchObject({ url: `${SITE}/telegram/${BOT_ID}`, allowed_updates: ["message", "edited_message"] });
  expect(String(setWebhook!.body.secret_token)).toMatch(/^[0-9a-f]{48}$/);
  const bots = await admin.client.query(api.channels.telegram.connections.list, { accountId: admin.accountId });
  expect(bots).toMatchObject([{ username: `harness_${BOT_ID}_bot`, agentName: "Assistant", status: "active", linked: false }]);
  expect(JSON.stringify(bots)).not.toContain(token.split(":")[1]);
  const audit = await t.run(async (ctx) => await ctx.db.query("auditLog").collect());
  expect(audit.filter((a) => a.action === "telegram_bot.connect")).toHaveLength(1);
  expect(JSON.stringify(audit)).not.toContain(token.split(":")[1]);
});

test("connect refuses a malformed token, a token Telegram rejects, another account's agent and a non-admin — before storing anything", async () => {
  const { t, admin, agentId, server } = await setup();
  const before = await t.run(async (ctx) => (await ctx.db.query("telegramBots").collect()).length);
  expect(await refusal(admin.client.action(api.channels.telegram.connections.connect, { accountId: admin.accountId, token: "not-a-token", agentId }))).toMatchObject({ code: "bad_request", field: "token" });
  const unknown = botToken(7000002); // shaped right, but Telegram answers 401
  expect(await refusal(admin.client.action(api.channels.telegram.connections.connect, { accountId: admin.accountId, token: unknown, agentId }))).toMatchObject({ code: "bad_request", field: "token" });
  const other = await asUser(t);
  const otherAgent = await assistantOf(t, other.accountId);
  server.validTokens.add(botToken(7000003));
  expect(await refusal(admin.client.action(api.channels.telegram.connections.connect, { accountId: admin.accountId, token: botToken(7000003), agentId: otherAgent }))).toMatchObject({ code: "not_found" });
  // The same bot, from another account, while it is connected here.
  expect(await refusal(other.client.action(api.channels.telegram.connections.connect, { accountId: other.accountId, token: botToken(BOT_ID), agentId: otherAgent }))).toMatchObject({ code: "conflict" });
  const member = await asMember(t, "org_x", "member");
  const memberAgent = await assistantOf(t, member.accountId);
  expect(await refusal(member.client.action(api.channels.telegram.connections.connect, { accountId: member.accountId, token: botToken(7000003), agentId: memberAgent }))).toMatchObject({ code: "forbidden" });
  expect(await t.run(async (ctx) => (await ctx.db.query("telegramBots").collect()).length)).toBe(before);
  expect(server.callsOf("setWebhook")).toHaveLength(1);
});

test("the webhook refuses a wrong or missing secret token and an unknown bot with nothing stored; a redelivered update is applied once", async () => {
  const { t, secret } = await setup();
  const update = privateText("Hello?");
  expect((await post(t, update, "wrong-secret")).status).toBe(401);
  expect((await post(t, update, null)).status).toBe(401);
  expect((await post(t, update, secret, 7999999)).status).toBe(401);
  expect((await post(t, "{not json", secret)).status).toBe(400);
  expect((await post(t, { message: {} }, secret)).status).toBe(400);
  expect(await t.run(async (ctx) => (await ctx.db.query("telegramUpdates").collect()).length)).toBe(0);

  expect(await post(t, update, secret)).toMatchObject({ status: 200, body: { ok: true, duplicate: false } });
  expect(await post(t, update, secret)).toMatchObject({ status: 200, body: { ok: true, duplicate: true } });
  const replies = await vi.waitFor(() => {
    const sent = server!.callsOf("sendMessage");
    if (sent.length === 0) throw new Error("no reply yet");
    return sent;
  });
  await new Promise((resolve) => setTimeout(resolve, 300));
  expect(server!.callsOf("sendMessage")).toHaveLength(replies.length);
  const rows = await t.run(async (ctx) => await ctx.db.query("telegramUpdates").collect());
  expect(rows).toHaveLength(1);
});

test("an unlinked sender hears how to link, and nothing else happens; a bad code is refused in words", async () => {
  const { t, secret, server } = await setup();
  await post(t, privateText("What can you do?"), secret);
  const reply = await vi.waitFor(() => server.callsOf("sendMessage")[0] ?? Promise.reject(new Error("no reply")));
  expect(reply.body).toMatchObject({ chat_id: ADA.id, reply_parameters: { message_id: nextUpdate } });
  expect(reply.body.text).toContain("/start <code>");
  expect(await t.run(async (ctx) => (await ctx.db.query("interactions").collect()).length)).toBe(0);

  await post(t, privateText("/start WRONGCODE1"), secret);
  await vi.waitFor(() => (server.callsOf("sendMessage").length >= 2 ? true : Promise.reject(new Error("no reply"))));
  expect(server.callsOf("sendMessage")[1]!.body.text).toMatch(/not valid or has expired/);
  expect(await t.run(async (ctx) => (await ctx.db.query("telegramLinks").collect()).length)).toBe(0);
});

test("linking and unlinking a member's Telegram are audited (from the webhook, from the SPA); a bad code or a second unlink writes nothing", async () => {
  const { t, admin, botId, secret, server } = await setup();
  const linkEntries = async () =>
    (await t.run(async (ctx) => await ctx.db.query("auditLog").collect())).filter((row) => row.targetKind === "telegram_link");
  await post(t, privateText("/start WRONGCODE1"), secret);
  await vi.waitFor(() => (server.callsOf("sendMessage").length >= 1 ? true : Promise.reject(new Error("no reply"))));
  expect(await linkEntries()).toEqual([]);

  await link(t, admin, botId, secret);
  const [linked] = await linkEntries();
  expect(linked).toMatchObject({ action: "telegram_link.link", surface: "webhook", actorLabel: `Telegram @harness_${BOT_ID}_bot`, accountId: admin.accountId });
  expect(linked!.actorUserId).toBeUndefined();
  expect(linked!.changes).toHaveLength(2);
  expect(linked!.changes).toEqual(
    expect.arrayContaining([
      { field: "userId", after: JSON.stringify(admin.userId) },
      { field: "telegramUserId", after: String(ADA.id) },
    ]),
  );
  expect(JSON.stringify(linked)).not.toContain("Lovelace");

  await admin.client.mutation(api.channels.telegram.connections.unlink, { accountId: admin.accountId, botId });
  await admin.client.mutation(api.channels.telegram.connections.unlink, { accountId: admin.accountId, botId });
  const entries = await linkEntries();
  expect(entries.map((row) => [row.action, row.surface, row.actorUserId ?? null])).toEqual([
    ["telegram_link.link", "webhook", null],
    ["telegram_link.unlink", "spa", admin.userId],
  ]);
  expect(entries[1]!.targetId).toBe(linked!.targetId);
});

test("a linked member's message is a turn of the bot's agent as that member: typing, the reply streamed by edits, then MarkdownV2", async () => {
  const { t, admin, botId, secret, server } = await setup();
  await link(t, admin, botId, secret);
  offlineModel.options = { chunkDelayMs: 150, chunkWords: 2 };
  await post(t, privateText("Explain what a journal is in a workflow engine"), secret);
  const final = await finalReplyTo(t, ADA.id);
  expect(server.callsOf("sendChatAction")[0]!.body).toMatchObject({ chat_id: ADA.id, action: "typing" });
  // The first text went out plain and was edited as it grew.
  const plain = server.calls.filter((c) => (c.method === "sendMessage" || c.method === "editMessageText") && c.body.chat_id === ADA.id && c.body.parse_mode === undefined);
  expect(plain.length).toBeGreaterThanOrEqual(2);
  expect(server.callsOf("editMessageText").length).toBeGreaterThanOrEqual(1);
  expect(String(final.body.text).length).toBeGreaterThan(0);

  const thread = await t.run(async (ctx) => (await ctx.db.query("threads").collect()).find((th) => th.source === "telegram"));
  expect(thread).toMatchObject({ userId: admin.userId, accountId: admin.accountId });
  const runs = await t.run(async (ctx) => await ctx.db.query("interactions").collect());
  expect(runs).toMatchObject([{ userId: admin.userId, threadId: thread!._id, status: "completed", promptText: "Explain what a journal is in a workflow engine" }]);
  // The member sees the conversation in the app too.
  const list = await admin.client.query(api.chat.threads.list, { accountId: admin.accountId, paginationOpts: { numItems: 20, cursor: null } });
  expect(JSON.stringify(list)).toContain(thread!._id);

  const bots = await admin.client.query(api.channels.telegram.connections.list, { accountId: admin.accountId });
  expect(bots[0]!.linked).toBe(true);
});

test("in a group only messages that mention the bot are answered, without the mention; media gets a polite text-only reply; edits are ignored", async () => {
  const { t, admin, botId, secret, server } = await setup();
  await link(t, admin, botId, secret);
  const group = { id: -1001234567890, title: "Team", type: "supergroup" };
  const handle = `@harness_${BOT_ID}_bot`;
  await post(t, { update_id: ++nextUpdate, message: { message_id: 1, from: ADA, chat: group, date: 1441645532, text: "lunch at noon?" } }, secret);
  const mention = `${handle} what time is it`;
  await post(
    t,
    { update_id: ++nextUpdate, message: { message_id: 2, from: ADA, chat: group, date: 1441645532, text: mention, entities: [{ offset: 0, length: handle.length, type: "mention" }] } },
    secret,
  );
  await finalReplyTo(t, group.id);
  const runs = await t.run(async (ctx) => await ctx.db.query("interactions").collect());
  expect(runs.map((r) => r.promptText)).toEqual(["what time is it"]);

  const sentBefore = server.callsOf("sendMessage").length;
  await post(t, { update_id: ++nextUpdate, edited_message: { message_id: 3, from: ADA, chat: { id: ADA.id, type: "private" }, date: 1441645532, edit_date: 1441645600, text: "edited" } }, secret);
  await post(
    t,
    { update_id: ++nextUpdate, message: { message_id: 4, from: ADA, chat: { id: ADA.id, type: "private" }, date: 1441645532, photo: [{ file_id: "AgADBAADr6cxG", file_unique_id: "AQADr6cx", width: 90, height: 51, file_size: 1101 }] } },
    secret,
  );
  const media = await vi.waitFor(() => server.callsOf("sendMessage")[sentBefore] ?? Promise.reject(new Error("no reply")));
  expect(media.body.text).toMatch(/only read text messages.*a photo/);
  const statuses = await t.run(async (ctx) => (await ctx.db.query("telegramUpdates").collect()).map((u) => [u.status, u.outcome]));
  expect(statuses).toContainEqual(["ignored", "group message not addressed to the bot"]);
  expect(statuses).toContainEqual(["ignored", "edited messages are not answered"]);
  expect(await t.run(async (ctx) => (await ctx.db.query("interactions").collect()).length)).toBe(1);
});

test("the Bot API down while replying: the reply is retried and arrives once; 429 waits for retry_after", async () => {
  const { t, admin, botId, secret, server } = await setup();
  await link(t, admin, botId, secret);
  server.failNext("sendChatAction", { status: 429, description: "Too Many Requests: retry after 1", retryAfter: 1 });
  server.failNext("sendMessage", { status: 502, description: "Bad Gateway" }, 2);
  await post(t, privateText("Explain what a journal is in a workflow engine"), secret);
  await finalReplyTo(t, ADA.id, 45_000);
  const ok = server.callsOf("sendMessage").filter((c) => c.body.chat_id === ADA.id);
  // Two failed attempts, then exactly one reply message (later pieces are edits of it).
  const linkReplies = 1;
  expect(ok.length).toBe(linkReplies + 2 + 1);
  expect(server.callsOf("sendChatAction").length).toBeGreaterThanOrEqual(2);
}, 60_000);

test("a revoked token stops the bot and says so in Settings; its updates are refused from then on", async () => {
  const { t, admin, botId, secret, token, server } = await setup();
  await link(t, admin, botId, secret);
  server.validTokens.delete(token);
  await post(t, privateText("Explain what a journal is in a workflow engine"), secret);
  const bots = await vi.waitFor(async () => {
    const list = await admin.client.query(api.channels.telegram.connections.list, { accountId: admin.accountId });
    if (list[0]?.status !== "revoked") throw new Error("not revoked yet");
    return list;
  });
  expect(bots[0]!.lastError?.message).toMatch(/401/);
  expect((await post(t, privateText("hello again"), secret)).status).toBe(401);
  expect(await refusal(admin.client.mutation(api.channels.telegram.connections.createLinkCode, { accountId: admin.accountId, botId }))).toMatchObject({ code: "conflict" });
});

test("a member who left the account is refused on Telegram and their link removed; another account cannot see or touch the bot", async () => {
  const { t, admin, botId, secret } = await setup({ orgMember: true });
  const member = await asMember(t, "org_telegram", "member");
  await link(t, member, botId, secret);
  await t.run(async (ctx) => {
    const membership = (await ctx.db.query("memberships").collect()).find((m) => m.userId === member.userId && m.accountId === admin.accountId);
    await ctx.db.patch("memberships", membership!._id, { status: "revoked" });
  });
  const before = server!.callsOf("sendMessage").length;
  await post(t, privateText("Explain what a journal is in a workflow engine"), secret);
  const reply = await vi.waitFor(() => server!.callsOf("sendMessage")[before] ?? Promise.reject(new Error("no reply")));
  expect(reply.body.text).toMatch(/no longer a member/);
  expect(await t.run(async (ctx) => (await ctx.db.query("telegramLinks").collect()).length)).toBe(0);
  expect(await t.run(async (ctx) => (await ctx.db.query("interactions").collect()).length)).toBe(0);

  const stranger = await asUser(t);
  expect(await refusal(stranger.client.mutation(api.channels.telegram.connections.createLinkCode, { accountId: stranger.accountId, botId }))).toMatchObject({ code: "not_found" });
  expect(await refusal(stranger.client.action(api.channels.telegram.connections.disconnect, { accountId: stranger.accountId, botId }))).toMatchObject({ code: "not_found" });
  expect(await refusal(member.client.action(api.channels.telegram.connections.disconnect, { accountId: admin.accountId, botId }))).toMatchObject({ code: "not_found" });
});

test("disconnecting removes the webhook at Telegram, deletes the token and refuses the bot's updates", async () => {
  const { t, admin, botId, secret, server } = await setup();
  await admin.client.action(api.channels.telegram.connections.disconnect, { accountId: admin.accountId, botId });
  expect(server.callsOf("deleteWebhook")).toHaveLength(1);
  expect((await post(t, privateText("hi"), secret)).status).toBe(401);
  expect(await t.run(async (ctx) => (await ctx.db.query("telegramBotTokens").collect()).length)).toBe(0);
  expect(await admin.client.query(api.channels.telegram.connections.list, { accountId: admin.accountId })).toEqual([]);
  const audit = await t.run(async (ctx) => (await ctx.db.query("auditLog").collect()).map((a) => a.action));
  expect(audit).toContain("telegram_bot.disconnect");
});

test("an agent that does not list telegram among its channels refuses on Telegram, in words, and starts nothing", async () => {
  const { t, admin, agentId, botId, secret, server } = await setup();
  await link(t, admin, botId, secret);
  await admin.client.mutation(api.agents.agents.update, { accountId: admin.accountId, agentId, channels: ["app", "api"] });
  const before = server.callsOf("sendMessage").length;
  await post(t, privateText("Explain what a journal is in a workflow engine"), secret);
  const reply = await vi.waitFor(() => server.callsOf("sendMessage")[before] ?? Promise.reject(new Error("no reply")));
  expect(reply.body.text).toBe("Sorry — Assistant does not answer on Telegram; it answers on the app, the API.");
  expect(await t.run(async (ctx) => (await ctx.db.query("interactions").collect()).length)).toBe(0);
  // The app still works.
  await admin.client.mutation(api.agents.agents.update, { accountId: admin.accountId, agentId, channels: ["telegram"] });
  const thread = await admin.client.mutation(api.chat.threads.create, { accountId: admin.accountId, agentId });
  expect(await refusal(admin.client.mutation(api.chat.messages.send, { accountId: admin.accountId, threadId: thread.threadId, text: "hello" }))).toMatchObject({
    code: "policy_denied",
    message: "Assistant does not answer on the app; it answers on Telegram.",
  });
});
