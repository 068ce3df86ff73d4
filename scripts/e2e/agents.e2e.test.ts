// @vitest-environment node
/**
 * The agent builder and the runs filters in a real browser (Debian's Chromium
 * via playwright-core) against the real `npm start`: an admin of a new
 * organisation (which starts with Assistant → Researcher + Writer) uses the
 * Assistant template again, creates two agents, sets a tool's permission and
 * approval, pauses and resumes an agent, composes Alpha → Beta and gets
 * Beta → Alpha refused as a cycle with the chain marked on the graph, exports
 * a manifest and imports broken ones (the problem shown at the field's line)
 * and a good one; then filters the runs by user and time and saves the filter.
 *
 * Every step waits on test ids (web/README.md); screenshots go to
 * artifacts/screenshots/ (`agents*.png`, `agent-graph.png`).
 */
import { readFile } from "node:fs/promises";
import type { Page } from "playwright-core";
import { describe, expect, test } from "vitest";
import { pollUntil, readThread, screenshot, signIn, useAppAndBrowser, type App, type Browser } from "./app";

let app: App;
let browser: Browser;
let page: Page;
const ids: Record<string, string> = {};

useAppAndBrowser("agent", (session) => ({ app, browser, page } = session));

const row = (slug: string) => page.locator(`[data-testid="agent-row"][data-slug="${slug}"]`);
const node = (slug: string) => page.locator(`[data-testid="graph-node"][data-agent-id="${ids[slug]}"]`);
const edge = (from: string, to: string) => page.locator(`[data-testid="graph-edge"][data-from="${ids[from]}"][data-to="${ids[to]}"]`);
/** Edges are SVG groups: a straight vertical one has an empty bounding box, so wait for it to be there, not "visible". */
const edgeDrawn = (from: string, to: string) => edge(from, to).waitFor({ state: "attached" });

async function idOf(slug: string): Promise<string> {
  const id = await row(slug).getAttribute("data-agent-id");
  if (id === null) throw new Error(`no agent ${slug}`);
  return id;
}

async function createAgent(name: string, instructions: string) {
  await page.getByTestId("agents-tab-list").click();
  await page.getByTestId("agent-create-name").fill(name);
  await page.getByTestId("agent-create-instructions").fill(instructions);
  await page.getByTestId("agent-create-submit").click();
}

async function compose(from: string, to: string) {
  await page.getByTestId("compose-from").selectOption(ids[from]!);
  await page.getByTestId("compose-to").selectOption(ids[to]!);
  await page.getByTestId("compose-submit").click();
}

async function importText(text: string) {
  await page.getByTestId("manifest-input").fill(text);
  await page.getByTestId("manifest-import-submit").click();
}

