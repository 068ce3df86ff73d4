/**
 * Serving a production build of the SPA (build.ts) from a Node HTTP server:
 *
 *   - hashed files (`/assets/…`): `Cache-Control: public,max-age=31536000,immutable`,
 *     the precompressed `.br` / `.gz` copy when the request accepts it (Vary: Accept-Encoding);
 *   - `index.html`, for `/` and every path without a file extension (the
 *     SPA's routes): `Cache-Control: no-cache`, with the server's values of the
 *     SPA's `VITE_*` settings injected (web/src/config.ts reads them), so one
 *     build serves on any port;
 *   - a missing file with an extension: 404 (never index.html where a script was expected).
 */
import { readFileSync } from "node:fs";
import type { IncomingMessage, ServerResponse } from "node:http";
import path from "node:path";
import sirv from "sirv";

/** The settings the SPA reads from `import.meta.env`, as the server wants them at run time. */
export type WebEnv = Partial<Record<"VITE_CONVEX_URL" | "VITE_CONVEX_SITE_URL" | "VITE_CLERK_PUBLISHABLE_KEY" | "VITE_LOCAL_AUTH_URL" | "VITE_ENGINE_LOGS_URL", string>>;

/** The global web/src/config.ts reads before the build's own values. */
export const INJECTED_ENV_GLOBAL = "__HARNESS_ENV__";

export const IMMUTABLE = "public,max-age=31536000,immutable";

/** `<script>` setting the injected settings; `<` escaped so no value can close the tag. */
export function envScript(env: WebEnv): string {
  const json = JSON.stringify(env).replace(/</g, "\\u003c");
  return `<script>window.${INJECTED_ENV_GLOBAL}=${json};</script>`;
}

/** index.html with the settings' script first in <head> (before the module script that reads them). */
export function withInjectedEnv(html: string, env: WebEnv): string {
  const head = /<head[^>]*>/i.exec(html);
  if (head === null) throw new Error("The built index.html has no <head>.");
  const at = head.index + head[0].length;
  return `${html.slice(0, at)}\n    ${envScript(env)}${html.slice(at)}`;
}

export type BuiltWebHandler = (req: IncomingMessage, res: ServerResponse) => void;

/** A request handler for the build in `dir`, serving index.html with `env`. */
export function builtWebHandler(dir: string, env: WebEnv): BuiltWebHandler {
  const index = Buffer.from(withInjectedEnv(readFileSync(path.join(dir, "index.html"), "utf8"), env));
  const files = sirv(dir, { immutable: true, maxAge: 31_536_000, gzip: true, brotli: true, extensions: [], etag: false });

  const sendIndex = (req: IncomingMessage, res: ServerResponse) => {
    res.writeHead(200, { "Content-Type": "text/html; charset=utf-8", "Content-Length": index.length, "Cache-Control": "no-cache" });
    res.end(req.method === "HEAD" ? undefined : index);
  };
  const notFound = (res: ServerResponse, status: number, text: string, extra: Record<string, string> = {}) => {
    res.writeHead(status, { "Content-Type": "text/plain; charset=utf-8", "Cache-Control": "no-cache", ...extra });
    res.end(text);
  };

  return (req, res) => {
    if (req.method !== "GET" && req.method !== "HEAD") return notFound(res, 405, "Method not allowed", { Allow: "GET, HEAD" });
    const pathname = new URL(req.url ?? "/", "http://local").pathname;
    if (pathname === "/" || pathname === "/index.html") return sendIndex(req, res);
    files(req, res, () => {
      // A route of the SPA (no extension in the last segment) gets the app; a missing file does not.
      if (!/\.[^/]*$/.test(pathname)) return sendIndex(req, res);
      notFound(res, 404, "Not found");
    });
  };
}
