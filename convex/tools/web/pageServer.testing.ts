/**
 * Local web pages and a local Tavily for the web tools' tests: `node:http`
 * servers on 127.0.0.1 (free ports) that record every request. Real sockets,
 * so tests use real timers.
 */
import { readFileSync } from "node:fs";
import { createServer, type IncomingHttpHeaders, type ServerResponse } from "node:http";
import type { Socket } from "node:net";
import { fileURLToPath } from "node:url";
import { vi } from "vitest";
import { api } from "../../_generated/api";
import type { Id } from "../../_generated/dataModel";
import type { Caller } from "../../chat/testkit.testing";

export type Page = { status?: number; contentType?: string; body: string; headers?: Record<string, string>; /** Send without Content-Length, in chunks. */ chunked?: boolean };
export type Recorded = { method: string; path: string; headers: IncomingHttpHeaders; body: string };

async function serve(handle: (path: string, method: string, body: string, res: ServerResponse) => void) {
  const requests: Recorded[] = [];
  const sockets = new Set<Socket>();
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => {
      const body = Buffer.concat(chunks).toString("utf8");
      const path = (req.url ?? "/").split("?")[0]!;
      requests.push({ method: req.method ?? "GET", path, headers: req.headers, body });
      handle(path, req.method ?? "GET", body, res);
    });
  });
  server.on("connection", (socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  return {
    url: (path = "/") => `http://127.0.0.1:${port}${path}`,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

/** Serves `pages` by path (404 for anything else). */
export async function startPageServer(pages: Record<string, Page>) {
  return await serve((path, _method, _body, res) => {
    const page = pages[path];
    if (!page) {
      res.writeHead(404, { "Content-Type": "text/plain" });
      res.end("no such page");
      return;
    }
    const headers = { "Content-Type": page.contentType ?? "text/html; charset=utf-8", ...page.headers };
    if (page.chunked) {
      res.writeHead(page.status ?? 200, headers);
      const size = 1024;
      for (let i = 0; i < page.body.length; i += size) res.write(page.body.slice(i, i + size));
      res.end();
      return;
    }
    res.writeHead(page.status ?? 200, { ...headers, "Content-Length": String(Buffer.byteLength(page.body)) });
    res.end(page.body);
  });
}
export type PageServer = Awaited<ReturnType<typeof startPageServer>>;

const FIXTURES = fileURLToPath(new URL("./fixtures/", import.meta.url));

/** A fixture without its leading `#` header lines. */
export function webFixture(name: string): string {
  const lines = readFileSync(FIXTURES + name, "utf8").split("\n");
  let start = 0;
  while (start < lines.length && (lines[start]!.startsWith("#") || lines[start]!.trim() === "")) start++;
  return lines.slice(start).join("\n");
}

/** A local Tavily: `POST /search` answers `answer()` (default: the documented example response). */
export async function startTavilyStub(answer: () => { status: number; body: string } = () => ({ status: 200, body: webFixture("tavily-search-response.txt") })) {
  return await serve((path, method, _body, res) => {
    if (method !== "POST" || path !== "/search") {
      res.writeHead(404, { "Content-Type": "application/json" });
      res.end('{"detail":{"error":"Not found"}}');
      return;
    }
    const { status, body } = answer();
    res.writeHead(status, { "Content-Type": "application/json" });
    res.end(body);
  });
}

/** Give the agent a built-in tool (its trust level; no approval for read tools). */
export async function assignBuiltin(admin: Caller, agentId: Id<"agents">, toolSlug: string) {
  await admin.client.mutation(api.tools.assignments.assign, { accountId: admin.accountId, agentId, toolSlug });
}

/** Pages on 127.0.0.1 are private addresses: allowed for the tests that read them. */
export function allowPrivatePages(allow = true) {
  vi.stubEnv("HARNESS_WEBHOOK_ALLOW_PRIVATE_URLS", allow ? "true" : "");
}