describe("the agent builder in Chromium against npm start", { timeout: 90_000 }, () => {
  test("an admin of a new organisation sees its three starting agents", async () => {
    await signIn(page, { url: app.url, name: "Bea Builder", email: "bea@example.test", orgId: "org_builders", role: "org:admin" });

    await page.getByTestId("nav-agents").click();
    await page.getByTestId("agents-page").waitFor();
    await row("writer").waitFor();
    expect(await page.getByTestId("agent-row").evaluateAll((rows) => rows.map((r) => [r.getAttribute("data-slug"), r.getAttribute("data-status")]))).toEqual([
      ["assistant", "active"],
      ["researcher", "active"],
      ["writer", "active"],
    ]);
    for (const slug of ["assistant", "researcher", "writer"]) ids[slug] = await idOf(slug);
  });

  test("the Assistant template again, under a free slug: it reuses the Researcher and the Writer", async () => {
    const card = page.locator('[data-testid="template-card"][data-template-slug="assistant"]');
    // "assistant" is taken: the form suggests the next free slug.
    await expect.poll(() => card.getByTestId("template-slug").inputValue()).toBe("assistant-2");
    await card.getByTestId("template-name").fill("Assistant Two");
    await card.getByTestId("template-instantiate").click();
    await card.getByTestId("template-created").waitFor();
    expect(await card.getByTestId("template-created-agent").evaluateAll((links) => links.map((l) => l.getAttribute("data-slug")))).toEqual(["assistant-2"]);
    await row("assistant-2").waitFor();
    ids["assistant-2"] = await idOf("assistant-2");
    expect(await page.getByTestId("agent-row").count()).toBe(4);
  });

  test("creating agents: a refusal is shown at its field; Alpha and Beta are created", async () => {
    // Blank instructions pass the browser's `required` check; the server names the field.
    await createAgent("Alpha", "   ");
    const fieldError = page.locator('[data-testid="field-error"][data-field="instructions"]');
    await fieldError.waitFor();
    expect(await fieldError.textContent()).toContain("instructions must be");
    expect(await page.getByTestId("agent-create-slug").inputValue()).toBe("alpha");

    await page.getByTestId("agent-create-instructions").fill("You are Alpha. You plan the work.");
    await page.getByTestId("agent-create-submit").click();
    await page.getByTestId("agent-page").waitFor();
    expect(await page.getByTestId("agent-title").textContent()).toContain("Alpha");
    ids["alpha"] = new URL(page.url()).pathname.split("/").pop()!;

    await createAgent("Beta", "You are Beta. You do the work.");
    await page.getByTestId("agent-page").waitFor();
    await expect.poll(() => page.getByTestId("agent-title").textContent()).toContain("Beta");
    ids["beta"] = new URL(page.url()).pathname.split("/").pop()!;

    await page.getByTestId("agents-tab-list").click();
    await row("beta").waitFor();
    expect(await page.getByTestId("agent-row").count()).toBe(6);
    await screenshot(page, "agents");
  });

  test("an agent's tools: permission and approval per assignment; pause and resume with a confirmation", async () => {
    await row("alpha").getByTestId("agent-link").click();
    await page.getByTestId("tools-empty").waitFor();
    await page.getByTestId("tool-add-select").selectOption("current_time");
    await page.getByTestId("tool-add-submit").click();
    const tool = page.locator('[data-testid="tool-row"][data-tool-slug="current_time"]');
    await tool.waitFor();
    expect(await tool.getAttribute("data-permission")).toBe("read");
    expect(await tool.getAttribute("data-needs-approval")).toBe("false");
    await tool.getByTestId("tool-approval").check();
    await expect.poll(() => tool.getAttribute("data-needs-approval")).toBe("true");
    await tool.getByTestId("tool-permission").selectOption("write");
    await expect.poll(() => tool.getAttribute("data-permission")).toBe("write");
    // Each change is a new version: created (1), tool added (2), approval (3), permission (4).
    await expect.poll(() => page.getByTestId("agent-summary").getAttribute("data-version")).toBe("4");
    await expect.poll(() => page.getByTestId("agent-version").count()).toBe(4);

    await page.getByTestId("agent-pause").click();
    const confirm = page.locator('[data-testid="agent-confirm"][data-action="pause"]');
    expect(await confirm.textContent()).toContain("refuse new messages");
    await confirm.getByTestId("agent-confirm-submit").click();
    await expect.poll(() => page.getByTestId("agent-summary").getAttribute("data-status")).toBe("paused");
    await page.getByTestId("agent-resume").click();
    await page.locator('[data-testid="agent-confirm"][data-action="resume"]').getByTestId("agent-confirm-submit").click();
    await expect.poll(() => page.getByTestId("agent-summary").getAttribute("data-status")).toBe("active");
  });

  test("compose Alpha → Beta; Beta → Alpha is refused as a cycle and the chain is marked", async () => {
    await page.getByTestId("agents-tab-graph").click();
    await page.getByTestId("delegation-graph").waitFor();
    await node("beta").waitFor();
    // The starting graph: the Assistants delegate to the Researcher and the Writer, one deep.
    expect(await page.getByTestId("graph-depth").getAttribute("data-depth")).toBe("1");
    expect(await node("researcher").getAttribute("data-depth")).toBe("1");
    await edgeDrawn("assistant-2", "writer");

    await compose("alpha", "beta");
    await page.getByTestId("compose-done").waitFor();
    await edgeDrawn("alpha", "beta");
    await expect.poll(() => node("beta").getAttribute("data-depth")).toBe("1");
    expect(await node("alpha").getAttribute("data-depth")).toBe("0");

    await compose("beta", "alpha");
    const refusal = page.getByTestId("delegation-refusal");
    await refusal.waitFor();
    expect(await refusal.getAttribute("data-reason")).toBe("cycle");
    expect(await refusal.textContent()).toContain("This delegation would create a cycle: Alpha → Beta → Alpha.");
    expect(await page.getByTestId("refusal-chain").locator("li").allTextContents()).toEqual(["Alpha", "Beta", "Alpha"]);
    // The chain's agents and its delegations are marked; nothing else is.
    await expect.poll(() => node("alpha").getAttribute("data-highlighted")).toBe("true");
    expect(await node("beta").getAttribute("data-highlighted")).toBe("true");
    for (const other of ["assistant", "assistant-2", "researcher", "writer"]) expect(await node(other).getAttribute("data-highlighted")).toBe("false");
    expect(await edge("alpha", "beta").getAttribute("data-highlighted")).toBe("true");
    expect(await edge("assistant", "writer").getAttribute("data-highlighted")).toBe("false");
    // The refused delegation is drawn, dashed; it was not added.
    expect(await edge("beta", "alpha").getAttribute("data-proposed")).toBe("true");
    expect(await page.locator(`[data-testid="delegation-row"][data-from="${ids["beta"]}"]`).count()).toBe(0);
    expect(await page.locator(`[data-testid="delegation-row"][data-from="${ids["alpha"]}"]`).getAttribute("data-highlighted")).toBe("true");
    await screenshot(page, "agent-graph");
    // On a phone the graph comes first, the form and the explanation under it.
    await page.setViewportSize({ width: 390, height: 844 });
    await page.getByTestId("delegation-refusal").scrollIntoViewIfNeeded();
    await screenshot(page, "agents-phone-graph");
    await page.setViewportSize({ width: 1280, height: 800 });

    await page.getByTestId("refusal-dismiss").click();
    await expect.poll(() => node("alpha").getAttribute("data-highlighted")).toBe("false");
    expect(await edge("beta", "alpha").count()).toBe(0);
  });

  test("export a manifest (shown and downloaded)", async () => {
    await page.goto(`${app.url}/agents/${ids["alpha"]}`);
    await page.getByTestId("manifest-export-open").click();
    const shown = JSON.parse((await page.getByTestId("manifest-json").textContent()) ?? "") as { slug: string; tools: { slug: string }[] };
    expect(shown.slug).toBe("alpha");
    expect(shown.tools.map((t) => t.slug)).toEqual(["current_time", "delegate_beta"]);
    const [download] = await Promise.all([page.waitForEvent("download"), page.getByTestId("manifest-download").click()]);
    expect(download.suggestedFilename()).toBe("alpha.agent.json");
    expect(JSON.parse(await readFile(await download.path(), "utf8"))).toEqual(shown);
  });

  test("import: broken manifests are refused at the field's line; a good one becomes an agent", async () => {
    const exported = JSON.parse((await page.getByTestId("manifest-json").textContent()) ?? "") as Record<string, unknown> & { tools: Record<string, unknown>[] };
    await page.getByTestId("agents-tab-import").click();
    await page.getByTestId("manifest-import-page").waitFor();
    const problem = page.getByTestId("manifest-error");

    // Same slug as an agent of the account: shown at "slug".
    const again = JSON.stringify(exported, null, 2);
    await importText(again);
    await expect.poll(() => problem.getAttribute("data-field")).toBe("slug");
    expect(Number(await problem.getAttribute("data-line"))).toBe(again.split("\n").findIndex((l) => l.includes('"slug": "alpha"')) + 1);

    // A bad permission: the importer names tools[0].permission, shown at its line.
    const bad = JSON.stringify({ ...exported, slug: "gamma", name: "Gamma", tools: [{ ...exported.tools[0], permission: "superuser" }, ...exported.tools.slice(1)] }, null, 2);
    await importText(bad);
    await expect.poll(() => problem.getAttribute("data-field")).toBe("tools[0].permission");
    expect(Number(await problem.getAttribute("data-line"))).toBe(bad.split("\n").findIndex((l) => l.includes("superuser")) + 1);
    expect(await page.getByTestId("manifest-error-line").textContent()).toContain('"permission": "superuser"');
    expect(await page.getByTestId("manifest-error-message").textContent()).toContain("tools[0].permission must be read, write or admin");
    await screenshot(page, "agents-import-error");

    // Not JSON at all: the line and column, before anything is sent.
    const broken = bad.replace('"name": "Gamma",', '"name": "Gamma"');
    await importText(broken);
    await expect.poll(() => problem.getAttribute("data-field")).toBe("");
    expect(await page.getByTestId("manifest-error-message").textContent()).toContain("not valid JSON");
    expect(Number(await problem.getAttribute("data-line"))).toBe(broken.split("\n").findIndex((l) => l.includes('"Gamma"')) + 2);

    await importText(bad.replace("superuser", "write"));
    await page.getByTestId("manifest-imported").waitFor();
    expect(await problem.count()).toBe(0);
    await page.getByTestId("manifest-imported-link").click();
    await expect.poll(() => page.getByTestId("agent-title").textContent()).toContain("Gamma");
    await page.locator('[data-testid="tool-row"][data-tool-slug="delegate_beta"]').waitFor();
  });
});

