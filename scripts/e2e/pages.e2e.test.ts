// @vitest-environment node
/**
 * The Runs, Usage and Jobs pages in a real browser (Debian's Chromium via
 * playwright-core) against the real `npm start`: local sign-in into the demo
 * account as an admin, a chat message that delegates to the Researcher, then
 * the run list, the run's timeline and delegation tree, the usage page
 * showing the tokens that turn spent, and the (empty) jobs page.
 *
 * Every step waits on test ids (web/README.md); screenshots go to
 * artifacts/screenshots/ (`pages-*`).
 */
import type { Page } from "playwright-core";
import { describe, expect, test } from "vitest";
import { askInNewThread, screenshot, signIn, useAppAndBrowser, type App, type Browser } from "./app";

let app: App;
let browser: Browser;
let page: Page;
let tokensBefore = 0;

useAppAndBrowser("pages-", (session) => ({ app, browser, page } = session));

const PROMPT = "Ask the researcher to find three facts about tides";

/** The account's tokens over the last 14 days, as the usage page shows them (once loaded). */
async function usageTokens(target: Page): Promise<number> {
  const daily = target.getByTestId("usage-daily");
  await target.getByTestId("usage-total").waitFor();
  return Number((await daily.getAttribute("data-total-tokens")) ?? "NaN");
}

