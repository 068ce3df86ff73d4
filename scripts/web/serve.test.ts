// @vitest-environment node
/**
 * The SPA's production build as `npm start` serves it: the real build of
 * web/ (build.ts, reused when the sources did not change) behind the real
 * handler (serve.ts) on a real HTTP server, asked the way a browser asks.
 */
import { mkdtemp, mkdir, readFile, readdir, rm, writeFile } from "node:fs/promises";
import { createServer, request, type IncomingHttpHeaders, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { brotliDecompressSync, gunzipSync } from "node:zlib";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { ensureWebBuild, webSourceHash, type WebBuild } from "./build";
import { builtWebHandler, envScript, IMMUTABLE, INJECTED_ENV_GLOBAL, type WebEnv } from "./serve";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const ENV: WebEnv = {
  VITE_CONVEX_URL: "http://127.0.0.1:4321",
  VITE_CONVEX_SITE_URL: "http://127.0.0.1:4322",
  VITE_LOCAL_AUTH_URL: "http://127.0.0.1:4321/local-auth",
  VITE_CLERK_PUBLISHABLE_KEY: "",
};

let build: WebBuild;
let server: Server;
let origin: string;

beforeAll(async () => {
  build = await ensureWebBuild(ROOT);
  server = createServer(builtWebHandler(build.dir, ENV));
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}, 120_000);

afterAll(async () => {
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

/** A request with exactly these headers (fetch would add its own Accept-Encoding and decode the body). */
function get(pathname: string, headers: Record<string, string> = {}, method = "GET") {
  return new Promise<{ status: number; headers: IncomingHttpHeaders; body: Buffer }>((resolve, reject) => {
    const req = request(new URL(pathname, origin), { method, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (chunk: Buffer) => chunks.push(chunk));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
    });
    req.on("error", reject);
    req.end();
  });
}

/** The entry script index.html loads (`/assets/index-<hash>.js`). */
async function entryScript(): Promise<string> {
  const html = await readFile(path.join(build.dir, "index.html"), "utf8");
  const src = /<script type="module"[^>]*src="([^"]+)"/.exec(html)?.[1];
  expect(src).toMatch(/^\/assets\/index-[\w-]+\.js$/);
  return src!;
}

describe("index.html and the SPA's routes", () => {
  test.each(["/", "/index.html", "/chat", "/chat/j57abc", "/agents/graph", "/knowledge?scope=user"])("%s: the app, not cached, with the server's settings", async (route) => {
    const res = await get(route, { accept: "text/html" });
    expect(res.status).toBe(200);
    expect(res.headers["content-type"]).toBe("text/html; charset=utf-8");
    expect(res.headers["cache-control"]).toBe("no-cache");
    const html = res.body.toString("utf8");
    expect(html).toContain(`window.${INJECTED_ENV_GLOBAL}=`);
    expect(html).toContain('"VITE_CONVEX_URL":"http://127.0.0.1:4321"');
    // The settings are set before the module script that reads them runs.
    expect(html.indexOf(INJECTED_ENV_GLOBAL)).toBeLessThan(html.indexOf('<script type="module"'));
  });

  test("a missing file is 404, never the app in place of a script", async () => {
    const res = await get("/assets/index-missing.js", { "accept-encoding": "br, gzip" });
    expect(res.status).toBe(404);
    expect(res.body.toString()).not.toContain("<html");
  });

  test("only GET and HEAD", async () => {
    const res = await get("/", {}, "POST");
    expect(res.status).toBe(405);
    expect(res.headers["allow"]).toBe("GET, HEAD");
    const head = await get("/chat", {}, "HEAD");
    expect(head.status).toBe(200);
    expect(head.body.length).toBe(0);
  });

  test("an injected value cannot close the script tag", () => {
    const script = envScript({ VITE_CONVEX_URL: "</script><script>alert(1)</script>" });
    expect(script.match(/<\/script>/g)).toHaveLength(1);
    expect(script).toContain("\\u003c/script>");
  });
});

