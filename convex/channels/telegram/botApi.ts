/**
 * The Telegram Bot API client: grammY's `Api` (its web build, which uses the
 * runtime's `fetch`, so it runs in Convex's default runtime), pointed at
 * `TELEGRAM_API_ROOT` (default https://api.telegram.org) so that tests and
 * self-hosters can use any server that speaks the Bot API.
 */
import { Api, GrammyError, HttpError } from "grammy/web";
import { env } from "../../lib/env";

export const DEFAULT_API_ROOT = "https://api.telegram.org";

/** Seconds a single Bot API call may take before it is abandoned (and retried by the caller's pool). */
const CALL_TIMEOUT_SECONDS = 20;

export function botApi(token: string): Api {
  const apiRoot = env.telegramApiRoot() ?? DEFAULT_API_ROOT;
  return new Api(token, { apiRoot: apiRoot.replace(/\/+$/, ""), timeoutSeconds: CALL_TIMEOUT_SECONDS });
}

/** What a failed Bot API call means for the caller. */
export type BotApiFailure =
  /** 401/404 on the token: revoked or wrong; stop using it. */
  | { kind: "unauthorized"; message: string }
  /** 429: wait `retryAfterMs`, then the same call may succeed. */
  | { kind: "rate_limited"; retryAfterMs: number; message: string }
  /** The request itself is refused (400, 403: blocked by the user…); repeating it will not help. */
  | { kind: "refused"; message: string }
  /** The network or the server (5xx): retry later. */
  | { kind: "unavailable"; message: string };

export function classifyBotApiError(error: unknown): BotApiFailure {
  if (error instanceof GrammyError) {
    const message = `Telegram answered ${error.error_code}: ${error.description}`;
    if (error.error_code === 401 || error.error_code === 404) return { kind: "unauthorized", message };
    if (error.error_code === 429) return { kind: "rate_limited", retryAfterMs: (error.parameters.retry_after ?? 1) * 1_000, message };
    if (error.error_code >= 500) return { kind: "unavailable", message };
    return { kind: "refused", message };
  }
  if (error instanceof HttpError) return { kind: "unavailable", message: "Telegram's Bot API could not be reached." };
  return { kind: "unavailable", message: error instanceof Error ? error.message : String(error) };
}

/** Telegram refuses a MarkdownV2 text it cannot parse with this 400 description. */
export function isParseError(error: unknown): boolean {
  return error instanceof GrammyError && error.error_code === 400 && /can't parse entities/i.test(error.description);
}

/** Editing a message to the text it already shows is a 400 "message is not modified": nothing to do. */
export function isNotModified(error: unknown): boolean {
  return error instanceof GrammyError && error.error_code === 400 && /message is not modified/i.test(error.description);
}
