// @vitest-environment node
/**
 * Runs end to end in Chromium against the real `npm start` (with the
 * engine's test-only fault switch on):
 *   - a message that delegates shows the delegate inline in the chat (name,
 *     status, cost, its steps when opened), and its run's tree shows the child;
 *   - a failing model step (the offline model made to fail every attempt
 *     through `POST /local-test/faults`) fails the run with the provider's
 *     error; resuming it from the run page (confirmation: spend and what
 *     re-runs) completes it, and the chat shows one reply;
 *   - the Usage page shows more spend after those turns, and the send rate.
 *
 * Screenshots: artifacts/screenshots/delegation-chat.png, usage.png, runs-flow-*.png.
 */
import type { Page } from "playwright-core";
import { describe, expect, test } from "vitest";
import { pollUntil, readThread, repliesTo, screenshot, signIn, useAppAndBrowser, type App, type Browser } from "./app";

let app: App;
let browser: Browser;
let page: Page;
let tokensBefore = 0;

useAppAndBrowser("runs-flow-", (session) => ({ app, browser, page } = session), { testFaults: true });

const DELEGATING = "Ask the researcher to find three facts about tides";
const FAILING = "Tell me about lighthouses and the people who kept them";

async function usageTokens(target: Page): Promise<number> {
  await target.getByTestId("usage-total").waitFor();
  return Number((await target.getByTestId("usage-daily").getAttribute("data-total-tokens")) ?? "NaN");
}

async function setModelFaults(model: Record<string, unknown> | null) {
  const response = await fetch(`${app.url}/local-test/faults`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ model }),
  });
  expect(response.status).toBe(200);
}

async function send(text: string) {
  const input = page.getByTestId("composer-input");
  await input.fill(text);
  await input.press("Enter");
  await page.locator('[data-testid="message"][data-role="user"]', { hasText: text }).first().waitFor();
}

