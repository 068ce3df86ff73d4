// @vitest-environment node
/**
 * A real model path in a real browser (Debian's Chromium via playwright-core)
 * against the real `npm start`: an account admin adds a model connection in
 * Settings → Models pointing at a local provider server
 * (convex/models/wire/providerServer.testing.ts: OpenAI Chat Completions on
 * 127.0.0.1, replaying documented fixtures), tests it, refreshes its models,
 * gives the Assistant one of them in the agent builder, and a chat message is
 * answered by that model over the wire: the reply, which model answered and
 * what it cost under it. Then a rate limit (429, Retry-After 3) shows the
 * retry notice before the reply, and a refused key (401) shows the
 * provider's own words.
 *
 * Every step waits on test ids (web/README.md); screenshots go to
 * artifacts/screenshots/ (`models*`).
 */
import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { fixtureJson, startProviderServer, type ProviderServer } from "../../convex/models/wire/providerServer.testing";
import { pollUntil, readThread, repliesTo, screenshot, signIn, useAppAndBrowser, type App, type Browser, type ThreadView } from "./app";

// Inherited by npm start (startApp copies process.env): the provider listens on 127.0.0.1,
// and a backoff shorter than the default keeps retries quick (a Retry-After still rules).
process.env["HARNESS_WEBHOOK_ALLOW_PRIVATE_URLS"] = "true";
process.env["HARNESS_MODEL_BACKOFF_MS"] = "200";

let app: App;
let browser: Browser;
let page: Page;
let server: ProviderServer;

useAppAndBrowser("models", (session) => ({ app, browser, page } = session));

beforeAll(async () => {
  server = await startProviderServer();
});
afterAll(async () => {
  await server?.close();
});

const CONNECTION = "Wire OpenAI";
const KEY = `sk-e2e-${Math.random().toString(36).slice(2, 14)}-1234`;
const MODEL = "gpt-4o-mini";
const LISTED = [MODEL, "gpt-4o", "o3-mini"];

/** What "Test connection" (one non-streamed call, `generateText`) gets back: the API reference's chat.completion object. */
const OK_COMPLETION = {
  id: "chatcmpl-e2e",
  object: "chat.completion",
  created: 1741569952,
  model: MODEL,
  choices: [{ index: 0, message: { role: "assistant", content: "OK", refusal: null }, logprobs: null, finish_reason: "stop" }],
  usage: { prompt_tokens: 9, completion_tokens: 1, total_tokens: 10 },
};

/** The documented List models response (openai-models.txt) with models this test can price. */
function modelList() {
  const documented = fixtureJson("openai-models.txt") as { object: string; data: Array<Record<string, unknown>> };
  return { ...documented, data: LISTED.map((id, i) => ({ ...documented.data[i % documented.data.length], id })) };
}

const card = () => page.locator('[data-testid="model-connection"]', { hasText: CONNECTION });
const turn = (index: number) => page.locator('[data-testid="turn"]').nth(index);
const chatRequests = () => server.requests.filter((r) => r.route === "openai.chat");

async function send(text: string) {
  const input = page.getByTestId("composer-input");
  await input.fill(text);
  await input.press("Enter");
  await page.locator('[data-testid="message"][data-role="user"]', { hasText: text }).first().waitFor();
  await expect.poll(() => input.inputValue()).toBe("");
}

/** Turn `index` has ended with `status` (and, when completed, its replies are shown in full). */
async function turnEnded(prompt: string, index: number, status: "completed" | "failed"): Promise<ThreadView> {
  return await pollUntil(
    () => readThread(page),
    (view) =>
      view.turns[index] === status &&
      (status === "failed" || repliesTo(view, prompt).some((reply) => reply.status === "success" && reply.settled && reply.text.trim() !== "")),
    { timeoutMs: 60_000, what: `turn ${index} ("${prompt}") to be ${status}` },
  );
}

