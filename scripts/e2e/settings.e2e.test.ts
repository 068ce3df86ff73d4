// @vitest-environment node
/**
 * Settings → Integrations in a real browser (Debian's Chromium via
 * playwright-core) against the real `npm start`: an account admin creates an
 * API key (the secret shown once, then only its prefix), a server calls the
 * HTTP API with it (plain `fetch` against the engine's site origin, the one
 * the page shows), the admin revokes it and the same call is refused;
 * a webhook to a `node:http` server started here gets a signed test ping and
 * the delivery log shows it delivered; a member sees the admins-only note.
 *
 * Every step waits on test ids (web/README.md); screenshots go to
 * artifacts/screenshots/ (`settings*`).
 */
import { createHmac, timingSafeEqual } from "node:crypto";
import { createServer, type IncomingHttpHeaders, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import type { Page } from "playwright-core";
import { afterAll, describe, expect, test } from "vitest";
import { pollUntil, screenshot, signIn as signInOnPage, useAppAndBrowser, type App, type Browser } from "./app";

process.env["HARNESS_WEBHOOK_ALLOW_PRIVATE_URLS"] = "true"; // inherited by npm start: the receiver below listens on 127.0.0.1
let app: App;
let browser: Browser;
let page: Page;

useAppAndBrowser("settings", (session) => ({ app, browser, page } = session));

/** The HTTP routes' origin, as the engine prints it at start-up. */
function siteOrigin(): string {
  const match = /HTTP routes:\s+(http:\/\/\S+)/.exec(app.logs());
  expect(match, "the engine prints its HTTP routes' origin").not.toBeNull();
  return match![1]!;
}

/** A webhook receiver: answers 200 and keeps every request. */
type Received = { method: string; url: string; headers: IncomingHttpHeaders; body: string };
const received: Received[] = [];
let receiver: Server | undefined;

async function startReceiver(): Promise<string> {
  receiver = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => {
      received.push({ method: req.method ?? "", url: req.url ?? "", headers: req.headers, body: Buffer.concat(chunks).toString("utf8") });
      res.writeHead(200, { "content-type": "text/plain" });
      res.end("ok");
    });
  });
  await new Promise<void>((resolve) => receiver!.listen(0, "127.0.0.1", resolve));
  return `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hooks/harness`;
}

afterAll(async () => {
  if (receiver !== undefined) await new Promise((resolve) => receiver!.close(resolve));
});

/** Standard Webhooks, checked by hand: HMAC-SHA256 over `<id>.<timestamp>.<body>` with the secret's bytes. */
function signatureValid(secret: string, request: Received): boolean {
  const id = String(request.headers["webhook-id"] ?? "");
  const timestamp = String(request.headers["webhook-timestamp"] ?? "");
  const key = Buffer.from(secret.slice("whsec_".length), "base64");
  const expected = createHmac("sha256", key).update(`${id}.${timestamp}.${request.body}`).digest();
  return String(request.headers["webhook-signature"] ?? "")
    .split(" ")
    .some((part) => {
      const given = Buffer.from(part.split(",")[1] ?? "", "base64");
      return part.startsWith("v1,") && given.length === expected.length && timingSafeEqual(given, expected);
    });
}

async function callApi(secret: string): Promise<Response> {
  return await fetch(`${siteOrigin()}/v1/capabilities`, { headers: { authorization: `Bearer ${secret}` } });
}

async function signIn(name: string, email: string, role: "org:admin" | "org:member") {
  // Sign-in goes back to where you came from (the chat, or Settings after signing out there).
  await signInOnPage(page, { name, email, orgId: "org_demo", role }, { landing: "current-user" });
}

