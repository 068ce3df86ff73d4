import type { HttpRouter } from "convex/server";
import { internal } from "../_generated/api";
import { httpAction, type ActionCtx } from "../_generated/server";
import { env } from "../lib/env";
import { handleRequest, HttpError, jsonResponse, readBodyText } from "../lib/http";
import { eventType } from "./payloads";
import { verifyDelivery } from "./verify";

/** Clerk's events are a few KiB; metadata is capped well below this. */
const MAX_BODY_BYTES = 256 * 1024;

/**
 * POST /clerk-webhook: verify the signature over the raw body, store the
 * event once by its `svix-id`, answer 200; processing happens afterwards
 * (clerk/process.ts). A delivery that does not verify is refused with a 4xx
 * before anything is written or scheduled.
 */
async function receiveClerkWebhook(ctx: ActionCtx, request: Request, requestId: string): Promise<Response> {
  const body = await readBodyText(request, MAX_BODY_BYTES);
  const delivery = verifyDelivery(env.clerkWebhookSecrets(), request.headers, body);
  const type = eventType(delivery.payload);
  if (type === null) throw new HttpError("bad_request", "The body is not a Clerk event (no `type`).");
  const { duplicate } = await ctx.runMutation(internal.clerk.events.receive, {
    svixId: delivery.svixId,
    type,
    body,
    sentAt: delivery.sentAt,
  });
  return jsonResponse({ received: true, duplicate }, 200, requestId);
}

/** Routes: POST /clerk-webhook. */
export function registerClerkRoutes(http: HttpRouter): void {
  http.route({
    path: "/clerk-webhook",
    method: "POST",
    handler: httpAction(
      async (ctx, request) => await handleRequest("POST /clerk-webhook", (req, requestId) => receiveClerkWebhook(ctx, req, requestId))(request),
    ),
  });
}
