/**
 * Verifying a Clerk (Svix) webhook delivery: the HMAC over
 * `<svix-id>.<svix-timestamp>.<raw body>` with the endpoint's secret, a
 * timestamp within 5 minutes of now (older deliveries are replays), and any
 * of the signatures in `svix-signature` (Svix sends several while a secret
 * rotates). We may hold several secrets too (`CLERK_WEBHOOK_SECRET` with
 * spaces or commas): a delivery is genuine if any of them verifies it.
 *
 * Nothing here logs, and no message includes a secret or a signature.
 */
import { Webhook } from "svix";
import { HttpError } from "../lib/http";

export type VerifiedDelivery = {
  svixId: string;
  /** The `svix-timestamp` header, in ms. */
  sentAt: number;
  /** The parsed body. */
  payload: unknown;
};

const HEADERS = ["svix-id", "svix-timestamp", "svix-signature"] as const;

export function verifyDelivery(secrets: readonly string[], headers: Headers, body: string): VerifiedDelivery {
  // Fail closed: with no secret, nothing is genuine. 503 so Svix retries once it is configured.
  if (secrets.length === 0) {
    throw new HttpError("internal_error", "Clerk webhooks are not configured: CLERK_WEBHOOK_SECRET is not set.", { status: 503 });
  }
  const signed: Record<string, string> = {};
  for (const name of HEADERS) {
    const value = headers.get(name);
    if (value === null || value.trim() === "") throw new HttpError("bad_request", `The ${name} header is missing.`);
    signed[name] = value;
  }

  let usable = 0;
  let reason = "no signature matches";
  for (const secret of secrets) {
    let webhook: Webhook;
    try {
      webhook = new Webhook(secret);
    } catch {
      continue; // not a `whsec_` base64 secret: it verifies nothing
    }
    usable++;
    try {
      const payload: unknown = webhook.verify(body, signed);
      return { svixId: signed["svix-id"]!, sentAt: Number(signed["svix-timestamp"]) * 1000, payload };
    } catch (error) {
      // Signed by Clerk but not JSON: nothing to retry.
      if (error instanceof SyntaxError) throw new HttpError("bad_request", "The body is not valid JSON.");
      reason = verificationReason(error);
    }
  }
  if (usable === 0) {
    throw new HttpError("internal_error", "Clerk webhooks are misconfigured: CLERK_WEBHOOK_SECRET holds no valid whsec_ secret.", {
      status: 503,
    });
  }
  throw new HttpError("unauthenticated", `The webhook signature does not verify: ${reason}.`);
}

/** Svix's own reasons (timestamp too old / too new, no match), which name no secret. */
function verificationReason(error: unknown): string {
  const message = error instanceof Error ? error.message : "";
  if (/too old/i.test(message)) return "the timestamp is more than 5 minutes old";
  if (/too new/i.test(message)) return "the timestamp is more than 5 minutes in the future";
  if (/invalid signature headers/i.test(message)) return "the svix-timestamp header is not a number";
  return "no signature matches";
}