describe("Settings → Integrations in Chromium against npm start", { timeout: 90_000 }, () => {
  let apiSecret = "";

  test("an admin opens Settings: empty lists, and the API's origin as the engine serves it", async () => {
    await page.goto(app.url);
    await signIn("Sam Settings", "sam@example.test", "org:admin");
    await page.getByTestId("nav-settings").click();
    await page.getByTestId("settings-page").waitFor();
    await page.getByTestId("api-keys-empty").waitFor();
    await page.getByTestId("webhooks-empty").waitFor();
    expect(await page.getByTestId("api-origin").textContent()).toBe(siteOrigin());
    expect(await page.getByTestId("api-openapi-link").getAttribute("href")).toBe(`${siteOrigin()}/v1/openapi.json`);
    expect(await page.getByTestId("api-curl").textContent()).toContain(`${siteOrigin()}/v1/capabilities`);
  });

  test("a refused key is explained next to its field; a created key's secret is shown once, then only its prefix", async () => {
    // Blank after trimming: the browser lets it through, the server refuses it, the message sits under Name.
    await page.getByTestId("api-key-name").fill("   ");
    await page.getByTestId("api-key-create").click();
    const nameError = page.locator('[data-testid="field-error"][data-field="name"]');
    await nameError.waitFor();
    expect(await nameError.textContent()).toMatch(/key name/i);
    expect(await page.getByTestId("api-key-name").getAttribute("aria-invalid")).toBe("true");

    await page.getByTestId("api-key-name").fill("Reporting server");
    await page.getByTestId("api-key-permission").selectOption("read");
    await page.getByTestId("api-key-rate-requests").fill("30");
    await page.getByTestId("api-key-rate-period").selectOption("60");
    await page.getByTestId("api-key-expires-days").fill("90");
    await page.getByTestId("api-key-create").click();
    const once = page.locator('[data-testid="secret-once"][data-kind="api-key"]');
    await once.waitFor();
    expect(await once.textContent()).toContain("you won't see this again");
    apiSecret = await page.getByTestId("secret-value").inputValue();
    expect(apiSecret).toMatch(/^thk_[A-Za-z0-9_-]{43}$/);
    expect(await nameError.count()).toBe(0);

    const row = page.locator('[data-testid="api-key-row"]', { hasText: "Reporting server" });
    await row.waitFor();
    expect(await row.getAttribute("data-status")).toBe("active");
    expect(await row.getAttribute("data-permission")).toBe("read");
    expect(await row.getByTestId("api-key-prefix").textContent()).toBe(`${apiSecret.slice(0, 10)}…`);
    expect(await row.textContent()).toContain("30 per minute");
    expect(await row.textContent()).toMatch(/in (3 months|90 days|13 weeks)/);
    await screenshot(page, "settings-01-key-once");

    await page.getByTestId("secret-done").click();
    await page.getByTestId("api-key-form").waitFor();
    // Gone from the page for good: not in any text, not in any input.
    const onPage = await page.evaluate(
      (secret) => document.body.innerText.includes(secret) || [...document.querySelectorAll("input, textarea")].some((el) => (el as HTMLInputElement).value.includes(secret)),
      apiSecret,
    );
    expect(onPage).toBe(false);
  });

  test("a server uses the key (200), the admin revokes it in the page, the same request is refused (401)", async () => {
    const ok = await callApi(apiSecret);
    expect(ok.status).toBe(200);
    const body = (await ok.json()) as { data: unknown[] };
    expect(Array.isArray(body.data)).toBe(true);
    const row = page.locator('[data-testid="api-key-row"]', { hasText: "Reporting server" });
    // The list is live: the call shows as the key's last use.
    await expect.poll(() => row.getByTestId("api-key-last-used").textContent(), { timeout: 15_000 }).not.toBe("never");

    await row.getByTestId("api-key-revoke").click();
    await row.getByTestId("api-key-revoke-confirm").click();
    await expect.poll(() => row.getAttribute("data-status")).toBe("revoked");
    expect(await row.getByTestId("api-key-revoke").count()).toBe(0);

    const refused = await callApi(apiSecret);
    expect(refused.status).toBe(401);
    expect(((await refused.json()) as { error: { code: string } }).error.code).toBe("unauthenticated");
  });

  test("a webhook to a local server: a test ping arrives signed and the log shows it delivered", async () => {
    const url = await startReceiver();
    await page.getByTestId("webhook-url").fill(url);
    // No event chosen: the server says so next to the events.
    await page.getByTestId("webhook-subscribe").click();
    await page.locator('[data-testid="field-error"][data-field="events"]').waitFor();

    await page.locator('[data-testid="webhook-event"][data-event="interaction.completed"]').check();
    await page.locator('[data-testid="webhook-event"][data-event="job.state_changed"]').check();
    await page.getByTestId("webhook-description").fill("Our ops dashboard");
    await page.getByTestId("webhook-subscribe").click();
    const once = page.locator('[data-testid="secret-once"][data-kind="webhook"]');
    await once.waitFor();
    const signingSecret = await page.getByTestId("secret-value").inputValue();
    expect(signingSecret).toMatch(/^whsec_/);
    await page.getByTestId("secret-done").click();

    const card = page.locator('[data-testid="webhook"]', { hasText: url });
    await card.waitFor();
    expect(await card.getAttribute("data-status")).toBe("active");
    expect(await card.textContent()).toContain(`…${signingSecret.slice(-4)}`);
    expect(await card.textContent()).not.toContain(signingSecret);

    await card.getByTestId("webhook-ping").click();
    await card.getByTestId("webhook-ping-sent").waitFor();
    const ping = await pollUntil(
      async () => received.find((r) => r.method === "POST"),
      (r) => r !== undefined,
      { what: "the ping to reach the local server", timeoutMs: 30_000 },
    );
    expect(ping!.url).toBe("/hooks/harness");
    expect(ping!.headers["content-type"]).toContain("application/json");
    expect(signatureValid(signingSecret, ping!)).toBe(true);
    expect(signatureValid(`whsec_${Buffer.from("another key").toString("base64")}`, ping!)).toBe(false);
    const event = JSON.parse(ping!.body) as { type: string; data: { subscriptionId: string } };
    expect(event.type).toBe("webhook.ping");
    expect(event.data.subscriptionId).toBe(await card.getAttribute("data-subscription-id"));

    // The log opened with the ping and follows it live to "delivered".
    const delivery = card.locator('[data-testid="delivery"][data-event-type="webhook.ping"]');
    await delivery.waitFor();
    await expect.poll(() => delivery.getAttribute("data-status"), { timeout: 30_000 }).toBe("delivered");
    expect(await delivery.getByTestId("delivery-code").textContent()).toBe("HTTP 200");
    expect(await delivery.getByTestId("delivery-attempts").textContent()).toBe("1");
    await card.evaluate((element) => element.scrollIntoView({ block: "center" }));
    await screenshot(page, "settings");
    // On a phone: the same card, readable, nothing cut off sideways.
    await page.setViewportSize({ width: 390, height: 844 });
    try {
      await card.evaluate((element) => element.scrollIntoView({ block: "start" }));
      await screenshot(page, "settings-03-phone");
      expect(await page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth)).toBe(true);
    } finally {
      await page.setViewportSize({ width: 1280, height: 800 });
    }
  });

  test("deleting the webhook asks first, then it is gone", async () => {
    const card = page.locator('[data-testid="webhook"]').first();
    await card.getByTestId("webhook-remove").click();
    await card.getByTestId("webhook-remove-cancel").click();
    await card.getByTestId("webhook-remove").click();
    await card.getByTestId("webhook-remove-confirm").click();
    await page.getByTestId("webhooks-empty").waitFor();
  });

  test("a member has no Settings in the menu and sees the admins-only note", async () => {
    await page.getByTestId("sign-out").click();
    await signIn("Mo Member", "mo@example.test", "org:member");
    await page.getByTestId("nav-chat").waitFor();
    expect(await page.getByTestId("nav-settings").count()).toBe(0);
    await page.goto(`${app.url}/settings`);
    await page.getByTestId("settings-admins-only").waitFor();
    expect(await page.getByTestId("api-keys").count()).toBe(0);
    await screenshot(page, "settings-02-member");
  });

  test("no page errors, no server errors", () => {
    expect(browser.pageErrors).toEqual([]);
    expect(app.logs()).not.toMatch(/Uncaught error|Could not find module|is not supported in Convex|Server Error/);
  });
});
