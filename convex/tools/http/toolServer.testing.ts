/**
 * A real external tool for tests: a `node:http` server on 127.0.0.1 (a free
 * port) that plays an idempotent tool service the way a careful one would —
 * it checks the Standard Webhooks signature (with `standardwebhooks`, the
 * spec's own library, not the code under test), keeps one effect per
 * `Idempotency-Key` however often a key arrives, and answers what the test
 * scripts for each request (status, body, a delay, or no answer at all).
 *
 * Calls travel over real sockets, so tests use real timers (fake ones would
 * also fire the HTTP client's own timeouts) and poll with `vi.waitFor`.
 */
import { createServer, type IncomingHttpHeaders, type ServerResponse } from "node:http";
import type { Socket } from "node:net";
import { setTimeout as realSetTimeout } from "node:timers";
import { Webhook } from "standardwebhooks";
import { vi } from "vitest";
import { api } from "../../_generated/api";
import type { Id } from "../../_generated/dataModel";
import type { Caller } from "../../chat/testkit.testing";
import { verifySignature } from "../../outbound/receiver.testing";

export type ToolRequest = {
  n: number;
  method: string;
  path: string;
  query: string;
  headers: IncomingHttpHeaders;
  rawBody: string;
  body: Record<string, unknown> | undefined;
  /** Did the signature check out (against the secrets the test gave)? */
  signatureValid: boolean;
  /** Was this the first request with its Idempotency-Key (so the effect happened now)? */
  firstForKey: boolean;
};

/** What to answer: a status and body, after an optional delay; `hang` never answers. */
export type ToolAnswer = { status: number; body?: unknown; headers?: Record<string, string>; delayMs?: number } | { hang: true };
export type ToolResponder = (request: ToolRequest) => ToolAnswer;

function header(headers: IncomingHttpHeaders, name: string): string {
  const value = headers[name];
  return (Array.isArray(value) ? value[0] : value) ?? "";
}

export async function startToolServer(responder: ToolResponder = () => ({ status: 200, body: { ok: true } })) {
  const requests: ToolRequest[] = [];
  /** Idempotency-Key → how many times the effect was asked for, and the effects done (one per key). */
  const byKey = new Map<string, number>();
  const effects: string[] = [];
  const sockets = new Set<Socket>();
  let respond = responder;
  let secrets: string[] = [];

  const verify = (payload: string, headers: IncomingHttpHeaders) =>
    secrets.some((secret) => {
      try {
        new Webhook(secret).verify(payload, {
          "webhook-id": header(headers, "webhook-id"),
          "webhook-timestamp": header(headers, "webhook-timestamp"),
          "webhook-signature": header(headers, "webhook-signature"),
        });
        return true;
      } catch {
        return false;
      }
    });

  const send = (res: ServerResponse, answer: Exclude<ToolAnswer, { hang: true }>) => {
    const text = answer.body === undefined ? "" : typeof answer.body === "string" ? answer.body : JSON.stringify(answer.body);
    res.writeHead(answer.status, { "Content-Type": typeof answer.body === "string" ? "text/plain" : "application/json", ...answer.headers });
    res.end(text);
  };

  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => {
      const [path = "/", query = ""] = (req.url ?? "/").split("?", 2);
      const rawBody = Buffer.concat(chunks).toString("utf8");
      let body: Record<string, unknown> | undefined;
      try {
        body = rawBody === "" ? undefined : (JSON.parse(rawBody) as Record<string, unknown>);
      } catch {
        body = undefined;
      }
      const method = req.method ?? "GET";
      const key = header(req.headers, "idempotency-key");
      const seen = byKey.get(key) ?? 0;
      byKey.set(key, seen + 1);
      if (key !== "" && seen === 0) effects.push(key);
      const request: ToolRequest = {
        n: requests.length + 1,
        method,
        path,
        query,
        headers: req.headers,
        rawBody,
        body,
        // standardwebhooks' verify() parses the payload as JSON: a GET's query string is checked with node:crypto.
        signatureValid: method === "GET" ? secrets.some((secret) => verifySignature(secret, req.headers, query)) : verify(rawBody, req.headers),
        firstForKey: seen === 0,
      };
      requests.push(request);
      const answer = respond(request);
      if ("hang" in answer) return; // keep the socket open until the client gives up or close()
      if (answer.delayMs) realSetTimeout(() => send(res, answer), answer.delayMs);
      else send(res, answer);
    });
  });
  server.on("connection", (socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  return {
    url: (path = "/tool") => `http://127.0.0.1:${port}${path}`,
    requests,
    /** Effects done, one per Idempotency-Key, in order. */
    effects,
    /** How many requests each Idempotency-Key brought. */
    countFor: (key: string) => byKey.get(key) ?? 0,
    /** The secrets whose signatures the server accepts. */
    trust: (...accepted: string[]) => {
      secrets = accepted;
    },
    setResponder: (next: ToolResponder) => {
      respond = next;
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}
export type ToolServer = Awaited<ReturnType<typeof startToolServer>>;

/** Fast retries and private URLs allowed (the server is on 127.0.0.1). Undo with `vi.unstubAllEnvs()`. */
export function toolTestEnv(options: { maxAttempts?: number; backoffMs?: number; allowPrivate?: boolean } = {}) {
  vi.stubEnv("HARNESS_TOOL_MAX_ATTEMPTS", String(options.maxAttempts ?? 3));
  vi.stubEnv("HARNESS_TOOL_BACKOFF_MS", String(options.backoffMs ?? 20));
  vi.stubEnv("HARNESS_WEBHOOK_ALLOW_PRIVATE_URLS", options.allowPrivate === false ? "" : "true");
}

/** A manifest for a tool served at `url` (overrides merged in; `execution` fields merged into execution). */
export function toolManifest(url: string, overrides: Record<string, unknown> & { execution?: Record<string, unknown> } = {}) {
  const { execution, ...rest } = overrides;
  return {
    version: 1,
    kind: "tool",
    slug: "ship_order",
    name: "Ship order",
    description: "Ship a customer's order.",
    trust_level: "read",
    parameters: { type: "object", properties: { order_id: { type: "string", description: "The order to ship" } }, required: ["order_id"], additionalProperties: false },
    ...rest,
    execution: { type: "http", url, method: "POST", timeout_seconds: 5, ...execution },
  };
}

/** Register the tool, give it to the agent (its trust level, no approval unless asked) and return its slug. */
export async function installTool(admin: Caller, agentId: Id<"agents">, manifest: ReturnType<typeof toolManifest>, assign: { needsApproval?: boolean } = {}) {
  const tool = await admin.client.mutation(api.tools.tools.register, { accountId: admin.accountId, manifest });
  await admin.client.mutation(api.tools.assignments.assign, {
    accountId: admin.accountId,
    agentId,
    toolSlug: tool.slug,
    ...(assign.needsApproval !== undefined ? { needsApproval: assign.needsApproval } : {}),
  });
  return tool.slug;
}

export async function createSigningSecret(admin: Caller): Promise<string> {
  const { secret } = await admin.client.action(api.tools.http.secret.create, { accountId: admin.accountId });
  return secret;
}
