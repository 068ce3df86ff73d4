// @vitest-environment node
/**
 * What a new user's browser downloads: `npm start`, the sign-in page, sign
 * in, the chat ready. Every script Chromium fetched on the way is counted
 * and its gzip size asked of the server (as a browser without brotli would
 * get it): at most 15 files and 350 KB (issue #22; `npm run size` prints the
 * same from the build). Then the caching a returning user relies on.
 */
import { request } from "node:http";
import type { Page } from "playwright-core";
import { describe, expect, test } from "vitest";
import { FIRST_PAGE_BUDGET } from "../web/size";
import { screenshot, signIn, useAppAndBrowser, type App } from "./app";

let app: App;
let page: Page;

useAppAndBrowser("firstpage-", (session) => ({ app, page } = session));

/** The response's headers and the number of bytes on the wire, asking for gzip only. */
function gzipped(url: string): Promise<{ status: number; bytes: number; headers: Record<string, string | string[] | undefined> }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { headers: { "accept-encoding": "gzip" } }, (res) => {
      let bytes = 0;
      res.on("data", (chunk: Buffer) => (bytes += chunk.length));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, bytes, headers: res.headers }));
    });
    req.on("error", reject);
    req.end();
  });
}

describe("the first page in Chromium against npm start", { timeout: 90_000 }, () => {
  test("sign-in, then a ready chat: at most 15 scripts, 350 KB gzip; hashed files cached, the page not", async () => {
    const scripts = new Set<string>();
    page.on("request", (req) => {
      if (req.resourceType() === "script") scripts.add(req.url());
    });

    await page.goto(app.url);
    await page.getByTestId("signin-name").waitFor();
    await signIn(page, { name: "Fran First", orgId: "org_demo" });
    await expect.poll(() => page.getByTestId("agent-picker").isEnabled()).toBe(true);
    await screenshot(page, "firstpage-01-chat-ready");

    const files = [...scripts];
    expect(files.every((url) => new URL(url).pathname.startsWith("/assets/")), files.join("\n")).toBe(true);
    const sizes = await Promise.all(files.map(async (url) => ({ url, ...(await gzipped(url)) })));
    const totalKb = sizes.reduce((sum, s) => sum + s.bytes, 0) / 1024;
    const listing = sizes.map((s) => `${(s.bytes / 1024).toFixed(1)} KB ${new URL(s.url).pathname}`).join("\n");
    console.log(`First page: ${files.length} scripts, ${totalKb.toFixed(1)} KB gzip\n${listing}`);
    expect(files.length, listing).toBeLessThanOrEqual(FIRST_PAGE_BUDGET.files);
    expect(totalKb, listing).toBeLessThanOrEqual(FIRST_PAGE_BUDGET.gzipKb);

    // The delegation graph, the charts, Clerk and the highlighter are not among them.
    expect(files.filter((url) => /DelegationsPage|UsagePage|Clerk|rehype-highlight/.test(url))).toEqual([]);
    for (const s of sizes) {
      expect(s.status).toBe(200);
      expect(s.headers["cache-control"]).toBe("public,max-age=31536000,immutable");
      if (s.bytes > 1024) expect(s.headers["content-encoding"]).toBe("gzip");
    }
    const html = await gzipped(`${app.url}/chat`);
    expect(html.headers["cache-control"]).toBe("no-cache");
  });

  test("another page loads its own code when opened", async () => {
    const scripts: string[] = [];
    page.on("request", (req) => {
      if (req.resourceType() === "script") scripts.push(new URL(req.url()).pathname);
    });
    await page.getByTestId("nav-usage").click();
    await page.getByTestId("usage-page").waitFor({ timeout: 30_000 });
    expect(scripts.some((name) => /\/assets\/UsagePage-[\w-]+\.js$/.test(name)), scripts.join("\n")).toBe(true);
  });
});
