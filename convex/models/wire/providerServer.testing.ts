/**
 * A wire-level stand-in for the model providers, for tests: a `node:http`
 * server on 127.0.0.1 (a free port) that speaks the OpenAI Chat Completions
 * and Anthropic Messages streaming protocols byte for byte, replaying the
 * documented transcripts in `./fixtures` (each file starts with `#` lines
 * naming its source; they are stripped before serving).
 *
 * Point the real providers at it:
 *   createOpenAICompatible({ name: "wire", baseURL: server.openaiBaseURL, apiKey, includeUsage: true })
 *     → POST {url}/openai/v1/chat/completions, GET …/models, POST …/embeddings
 *   createAnthropic({ baseURL: server.anthropicBaseURL, apiKey })
 *     → POST {url}/anthropic/v1/messages, GET …/models
 *
 * Every request is recorded (method, path, headers, parsed JSON body) and
 * answered by the next scripted response for its route, else the route's
 * default. Delays use `setTimeout` from `node:timers`, which `vi.useFakeTimers()`
 * does not replace (it patches `globalThis` only), so scripted delays run on the
 * wall clock even under fake timers.
 */
import { readFileSync } from "node:fs";
import { createServer, type IncomingHttpHeaders, type ServerResponse } from "node:http";
import type { Socket } from "node:net";
import { setTimeout as realSetTimeout } from "node:timers";
import { fileURLToPath } from "node:url";
import { vi } from "vitest";
import type { Harness } from "../../test.setup";

export type Route = "openai.chat" | "openai.models" | "openai.embeddings" | "anthropic.messages" | "anthropic.models";

const ROUTES: Record<string, Route> = {
  "POST /openai/v1/chat/completions": "openai.chat",
  "GET /openai/v1/models": "openai.models",
  "POST /openai/v1/embeddings": "openai.embeddings",
  "POST /anthropic/v1/messages": "anthropic.messages",
  "GET /anthropic/v1/models": "anthropic.models",
};

/**
 * Replay a fixture. `.sse` files stream as `text/event-stream`, one write per
 * event (flushed before the next); `.txt` files are sent whole as a JSON body.
 * Event indices are 0-based and count every event in the file (pings, `[DONE]`).
 */
export type FixtureScript = {
  fixture: string;
  /** HTTP status (default 200). */
  status?: number;
  /** Extra response headers (override the defaults). */
  headers?: Record<string, string>;
  /** Real-clock pause before each event after the first. */
  delayMsBetweenEvents?: number;
  /** Send this many events, then destroy the socket (mid-stream disconnect). */
  dropAfterEvents?: number;
  /** Send this many events, then go silent with the connection open until `close()`. */
  stallAfterEvents?: number;
  /** Replace the data of event n (0-based) with its first half: truncated, malformed JSON. */
  corruptEvent?: number;
};
/** A plain HTTP answer; `body` objects are sent as JSON, strings as they are. */
export type HttpScript = { status: number; headers?: Record<string, string>; body?: unknown };
/** An OpenAI embeddings response with a deterministic vector of `embeddings` dimensions per input. */
export type EmbeddingsScript = { embeddings: number };
export type Scripted = FixtureScript | HttpScript | EmbeddingsScript;

export type RecordedRequest = {
  /** 1-based arrival order across all routes. */
  n: number;
  route: Route | "unknown";
  method: string;
  /** Path without the query string. */
  path: string;
  query: string;
  /** Lower-cased by node: `authorization`, `x-api-key`, `anthropic-version`, ... */
  headers: IncomingHttpHeaders;
  rawBody: string;
  /** The body parsed as JSON, or undefined if it was empty or not JSON. */
  body: unknown;
  /** What the server answered with. */
  answeredWith: Scripted;
};

export type ProviderServer = {
  /** `http://127.0.0.1:<port>` */
  url: string;
  /** `${url}/openai/v1`: the baseURL for `createOpenAICompatible`. */
  openaiBaseURL: string;
  /** `${url}/anthropic/v1`: the baseURL for `createAnthropic`. */
  anthropicBaseURL: string;
  /** Every request, in arrival order. */
  requests: RecordedRequest[];
  /** Queue responses for a route, one per request, used before the route's default. */
  script: (route: Route, ...responses: Scripted[]) => void;
  /** Replace a route's default response. */
  setDefault: (route: Route, response: Scripted) => void;
  /** Scripted responses not yet used for a route. */
  pending: (route: Route) => number;
  /** How many requests a route (or unmatched paths, "unknown") received. */
  count: (route: Route | "unknown") => number;
  counts: () => Record<Route | "unknown", number>;
  /** Stop listening and destroy every open connection (including stalled streams). */
  close: () => Promise<void>;
};

