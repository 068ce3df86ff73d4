// @vitest-environment node
/**
 * Settings → Teams in a real browser (Debian's Chromium via playwright-core)
 * against the real `npm start`: an account admin creates a team, adds a
 * member as its lead, renames it, is told at the field when a name is taken,
 * makes the assistant available to that team only, and archives the team;
 * the member then no longer finds the assistant among the agents, until the
 * admin restores the team.
 *
 * Every step waits on test ids; screenshots go to artifacts/screenshots/ (`teams*`).
 */
import type { Page } from "playwright-core";
import { describe, expect, test } from "vitest";
import { pollUntil, screenshot, signIn as signInOnPage, useAppAndBrowser, type App, type Browser } from "./app";

let app: App;
let browser: Browser;
let page: Page;

useAppAndBrowser("teams", (session) => ({ app, browser, page } = session));

async function signIn(name: string, email: string, role: "org:admin" | "org:member") {
  await signInOnPage(page, { name, email, orgId: "org_teams", role }, { landing: "current-user" });
}

async function listedAgentSlugs(): Promise<string[]> {
  await page.getByTestId("nav-agents").click();
  await page.getByTestId("agents-list").waitFor();
  return await page.locator('[data-testid="agent-row"]').evaluateAll((rows) => rows.map((row) => row.getAttribute("data-slug") ?? ""));
}

describe("Settings → Teams in Chromium against npm start", { timeout: 90_000 }, () => {
  test("a member signs in first (so the admin can add them), and sees the assistant", async () => {
    await page.goto(app.url);
    await signIn("Mia Member", "mia@example.test", "org:member");
    expect(await listedAgentSlugs()).toContain("assistant");
    await page.getByTestId("sign-out").click();
  });

  test("an admin creates a team, adds the member as lead, renames it, sets its budget; a taken name is shown at the field", async () => {
    await signIn("Ada Admin", "ada@example.test", "org:admin");
    await page.getByTestId("nav-settings").click();
    await page.getByTestId("teams-empty").waitFor();
    await page.getByTestId("team-create-name").fill("Sales");
    await page.getByTestId("team-create-submit").click();
    const card = page.locator('[data-testid="team-card"]').first();
    await card.getByTestId("team-members-empty").waitFor();

    await card.getByTestId("team-add-member-user").selectOption({ label: "Mia Member" });
    await card.getByTestId("team-add-member-role").selectOption("lead");
    await card.getByTestId("team-add-member-submit").click();
    await card.locator('[data-testid="team-member-row"][data-role="lead"]').waitFor();

    await card.getByTestId("team-rename-name").fill("Revenue");
    await card.getByTestId("team-rename-submit").click();
    await pollUntil(() => card.getByTestId("team-name").textContent(), (text) => text === "Revenue", { what: "the new name" });

    await card.getByTestId("team-budget-cap").fill("25");
    await card.getByTestId("team-budget-save").click();
    await pollUntil(() => card.getByTestId("team-budget-status").textContent(), (text) => text?.includes("spent of $25") ?? false, { what: "the team's budget" });

    await page.getByTestId("team-create-name").fill("Revenue");
    await page.getByTestId("team-create-submit").click();
    const fieldError = page.getByTestId("team-create-form").getByTestId("field-error");
    await fieldError.waitFor();
    expect(await fieldError.getAttribute("data-field")).toBe("name");
    expect(await fieldError.textContent()).toContain('already a team called "Revenue"');
    expect(await page.locator('[data-testid="team-card"]').count()).toBe(1);
    await screenshot(page, "teams-01-settings");
  });

  test("the admin makes the assistant available to the team only, then archives the team", async () => {
    expect(await listedAgentSlugs()).toContain("assistant");
    const agentId = await page.locator('[data-testid="agent-row"][data-slug="assistant"]').getAttribute("data-agent-id");
    await page.goto(`${app.url}/agents/${agentId}?view=settings`);
    const panel = page.getByTestId("agent-availability");
    await panel.waitFor();
    await panel.getByTestId("availability-some").check();
    await panel.locator('[data-testid="availability-team"][data-label="Revenue"]').check();
    await panel.getByTestId("availability-save").click();
    await panel.getByTestId("availability-saved").waitFor();
    await screenshot(page, "teams-02-availability");

    await page.getByTestId("nav-settings").click();
    const card = page.locator('[data-testid="team-card"]').first();
    await card.getByTestId("team-archive").click();
    await card.getByTestId("team-archive-confirm").click();
    await page.getByTestId("teams-empty").waitFor();
    await page.getByTestId("teams-show-archived").check();
    await page.locator('[data-testid="team-card"][data-status="archived"]').waitFor();
  });

  test("the member, whose only team is archived, no longer finds the assistant", async () => {
    await page.getByTestId("sign-out").click();
    await signIn("Mia Member", "mia@example.test", "org:member");
    expect(await listedAgentSlugs()).not.toContain("assistant");
    await screenshot(page, "teams-03-member-agents");
  });

  test("the admin restores the team: the member has the assistant back", async () => {
    await page.getByTestId("sign-out").click();
    await signIn("Ada Admin", "ada@example.test", "org:admin");
    await page.getByTestId("nav-settings").click();
    await page.getByTestId("teams-show-archived").check();
    const archived = page.locator('[data-testid="team-card"][data-status="archived"]');
    await archived.getByTestId("team-restore").click();
    await page.locator('[data-testid="team-card"][data-status="active"]').waitFor();
    const card = page.locator('[data-testid="team-card"][data-status="active"]');
    await card.locator('[data-testid="team-member-row"][data-role="lead"]').waitFor();
    await screenshot(page, "teams-04-restored");
    await page.getByTestId("sign-out").click();
    await signIn("Mia Member", "mia@example.test", "org:member");
    expect(await listedAgentSlugs()).toContain("assistant");
  });

  test("no page errors, no server errors", () => {
    expect(browser.pageErrors).toEqual([]);
    expect(app.logs()).not.toMatch(/Uncaught error|Could not find module|is not supported in Convex|Server Error/);
  });
});
