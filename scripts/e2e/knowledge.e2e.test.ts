// @vitest-environment node
/**
 * Knowledge end to end in Chromium against the real `npm start`: a member
 * uploads a Markdown file into their own scope, watches it become ready,
 * finds it by search (ranked, with a score), remembers a fact, then asks the
 * Assistant a question the document answers — the answer cites it as [1],
 * linked to the document, and the link opens it on the Knowledge page.
 * Then the document is deleted (with a confirmation). Last, a PDF is read on
 * the server (unpdf, in the local engine) and a search hit opens it at its
 * page; a password-protected PDF fails with the reason.
 *
 * Screenshots: artifacts/screenshots/knowledge.png, knowledge-*.png.
 */
import { readFileSync } from "node:fs";
import type { Page } from "playwright-core";
import { describe, expect, test } from "vitest";
import { askInNewThread, repliesTo, screenshot, signIn, useAppAndBrowser, type App, type Browser } from "./app";

let app: App;
let browser: Browser;
let page: Page;
let documentId = "";

useAppAndBrowser("knowledge-", (session) => ({ app, browser, page } = session));

const FILE = `# Ficus care

Water the ficus every Tuesday with half a litre of rainwater.

## Light

Keep the ficus in bright, indirect light and away from radiators.`;
const QUESTION = "How much rainwater does the ficus need?";

/** A generated fixture (scripts/knowledge-fixtures.mjs). */
function fixture(name: string): Buffer {
  return readFileSync(new URL(`../../convex/knowledge/fixtures/${name}`, import.meta.url));
}

