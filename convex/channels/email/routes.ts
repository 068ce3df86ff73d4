import type { HttpRouter } from "convex/server";
import { internal } from "../../_generated/api";
import { httpAction, type ActionCtx } from "../../_generated/server";
import { env } from "../../lib/env";
import { sameSecret } from "../../lib/secrets";
import { handleRequest, HttpError, jsonResponse, readBodyText } from "../../lib/http";
import { discardKept, keepAttachments } from "./attachments";
import { MalformedMail, needsReplyParsing, parsePostmarkInbound, splitAttachments, type PostmarkInbound } from "./postmark";

/** Postmark posts mail up to 35 MB with attachments; the harness takes up to 10 MB. */
const MAX_BODY_BYTES = 10 * 1024 * 1024;
/** Text and HTML bodies kept per mail (the stored row must stay far below Convex's 1 MiB document limit). */
const MAX_BODY_CHARS = 200_000;
export const POSTMARK_INBOUND_PATH = "/email/postmark/inbound";
const BASIC_USER = "postmark";

/** Postmark's recommended protection: basic-auth credentials in the webhook URL (`https://postmark:<secret>@…`). */
function checkBasicAuth(request: Request): void {
  const secret = env.emailInboundSecret();
  if (secret === undefined) throw new HttpError("forbidden", "Inbound email is not configured on this deployment (HARNESS_EMAIL_INBOUND_SECRET).");
  const header = request.headers.get("Authorization") ?? "";
  const match = /^Basic\s+([A-Za-z0-9+/=]+)$/.exec(header);
  const decoded = match ? atob(match[1]!) : "";
  if (!sameSecret(decoded, `${BASIC_USER}:${secret}`)) throw new HttpError("unauthenticated", "Wrong or missing credentials.");
}

/**
 * POST /email/postmark/inbound: verify the credentials, store the mail once
 * (by Postmark's MessageID), answer 200 at once; it is applied afterwards
 * (inbound.ts). Refusals write nothing. Postmark stops retrying on a 403.
 */
async function receiveMail(ctx: ActionCtx, request: Request, requestId: string): Promise<Response> {
  checkBasicAuth(request);
  const raw = await readBodyText(request, MAX_BODY_BYTES);
  let json: PostmarkInbound;
  try {
    json = JSON.parse(raw) as PostmarkInbound;
    parsePostmarkInbound(json);
  } catch (error) {
    throw new HttpError("bad_request", error instanceof MalformedMail ? error.message : "The body is not JSON.");
  }
  const bounded = { ...json, TextBody: json.TextBody?.slice(0, MAX_BODY_CHARS), HtmlBody: json.HtmlBody?.slice(0, MAX_BODY_CHARS) };
  const { body, texts } = splitAttachments(bounded);
  const { kept, skipped } = await keepAttachments(ctx, json.Attachments ?? []);
  // The reply parser is Node-only (it may load re2): a Node action reads the new text out of the quoted history.
  const visibleText = needsReplyParsing(bounded) ? await ctx.runAction(internal.channels.email.replyText.visibleText, { text: bounded.TextBody! }) : undefined;
  const outcome = await ctx.runMutation(internal.channels.email.inbound.receive, {
    body,
    attachmentTexts: texts,
    attachmentFiles: kept,
    attachmentsSkipped: skipped,
    ...(visibleText !== undefined ? { visibleText } : {}),
  });
  // Postmark's retry of a mail already stored: the copies kept just now are not needed.
  if (outcome === "duplicate") await discardKept(ctx, kept);
  return jsonResponse({ ok: true, duplicate: outcome === "duplicate" }, 200, requestId);
}

export function registerEmailRoutes(http: HttpRouter): void {
  http.route({
    path: POSTMARK_INBOUND_PATH,
    method: "POST",
    handler: httpAction(async (ctx, request) => await handleRequest(`POST ${POSTMARK_INBOUND_PATH}`, (req, requestId) => receiveMail(ctx, req, requestId))(request)),
  });
}