describe("the runs list filters by user and time, in the URL, and saves a filter", { timeout: 90_000 }, () => {
  test("a turn to filter on", async () => {
    await page.getByTestId("nav-chat").click();
    await page.getByTestId("new-thread").click();
    await page.getByTestId("thread-empty").waitFor();
    await page.getByTestId("composer-input").fill("hello");
    await page.getByTestId("composer-input").press("Enter");
    await pollUntil(() => readThread(page), (view) => view.turns[0] === "completed", { timeoutMs: 45_000, what: "the turn to complete" });
  });

  test("user and time filters go into the URL; a saved filter comes back", async () => {
    await page.getByTestId("nav-runs").click();
    await page.locator('[data-testid="run-row"][data-kind="turn"]').first().waitFor();
    const params = () => new URL(page.url()).searchParams;
    const rowCount = () => page.getByTestId("run-row").count();

    await page.getByTestId("runs-filter-user").selectOption({ label: "Bea Builder" });
    await expect.poll(() => params().get("user")).toMatch(/.+/);
    await page.getByTestId("runs-filter-time").selectOption("1h");
    await expect.poll(() => params().get("time")).toBe("1h");
    await expect.poll(rowCount).toBeGreaterThan(0);

    // A range long past: nothing.
    await page.getByTestId("runs-filter-time").selectOption("custom");
    await page.getByTestId("runs-filter-from").fill("2020-01-01T00:00");
    await page.getByTestId("runs-filter-to").fill("2020-01-02T00:00");
    await expect.poll(() => [params().get("time"), params().get("from"), params().get("to")]).toEqual(["custom", "2020-01-01T00:00", "2020-01-02T00:00"]);
    await page.getByTestId("runs-empty").waitFor();
    const saved = params().toString();

    await page.getByTestId("runs-save-name").fill("New Year 2020");
    await page.getByTestId("runs-save").click();
    await page.getByTestId("runs-filter-clear").click();
    await expect.poll(() => new URL(page.url()).search).toBe("");
    await expect.poll(rowCount).toBeGreaterThan(0);

    await page.getByTestId("runs-saved-select").selectOption("New Year 2020");
    await expect.poll(() => params().toString()).toBe(saved);
    await page.getByTestId("runs-empty").waitFor();
    await screenshot(page, "agents-runs-filters");

    // The URL alone reproduces the view.
    await page.goto(page.url());
    await page.getByTestId("runs-empty").waitFor();
    expect(await page.getByTestId("runs-filter-from").inputValue()).toBe("2020-01-01T00:00");
    expect(await page.getByTestId("runs-filter-user").inputValue()).toBe(params().get("user"));
  });

  test("no page errors, no server errors", () => {
    expect(browser.pageErrors).toEqual([]);
    expect(app.logs()).not.toMatch(/Uncaught error|Could not find module|is not supported in Convex|Server Error/);
  });
});