describe("delegation, a failing step and its resume, and usage, in Chromium against npm start", { timeout: 120_000 }, () => {
  test("an admin signs in; usage before any turn", async () => {
    await signIn(page, { url: app.url, name: "Rey Runner", orgId: "org_demo", role: "org:admin" });
    await page.getByTestId("nav-usage").click();
    tokensBefore = await usageTokens(page);
    const rate = page.getByTestId("rate");
    await rate.waitFor();
    expect(await rate.getAttribute("data-capacity")).toBe("10");
  });

  test("a delegating message shows the Researcher inline, with status, cost and steps; its run's tree shows the child", async () => {
    await page.getByTestId("nav-chat").click();
    await page.getByTestId("new-thread").click();
    await page.getByTestId("thread-empty").waitFor();
    await send(DELEGATING);
    await pollUntil(
      () => readThread(page),
      (view) => view.turns[0] === "completed" && repliesTo(view, DELEGATING).some((reply) => reply.settled),
      { timeoutMs: 60_000, what: "the delegating turn to complete" },
    );
    const delegation = page.locator('[data-testid="delegation"][data-agent-name="Researcher"]');
    await delegation.waitFor();
    await expect.poll(() => delegation.getAttribute("data-status")).toBe("completed");
    expect(await delegation.getByTestId("delegation-status").textContent()).toBe("Done");
    expect(await delegation.getByTestId("delegation-cost").textContent()).toMatch(/\d[\d,]* tokens · \$/);
    // Keyboard: the summary opens it.
    await delegation.locator("summary").first().focus();
    await page.keyboard.press("Enter");
    await delegation.getByTestId("delegation-steps").waitFor();
    expect(await delegation.getByTestId("delegation-task").textContent()).toContain("tides");
    expect(await delegation.locator('[data-testid="delegation-step"][data-kind="llm"][data-status="succeeded"]').count()).toBeGreaterThan(0);
    // Not "chat-…": the chat suite clears every screenshot named so when it starts.
    await screenshot(page, "delegation-chat");

    // The turn's run, from the chat: the tree shows the child.
    await page.getByTestId("turn-open-run").first().click();
    await page.getByTestId("run-page").waitFor();
    await page.locator('[data-testid="tree-node"][data-root="false"]', { hasText: "Researcher" }).waitFor();
    expect(await page.locator('[data-testid="tree-node"][data-root="true"]').textContent()).toContain("Assistant");
    expect(await page.getByTestId("run-summary").getAttribute("data-status")).toBe("completed");

    // "Logs of this run tree" opens the engine's log view with the root's and the Researcher's lines.
    const rootId = (await page.locator('[data-testid="tree-node"][data-root="true"]').getAttribute("data-interaction-id"))!;
    const childId = (await page.locator('[data-testid="tree-node"][data-root="false"]').first().getAttribute("data-interaction-id"))!;
    const [logs] = await Promise.all([page.context().waitForEvent("page"), page.getByTestId("tree-logs-link").click()]);
    await logs.waitForLoadState();
    const logText = (await logs.locator("tbody").textContent()) ?? "";
    expect(logText).toContain(`"interactionId":"${rootId}"`);
    expect(logText).toContain(`"interactionId":"${childId}","root_interaction_id":"${rootId}"`);
    await logs.close();
  });

  test("a model step that keeps failing fails the run with the provider's error", async () => {
    await page.getByRole("link", { name: "Open the thread" }).click();
    await page.getByTestId("thread").waitFor();
    // Every attempt of the next model call fails (4 attempts with backoff).
    await setModelFaults({ failNextCalls: 4, error: "5xx" });
    await send(FAILING);
    const failedTurn = page.getByTestId("turn").nth(1);
    await expect.poll(() => failedTurn.getAttribute("data-status"), { timeout: 45_000 }).toBe("failed");
    expect(await failedTurn.getByTestId("turn-error").textContent()).toMatch(/model provider failed.*503/i);

    await failedTurn.getByTestId("turn-open-run").click();
    await page.getByTestId("run-page").waitFor();
    const summary = page.getByTestId("run-summary");
    await expect.poll(() => summary.getAttribute("data-status")).toBe("failed");
    expect(await page.getByTestId("run-failure").textContent()).toMatch(/503/);
    await page.locator('[data-testid="step"][data-kind="llm"][data-status="failed"]').first().waitFor();
    await screenshot(page, "runs-flow-01-failed");
  });

  test("resuming from the failed step (spend and what re-runs confirmed) completes it; the chat shows one reply", async () => {
    const summary = page.getByTestId("run-summary");
    await page.getByTestId("run-resume").click();
    const confirm = page.locator('[data-testid="run-confirm"][data-action="resume"]');
    await confirm.waitFor();
    await expect.poll(() => confirm.getByTestId("run-preview-spent").textContent()).toContain("Spent so far");
    const rerun = (await confirm.getByTestId("run-preview-rerun").textContent()) ?? "";
    // The failed model call runs again, and only it: its earlier attempts are part of it, not "kept"
    // (triage and the budget reservation are no longer steps of their own).
    expect(rerun).toMatch(/Will run again \(1\): llm#0(?![\d,])/);
    expect(rerun).toMatch(/Kept, not run again \(0\): nothing/);
    await confirm.getByTestId("run-confirm-reason").fill("The provider is back; resume from the failed call");
    await screenshot(page, "runs-flow-02-resume-confirm");
    await confirm.getByTestId("run-confirm-submit").click();
    await page.getByTestId("run-action-done").waitFor();
    await expect.poll(() => summary.getAttribute("data-status"), { timeout: 45_000 }).toBe("completed");
    await page.locator('[data-testid="audit-entry"][data-action="run.resume"]').waitFor();
    await screenshot(page, "runs-flow-03-resumed");

    await page.getByRole("link", { name: "Open the thread" }).click();
    const view = await pollUntil(
      () => readThread(page),
      (v) => v.turns[1] === "completed" && repliesTo(v, FAILING).some((reply) => reply.settled),
      { timeoutMs: 45_000, what: "the resumed turn's reply in the chat" },
    );
    const replies = repliesTo(view, FAILING).filter((reply) => reply.status === "success");
    expect(replies).toHaveLength(1);
    // The offline model answers an open question with what it can do and how to connect a real model.
    expect(replies[0]!.text).toContain("built-in offline model");
    expect(view.turns).toEqual(["completed", "completed"]);
  });

  test("usage: more spent than before the turns, and the send rate", async () => {
    await page.getByTestId("nav-usage").click();
    await page.getByTestId("usage-page").waitFor();
    await expect.poll(() => usageTokens(page), { timeout: 15_000 }).toBeGreaterThan(tokensBefore);
    await page.locator('[data-testid="usage-bar"]:not([data-value="0"])').first().waitFor();
    const bars = await page.locator('[data-testid="usage-bar"]').evaluateAll((rects) => rects.map((rect) => Number(rect.getAttribute("data-value"))));
    expect(bars.reduce((sum, value) => sum + value, 0)).toBe(await usageTokens(page));
    // Yourself as the scope: your own spend is all of it here.
    await page.getByTestId("usage-scope").selectOption("user");
    await expect.poll(() => page.getByTestId("usage-daily").getAttribute("data-scope")).toBe("user");
    await expect.poll(() => usageTokens(page), { timeout: 15_000 }).toBeGreaterThan(0);
    await page.getByTestId("usage-metric-usd").check();
    await page.getByTestId("usage-metric-tokens").check();
    const rate = page.getByTestId("rate");
    expect(Number(await rate.getAttribute("data-available"))).toBeLessThanOrEqual(10);
    await screenshot(page, "usage");
  });

  test("no page errors, no server errors", async () => {
    await setModelFaults(null);
    expect(browser.pageErrors).toEqual([]);
    expect(app.logs()).not.toMatch(/Uncaught error|Could not find module|is not supported in Convex|Server Error/);
  });
});
