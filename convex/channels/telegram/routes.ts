import type { HttpRouter } from "convex/server";
import { internal } from "../../_generated/api";
import { httpAction, type ActionCtx } from "../../_generated/server";
import { handleRequest, HttpError, jsonResponse, readBodyText } from "../../lib/http";

/** A Telegram update is a few KiB (a 4,096-character message and its entities); anything far larger is not one. */
const MAX_BODY_BYTES = 64 * 1024;
export const TELEGRAM_PATH_PREFIX = "/telegram/";

/**
 * POST /telegram/<bot user id>: Telegram's webhook. The secret token given to
 * setWebhook must come back in `X-Telegram-Bot-Api-Secret-Token`; a wrong or
 * missing one (or an unknown bot) is 401 with nothing written. A good update
 * is stored once by its `update_id` and answered 200 at once; it is applied
 * afterwards (inbox.ts), so Telegram never waits for the model.
 */
async function receiveUpdate(ctx: ActionCtx, request: Request, requestId: string): Promise<Response> {
  const idText = new URL(request.url).pathname.slice(TELEGRAM_PATH_PREFIX.length);
  if (!/^\d{1,15}$/.test(idText)) throw new HttpError("not_found", "No such Telegram bot.");
  const body = await readBodyText(request, MAX_BODY_BYTES);
  let updateId: unknown;
  try {
    updateId = (JSON.parse(body) as { update_id?: unknown }).update_id;
  } catch {
    throw new HttpError("bad_request", "The body is not JSON.");
  }
  if (typeof updateId !== "number" || !Number.isSafeInteger(updateId)) throw new HttpError("bad_request", "The body is not a Telegram Update (no update_id).");
  const outcome = await ctx.runMutation(internal.channels.telegram.inbox.receive, {
    telegramBotId: Number(idText),
    secretToken: request.headers.get("X-Telegram-Bot-Api-Secret-Token"),
    updateId,
    body,
  });
  if (outcome === "refused") throw new HttpError("unauthenticated", "Unknown bot or wrong secret token.");
  return jsonResponse({ ok: true, duplicate: outcome === "duplicate" }, 200, requestId);
}

export function registerTelegramRoutes(http: HttpRouter): void {
  http.route({
    pathPrefix: TELEGRAM_PATH_PREFIX,
    method: "POST",
    handler: httpAction(async (ctx, request) => await handleRequest("POST /telegram/*", (req, requestId) => receiveUpdate(ctx, req, requestId))(request)),
  });
}
