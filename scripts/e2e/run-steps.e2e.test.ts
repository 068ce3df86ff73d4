// @vitest-environment node
/**
 * A run's steps, opened, in Chromium against the real `npm start`: an admin
 * asks something that calls a tool, opens the turn's run, and expands the
 * tool step and the model call to read what each was given and gave back —
 * JSON indented, secrets in the message shown redacted. Collapsed until
 * asked; a step that kept nothing (triage) offers nothing to open.
 *
 * Screenshots: artifacts/screenshots/runsteps-*.png.
 */
import type { Page } from "playwright-core";
import { describe, expect, test } from "vitest";
import { askInNewThread, screenshot, signIn, useAppAndBrowser, type App } from "./app";

let app: App;
let page: Page;

useAppAndBrowser("runsteps-", (session) => ({ app, page } = session));

const SECRET = "ghp_R2d2C3poBb8Yoda1Luke2Leia3Han4Chewie5";
const PROMPT = `What time is it in Tokyo? (my token ${SECRET} is not for you)`;

describe("a run's step inputs and outputs in Chromium against npm start", { timeout: 120_000 }, () => {
  test("an admin asks for the time in Tokyo and opens the turn's run", async () => {
    await signIn(page, { url: app.url, name: "Iris Inspector", orgId: "org_demo", role: "org:admin" });
    await askInNewThread(page, PROMPT, { timeoutMs: 60_000, what: "the tool turn to complete" });
    await page.getByTestId("turn-open-run").first().click();
    await page.getByTestId("run-page").waitFor();
    await page.locator('[data-testid="step"][data-kind="tool"][data-status="succeeded"]').waitFor();
  });

  test("the tool step opens to its arguments and its result, indented; closed again on a second click", async () => {
    const tool = page.locator('[data-testid="step"][data-kind="tool"]');
    const toggle = tool.getByTestId("step-io-toggle");
    expect(await toggle.textContent()).toBe("Show input / output");
    expect(await toggle.getAttribute("aria-expanded")).toBe("false");
    expect(await tool.getByTestId("step-input").count()).toBe(0);

    await toggle.click();
    const args = (await tool.getByTestId("step-input").textContent()) ?? "";
    expect(args).toMatch(/\{\n {2}"timezone": "Asia\/Tokyo"/);
    const result = (await tool.getByTestId("step-output").textContent()) ?? "";
    expect(JSON.parse(result)).toMatchObject({ timezone: "Asia/Tokyo" });
    expect(result).toContain("\n  ");
    expect(await toggle.getAttribute("aria-expanded")).toBe("true");
    await screenshot(page, "runsteps-01-tool-open");

    await toggle.click();
    expect(await tool.getByTestId("step-output").count()).toBe(0);
  });

  test("the model call shows the prompt it got, with the token redacted, and the tool call it asked for", async () => {
    const call = page.locator('[data-testid="step"][data-kind="llm"]').first();
    await call.getByTestId("step-io-toggle").click();
    const prompt = (await call.getByTestId("step-input").textContent()) ?? "";
    expect(prompt).toContain("What time is it in Tokyo?");
    expect(prompt).toContain("ghp_[redacted]");
    expect(prompt).not.toContain(SECRET);
    expect(await call.getByTestId("step-output").textContent()).toContain('"tool": "current_time"');
    // Nowhere on the page is the token shown.
    expect(await page.getByTestId("run-page").textContent()).not.toContain(SECRET);
    await screenshot(page, "runsteps-02-model-call-open");

    // Triage keeps no input or output: nothing to open.
    expect(await page.locator('[data-testid="step"][data-kind="triage"]').getByTestId("step-io-toggle").count()).toBe(0);
  });
});
