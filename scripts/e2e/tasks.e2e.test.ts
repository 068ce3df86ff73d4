// @vitest-environment node
/**
 * Agent views and the task board in a real browser (Debian's Chromium via
 * playwright-core) against the real `npm start`: an admin makes a Project
 * assistant from its template, opens its board in a second tab, asks the
 * assistant (the offline model) in the first tab to add a task and move it,
 * and watches the second tab's board follow; then moves a card with the
 * keyboard and drags one back, and the first tab's board follows in turn.
 *
 * Screenshots go to artifacts/screenshots/ (`tasks-*.png`).
 */
import type { Page } from "playwright-core";
import { describe, expect, test } from "vitest";
import { screenshot, signIn, useAppAndBrowser, type App, type Browser } from "./app";

let app: App;
let browser: Browser;
let page: Page;
let board: Page;
let agentUrl: string;

useAppAndBrowser("tasks", (session) => ({ app, browser, page } = session));

const card = (target: Page, title: string) => target.locator('[data-testid="kanban-card"]', { hasText: title });
const cardIn = (target: Page, column: string, title: string) =>
  target.locator(`[data-testid="kanban-column"][data-column="${column}"] [data-testid="kanban-card"]`, { hasText: title });

async function send(target: Page, text: string) {
  const input = target.getByTestId("composer-input");
  await input.fill(text);
  await input.press("Enter");
  await target.locator('[data-testid="message"][data-role="user"]', { hasText: text }).first().waitFor();
}

describe("agent views and the task board in Chromium against npm start", { timeout: 90_000 }, () => {
  test("an admin makes a Project assistant; its page has Chat, Board and Settings tabs", async () => {
    await signIn(page, { url: app.url, name: "Paula Planner", email: "paula@example.test", orgId: "org_tasks", role: "org:admin" });

    await page.getByTestId("nav-agents").click();
    const template = page.locator('[data-testid="template-card"][data-template-slug="project-assistant"]');
    await template.getByTestId("template-instantiate").click();
    await template.locator('[data-testid="template-created-agent"][data-slug="project-assistant"]').click();
    await page.getByTestId("agent-view-tabs").waitFor();
    await expect.poll(() => page.getByTestId("agent-view-tab").allTextContents()).toEqual(["Chat", "Board", "Settings"]);
    agentUrl = page.url().split("?")[0]!;
  });

  test("the agent moves a task in one tab; the board in a second tab follows", async () => {
    board = await browser.context.newPage();
    await board.goto(`${agentUrl}?view=1-kanban`);
    await board.getByTestId("kanban").waitFor();
    expect(await board.locator('[data-testid="kanban-column"] h3').allTextContents()).toEqual(["To do 0", "Doing 0", "Done 0"]);

    await page.locator('[data-testid="agent-view-tab"][data-view="0-conversation"]').click();
    await page.getByTestId("conversation-start").click();
    await send(page, "Add a task: “Write the launch brief”");
    await cardIn(board, "todo", "Write the launch brief").waitFor();
    expect(await card(board, "Write the launch brief").textContent()).toContain("added by the agent");

    await send(page, "Move “Write the launch brief” to doing");
    await cardIn(board, "doing", "Write the launch brief").waitFor();
    await page.locator('[data-testid="message"][data-role="assistant"]', { hasText: "it is now in doing" }).waitFor();
    await screenshot(board, "tasks-01-board-after-agent-move");
    await screenshot(page, "tasks-02-chat-view");
  });

  test("a card moves with the keyboard and by dragging; the other tab follows", async () => {
    await board.getByTestId("new-task").locator("input").fill("Book the venue");
    await board.getByTestId("new-task").getByRole("button", { name: "Add task" }).click();
    await cardIn(board, "todo", "Book the venue").waitFor();

    // Keyboard: focus the card, → moves it to the next column.
    await card(board, "Book the venue").focus();
    await board.keyboard.press("ArrowRight");
    await cardIn(board, "doing", "Book the venue").waitFor();
    await expect.poll(() => board.getByTestId("board-announcement").textContent()).toBe("Moved “Book the venue” to Doing.");
    // The card keeps the focus in its new column; ↑ puts it above the brief.
    await expect.poll(() => board.evaluate(() => document.activeElement?.textContent ?? "")).toContain("Book the venue");
    await board.keyboard.press("ArrowUp");
    await expect
      .poll(() => board.locator('[data-testid="kanban-column"][data-column="doing"] .kanban-title').allTextContents())
      .toEqual(["Book the venue", "Write the launch brief"]);

    // Drag the brief to Done.
    await card(board, "Write the launch brief").dragTo(board.locator('[data-testid="kanban-column"][data-column="done"]'));
    await cardIn(board, "done", "Write the launch brief").waitFor();

    // The first tab's board shows the same.
    await page.locator('[data-testid="agent-view-tab"][data-view="1-kanban"]').click();
    await cardIn(page, "done", "Write the launch brief").waitFor();
    await cardIn(page, "doing", "Book the venue").waitFor();
    await screenshot(page, "tasks-03-board");
  });

  test("import: a bad view config is refused at its line; a view type the app does not know shows a not-supported card", async () => {
    await page.goto(`${agentUrl}?view=settings`);
    await page.getByTestId("manifest-export-open").click();
    const exported = JSON.parse((await page.getByTestId("manifest-json").textContent()) ?? "") as Record<string, unknown> & {
      views: { type: string; config?: { columns: unknown[] } }[];
    };
    await page.getByTestId("agents-tab-import").click();
    await page.getByTestId("manifest-import-page").waitFor();
    const problem = page.getByTestId("manifest-error");
    const [chat, board] = exported.views;
    const bad = JSON.stringify({ ...exported, slug: "planner", name: "Planner", views: [chat, { ...board, config: { group_by: "status", columns: ["todo", "Not A Key"] } }] }, null, 2);
    await page.getByTestId("manifest-input").fill(bad);
    await page.getByTestId("manifest-import-submit").click();
    await expect.poll(() => problem.getAttribute("data-field")).toBe("views[1].config.columns[1]");
    expect(Number(await problem.getAttribute("data-line"))).toBe(bad.split("\n").findIndex((l) => l.includes('"Not A Key"')) + 1);
    await screenshot(page, "tasks-04-import-bad-view");

    const good = JSON.stringify({ ...exported, slug: "planner", name: "Planner", views: [...exported.views, { type: "calendar", name: "Due dates" }] }, null, 2);
    await page.getByTestId("manifest-input").fill(good);
    await page.getByTestId("manifest-import-submit").click();
    await page.getByTestId("manifest-imported-link").click();
    await page.getByTestId("agent-view-tabs").waitFor();
    await page.locator('[data-testid="agent-view-tab"]', { hasText: "Due dates" }).click();
    await page.getByTestId("view-unsupported").waitFor();
    expect(await page.getByTestId("view-unsupported").textContent()).toContain('This app does not support "calendar" views yet.');
    await screenshot(page, "tasks-05-view-not-supported");
    expect(browser.pageErrors).toEqual([]);
  });
});
