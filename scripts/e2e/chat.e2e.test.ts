// @vitest-environment node
/**
 * The chat app in a real browser (Debian's Chromium via playwright-core)
 * against the real `npm start`: local sign-in into the seeded demo account,
 * landing on a ready composer, the first message creating the thread, a
 * reply streaming in (in two tabs at once), a tool call approved by the
 * user, and a reload in the middle of a reply.
 *
 * Every step waits on test ids (web/README.md) or polls what the page shows;
 * screenshots of each state go to artifacts/screenshots/.
 */
import type { Page } from "playwright-core";
import { describe, expect, test } from "vitest";
import { pollUntil, readThread, repliesTo, screenshot, useAppAndBrowser, type App, type Browser, type ThreadView } from "./app";

let app: App;
let browser: Browser;
let page: Page;
let threadUrl: string;

useAppAndBrowser("chat-", (session) => ({ app, browser, page } = session));

/** The turn of the last prompt has ended and all of its replies are shown in full. */
function settled(view: ThreadView, prompt: string, turnIndex: number): boolean {
  const replies = repliesTo(view, prompt);
  return view.turns[turnIndex] === "completed" && replies.length > 0 && replies.every((reply) => reply.status === "success" && reply.settled);
}

type Observation = { length: number; active: boolean };

/**
 * Watch the reply to `prompt` (turn number `turnIndex`) until the turn has
 * completed and the reply is fully shown. Returns each text length seen while
 * the turn was still active, and the final text.
 */
async function watchReply(target: Page, prompt: string, turnIndex: number, onStreaming?: (length: number) => Promise<void>) {
  const seen: Observation[] = [];
  let fired = false;
  const final = await pollUntil(
    async () => {
      const view = await readThread(target);
      const text = repliesTo(view, prompt).at(-1)?.text ?? "";
      const turn = view.turns[turnIndex];
      const active = turn === "queued" || turn === "running";
      seen.push({ length: text.length, active });
      if (active && !fired && text.length > 40 && onStreaming !== undefined) {
        fired = true;
        await onStreaming(text.length);
      }
      return view;
    },
    (view) => settled(view, prompt, turnIndex),
    { timeoutMs: 45_000, what: `the reply to "${prompt}"` },
  );
  // Observations during the turn where the text had grown since the one before.
  let growth = 0;
  for (let i = 1; i < seen.length; i++) if (seen[i]!.active && seen[i]!.length > seen[i - 1]!.length) growth++;
  const replies = repliesTo(final, prompt);
  return { growth, replies, text: replies.at(-1)!.text, seen };
}

async function send(target: Page, text: string) {
  const input = target.getByTestId("composer-input");
  await input.fill(text);
  await input.press("Enter");
  // The prompt shows at once (optimistic), and the box empties.
  await target.locator('[data-testid="message"][data-role="user"]', { hasText: text }).first().waitFor();
  await expect.poll(() => input.inputValue()).toBe("");
}

