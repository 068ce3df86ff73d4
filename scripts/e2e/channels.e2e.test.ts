// @vitest-environment node
/**
 * The channels in a real browser against the real `npm start`. Telegram, with
 * a Bot API server started here (TELEGRAM_API_ROOT, inherited by the app):
 * an admin connects a bot in Settings (the webhook is registered at the
 * engine's own HTTP origin), links their Telegram user with the code the
 * page shows, then a message posted to the webhook as Telegram would post it
 * becomes a turn whose reply goes back through the Bot API — and the
 * conversation is in the app's chat list too. Email, offline: the admin
 * turns on the mailbox, a Postmark inbound webhook body is posted to the
 * engine's HTTP origin, and the reply waits in the outbox the page shows.
 */
import type { Page } from "playwright-core";
import { afterAll, describe, expect, test } from "vitest";
import { botToken, startBotApiServer } from "../../convex/channels/telegram/botApiServer.testing";
import { inboundMail } from "../../convex/channels/email/postmark.testing";
import { pollUntil, screenshot, signIn, useAppAndBrowser, type App, type Browser } from "./app";

const botApi = await startBotApiServer();
process.env["TELEGRAM_API_ROOT"] = botApi.apiRoot; // inherited by npm start
const INBOUND_SECRET = "e2e-inbound-secret";
process.env["HARNESS_EMAIL_INBOUND_SECRET"] = INBOUND_SECRET;
const BOT_ID = 6100001;
const TOKEN = botToken(BOT_ID);
botApi.validTokens.add(TOKEN);
const FROM = { id: 424242, is_bot: false, first_name: "Tess", username: "tess" };

let app: App;
let browser: Browser;
let page: Page;
useAppAndBrowser("channels", (session) => ({ app, browser, page } = session));
afterAll(async () => {
  await botApi.close();
});

let nextUpdate = 1;
async function postUpdate(url: string, secret: string, text: string) {
  const command = /^\/\w+/.exec(text);
  const update = {
    update_id: nextUpdate,
    message: {
      message_id: nextUpdate++,
      from: FROM,
      chat: { id: FROM.id, first_name: FROM.first_name, type: "private" },
      date: Math.floor(Date.now() / 1000),
      text,
      ...(command ? { entities: [{ offset: 0, length: command[0].length, type: "bot_command" }] } : {}),
    },
  };
  const response = await fetch(url, { method: "POST", headers: { "content-type": "application/json", "x-telegram-bot-api-secret-token": secret }, body: JSON.stringify(update) });
  expect(response.status).toBe(200);
}

describe("Channels in Chromium against npm start", { timeout: 120_000 }, () => {
  test("connect a bot, link my Telegram account, and get an answer on Telegram", async () => {
    expect(browser).toBeDefined();
    await signIn(page, { url: app.url, name: "Tara Telegram", email: "tara@example.test" }, { landing: "current-user" });
    await page.getByTestId("nav-settings").click();
    await page.getByTestId("telegram-empty").waitFor();

    // A token Telegram refuses is explained at the token field; nothing is connected.
    await page.getByTestId("telegram-token").fill(botToken(6100002));
    await page.getByTestId("telegram-connect").click();
    const tokenError = page.locator('[data-testid="field-error"][data-field="token"]');
    await tokenError.waitFor();
    expect(await tokenError.textContent()).toMatch(/does not accept this token/);

    await page.getByTestId("telegram-token").fill(TOKEN);
    await page.getByTestId("telegram-connect").click();
    await page.getByTestId("telegram-connected").waitFor();
    const bot = page.getByTestId("telegram-bot");
    expect(await bot.getAttribute("data-status")).toBe("active");
    expect(await page.content()).not.toContain(TOKEN.split(":")[1]);
    const [setWebhook] = botApi.callsOf("setWebhook");
    const webhook = String(setWebhook!.body.url);
    expect(webhook).toMatch(new RegExp(`^http://localhost:\\d+/telegram/${BOT_ID}$`));
    const secret = String(setWebhook!.body.secret_token);

    await page.getByTestId("telegram-link").click();
    const codeText = await page.getByTestId("telegram-link-code").textContent();
    const code = /\/start (\w+)/.exec(codeText ?? "")![1]!;
    await screenshot(page, "channels-01-telegram");
    await postUpdate(webhook, secret, `/start ${code}`);
    await page.getByText("your Telegram account is linked").waitFor({ timeout: 20_000 });

    await postUpdate(webhook, secret, "Explain what a journal is in a workflow engine");
    const final = await pollUntil(
      async () => botApi.calls.filter((c) => c.body.chat_id === FROM.id && c.body.parse_mode === "MarkdownV2"),
      (calls) => calls.length > 0,
      { timeoutMs: 60_000, what: "the reply on Telegram" },
    );
    expect(String(final[0]!.body.text).length).toBeGreaterThan(20);
    expect(botApi.callsOf("sendChatAction").length).toBeGreaterThan(0);

    // The same conversation is in the app.
    await page.getByTestId("nav-chat").click();
    await page.getByText("Explain what a journal is in a workflow engine").first().waitFor({ timeout: 20_000 });
    expect(app.logs()).not.toMatch(/Uncaught error|Could not find module|is not supported in Convex|Server Error/);
  });

  test("turn on email, write to the agent, and read its reply in the outbox", async () => {
    await page.getByTestId("nav-settings").click();
    await page.getByTestId("email-enable").click();
    const address = page.getByTestId("email-address").first();
    await address.waitFor();
    const to = (await address.textContent())!;
    expect(to).toMatch(/^assistant\+[a-z0-9]{12}@harness\.localhost$/);
    expect(await page.getByTestId("email-transport").textContent()).toMatch(/kept in the outbox/);
    const site = /HTTP routes:\s+(http:\/\/\S+)/.exec(app.logs())![1]!;
    const mail = inboundMail({ from: "tara@example.test", fromName: "Tara Telegram", to, mailboxHash: /\+([^@]+)@/.exec(to)![1]!, subject: "Journals", textBody: "Explain what a journal is in a workflow engine" });
    const refused = await fetch(`${site}/email/postmark/inbound`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(mail) });
    expect(refused.status).toBe(401);
    const answer = await fetch(`${site}/email/postmark/inbound`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Basic ${Buffer.from(`postmark:${INBOUND_SECRET}`).toString("base64")}` },
      body: JSON.stringify(mail),
    });
    expect(answer.status).toBe(200);
    const held = page.locator('[data-testid="email-outbox-mail"][data-status="held"]');
    await held.waitFor({ timeout: 60_000 });
    expect(await held.textContent()).toContain("Re: Journals");
    await held.getByRole("button", { name: "Read" }).click();
    expect(await page.getByTestId("email-outbox-text").textContent()).toMatch(/In-Reply-To: <CAE\d+x7Y=mail@mail\.gmail\.example>/);
    await screenshot(page, "channels-02-email-outbox");
    expect(app.logs()).not.toMatch(/Uncaught error|Could not find module|is not supported in Convex|Server Error/);
  });
});
