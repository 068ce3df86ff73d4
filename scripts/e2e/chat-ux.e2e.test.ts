// @vitest-environment node
/**
 * The chat as people expect it from other chat apps, in Chromium against
 * `npm start`: Markdown replies (highlighted code with a copy button, tables,
 * safe links), staying at the bottom while a reply streams unless the reader
 * scrolls up, the keyboard (Enter / Shift+Enter / Esc / new-chat shortcut),
 * per-message copy, regenerate, edit and feedback (seen by staff on the run),
 * search over what was said, the phone layout, and states in words.
 *
 * The offline model answers "show me a markdown sample" with a long Markdown
 * reply (convex/models/offline/markdownSample.ts).
 */
import type { Page } from "playwright-core";
import { describe, expect, test } from "vitest";
import { pollUntil, readThread, repliesTo, screenshot, signIn, useAppAndBrowser, type App, type Browser, type ThreadView } from "./app";

let app: App;
let browser: Browser;
let page: Page;

useAppAndBrowser("chatux-", (session) => ({ app, browser, page } = session));

const SAMPLE = "Show me a markdown sample";

function lastTurnIs(view: ThreadView, status: string, count: number) {
  return view.turns.length === count && view.turns.at(-1) === status;
}

async function waitForTurns(target: Page, count: number, status = "completed") {
  return pollUntil(() => readThread(target), (view) => lastTurnIs(view, status, count) && view.messages.at(-1)?.settled !== false, {
    timeoutMs: 45_000,
    what: `turn ${count} to be ${status}`,
  });
}

const focusedTestId = (target: Page) => target.evaluate(() => document.activeElement?.getAttribute("data-testid") ?? null);
const clipboard = (target: Page) => target.evaluate(() => navigator.clipboard.readText());