describe("the knowledge page and cited answers in Chromium against npm start", { timeout: 120_000 }, () => {
  test("a member signs in and opens Knowledge: their own scope, empty", async () => {
    await signIn(page, { url: app.url, name: "Kim Keeper", orgId: "org_demo", role: "org:member" });
    await page.getByTestId("nav-knowledge").click();
    await page.getByTestId("knowledge-page").waitFor();
    expect(await page.getByTestId("knowledge-scope").inputValue()).toBe("user");
    await page.getByTestId("documents-empty").waitFor();
    await page.getByTestId("facts-empty").waitFor();
    // The account's scope is readable but not writable for a member: no upload form there.
    await page.getByTestId("knowledge-scope").selectOption("account");
    await expect.poll(() => new URL(page.url()).searchParams.get("scope")).toBe("account");
    // The URL changes before the page re-renders (router transitions): wait for the account scope's own note.
    await expect.poll(() => page.getByTestId("knowledge-scope-note").textContent(), { timeout: 30_000 }).toMatch(/You can read it\./);
    await page.getByTestId("documents-empty").waitFor();
    expect(await page.getByTestId("add-document").count()).toBe(0);
    await page.getByTestId("knowledge-scope").selectOption("user");
    await page.getByTestId("add-document").waitFor();
  });

  test("uploading a Markdown file: pending, then ready", async () => {
    await page.getByTestId("document-file").setInputFiles({ name: "ficus-care.md", mimeType: "text/markdown", buffer: Buffer.from(FILE) });
    await expect.poll(() => page.getByTestId("document-title").inputValue()).toBe("ficus-care");
    expect(await page.getByTestId("document-markdown").isChecked()).toBe(true);
    await page.getByTestId("document-submit").click();
    const row = page.locator('[data-testid="document-row"]', { hasText: "ficus-care" });
    await row.waitFor();
    documentId = (await row.getAttribute("data-document-id")) ?? "";
    expect(documentId).not.toBe("");
    await expect.poll(() => row.getAttribute("data-status"), { timeout: 30_000 }).toBe("ready");
    expect(await row.getByTestId("document-status").textContent()).toBe("Ready");
    await expect.poll(() => page.getByTestId("document-added").getAttribute("data-status")).toBe("ready");
  });

  test("search finds it first, with its score; a fact is remembered", async () => {
    await page.getByTestId("knowledge-search-input").fill("how much rainwater for the ficus");
    await page.getByTestId("knowledge-search-input").press("Enter");
    const first = page.locator('[data-testid="search-hit"][data-rank="1"]');
    await first.waitFor();
    expect(await first.getAttribute("data-document-id")).toBe(documentId);
    expect(Number(await first.getAttribute("data-score"))).toBeGreaterThan(0.2);
    expect(await first.getByTestId("search-hit-score").textContent()).toMatch(/^score 0\.\d{3}$/);
    expect(await first.textContent()).toContain("half a litre of rainwater");

    await page.getByTestId("fact-input").fill("My ficus is called Fred");
    await page.getByTestId("fact-add").click();
    await page.locator('[data-testid="fact"]', { hasText: "My ficus is called Fred" }).waitFor();
    await screenshot(page, "knowledge");
  });

  test("the Assistant's answer cites the document, linked to it", async () => {
    await page.getByTestId("nav-chat").click();
    const view = await askInNewThread(page, QUESTION, { what: "the cited answer" });
    expect(repliesTo(view, QUESTION).at(-1)!.text).toMatch(/half a litre of rainwater.*\[1\]/);
    const reply = page.locator('[data-testid="message"][data-role="assistant"]').last();
    const citation = reply.locator('[data-testid="citation"][data-n="1"]');
    await citation.waitFor();
    expect(await citation.getAttribute("href")).toBe(`/knowledge?document=${documentId}`);
    expect(await citation.getAttribute("title")).toContain("ficus-care");
    expect(await reply.getByTestId("source-link").textContent()).toBe("ficus-care");
    await screenshot(page, "knowledge-02-cited-answer");

    // Following the citation (keyboard) opens the document on the Knowledge page.
    await citation.focus();
    await page.keyboard.press("Enter");
    await page.getByTestId("knowledge-page").waitFor();
    const detail = page.getByTestId("document-detail");
    await detail.waitFor();
    expect(await detail.getAttribute("data-document-id")).toBe(documentId);
    expect(await detail.getAttribute("data-status")).toBe("ready");
    await expect.poll(() => page.locator(`[data-testid="document-row"][data-document-id="${documentId}"]`).getAttribute("data-highlighted")).toBe("true");
    await screenshot(page, "knowledge-03-cited-document");
  });

  test("on a phone the page is one column with nothing cut off", async () => {
    await page.setViewportSize({ width: 390, height: 844 });
    await page.getByTestId("document-detail").waitFor();
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    expect(overflow).toBeLessThanOrEqual(0);
    await screenshot(page, "knowledge-04-phone");
    await page.setViewportSize({ width: 1280, height: 800 });
  });

  test("deleting the document asks first, then it is gone", async () => {
    const row = page.locator(`[data-testid="document-row"][data-document-id="${documentId}"]`);
    await row.getByTestId("document-delete").click();
    await row.getByTestId("document-delete-cancel").click();
    await row.getByTestId("document-delete").click();
    await row.getByTestId("document-delete-confirm").click();
    await page.getByTestId("documents-empty").waitFor();
    // The open link now says the document is gone, in words.
    await page.getByTestId("document-missing").waitFor();
    expect(await page.getByTestId("document-missing").textContent()).toMatch(/not found/i);
  });

  test("a PDF is read on the server: ready with its pages; a search hit opens it at the page", async () => {
    await page.goto(`${app.url}/knowledge?scope=user`);
    await page.getByTestId("add-document").waitFor();
    await page.getByTestId("document-file").setInputFiles({ name: "report.pdf", mimeType: "application/pdf", buffer: fixture("report.pdf") });
    const row = page.locator('[data-testid="document-row"]', { hasText: "report.pdf" });
    await row.waitFor({ timeout: 30_000 });
    await expect.poll(() => row.getAttribute("data-status"), { timeout: 60_000 }).toBe("ready");
    await page.getByTestId("knowledge-search-input").fill("electric truck pilot on the Lisbon routes");
    await page.getByTestId("knowledge-search-input").press("Enter");
    const first = page.locator('[data-testid="search-hit"][data-rank="1"]');
    await first.waitFor();
    expect(await first.getByTestId("search-hit-location").textContent()).toBe(", p. 6");
    await first.getByTestId("search-hit-title").click();
    const target = page.locator('[data-testid="document-block"][data-target="true"]');
    await target.waitFor();
    expect(await target.getAttribute("data-label")).toBe("p. 6");
    expect(await target.textContent()).toContain("electric truck pilot");
    expect(await page.getByTestId("document-block").count()).toBe(6);
    await screenshot(page, "knowledge-05-pdf-page");
  });

  test("the Assistant's answer cites “report.pdf, p. 6”; the citation opens the PDF at page 6", async () => {
    await page.goto(`${app.url}/`);
    const question = "Which electric truck pilot is planned for the Lisbon routes?";
    await askInNewThread(page, question, { what: "the cited answer" });
    const reply = page.locator('[data-testid="message"][data-role="assistant"]').last();
    const source = reply.getByTestId("source-link").first();
    await source.waitFor();
    expect(await source.textContent()).toBe("report.pdf, p. 6");
    expect(await source.getAttribute("href")).toMatch(/&at=p\.%206$/);
    await source.click();
    const target = page.locator('[data-testid="document-block"][data-target="true"]');
    await target.waitFor();
    expect(await target.getAttribute("data-label")).toBe("p. 6");
    await screenshot(page, "knowledge-07-cited-page");
  });

  test("a password-protected PDF fails with the reason and leaves no text", async () => {
    await page.goto(`${app.url}/knowledge?scope=user`);
    await page.getByTestId("add-document").waitFor();
    await page.getByTestId("document-file").setInputFiles({ name: "encrypted.pdf", mimeType: "application/pdf", buffer: fixture("encrypted.pdf") });
    const row = page.locator('[data-testid="document-row"]', { hasText: "encrypted.pdf" });
    await row.waitFor({ timeout: 30_000 });
    await expect.poll(() => row.getAttribute("data-status"), { timeout: 60_000 }).toBe("failed");
    expect(await row.getByTestId("document-error").textContent()).toMatch(/password-protected/);
    // A renamed file is refused before anything is stored.
    await page.getByTestId("document-file").setInputFiles({ name: "notes.pdf", mimeType: "application/pdf", buffer: Buffer.from("plain text, not a PDF") });
    await expect.poll(() => page.getByTestId("document-upload-error").textContent(), { timeout: 30_000 }).toMatch(/not a PDF/);
    expect(await page.locator('[data-testid="document-row"]', { hasText: "notes.pdf" }).count()).toBe(0);
  });

  test("what the agents know about me: a fact from the chat, its source, corrected, then forgotten", async () => {
    await page.goto(`${app.url}/`);
    const said = "My name is Kim Keeper and I live in Porto.";
    await askInNewThread(page, said, { what: "the reply" });
    await page.goto(`${app.url}/knowledge/about-me`);
    await page.getByTestId("about-me-page").waitFor();
    const home = page.locator('[data-testid="about-fact"]', { hasText: "the user lives in Porto" });
    await home.waitFor({ timeout: 30_000 });
    expect(await home.getByTestId("about-fact-source").textContent()).toMatch(/read from your message/);
    await page.locator('[data-testid="about-fact"]', { hasText: "the user is named Kim Keeper" }).waitFor();
    await screenshot(page, "knowledge-06-about-me");

    await home.getByTestId("about-fact-correct").click();
    await page.getByTestId("about-fact-input").fill("the user lives in Braga");
    await page.getByTestId("about-fact-save").click();
    const corrected = page.locator('[data-testid="about-fact"]', { hasText: "the user lives in Braga" });
    await corrected.waitFor();
    await corrected.getByTestId("about-fact-forget").click();
    // Left: the name from the chat, and the fact added by hand earlier ("My ficus is called Fred").
    await expect.poll(() => page.getByTestId("about-fact").count()).toBe(2);
    expect(await page.locator('[data-testid="about-fact"]', { hasText: /Porto|Braga/ }).count()).toBe(0);
    await page.getByTestId("about-history").locator("summary").click();
    await expect.poll(() => page.getByTestId("about-history-row").count()).toBe(2);
  });

  test("no page errors, no server errors", () => {
    expect(browser.pageErrors).toEqual([]);
    expect(app.logs()).not.toMatch(/Uncaught error|Could not find module|is not supported in Convex|Server Error/);
  });
});