export const DEFAULT_RESPONSES: Readonly<Record<Route, Scripted>> = {
  "openai.chat": { fixture: "openai-chat-text-usage.sse" },
  "openai.models": { fixture: "openai-models.txt" },
  "openai.embeddings": { embeddings: 8 },
  "anthropic.messages": { fixture: "anthropic-messages-text.sse" },
  "anthropic.models": { fixture: "anthropic-models.txt" },
};

const FIXTURE_DIR = fileURLToPath(new URL("./fixtures/", import.meta.url));

/** A fixture file with its leading `#` header lines (and the blank lines after them) removed. */
export function fixtureText(name: string): string {
  if (!/^[A-Za-z0-9._-]+$/.test(name)) throw new Error(`Bad fixture name ${name}`);
  const lines = readFileSync(FIXTURE_DIR + name, "utf8").replace(/\r\n/g, "\n").split("\n");
  let start = 0;
  while (start < lines.length && (lines[start]!.startsWith("#") || lines[start]!.trim() === "")) start++;
  return lines.slice(start).join("\n");
}

/** The fixture's header lines (`# source: ...`, `# what: ...`), without the leading `# `. */
export function fixtureHeader(name: string): string[] {
  const header: string[] = [];
  for (const line of readFileSync(FIXTURE_DIR + name, "utf8").split(/\r?\n/)) {
    if (!line.startsWith("#")) break;
    header.push(line.replace(/^#\s?/, ""));
  }
  return header;
}

/** An `.sse` fixture split into its events, each without the trailing blank line. */
export function fixtureEvents(name: string): string[] {
  return fixtureText(name)
    .split(/\n{2,}/)
    .map((event) => event.replace(/\n+$/, ""))
    .filter((event) => event.trim() !== "");
}

/** The JSON payloads of an `.sse` fixture's `data:` lines (`[DONE]` left out). */
export function fixtureData(name: string): unknown[] {
  const out: unknown[] = [];
  for (const event of fixtureEvents(name)) {
    for (const line of event.split("\n")) {
      if (!line.startsWith("data:")) continue;
      const payload = line.slice(5).trim();
      if (payload !== "[DONE]") out.push(JSON.parse(payload));
    }
  }
  return out;
}

/** A `.txt` fixture's body parsed as JSON. */
export function fixtureJson(name: string): unknown {
  return JSON.parse(fixtureText(name));
}

/** The vector `{ embeddings: dims }` answers for `text`: FNV-1a seeded mulberry32, unit length. */
export function deterministicEmbedding(text: string, dims: number): number[] {
  let seed = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    seed ^= text.charCodeAt(i);
    seed = Math.imul(seed, 0x01000193) >>> 0;
  }
  const values: number[] = [];
  for (let i = 0; i < dims; i++) {
    seed = (seed + 0x6d2b79f5) >>> 0;
    let t = seed;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    values.push(((t ^ (t >>> 14)) >>> 0) / 2 ** 31 - 1);
  }
  const norm = Math.sqrt(values.reduce((sum, v) => sum + v * v, 0)) || 1;
  return values.map((v) => v / norm);
}

const sleep = (ms: number) => new Promise<void>((resolve) => realSetTimeout(resolve, ms));

function corrupt(event: string): string {
  return event
    .split("\n")
    .map((line) => {
      if (!line.startsWith("data:")) return line;
      const payload = line.slice(5).trim();
      return `data: ${payload.slice(0, Math.max(1, Math.floor(payload.length / 2)))}`;
    })
    .join("\n");
}

function isFixture(response: Scripted): response is FixtureScript {
  return "fixture" in response;
}
function isEmbeddings(response: Scripted): response is EmbeddingsScript {
  return "embeddings" in response;
}

export async function startProviderServer(options: { defaults?: Partial<Record<Route, Scripted>> } = {}): Promise<ProviderServer> {
  const defaults: Record<Route, Scripted> = { ...DEFAULT_RESPONSES, ...options.defaults };
  const queues = new Map<Route, Scripted[]>();
  const requests: RecordedRequest[] = [];
  const sockets = new Set<Socket>();
  let closed = false;

  const write = (res: ServerResponse, chunk: string) =>
    new Promise<void>((resolve) => {
      if (res.destroyed || closed) return resolve();
      res.write(chunk, () => resolve());
    });

  async function streamFixture(res: ServerResponse, script: FixtureScript) {
    const events = fixtureEvents(script.fixture);
    res.writeHead(script.status ?? 200, {
      "content-type": "text/event-stream",
      "cache-control": "no-cache",
      connection: "keep-alive",
      ...script.headers,
    });
    res.flushHeaders();
    for (let i = 0; i < events.length; i++) {
      if (script.dropAfterEvents !== undefined && i >= script.dropAfterEvents) {
        res.socket?.destroy();
        return;
      }
      if (script.stallAfterEvents !== undefined && i >= script.stallAfterEvents) return;
      if (i > 0 && script.delayMsBetweenEvents) await sleep(script.delayMsBetweenEvents);
      if (closed || res.destroyed) return;
      await write(res, `${i === script.corruptEvent ? corrupt(events[i]!) : events[i]!}\n\n`);
    }
    if (script.dropAfterEvents !== undefined && script.dropAfterEvents >= events.length) {
      res.socket?.destroy();
      return;
    }
    if (script.stallAfterEvents !== undefined && script.stallAfterEvents >= events.length) return;
    res.end();
  }

  function sendBody(res: ServerResponse, status: number, headers: Record<string, string> | undefined, body: unknown) {
    const text = typeof body === "string" ? body : body === undefined ? "" : JSON.stringify(body);
    const contentType = typeof body === "string" && !/^\s*[[{]/.test(body) ? "text/plain" : "application/json";
    res.writeHead(status, { "content-type": contentType, ...headers });
    res.end(text);
  }

  async function answer(res: ServerResponse, route: Route | "unknown", body: unknown, response: Scripted) {
    if (route === "unknown") {
      sendBody(res, 404, undefined, { error: { message: "No such route on the provider test server", type: "invalid_request_error", param: null, code: null } });
    } else if (isEmbeddings(response)) {
      const input = (body as { input?: unknown } | undefined)?.input;
      const inputs = Array.isArray(input) ? input.map(String) : [String(input ?? "")];
      const tokens = inputs.reduce((sum, text) => sum + Math.max(1, text.split(/\s+/).filter(Boolean).length), 0);
      sendBody(res, 200, undefined, {
        object: "list",
        data: inputs.map((text, index) => ({ object: "embedding", index, embedding: deterministicEmbedding(text, response.embeddings) })),
        model: (body as { model?: string } | undefined)?.model ?? "unknown",
        usage: { prompt_tokens: tokens, total_tokens: tokens },
      });
    } else if (isFixture(response)) {
      if (response.fixture.endsWith(".sse")) await streamFixture(res, response);
      else sendBody(res, response.status ?? 200, response.headers, fixtureText(response.fixture));
    } else {
      sendBody(res, response.status, response.headers, response.body);
    }
  }

  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => {
      const [path = "/", query = ""] = (req.url ?? "/").split("?", 2);
      const method = req.method ?? "GET";
      const route = ROUTES[`${method} ${path}`] ?? "unknown";
      const rawBody = Buffer.concat(chunks).toString("utf8");
      let body: unknown = undefined;
      try {
        body = rawBody === "" ? undefined : JSON.parse(rawBody);
      } catch {
        body = undefined;
      }
      const response: Scripted = route === "unknown" ? { status: 404 } : (queues.get(route)?.shift() ?? defaults[route]);
      requests.push({ n: requests.length + 1, route, method, path, query, headers: req.headers, rawBody, body, answeredWith: response });
      answer(res, route, body, response).catch((error: unknown) => {
        if (!res.headersSent) sendBody(res, 500, undefined, { error: { message: String(error), type: "test_server_error", param: null, code: null } });
        else res.destroy();
      });
    });
  });
  server.on("connection", (socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  const url = `http://127.0.0.1:${port}`;

  const count = (route: Route | "unknown") => requests.filter((r) => r.route === route).length;
  return {
    url,
    openaiBaseURL: `${url}/openai/v1`,
    anthropicBaseURL: `${url}/anthropic/v1`,
    requests,
    script: (route, ...responses) => {
      queues.set(route, [...(queues.get(route) ?? []), ...responses]);
    },
    setDefault: (route, response) => {
      defaults[route] = response;
    },
    pending: (route) => queues.get(route)?.length ?? 0,
    count,
    counts: () => ({
      "openai.chat": count("openai.chat"),
      "openai.models": count("openai.models"),
      "openai.embeddings": count("openai.embeddings"),
      "anthropic.messages": count("anthropic.messages"),
      "anthropic.models": count("anthropic.models"),
      unknown: count("unknown"),
    }),
    close: () =>
      new Promise<void>((resolve) => {
        closed = true;
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

/**
 * After a wire test: let the background work it started (workflow
 * onComplete, scheduled clean-ups) finish on the real clock, then stop the
 * provider server, so the next test starts with neither.
 */
export async function drainAndClose(harness: Harness | undefined, server: ProviderServer | undefined): Promise<void> {
  if (harness !== undefined) {
    await vi.waitFor(async () => await harness.finishInProgressScheduledFunctions(), { timeout: 10_000, interval: 25 });
  }
  await server?.close();
}
