/**
 * A Telegram Bot API server for tests, on 127.0.0.1: the wire protocol as
 * https://core.telegram.org/bots/api documents it — `POST /bot<token>/<method>`
 * with a JSON body, answered `{"ok":true,"result":…}` or
 * `{"ok":false,"error_code":…,"description":…,"parameters":{"retry_after":…}}`
 * — for the methods the harness calls (getMe, setWebhook, deleteWebhook,
 * sendMessage, editMessageText, sendChatAction). It records every call and
 * can answer the next calls of a method with an error (429 with retry_after,
 * 500, 401, or a 400 with Telegram's description).
 */
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";

export type BotApiCall = { method: string; token: string; body: Record<string, unknown> };
export type PlannedError = { status: number; description: string; retryAfter?: number };

export type BotApiServer = {
  apiRoot: string;
  calls: BotApiCall[];
  /** Calls of one method, in order. */
  callsOf(method: string): BotApiCall[];
  /** The next `times` calls of `method` fail with `error`. */
  failNext(method: string, error: PlannedError, times?: number): void;
  /** Tokens Telegram accepts (others get 401 Unauthorized). */
  validTokens: Set<string>;
  close(): Promise<void>;
};

/** A bot token in BotFather's shape. */
export function botToken(botId: number, suffix = "AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw"): string {
  return `${botId}:${suffix}`;
}

export async function startBotApiServer(): Promise<BotApiServer> {
  const calls: BotApiCall[] = [];
  const planned = new Map<string, PlannedError[]>();
  const validTokens = new Set<string>();
  let nextMessageId = 1000;

  const server: Server = createServer((req, res) => {
    let raw = "";
    req.on("data", (chunk: Buffer) => (raw += chunk.toString("utf8")));
    req.on("end", () => {
      const match = /^\/bot([^/]+)\/(\w+)$/.exec(req.url ?? "");
      const answer = (status: number, body: unknown) => {
        res.writeHead(status, { "Content-Type": "application/json" });
        res.end(JSON.stringify(body));
      };
      if (!match) return answer(404, { ok: false, error_code: 404, description: "Not Found" });
      const [, token, method] = match as unknown as [string, string, string];
      let body: Record<string, unknown> = {};
      try {
        body = raw === "" ? {} : (JSON.parse(raw) as Record<string, unknown>);
      } catch {
        return answer(400, { ok: false, error_code: 400, description: "Bad Request: invalid JSON" });
      }
      calls.push({ method, token, body });
      if (!validTokens.has(token)) return answer(401, { ok: false, error_code: 401, description: "Unauthorized" });
      const plan = planned.get(method);
      const error = plan?.shift();
      if (error) {
        return answer(error.status, {
          ok: false,
          error_code: error.status,
          description: error.description,
          ...(error.retryAfter !== undefined ? { parameters: { retry_after: error.retryAfter } } : {}),
        });
      }
      const botId = Number(token.split(":")[0]);
      const now = Math.floor(Date.now() / 1000);
      const chat = { id: body.chat_id, type: Number(body.chat_id) < 0 ? "group" : "private" };
      switch (method) {
        case "getMe":
          return answer(200, { ok: true, result: { id: botId, is_bot: true, first_name: "Harness Test Bot", username: `harness_${botId}_bot`, can_join_groups: true, can_read_all_group_messages: false, supports_inline_queries: false } });
        case "setWebhook":
        case "deleteWebhook":
        case "sendChatAction":
          return answer(200, { ok: true, result: true });
        case "sendMessage":
          return answer(200, { ok: true, result: { message_id: nextMessageId++, from: { id: botId, is_bot: true, first_name: "Harness Test Bot" }, chat, date: now, text: body.text } });
        case "editMessageText":
          return answer(200, { ok: true, result: { message_id: body.message_id, from: { id: botId, is_bot: true, first_name: "Harness Test Bot" }, chat, date: now, edit_date: now, text: body.text } });
        default:
          return answer(404, { ok: false, error_code: 404, description: "Not Found: method not found" });
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    apiRoot: `http://127.0.0.1:${port}`,
    calls,
    callsOf: (method) => calls.filter((c) => c.method === method),
    failNext(method, error, times = 1) {
      const plan = planned.get(method) ?? [];
      for (let i = 0; i < times; i++) plan.push(error);
      planned.set(method, plan);
    },
    validTokens,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