describe("chat UX in Chromium against npm start", { timeout: 120_000 }, () => {
  test("an admin of the demo account lands on a ready composer", async () => {
    await browser.context.grantPermissions(["clipboard-read", "clipboard-write"], { origin: app.url });
    await page.setViewportSize({ width: 1100, height: 640 });
    await signIn(page, { url: app.url, name: "Uma User", orgId: "org_demo", role: "org:admin" });
    await expect.poll(() => focusedTestId(page)).toBe("composer-input");
    // Empty list, in words.
    expect(await page.getByTestId("thread-list-empty").textContent()).toMatch(/No conversations yet/);
  });

  test("Shift+Enter adds a line, Enter sends; the reply stays pinned to the bottom until the reader scrolls up", async () => {
    const input = page.getByTestId("composer-input");
    await page.keyboard.type("Show me a markdown");
    await page.keyboard.press("Shift+Enter");
    await page.keyboard.type("sample");
    expect(await input.inputValue()).toBe("Show me a markdown\nsample");
    await input.fill(SAMPLE);
    await page.keyboard.press("Enter");
    await page.getByTestId("thread").waitFor();
    await expect.poll(() => page.getByTestId("thread-title").textContent()).toBe(SAMPLE);

    const scroller = page.getByTestId("message-scroller");
    const distanceFromBottom = () => scroller.evaluate((el) => el.scrollHeight - el.scrollTop - el.clientHeight);
    // While it streams and overflows the view, the view follows it.
    await pollUntil(
      () => scroller.evaluate((el) => ({ overflow: el.scrollHeight > el.clientHeight + 100, running: document.querySelector('[data-testid="turn"]')?.getAttribute("data-status") })),
      (state) => state.overflow && state.running === "running",
      { timeoutMs: 45_000, what: "the reply to overflow the view while streaming" },
    );
    // (Polled: the text grows every few ms, and the view follows on the next frame.)
    await expect.poll(distanceFromBottom).toBeLessThan(48);
    // The reader scrolls up: left there while the text keeps growing, with "Jump to latest".
    await scroller.evaluate((el) => el.scrollTo({ top: 0 }));
    await page.getByTestId("jump-latest").waitFor();
    const heightBefore = await scroller.evaluate((el) => el.scrollHeight);
    await pollUntil(() => scroller.evaluate((el) => el.scrollHeight), (height) => height > heightBefore + 40, { what: "more text to stream in" });
    expect(await scroller.evaluate((el) => el.scrollTop)).toBe(0);
    await screenshot(page, "chatux-01-scrolled-up-while-streaming");
    await page.getByTestId("jump-latest").click();
    await expect.poll(distanceFromBottom).toBeLessThan(48);
    await expect.poll(() => page.getByTestId("jump-latest").count()).toBe(0);
    await waitForTurns(page, 1);
    await expect.poll(distanceFromBottom).toBeLessThan(48);
  });

  test("Markdown: highlighted code with a copy button, a table, safe links; the finished reply is announced", async () => {
    const reply = page.locator('[data-testid="message"][data-role="assistant"]').last();
    const blocks = reply.getByTestId("code-block");
    await expect.poll(() => blocks.count()).toBe(2);
    expect(await blocks.first().getAttribute("data-language")).toBe("ts");
    // Highlighted once the (lazily loaded) highlighter is in: keywords and strings get their classes.
    await expect.poll(() => blocks.first().locator(".hljs-keyword").count()).toBeGreaterThan(2);
    expect(await blocks.nth(1).locator(".hljs-string, .hljs-keyword").count()).toBeGreaterThan(0);
    await blocks.first().getByTestId("code-copy").click();
    await expect.poll(() => blocks.first().getByTestId("code-copy").textContent()).toBe("Copied");
    const copied = await clipboard(page);
    expect(copied.startsWith("export function fibonacci(n: number): number {")).toBe(true);
    expect(copied).toContain('console.log(fibonacci(10), "is the tenth Fibonacci number");');
    expect(copied).not.toContain("```");

    // A GFM table with its header and three rows; a task list.
    const table = reply.locator("table");
    expect(await table.locator("th").allTextContents()).toEqual(["Language", "Typing", "First released"]);
    expect(await table.locator("tbody tr").count()).toBe(3);
    expect(await reply.locator('input[type="checkbox"]').count()).toBe(3);
    // Links open in a new tab without a handle on this one; the javascript: link is not a link at all.
    const guide = reply.locator("a", { hasText: "Markdown guide" });
    expect(await guide.getAttribute("href")).toBe("https://commonmark.org/help/");
    expect(await guide.getAttribute("target")).toBe("_blank");
    expect(await guide.getAttribute("rel")).toContain("noopener");
    expect(await reply.locator('a[href^="javascript"]').count()).toBe(0);
    expect(await reply.locator("a", { hasText: "suspicious link" }).count()).toBe(0);
    expect(await reply.getByText("suspicious link").count()).toBe(1);
    // The screen reader's polite live region read the finished reply.
    await expect.poll(() => page.getByTestId("reply-announcer").textContent()).toMatch(/^Assistant replied: ## Formatting sample/);
    await reply.scrollIntoViewIfNeeded();
    await blocks.first().scrollIntoViewIfNeeded();
    await screenshot(page, "chatux-02-markdown-code-table");
  });

  test("sending while scrolled up brings the view back down; Esc stops a streaming reply through the turn's cancel", async () => {
    const scroller = page.getByTestId("message-scroller");
    await scroller.evaluate((el) => el.scrollTo({ top: 0 }));
    await page.getByTestId("jump-latest").waitFor();
    await page.getByTestId("composer-input").fill("Show me a markdown example please");
    await page.keyboard.press("Enter");
    await expect.poll(() => scroller.evaluate((el) => el.scrollHeight - el.scrollTop - el.clientHeight)).toBeLessThan(48);
    await pollUntil(
      () => readThread(page),
      (view) => view.turns[1] === "running" && (repliesTo(view, "Show me a markdown example please").at(-1)?.text.length ?? 0) > 20,
      { timeoutMs: 45_000, what: "the second reply to stream" },
    );
    await page.keyboard.press("Escape");
    const view = await pollUntil(() => readThread(page), (v) => v.turns[1] === "cancelled", { timeoutMs: 15_000, what: "the turn to be cancelled" });
    expect(view.turns).toEqual(["completed", "cancelled"]);
    await expect.poll(() => page.getByTestId("streaming-indicator").count()).toBe(0);
    // Screen readers hear that it stopped (not the partial text as a finished reply); the cursor stays in the composer.
    await expect.poll(() => page.getByTestId("reply-announcer").textContent()).toBe("The reply was stopped.");
    expect(await focusedTestId(page)).toBe("composer-input");
  });

  test("copy a reply, regenerate the last one (the old reply kept), edit the last message and resend", async () => {
    await page.getByTestId("composer-input").fill("Hello there, garden helper");
    await page.keyboard.press("Enter");
    await waitForTurns(page, 3);
    const lastReply = page.locator("li", { has: page.locator('[data-testid="message"][data-role="assistant"]') }).last();
    await lastReply.getByTestId("message-copy").click();
    const replyText = repliesTo(await readThread(page), "Hello there, garden helper").at(-1)!.text;
    // The copy is the reply's Markdown, where paragraphs are a blank line apart; the page's text is one line break apart.
    const paragraphs = (text: string) => text.split(/\n+/).map((line) => line.trim()).filter(Boolean);
    await expect.poll(async () => paragraphs(await clipboard(page))).toEqual(paragraphs(replyText));

    // Regenerate: only on the last reply; a new turn for the same message.
    expect(await page.getByTestId("message-regenerate").count()).toBe(1);
    await page.getByTestId("message-regenerate").click();
    const regenerated = await waitForTurns(page, 4);
    expect(regenerated.messages.filter((m) => m.role === "user").map((m) => m.text)).toEqual([
      SAMPLE,
      "Show me a markdown example please",
      "Hello there, garden helper",
      "Hello there, garden helper",
    ]);
    expect(regenerated.turns).toEqual(["completed", "cancelled", "completed", "completed"]);
    // The earlier reply is still there.
    expect(regenerated.messages.filter((m) => m.role === "assistant" && m.text === replyText).length).toBe(2);
    expect(await page.getByTestId("asked-again").count()).toBe(1);

    // Edit the last message: it comes back into the composer; Esc leaves the edit; Enter sends the edit.
    await page.getByTestId("message-edit").click();
    await page.getByTestId("composer-editing").waitFor();
    const input = page.getByTestId("composer-input");
    expect(await input.inputValue()).toBe("Hello there, garden helper");
    expect(await focusedTestId(page)).toBe("composer-input");
    await page.keyboard.press("Escape");
    await expect.poll(() => page.getByTestId("composer-editing").count()).toBe(0);
    await page.getByTestId("message-edit").click();
    await input.fill("Hello there, balcony garden helper");
    await screenshot(page, "chatux-03-editing-last-message");
    await page.keyboard.press("Enter");
    const edited = await waitForTurns(page, 5);
    expect(edited.messages.filter((m) => m.role === "user").at(-1)!.text).toBe("Hello there, balcony garden helper");
    expect(repliesTo(edited, "Hello there, balcony garden helper")).toHaveLength(1);
  });

  test("thumbs down with a comment, kept after a reload and shown to staff on the run page", async () => {
    const lastItem = page.locator("li", { has: page.locator('[data-testid="message"][data-role="assistant"]') }).last();
    await lastItem.getByTestId("feedback-down").click();
    await expect.poll(() => lastItem.getByTestId("feedback-down").getAttribute("aria-pressed")).toBe("true");
    expect(await lastItem.getByTestId("feedback-up").getAttribute("aria-pressed")).toBe("false");
    await lastItem.getByTestId("feedback-comment").fill("It did not mention balconies.");
    await screenshot(page, "chatux-04-feedback-comment");
    await lastItem.getByTestId("feedback-save").click();
    await expect.poll(() => lastItem.getByTestId("feedback-comment-saved").textContent()).toBe("“It did not mention balconies.”");

    await page.reload();
    const reloaded = page.locator("li", { has: page.locator('[data-testid="message"][data-role="assistant"]') }).last();
    await expect.poll(() => reloaded.getByTestId("feedback-down").getAttribute("aria-pressed"), { timeout: 30_000 }).toBe("true");

    // Support staff (this admin) open the run from its footer and read the feedback.
    await page.locator('[data-testid="turn"]').last().getByTestId("turn-open-run").click();
    const item = page.getByTestId("run-feedback-item");
    await item.waitFor({ timeout: 30_000 });
    expect(await item.getAttribute("data-rating")).toBe("down");
    expect(await item.getByTestId("run-feedback-comment").textContent()).toBe("It did not mention balconies.");
    await page.getByTestId("run-feedback").scrollIntoViewIfNeeded();
    await screenshot(page, "chatux-05-feedback-on-run-page");
    await page.goBack();
    await page.getByTestId("thread").waitFor();
  });

  test("search finds a conversation by words only its messages contain; no match is said in words", async () => {
    const search = page.getByTestId("thread-search");
    // "fibonacci" is in the sample reply, not in any title.
    await search.fill("fibonacci");
    const hit = page.getByTestId("thread-item").filter({ hasText: SAMPLE });
    await hit.waitFor();
    expect(await hit.getByTestId("thread-item-snippet").textContent()).toMatch(/fibonacci/i);
    expect(await page.getByTestId("thread-item").count()).toBe(1);
    await screenshot(page, "chatux-06-search-in-messages");
    await search.fill("xylophones");
    await expect.poll(() => page.getByTestId("thread-list-empty").textContent()).toBe("No conversation mentions “xylophones”.");
    await search.fill("");
  });

  test("Ctrl+Shift+O starts a new chat with the cursor in the composer; another agent can be picked there; focus is visible", async () => {
    await page.locator("body").click({ position: { x: 5, y: 300 } });
    await page.keyboard.press("Control+Shift+O");
    await expect.poll(() => new URL(page.url()).pathname).toBe("/chat");
    await expect.poll(() => focusedTestId(page)).toBe("composer-input");
    // Another agent for this new chat, picked in the composer; the thread is that agent's.
    await page.getByTestId("agent-picker").selectOption({ label: "Researcher" });
    await expect.poll(() => page.getByTestId("thread-agent").textContent()).toBe("Researcher");
    await page.getByTestId("composer-input").fill("Find facts about tides");
    await page.keyboard.press("Enter");
    await page.getByTestId("thread").waitFor();
    await expect.poll(() => page.getByTestId("thread-agent").textContent()).toBe("Researcher");
    await waitForTurns(page, 1);
    // The choice is kept for the next new chat.
    await page.getByTestId("new-thread").click();
    await expect.poll(() => page.getByTestId("agent-picker").locator("option:checked").textContent()).toBe("Researcher");
    // Keyboard focus on a button draws an outline.
    await page.getByTestId("new-thread").focus();
    await page.keyboard.press("Shift+Tab");
    await page.keyboard.press("Tab");
    const outline = await page.getByTestId("new-thread").evaluate((el) => getComputedStyle(el).outlineStyle);
    expect(outline).not.toBe("none");
  });

  test("a conversation that cannot be opened says so in words", async () => {
    await page.goto(`${app.url}/chat/not-a-thread-id`);
    const error = page.getByTestId("thread-error");
    await error.waitFor({ timeout: 30_000 });
    expect(await error.textContent()).toMatch(/Cannot open this conversation/);
  });

  test("at phone width: conversations in a drawer, composer at the bottom, nothing wider than the screen", async () => {
    const phone = await browser.context.newPage();
    await phone.setViewportSize({ width: 390, height: 844 });
    await phone.goto(`${app.url}/chat`);
    await phone.getByTestId("chat-empty").waitFor({ timeout: 45_000 });
    const noOverflow = () => phone.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth && document.body.scrollWidth <= window.innerWidth);
    await expect.poll(() => focusedTestId(phone)).toBe("composer-input");
    expect(await noOverflow()).toBe(true);
    // The drawer is closed (and out of the tab order) until asked for.
    const sidebar = phone.getByTestId("thread-sidebar");
    // Polled: the page's stylesheets arrive with the lazily loaded chat route.
    await expect.poll(() => sidebar.isVisible()).toBe(false);
    const composerBottom = async () => (await phone.getByTestId("composer-input").boundingBox())!;
    const box = await composerBottom();
    expect(box.y + box.height).toBeLessThanOrEqual(844);
    expect(box.y + box.height).toBeGreaterThan(844 - 120);
    await screenshot(phone, "chatux-07-phone-new-chat");

    await phone.getByTestId("show-threads").click();
    await expect.poll(() => sidebar.isVisible()).toBe(true);
    await expect.poll(() => focusedTestId(phone)).toBe("new-thread");
    // Slid fully in.
    await expect.poll(async () => (await sidebar.boundingBox())?.x).toBe(0);
    expect(await noOverflow()).toBe(true);
    await screenshot(phone, "chatux-08-phone-drawer");
    await phone.getByTestId("thread-item").filter({ hasText: SAMPLE }).getByTestId("thread-link").click();
    await phone.getByTestId("thread").waitFor();
    await expect.poll(() => sidebar.isVisible()).toBe(false);
    // The code and the table scroll inside the reply; the page itself does not.
    await phone.getByTestId("code-block").first().waitFor();
    expect(await noOverflow()).toBe(true);
    const threadBox = await composerBottom();
    expect(threadBox.y + threadBox.height).toBeLessThanOrEqual(844);
    await phone.getByTestId("code-block").first().scrollIntoViewIfNeeded();
    await screenshot(phone, "chatux-09-phone-thread");
    // Esc closes the drawer again.
    await phone.getByTestId("show-threads").click();
    await expect.poll(() => sidebar.isVisible()).toBe(true);
    // Esc is the drawer's once focus has moved into it (a frame after it opens).
    await expect.poll(() => focusedTestId(phone)).toBe("new-thread");
    await phone.keyboard.press("Escape");
    await expect.poll(() => sidebar.isVisible()).toBe(false);
    await phone.close();
  });

  test("no page errors, no server errors", () => {
    expect(browser.pageErrors).toEqual([]);
    expect(app.logs()).not.toMatch(/Uncaught error|Could not find module|is not supported in Convex|Server Error/);
  });
});