describe("hashed assets", () => {
  test("cached for a year, immutable; brotli, gzip or plain by Accept-Encoding, the same bytes", async () => {
    const src = await entryScript();
    const original = await readFile(path.join(build.dir, src));

    const br = await get(src, { "accept-encoding": "gzip, deflate, br" });
    expect(br.status).toBe(200);
    expect(br.headers["cache-control"]).toBe(IMMUTABLE);
    expect(br.headers["content-encoding"]).toBe("br");
    expect(br.headers["vary"]).toBe("Accept-Encoding");
    expect(br.headers["content-type"]).toBe("text/javascript");
    expect(brotliDecompressSync(br.body).equals(original)).toBe(true);
    expect(br.body.length).toBeLessThan(original.length / 2);

    const gz = await get(src, { "accept-encoding": "gzip" });
    expect(gz.headers["content-encoding"]).toBe("gzip");
    expect(gz.headers["cache-control"]).toBe(IMMUTABLE);
    expect(gunzipSync(gz.body).equals(original)).toBe(true);

    const plain = await get(src);
    expect(plain.headers["content-encoding"]).toBeUndefined();
    expect(plain.body.equals(original)).toBe(true);
  });

  test("stylesheets too", async () => {
    const css = (await readdir(path.join(build.dir, "assets"))).find((name) => name.endsWith(".css"));
    expect(css).toBeDefined();
    const res = await get(`/assets/${css}`, { "accept-encoding": "br" });
    expect(res.status).toBe(200);
    expect(res.headers["content-type"]).toBe("text/css");
    expect(res.headers["cache-control"]).toBe(IMMUTABLE);
  });

  test("React's production build, even when built under a test runner (NODE_ENV=test)", async () => {
    const entry = await readFile(path.join(build.dir, await entryScript()), "utf8");
    expect(process.env["NODE_ENV"]).toBe("test");
    expect(entry).not.toContain("cannot be a child of"); // a react-dom development-only warning
  });

  test("source maps exist beside the scripts, and no script points a browser at them", async () => {
    const assets = await readdir(path.join(build.dir, "assets"));
    // (The bundler's own few-line runtime has no sources to map.)
    const scripts = assets.filter((name) => name.endsWith(".js") && !name.startsWith("rolldown-runtime-"));
    expect(scripts.length).toBeGreaterThan(1);
    for (const name of scripts) {
      expect(assets).toContain(`${name}.map`);
      expect(await readFile(path.join(build.dir, "assets", name), "utf8")).not.toContain("sourceMappingURL");
    }
  });
});

describe("build once, reuse", () => {
  test("the same sources reuse the build", async () => {
    const again = await ensureWebBuild(ROOT);
    expect(again).toMatchObject({ dir: build.dir, hash: build.hash, built: false });
  });

  test("the hash follows the SPA's inputs and nothing else", async () => {
    const root = await mkdtemp(path.join(tmpdir(), "harness-webhash-"));
    try {
      await mkdir(path.join(root, "web", "src"), { recursive: true });
      await mkdir(path.join(root, "convex", "lib"), { recursive: true });
      await writeFile(path.join(root, "web", "src", "App.tsx"), "export const a = 1;\n");
      await writeFile(path.join(root, "convex", "lib", "errors.ts"), "export const code = 'x';\n");
      await writeFile(path.join(root, "convex", "lib", "other.ts"), "export const b = 1;\n");
      const first = await webSourceHash(root);

      await writeFile(path.join(root, "convex", "lib", "other.ts"), "export const b = 2;\n"); // the SPA may not import it
      await mkdir(path.join(root, "web", "dist"), { recursive: true });
      await writeFile(path.join(root, "web", "dist", "index.html"), "<html>"); // output, not input
      expect(await webSourceHash(root)).toBe(first);

      await writeFile(path.join(root, "web", "src", "App.tsx"), "export const a = 2;\n");
      const second = await webSourceHash(root);
      expect(second).not.toBe(first);
      await writeFile(path.join(root, "convex", "lib", "errors.ts"), "export const code = 'y';\n");
      expect(await webSourceHash(root)).not.toBe(second);
    } finally {
      await rm(root, { recursive: true, force: true });
    }
  });
});
