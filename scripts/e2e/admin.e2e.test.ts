// @vitest-environment node
/**
 * The platform admin page in a real browser (Debian's Chromium via
 * playwright-core) against the real `npm start`: an account admin sees the
 * "platform admins only" note until the service bootstrap makes them a
 * platform admin (`admin/platform:setPlatformAdmin` with the service secret,
 * as an operator would run it); then maintenance on, a chat message that
 * waits queued with no reply, maintenance off, the reply arrives once; a
 * feature flag; the platform audit log.
 *
 * Every step waits on test ids (web/README.md); screenshots go to
 * artifacts/screenshots/ (`admin*`).
 */
import type { Page } from "playwright-core";
import { describe, expect, test } from "vitest";
import { makePlatformAdmin, pollUntil, readThread, repliesTo, screenshot, signIn, useAppAndBrowser, type App, type Browser } from "./app";

// The engine (a child process started by useAppAndBrowser) inherits this environment.
const SERVICE_SECRET = `e2e-${Math.random().toString(36).slice(2)}`;
process.env["HARNESS_SERVICE_SECRET"] = SERVICE_SECRET;

let app: App;
let browser: Browser;
let page: Page;
let threadUrl = "";

useAppAndBrowser("admin", (session) => ({ app, browser, page } = session));

const NAME = "Pat Platform";
const EMAIL = "pat@example.test";
const PROMPT = "Tell me about tides while the platform is in maintenance";

describe("the admin page in Chromium against npm start", { timeout: 90_000 }, () => {
  test("an account admin sees the note; once a platform admin, the page", async () => {
    await signIn(page, { url: app!.url, name: NAME, email: EMAIL, orgId: "org_demo", role: "org:admin" });

    // Account admins get no Admin link; the address itself explains.
    expect(await page.getByTestId("nav-admin").count()).toBe(0);
    await page.goto(`${app.url}/admin`);
    await page.getByTestId("platform-admin-only").waitFor({ timeout: 30_000 });

    await makePlatformAdmin(app, EMAIL, SERVICE_SECRET);
    // The viewer query is live: the link appears and the page turns into the admin page without a reload.
    await page.getByTestId("nav-admin").waitFor({ timeout: 15_000 });
    await page.getByTestId("admin-switches").waitFor({ timeout: 15_000 });
    expect(await page.getByTestId("admin-maintenance").getAttribute("data-on")).toBe("false");
    expect(await page.getByTestId("admin-pause").getAttribute("data-on")).toBe("false");
    await page.locator('[data-testid="admin-account-row"]', { hasText: "Demo Co" }).waitFor();
    await page.getByTestId("admin-flags-empty").waitFor();
    // Making them platform admin is itself the log's first entry.
    await page.locator('[data-testid="admin-audit-entry"][data-action="platform_admin.grant"]').waitFor();
    expect(await page.getByTestId("admin-audit-entry").count()).toBe(1);
  });

  test("maintenance on: a message is saved and waits, queued, with no reply", async () => {
    await page.getByTestId("admin-maintenance-reason").fill("Database upgrade");
    await page.getByTestId("admin-maintenance-toggle").click();
    await expect.poll(() => page.getByTestId("admin-maintenance").getAttribute("data-on")).toBe("true");
    expect(await page.getByTestId("admin-maintenance-state").textContent()).toContain("Database upgrade");

    await page.getByTestId("nav-chat").click();
    await page.getByTestId("new-thread").click();
    await page.getByTestId("thread-empty").waitFor();
    const input = page.getByTestId("composer-input");
    await input.fill(PROMPT);
    await input.press("Enter");
    const queued = await pollUntil(
      () => readThread(page),
      (view) => view.turns[0] === "queued" && view.messages.some((m) => m.role === "user" && m.text === PROMPT),
      { what: "the message saved and its turn queued" },
    );
    expect(repliesTo(queued, PROMPT)).toEqual([]);
    // It says what it waits for, not "Starting…".
    await expect.poll(() => page.getByTestId("turn-status").textContent()).toBe("Queued until maintenance ends");
    expect(await page.getByTestId("streaming-indicator").textContent()).toContain("Queued until maintenance ends");
    threadUrl = page.url();
    // Still queued a while later: nothing runs it during maintenance.
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    const later = await readThread(page);
    expect(later.turns).toEqual(["queued"]);
    expect(repliesTo(later, PROMPT)).toEqual([]);
    await screenshot(page, "admin-02-queued");
  });

  test("the admin page counts the waiting message; a feature flag is added", async () => {
    await page.getByTestId("nav-admin").click();
    const held = page.getByTestId("admin-held-count");
    await expect.poll(() => held.getAttribute("data-count")).toBe("1");

    await page.getByTestId("admin-flag-new-key").fill("new_inspector");
    await page.getByTestId("admin-flag-new-description").fill("The new run inspector");
    await page.getByTestId("admin-flag-create").click();
    const flag = page.locator('[data-testid="admin-flag-row"][data-key="new_inspector"]');
    await flag.waitFor();
    expect(await flag.getAttribute("data-enabled")).toBe("false");
    await flag.getByTestId("admin-flag-toggle").click();
    await expect.poll(() => flag.getAttribute("data-enabled")).toBe("true");
    await page.locator('[data-testid="admin-audit-entry"][data-action="flag.set"]').first().waitFor();
    await page.getByTestId("admin-page").evaluate((main) => main.scrollTo(0, 0));
    await screenshot(page, "admin");
  });

  test("maintenance off: the waiting message is answered, once", async () => {
    await page.getByTestId("admin-maintenance-toggle").click();
    await expect.poll(() => page.getByTestId("admin-maintenance").getAttribute("data-on")).toBe("false");
    await expect.poll(() => page.getByTestId("admin-held-count").getAttribute("data-count"), { timeout: 15_000 }).toBe("0");
    const off = page.locator('[data-testid="admin-audit-entry"][data-action="maintenance.off"]');
    await off.waitFor();
    expect(await page.locator('[data-testid="admin-audit-entry"][data-action="maintenance.on"]').textContent()).toContain("Database upgrade");

    await page.goto(threadUrl);
    const done = await pollUntil(
      () => readThread(page),
      (view) => view.turns[0] === "completed" && repliesTo(view, PROMPT).some((r) => r.settled),
      { timeoutMs: 45_000, what: "the held turn to be answered" },
    );
    expect(done.turns).toEqual(["completed"]);
    expect(await page.getByTestId("turn-status").textContent()).not.toContain("maintenance");
    expect(done.messages.filter((m) => m.role === "user")).toHaveLength(1);
    expect(repliesTo(done, PROMPT).filter((r) => r.role === "assistant").length).toBeGreaterThan(0);
    await screenshot(page, "admin-03-answered");
  });

  test("no page errors, no server errors", () => {
    expect(browser!.pageErrors).toEqual([]);
    expect(app!.logs()).not.toMatch(/Uncaught error|Could not find module|is not supported in Convex|Server Error/);
  });
});
