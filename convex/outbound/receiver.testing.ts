/**
 * A real webhook receiver for tests: a `node:http` server on 127.0.0.1 (a
 * free port) that records every POST and answers with the status the test
 * chooses, plus an independent Standard Webhooks signature check (node:crypto,
 * not the code under test). Deliveries travel over real HTTP, so tests use
 * real timers and poll (`vi.waitFor`): fake timers would also fire the HTTP
 * client's own timeouts.
 */
import { createHmac, timingSafeEqual } from "node:crypto";
import { createServer, type IncomingHttpHeaders } from "node:http";
import { vi } from "vitest";
import { api } from "../_generated/api";
import type { Id } from "../_generated/dataModel";
import type { Caller } from "../chat/testkit.testing";

export type Received = { path: string; headers: IncomingHttpHeaders; body: string; answeredWith: number; at: number };

/** Answer the n-th request (1-based) with this status. Default: always 200. */
export type Responder = (n: number, request: { path: string; body: string }) => number;

export async function startReceiver(responder: Responder = () => 200) {
  const received: Received[] = [];
  let respond = responder;
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => {
      const body = Buffer.concat(chunks).toString("utf8");
      const path = req.url ?? "/";
      const status = respond(received.length + 1, { path, body });
      received.push({ path, headers: req.headers, body, answeredWith: status, at: Date.now() });
      res.writeHead(status, { "Content-Type": "text/plain", Connection: "close" });
      res.end(status >= 400 ? `receiver says ${status}` : "ok");
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  return {
    url: (path = "/hook") => `http://127.0.0.1:${port}${path}`,
    received,
    /** Parsed bodies of what arrived, in order. */
    events: () => received.map((r) => JSON.parse(r.body) as { id: string; type: string; timestamp: string; accountId: string; data: Record<string, unknown> }),
    setResponder: (next: Responder) => {
      respond = next;
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
export type Receiver = Awaited<ReturnType<typeof startReceiver>>;

function header(headers: IncomingHttpHeaders, name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value[0] : value;
}

/**
 * The receiving side's check, written from the Standard Webhooks spec:
 * HMAC-SHA256 with the secret's base64-decoded bytes over `id.timestamp.body`,
 * compared in constant time with each `v1,` signature in the header.
 */
export function verifySignature(secret: string, headers: IncomingHttpHeaders, body: string): boolean {
  const id = header(headers, "webhook-id");
  const timestamp = header(headers, "webhook-timestamp");
  const signatures = header(headers, "webhook-signature");
  if (!id || !timestamp || !signatures || !/^\d+$/.test(timestamp)) return false;
  const key = Buffer.from(secret.replace(/^whsec_/, ""), "base64");
  const expected = createHmac("sha256", key).update(`${id}.${timestamp}.${body}`).digest();
  return signatures.split(" ").some((entry) => {
    const [version, value] = entry.split(",");
    if (version !== "v1" || value === undefined) return false;
    const given = Buffer.from(value, "base64");
    return given.length === expected.length && timingSafeEqual(given, expected);
  });
}

/** Retries fast in tests: short backoff, few attempts (read when a delivery is enqueued). */
export function fastRetries(maxAttempts = 3, backoffMs = 20) {
  vi.stubEnv("HARNESS_WEBHOOK_MAX_ATTEMPTS", String(maxAttempts));
  vi.stubEnv("HARNESS_WEBHOOK_BACKOFF_MS", String(backoffMs));
}

/**
 * Let subscriptions point at 127.0.0.1 (where the receiver listens): private
 * addresses are refused unless the deployment opts in. Undone by `resetRetries`.
 */
export function allowPrivateUrls(allow = true) {
  vi.stubEnv("HARNESS_WEBHOOK_ALLOW_PRIVATE_URLS", allow ? "true" : "");
}

export function resetRetries() {
  vi.unstubAllEnvs();
}

export async function subscribe(caller: Caller, url: string, events: string[]) {
  return await caller.client.mutation(api.outbound.subscriptions.subscribe, { accountId: caller.accountId, url, events });
}

export async function deliveriesOf(caller: Caller, subscriptionId: Id<"webhookSubscriptions">) {
  const result = await caller.client.query(api.outbound.subscriptions.deliveries, {
    accountId: caller.accountId,
    subscriptionId,
    paginationOpts: { numItems: 50, cursor: null },
  });
  return result.page;
}

/** Poll until `check` passes (real timers; the scheduler and the receiver run meanwhile). */
export async function eventually<T>(check: () => Promise<T> | T, timeout = 30_000): Promise<T> {
  return await vi.waitFor(check, { timeout, interval: 25 });
}