describe("the runs, usage and jobs pages in Chromium against npm start", { timeout: 90_000 }, () => {
  test("an admin signs in and sees Runs, Usage and Jobs in the menu", async () => {
    await signIn(page, { url: app!.url, name: "Ada Admin", email: "ada@example.test", orgId: "org_demo", role: "org:admin" });
    for (const id of ["nav-chat", "nav-runs", "nav-usage", "nav-jobs"]) await page.getByTestId(id).waitFor();

    // Usage before any turn.
    await page.getByTestId("nav-usage").click();
    await page.getByTestId("usage-page").waitFor();
    tokensBefore = await usageTokens(page);
    expect(tokensBefore).toBeGreaterThanOrEqual(0);
    // No cap yet: say so. The admin sets the account's monthly budget.
    await page.getByTestId("budgets-empty").waitFor();
    await page.getByTestId("budget-cap-usd").fill("25");
    await page.getByTestId("budget-cap-tokens").fill("2000000");
    await page.getByTestId("budget-save").click();
    await page.getByTestId("budget-saved").waitFor();
    const account = page.locator('[data-testid="budget-row"][data-scope="account"][data-period="month"]');
    await account.waitFor();
    expect(await account.textContent()).toContain("$25.00");
  });

  test("a message that delegates; its run shows the steps and the Researcher in the tree", async () => {
    await page.getByTestId("nav-chat").click();
    await askInNewThread(page, PROMPT, { what: "the delegating turn to complete" });

    await page.getByTestId("nav-runs").click();
    await page.getByTestId("runs-page").waitFor();
    const turnRow = page.locator('[data-testid="run-row"][data-kind="turn"]').first();
    await turnRow.waitFor();
    expect(await turnRow.getAttribute("data-status")).toBe("completed");
    // The delegation is a run of its own, listed too.
    await page.locator('[data-testid="run-row"][data-kind="delegation"]', { hasText: "Researcher" }).first().waitFor();
    await page.getByTestId("approval-inbox-empty").waitFor();
    await screenshot(page, "pages-01-runs");

    // Filters live in the URL.
    await page.getByTestId("runs-filter-kind").selectOption("delegation");
    await expect.poll(() => new URL(page.url()).searchParams.get("kind")).toBe("delegation");
    // Only delegations listed (checked in one read, so a list still loading cannot pass).
    await expect
      .poll(() => page.evaluate(() => [...new Set([...document.querySelectorAll('[data-testid="run-row"]')].map((row) => row.getAttribute("data-kind")))]))
      .toEqual(["delegation"]);
    await page.getByTestId("runs-filter-clear").click();
    await expect.poll(() => new URL(page.url()).search).toBe("");

    await page.locator('[data-testid="run-row"][data-kind="turn"]').first().getByTestId("run-link").click();
    await page.getByTestId("run-page").waitFor();
    await page.getByTestId("steps").waitFor();
    expect(await page.getByTestId("step").count()).toBeGreaterThan(0);
    await page.locator('[data-testid="step"][data-kind="delegation"]').first().waitFor();
    const child = page.locator('[data-testid="tree-node"][data-root="false"]', { hasText: "Researcher" });
    await child.waitFor();
    expect(await page.locator('[data-testid="tree-node"][data-root="true"]').textContent()).toContain("Assistant");
    // Completed: nothing to cancel or resume.
    expect(await page.getByTestId("run-cancel").isDisabled()).toBe(true);
    expect(await page.getByTestId("run-resume").isDisabled()).toBe(true);
    await page.getByTestId("run-audit-empty").waitFor();
    await screenshot(page, "pages-02-run");
  });

  test("usage shows the tokens the turn spent", async () => {
    await page.getByTestId("nav-usage").click();
    await page.getByTestId("usage-page").waitFor();
    await expect.poll(() => usageTokens(page), { timeout: 15_000 }).toBeGreaterThan(tokensBefore);
    await page.getByTestId("usage-chart").waitFor();
    const account = page.locator('[data-testid="budget-row"][data-scope="account"][data-period="month"]');
    await expect.poll(async () => Number(await account.getAttribute("data-spent-tokens")), { timeout: 15_000 }).toBeGreaterThan(0);
    await page.getByTestId("set-budget").waitFor();
    await screenshot(page, "pages-03-usage");
  });

  test("jobs: none yet", async () => {
    await page.getByTestId("nav-jobs").click();
    await page.getByTestId("jobs-empty").waitFor();
    await screenshot(page, "pages-04-jobs");
  });

  test("a turn waiting for approval: in the inbox, then cancelled with a reason", async () => {
    await page.getByTestId("nav-chat").click();
    await page.getByTestId("new-thread").click();
    await page.getByTestId("thread-empty").waitFor();
    const input = page.getByTestId("composer-input");
    await input.fill("save_note: call the plumber on Monday");
    await input.press("Enter");
    await page.locator('[data-testid="approval-card"][data-tool-name="save_note"]').waitFor({ timeout: 45_000 });

    await page.getByTestId("nav-runs").click();
    const item = page.locator('[data-testid="approval-inbox-item"][data-tool-name="save_note"]');
    await item.waitFor();
    expect(await item.textContent()).toContain("plumber");
    await screenshot(page, "pages-05-approval-inbox");
    await item.getByTestId("approval-inbox-open").click();
    const summary = page.getByTestId("run-summary");
    await expect.poll(() => summary.getAttribute("data-status")).toBe("waiting");

    await page.getByTestId("run-cancel").click();
    const confirm = page.locator('[data-testid="run-confirm"][data-action="cancel"]');
    await confirm.waitFor();
    await expect.poll(() => confirm.getByTestId("run-preview-spent").textContent()).toContain("Spent so far");
    // A reason is required.
    expect(await confirm.getByTestId("run-confirm-submit").isDisabled()).toBe(true);
    await confirm.getByTestId("run-confirm-reason").fill("The user asked support to stop it");
    await screenshot(page, "pages-06-cancel-confirm");
    await confirm.getByTestId("run-confirm-submit").click();
    await expect.poll(() => summary.getAttribute("data-status")).toBe("cancelled");
    await page.getByTestId("run-action-done").waitFor();
    const entry = page.locator('[data-testid="audit-entry"][data-action="run.cancel"]');
    await entry.waitFor();
    expect(await entry.textContent()).toContain("The user asked support to stop it");
    await screenshot(page, "pages-07-run-cancelled");
  });

  test("no page errors, no server errors", () => {
    expect(browser!.pageErrors).toEqual([]);
    expect(app!.logs()).not.toMatch(/Uncaught error|Could not find module|is not supported in Convex|Server Error/);
  });
});