describe("a real model path: Settings → Models, the agent builder and the chat, in Chromium against npm start", { timeout: 120_000 }, () => {
  let slug = "";

  test("an admin adds an OpenAI-compatible connection: the key shown only by its last 4, a test answered in words, its models fetched", async () => {
    await signIn(page, { url: app.url, name: "Mia Models", email: "mia@example.test", orgId: "org_models", role: "org:admin" }, { landing: "current-user", timeoutMs: 60_000 });

    await page.getByTestId("nav-settings").click();
    await page.getByTestId("settings-page").waitFor();
    await page.getByTestId("models-empty").waitFor();

    await page.getByTestId("model-connection-kind").selectOption("openai-compatible");
    await page.getByTestId("model-connection-name").fill(CONNECTION);
    await page.getByTestId("model-connection-base-url").fill(server.openaiBaseURL);
    await page.getByTestId("model-connection-api-key").fill(KEY);
    await page.getByTestId("model-connection-create").click();
    await page.getByTestId("model-connection-created").waitFor();
    await card().waitFor();
    slug = (await card().getAttribute("data-slug")) ?? "";
    expect(slug).toBe("wire-openai");
    expect(await page.getByTestId("model-connection-created").textContent()).toContain(`@${slug}/<model>`);
    expect(await card().getAttribute("data-status")).toBe("untested");
    expect(await card().getByTestId("model-connection-url").textContent()).toBe(server.openaiBaseURL);
    expect(await card().getByTestId("model-connection-key").textContent()).toBe("key ••••1234");
    expect(await card().getByTestId("model-connection-model-count").textContent()).toContain("Models not fetched yet.");
    // The key is on no part of the page: not in any text, not in any input (the form emptied).
    const keyOnPage = await page.evaluate(
      (key) => document.body.innerText.includes(key) || [...document.querySelectorAll("input, textarea")].some((el) => (el as HTMLInputElement).value.includes(key)),
      KEY,
    );
    expect(keyOnPage).toBe(false);

    // Test connection: one tiny non-streamed call, answered in words.
    server.script("openai.chat", { status: 200, body: OK_COMPLETION });
    await card().getByTestId("model-connection-test").click();
    const tested = card().getByTestId("model-connection-test-result");
    await tested.waitFor({ timeout: 45_000 });
    expect(await tested.getAttribute("data-ok")).toBe("true");
    expect(await tested.textContent()).toMatch(/^gpt-4o-mini: Answered “OK” in [\d,]+ ms\.$/);
    await expect.poll(() => card().getAttribute("data-status"), { timeout: 15_000 }).toBe("ok");
    expect(await card().getByTestId("model-connection-status").textContent()).toBe("Working");
    expect(await card().getByTestId("model-connection-last-test").textContent()).toContain("Answered “OK”");

    // Refresh models: GET {base}/models, the count shown.
    server.script("openai.models", { status: 200, body: modelList() });
    await card().getByTestId("model-connection-refresh").click();
    const refreshed = card().getByTestId("model-connection-refresh-result");
    await refreshed.waitFor({ timeout: 45_000 });
    expect(await refreshed.getAttribute("data-ok")).toBe("true");
    expect(await refreshed.textContent()).toBe(`3 models from ${new URL(server.url).host}.`);
    const count = card().getByTestId("model-connection-model-count");
    await expect.poll(() => count.getAttribute("data-count"), { timeout: 15_000 }).toBe("3");
    expect(await count.textContent()).toMatch(/^3 models \(fetched /);
    await card().getByTestId("model-connection-models-toggle").click();
    expect(await card().getByTestId("model-connection-models").locator("li").allTextContents()).toEqual(LISTED.map((m) => `@${slug}/${m}`).sort());

    // The provider got the key as a Bearer token, both times; the test call was the one named.
    const [testCall] = chatRequests();
    expect(testCall?.headers.authorization).toBe(`Bearer ${KEY}`);
    expect((testCall?.body as { model?: string }).model).toBe(MODEL);
    const listCall = server.requests.find((r) => r.route === "openai.models");
    expect(listCall?.method).toBe("GET");
    expect(listCall?.headers.authorization).toBe(`Bearer ${KEY}`);
    expect(server.count("unknown")).toBe(0);

    await card().evaluate((element) => element.scrollIntoView({ block: "center" }));
    await screenshot(page, "models-settings");
  });

  test("the agent builder offers the connection's models; the Assistant gets gpt-4o-mini via Wire OpenAI", async () => {
    await page.getByTestId("nav-agents").click();
    await page.getByTestId("agents-page").waitFor();
    const assistant = page.locator('[data-testid="agent-row"][data-slug="assistant"]');
    await assistant.waitFor();
    await assistant.getByTestId("agent-link").click();
    await page.getByTestId("agent-page").waitFor();
    await page.getByTestId("agent-edit").waitFor();

    const modelId = `@${slug}/${MODEL}`;
    const offered = page.locator(`[data-testid="agent-edit-model-options"] option[value="${modelId}"]`);
    await offered.waitFor({ state: "attached" });
    expect(await offered.getAttribute("label")).toBe(`${MODEL} via ${CONNECTION}`);
    await page.getByTestId("agent-edit-model").fill(modelId);
    // Known and priced: no "no price known" warning.
    await expect.poll(() => page.getByTestId("agent-edit-model-label").textContent()).toBe(`${MODEL} via ${CONNECTION}`);
    const versionBefore = Number(await page.getByTestId("agent-summary").getAttribute("data-version"));
    await page.getByTestId("agent-edit-save").click();
    await page.getByTestId("agent-edit-saved").waitFor();
    expect(await page.getByTestId("agent-edit-saved").textContent()).toBe(`Saved as version ${versionBefore + 1}.`);
    await expect.poll(() => page.getByTestId("agent-summary").textContent()).toContain(`${MODEL} via ${CONNECTION}`);
  });

  test("a chat message is answered by that model over the wire: the reply, the model and its cost under it", async () => {
    await page.getByTestId("nav-chat").click();
    const picker = page.getByTestId("agent-picker");
    await expect.poll(() => picker.isEnabled(), { timeout: 30_000 }).toBe(true);
    await picker.selectOption({ label: "Assistant" });
    await page.getByTestId("new-thread").click();
    await page.getByTestId("thread-empty").waitFor({ timeout: 45_000 });
    await expect.poll(() => page.getByTestId("model-label").textContent()).toBe(`${MODEL} via ${CONNECTION}`);

    const before = chatRequests().length;
    const prompt = "What's 1+1? Answer in one word.";
    await send(prompt);
    const view = await turnEnded(prompt, 0, "completed");
    expect(repliesTo(view, prompt).map((reply) => reply.text.trim())).toEqual(["2"]);

    const footer = turn(0);
    expect(await footer.getByTestId("turn-model-label").textContent()).toContain(`${MODEL} via ${CONNECTION}`);
    await expect.poll(() => footer.getByTestId("turn-usage").textContent()).toMatch(/^20 tokens · /);
    // 19 in × $0.15/M + 1 out × $0.60/M ≈ $0.0000035: reported by the provider (no "≈"), and not shown as free.
    const usage = (await footer.getByTestId("turn-usage").textContent()) ?? "";
    expect(usage).not.toContain("≈");
    expect(usage).toBe("20 tokens · <$0.0001");
    expect(await footer.getByTestId("turn-error").count()).toBe(0);

    // Over the wire: one streamed call to the chosen model with the key.
    const calls = chatRequests().slice(before);
    expect(calls).toHaveLength(1);
    const body = calls[0]!.body as { model?: string; stream?: boolean; messages?: unknown[] };
    expect(calls[0]!.headers.authorization).toBe(`Bearer ${KEY}`);
    expect(body.model).toBe(MODEL);
    expect(body.stream).toBe(true);
    expect(JSON.stringify(body.messages)).toContain(prompt);

    await screenshot(page, "models-chat");
  });

  test("a rate limit (429, Retry-After 3 s): the retry notice counts down, then the reply arrives", async () => {
    server.script("openai.chat", { fixture: "openai-error-429.txt", status: 429, headers: { "retry-after": "3" } }, { fixture: "openai-chat-text-usage.sse" });
    const before = chatRequests().length;
    const prompt = "And what's 1+1 when the provider is busy?";
    await send(prompt);
    const notice = turn(1).getByTestId("turn-provider-retry");
    await notice.waitFor({ timeout: 45_000 });
    const words = (await notice.textContent()) ?? "";
    expect(words).toContain("provider busy (rate limit)");
    expect(words).toMatch(/retrying (in [1-3] s|now)/);
    expect(words).toContain("attempt 2 of 4");
    await screenshot(page, "models-chat-retry");

    const view = await turnEnded(prompt, 1, "completed");
    expect(repliesTo(view, prompt).map((reply) => reply.text.trim())).toEqual(["2"]);
    expect(await turn(1).getByTestId("turn-provider-retry").count()).toBe(0);
    expect(await turn(1).getByTestId("turn-error").count()).toBe(0);
    expect(await turn(1).getByTestId("turn-usage").textContent()).toMatch(/^20 tokens/);
    // Two calls: the refused one, and the one after the provider's Retry-After.
    const calls = chatRequests().slice(before);
    expect(calls).toHaveLength(2);
    expect(server.pending("openai.chat")).toBe(0);
  });

  test("a refused key (401): the turn fails with the provider's own words, not retried", async () => {
    server.script("openai.chat", { fixture: "openai-error-401.txt", status: 401 });
    const before = chatRequests().length;
    const prompt = "One more time, please.";
    await send(prompt);
    await turnEnded(prompt, 2, "failed");
    const error = turn(2).getByTestId("turn-error");
    await error.waitFor();
    const words = (await error.textContent()) ?? "";
    expect(words).toContain("The model provider refused this reply.");
    expect(words).toContain("Incorrect API key provided");
    expect(words).not.toContain(KEY);
    expect(await turn(2).getByTestId("turn-provider-retry").count()).toBe(0);
    expect(chatRequests().slice(before)).toHaveLength(1);
    await error.evaluate((element) => element.scrollIntoView({ block: "center" }));
    await screenshot(page, "models-chat-error");
  });

  test("no page errors, no server errors, the key in no log line", () => {
    expect(browser.pageErrors).toEqual([]);
    const logs = app.logs();
    expect(logs).not.toMatch(/Uncaught error|Could not find module|is not supported in Convex|Server Error/);
    expect(logs).not.toContain(KEY);
  });
});