describe("the chat app in Chromium against npm start", { timeout: 90_000 }, () => {
  test("local sign-in lands in the seeded demo account", async () => {
    await page.goto(app!.url);
    await page.getByTestId("signin-name").waitFor();
    expect(new URL(page.url()).pathname).toBe("/signin");
    await page.getByTestId("signin-name").fill("Dana Demo");
    await page.getByTestId("signin-email").fill("dana@example.test");
    await page.getByTestId("signin-org-id").fill("org_demo");
    await screenshot(page, "chat-01-sign-in");
    await page.getByTestId("signin-submit").click();

    await page.getByTestId("chat-empty").waitFor({ timeout: 45_000 });
    expect(new URL(page.url()).pathname).toBe("/chat");
    await expect.poll(() => page.getByTestId("current-user").textContent()).toContain("Dana Demo");
    const account = page.getByTestId("account-switcher");
    await expect.poll(async () => (await account.locator("option:checked").textContent()) ?? "").toContain("Demo Co");
    // The demo account's agents in the composer, the Assistant picked by default.
    const picker = page.getByTestId("agent-picker");
    await expect.poll(() => picker.isEnabled()).toBe(true);
    expect(await picker.locator("option:checked").textContent()).toBe("Assistant");
    // No button to find first: the cursor is already in the message box.
    await expect.poll(() => page.evaluate(() => document.activeElement?.getAttribute("data-testid"))).toBe("composer-input");
    await screenshot(page, "chat-02-chat-home");
  });

  test("the first message creates the thread, titled from it; the reply streams in, in a second tab too", async () => {
    const opening = "Let's plan a vegetable garden together";
    await page.keyboard.type(opening);
    await page.keyboard.press("Enter");
    await page.getByTestId("thread").waitFor();
    await expect.poll(() => page.getByTestId("thread-title").textContent()).toBe(opening);
    await expect.poll(() => page.getByTestId("model-label").textContent()).toBe("Offline model (built-in)");
    threadUrl = page.url();
    expect(new URL(threadUrl).pathname).toMatch(/^\/chat\/.+/);
    // Listed in the sidebar under its title; the reply to the first message arrives.
    await page.getByTestId("thread-item").filter({ hasText: opening }).waitFor();
    await pollUntil(() => readThread(page), (view) => settled(view, opening, 0), { timeoutMs: 45_000, what: "the reply to the first message" });
    await screenshot(page, "chat-03-new-thread");

    // A second tab on the same thread (same browser profile: already signed in).
    const second = await browser!.context.newPage();
    await second.goto(threadUrl);
    await second.locator('[data-testid="turn"][data-status="completed"]').waitFor({ timeout: 45_000 });

    const prompt = "Tell me about planning a small garden with tomatoes, basil and peppers.";
    await send(page, prompt);
    const [first, other] = await Promise.all([
      watchReply(page, prompt, 1, () => screenshot(page, "chat-04-reply-streaming")),
      watchReply(second, prompt, 1, () => screenshot(second, "chat-05-second-tab-streaming")),
    ]);
    // Streaming: the text grew over several observations before the turn completed, in both tabs.
    expect(first.growth, JSON.stringify(first.seen)).toBeGreaterThanOrEqual(3);
    expect(other.growth, JSON.stringify(other.seen)).toBeGreaterThanOrEqual(3);
    expect(first.replies).toHaveLength(1);
    expect(first.text.length).toBeGreaterThan(100);
    expect(first.text).toContain("I'm the built-in offline model: I work without any network connection");
    expect(first.text).toContain("connect a model provider in Settings → Models");
    expect(other.text).toBe(first.text);
    await expect.poll(() => page.getByTestId("streaming-indicator").count()).toBe(0);
    await screenshot(page, "chat-06-reply-complete");
    await second.close();
  });

  test("a tool that needs approval waits for the user, then runs", async () => {
    const prompt = "save_note: call the plumber on Monday";
    await send(page, prompt);
    const card = page.locator('[data-testid="approval-card"][data-tool-name="save_note"]');
    await card.waitFor({ timeout: 45_000 });
    await page.locator('[data-testid="streaming-indicator"][data-status="waiting"]').waitFor();
    expect(await page.locator('[data-testid="turn"]').nth(2).getAttribute("data-status")).toBe("waiting");
    expect(await card.getByTestId("approval-args").textContent()).toContain("plumber");
    // The parked call says it is waiting, not running.
    const parked = page.locator('[data-testid="tool-call"][data-tool-name="save_note"]');
    await expect.poll(() => parked.getAttribute("data-state")).toBe("approval-requested");
    await screenshot(page, "chat-07-approval-requested");

    await card.getByTestId("approval-approve").click();
    await card.waitFor({ state: "detached" });
    const final = await pollUntil(() => readThread(page), (view) => settled(view, prompt, 2), { timeoutMs: 45_000, what: "the reply after approval" });
    const tool = page.locator('[data-testid="tool-call"][data-tool-name="save_note"]');
    await expect.poll(() => tool.getAttribute("data-state")).toBe("output-available");
    const reply = repliesTo(final, prompt).at(-1)!;
    expect(reply.text.length).toBeGreaterThan(0);
    // The call, opened: what it was asked to save, and that it did.
    await tool.locator("summary").click();
    expect(await tool.getByTestId("tool-call-input").textContent()).toContain("plumber");
    expect(await tool.getByTestId("tool-call-output").textContent()).toMatch(/"saved":\s*true/);
    await screenshot(page, "chat-08-approval-approved");
  });

  test("a reload in the middle of a reply finds it intact once complete", async () => {
    // A second tab that stays put is the reference for the full reply.
    const reference = await browser!.context.newPage();
    await reference.goto(threadUrl);
    await reference.getByTestId("thread").waitFor({ timeout: 45_000 });
    await reference.locator('[data-testid="turn"]').nth(2).waitFor();

    const prompt = "Explain how compost helps tomatoes, basil and peppers grow in a small garden.";
    await send(page, prompt);
    // Mid-stream: the turn is running and part of the reply is shown.
    const before = await pollUntil(
      () => readThread(page),
      (view) => view.turns[3] === "running" && (repliesTo(view, prompt).at(-1)?.text.length ?? 0) > 20,
      { timeoutMs: 45_000, what: "the reply to start streaming" },
    );
    const partial = repliesTo(before, prompt).at(-1)!.text;
    await screenshot(page, "chat-09-before-reload-mid-stream");
    await page.reload();
    await page.getByTestId("thread").waitFor({ timeout: 45_000 });

    const [after, full] = await Promise.all([
      pollUntil(() => readThread(page), (view) => settled(view, prompt, 3), { timeoutMs: 45_000, what: "the reply after the reload" }),
      pollUntil(() => readThread(reference), (view) => settled(view, prompt, 3), { timeoutMs: 45_000, what: "the reply in the other tab" }),
    ]);
    const replies = repliesTo(after, prompt);
    expect(replies).toHaveLength(1);
    const expected = repliesTo(full, prompt)[0]!.text;
    expect(replies[0]!.text).toBe(expected);
    expect(expected.length).toBeGreaterThan(partial.length);
    expect(expected.startsWith(partial.replace(/\s+$/, ""))).toBe(true);
    // Nothing else changed: one prompt each, every turn completed.
    expect(after.messages.filter((m) => m.role === "user").map((m) => m.text)).toEqual([
      "Let's plan a vegetable garden together",
      "Tell me about planning a small garden with tomatoes, basil and peppers.",
      "save_note: call the plumber on Monday",
      prompt,
    ]);
    expect(after.turns).toEqual(["completed", "completed", "completed", "completed"]);
    await screenshot(page, "chat-10-after-reload");
    await reference.close();
  });

  test("no page errors, no server errors", () => {
    expect(browser!.pageErrors).toEqual([]);
    const logs = app!.logs();
    expect(logs).not.toMatch(/Uncaught error|Could not find module|is not supported in Convex|Server Error/);
  });
});
