/**
 * Sending one delivery, on the webhook pool: each attempt signs the stored
 * body afresh (new timestamp), POSTs it, and records what happened; anything
 * but a 2xx throws, so the pool retries with backoff. `onComplete` runs once,
 * after the last attempt: the delivery is delivered or failed, and a
 * subscription whose deliveries keep failing is disabled with a notice.
 * A URL that points at a private network (lib/privateAddresses.ts) is refused
 * before any request, unless the deployment allows private URLs.
 */
import { vOnCompleteArgs } from "@convex-dev/workpool";
import { v } from "convex/values";
import { internal } from "../_generated/api";
import type { Doc, Id } from "../_generated/dataModel";
import { internalAction, internalMutation, internalQuery, type MutationCtx } from "../_generated/server";
import { writeAudit } from "../audit/write";
import { env } from "../lib/env";
import { privateAddressRefusal } from "../lib/privateAddresses";
import { signatureHeader } from "./signing";
import { DISABLE_AFTER_FAILED_DELIVERIES, MAX_ERROR_CHARS, SEND_TIMEOUT_MS } from "./validators";

/** The audit log's target kind for subscriptions. */
export const SUBSCRIPTION_TARGET = "webhook_subscription";

function logDelivery(deliveryId: Id<"webhookDeliveries">, event: string, fields: Record<string, unknown> = {}) {
  console.log(JSON.stringify({ deliveryId, event, ...fields }));
}

/** What an attempt needs: null when the delivery is settled or its subscription is gone or disabled. */
export const target = internalQuery({
  args: { deliveryId: v.id("webhookDeliveries") },
  returns: v.union(v.null(), v.object({ url: v.string(), secret: v.string(), payload: v.string() })),
  handler: async (ctx, { deliveryId }) => {
    const delivery = await ctx.db.get("webhookDeliveries", deliveryId);
    if (delivery === null || delivery.status !== "pending") return null;
    const subscription = await ctx.db.get("webhookSubscriptions", delivery.subscriptionId);
    if (subscription === null || subscription.status !== "active") return null;
    return { url: subscription.url, secret: subscription.secret, payload: delivery.payload };
  },
});

type Attempt = { ok: boolean; statusCode?: number; error?: string };

/** Up to `maxBytes` of a response body, as text (an error page can be large; a reason fits in a line). */
async function bodySnippet(response: Response, maxBytes = 1_024): Promise<string> {
  if (response.body === null) return "";
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  try {
    while (total < maxBytes) {
      const { done, value } = await reader.read();
      if (done) break;
      chunks.push(value);
      total += value.length;
    }
  } finally {
    await reader.cancel().catch(() => undefined);
  }
  const bytes = new Uint8Array(Math.min(total, maxBytes));
  let offset = 0;
  for (const chunk of chunks) {
    const part = chunk.subarray(0, bytes.length - offset);
    bytes.set(part, offset);
    offset += part.length;
    if (offset >= bytes.length) break;
  }
  return new TextDecoder().decode(bytes).replace(/\s+/g, " ").trim();
}

/** One signed POST. Redirects are not followed: an endpoint answers itself, with a 2xx. */
async function post(deliveryId: string, to: { url: string; secret: string; payload: string }): Promise<Attempt> {
  const timestamp = Math.floor(Date.now() / 1000);
  const signature = await signatureHeader(to.secret, deliveryId, timestamp, to.payload);
  const abort = new AbortController();
  const timer = setTimeout(() => abort.abort(), SEND_TIMEOUT_MS);
  try {
    const response = await fetch(to.url, {
      method: "POST",
      headers: {
        "Content-Type": "application/json",
        "User-Agent": "harness-webhooks/1",
        "webhook-id": deliveryId,
        "webhook-timestamp": String(timestamp),
        "webhook-signature": signature,
      },
      body: to.payload,
      redirect: "manual",
      signal: abort.signal,
    });
    if (response.status >= 200 && response.status < 300) {
      await response.body?.cancel().catch(() => undefined);
      return { ok: true, statusCode: response.status };
    }
    const snippet = await bodySnippet(response);
    return { ok: false, statusCode: response.status, error: `HTTP ${response.status}${snippet ? `: ${snippet}` : ""}`.slice(0, MAX_ERROR_CHARS) };
  } catch (error) {
    const reason = abort.signal.aborted
      ? `no response within ${SEND_TIMEOUT_MS / 1000} s`
      : error instanceof Error
        ? `${error.message}${error.cause instanceof Error ? ` (${error.cause.message})` : ""}`
        : String(error);
    return { ok: false, error: `Request failed: ${reason}`.slice(0, MAX_ERROR_CHARS) };
  } finally {
    clearTimeout(timer);
  }
}

/** The pool runs this once per attempt. The delivery id is the `webhook-id`: the same on every retry. */
export const send = internalAction({
  args: { deliveryId: v.id("webhookDeliveries") },
  returns: v.object({ sent: v.boolean() }),
  handler: async (ctx, { deliveryId }) => {
    const to = await ctx.runQuery(internal.outbound.deliver.target, { deliveryId });
    if (to === null) return { sent: false };
    // Checked again before every send: the URL may have been stored before the rule (or the setting) changed.
    const refusal = env.webhookAllowPrivateUrls() ? null : privateAddressRefusal(to.url);
    if (refusal !== null) {
      await ctx.runMutation(internal.outbound.deliver.refuseDelivery, { deliveryId, error: refusal });
      return { sent: false };
    }
    const attempt = await post(deliveryId, to);
    await ctx.runMutation(internal.outbound.deliver.recordAttempt, { deliveryId, ...attempt });
    if (!attempt.ok) throw new Error(attempt.error ?? "The endpoint did not accept the delivery.");
    return { sent: true };
  },
});

/**
 * The delivery's URL may not be sent to (a private address): failed at once,
 * with the reason as its last error and no request made (no attempt counted,
 * no retry: the answer would not change). It counts in the subscription's
 * failure streak like any failed delivery. `onComplete` then finds it settled.
 */
export const refuseDelivery = internalMutation({
  args: { deliveryId: v.id("webhookDeliveries"), error: v.string() },
  returns: v.null(),
  handler: async (ctx, { deliveryId, error }) => {
    const delivery = await ctx.db.get("webhookDeliveries", deliveryId);
    if (delivery === null || delivery.status !== "pending") return null;
    const lastError = error.slice(0, MAX_ERROR_CHARS);
    await ctx.db.patch("webhookDeliveries", deliveryId, { status: "failed", finishedAt: Date.now(), lastError });
    logDelivery(deliveryId, "webhook_refused", { lastError });
    await countFailure(ctx, delivery, lastError);
    return null;
  },
});

/** Each attempt, success or not: attempts + 1, its status code, and its error if it failed. */
export const recordAttempt = internalMutation({
  args: { deliveryId: v.id("webhookDeliveries"), ok: v.boolean(), statusCode: v.optional(v.number()), error: v.optional(v.string()) },
  returns: v.null(),
  handler: async (ctx, { deliveryId, ok, statusCode, error }) => {
    const delivery = await ctx.db.get("webhookDeliveries", deliveryId);
    if (delivery === null || delivery.status !== "pending") return null;
    await ctx.db.patch("webhookDeliveries", deliveryId, {
      attempts: delivery.attempts + 1,
      lastAttemptAt: Date.now(),
      lastStatusCode: statusCode,
      ...(ok ? {} : { lastError: error }),
    });
    logDelivery(deliveryId, ok ? "webhook_attempt_ok" : "webhook_attempt_failed", { attempt: delivery.attempts + 1, statusCode, error });
    return null;
  },
});

/** Runs once per delivery, after its last attempt. */
export const onComplete = internalMutation({
  args: vOnCompleteArgs(v.object({ deliveryId: v.id("webhookDeliveries") }), v.object({ sent: v.boolean() })),
  returns: v.null(),
  handler: async (ctx, { context, result }) => {
    const delivery = await ctx.db.get("webhookDeliveries", context.deliveryId);
    if (delivery === null || delivery.status !== "pending") return null; // Deleted with its subscription, or settled.
    const now = Date.now();
    if (result.kind === "success" && result.returnValue.sent) {
      await ctx.db.patch("webhookDeliveries", delivery._id, { status: "delivered", finishedAt: now });
      const subscription = await ctx.db.get("webhookSubscriptions", delivery.subscriptionId);
      if (subscription !== null) {
        await ctx.db.patch("webhookSubscriptions", subscription._id, { consecutiveFailures: 0, lastDeliveredAt: now });
      }
      logDelivery(delivery._id, "webhook_delivered", { attempts: delivery.attempts });
    } else if (result.kind === "failed") {
      const lastError = delivery.lastError ?? result.error.slice(0, MAX_ERROR_CHARS);
      await ctx.db.patch("webhookDeliveries", delivery._id, { status: "failed", finishedAt: now, lastError });
      logDelivery(delivery._id, "webhook_failed", { attempts: delivery.attempts, lastError });
      await countFailure(ctx, delivery, lastError);
    } else {
      // Not sent: the subscription was disabled or deleted first, or the work was cancelled.
      await ctx.db.patch("webhookDeliveries", delivery._id, { status: "skipped", finishedAt: now });
      logDelivery(delivery._id, "webhook_skipped");
    }
    return null;
  },
});

/**
 * A delivery failed for good: one more in the subscription's streak. At the
 * threshold the subscription is disabled — its reason is what the account's
 * admins see on it, and the audit log records it — and no later event is sent
 * to it until an admin enables it again.
 */
async function countFailure(ctx: MutationCtx, delivery: Doc<"webhookDeliveries">, lastError: string): Promise<void> {
  const subscription = await ctx.db.get("webhookSubscriptions", delivery.subscriptionId);
  if (subscription === null) return;
  const now = Date.now();
  const failures = subscription.consecutiveFailures + 1;
  await ctx.db.patch("webhookSubscriptions", subscription._id, { consecutiveFailures: failures, lastFailedAt: now });
  if (subscription.status !== "active" || failures < DISABLE_AFTER_FAILED_DELIVERIES) return;
  const reason = `Disabled after ${failures} deliveries in a row failed (each after all its retries). Last error: ${lastError}`;
  await ctx.db.patch("webhookSubscriptions", subscription._id, { status: "disabled", disabledReason: reason, disabledAt: now });
  await writeAudit(ctx, {
    accountId: subscription.accountId,
    actorRole: "system",
    action: "webhook.disabled",
    targetKind: SUBSCRIPTION_TARGET,
    targetId: subscription._id,
    reason,
    details: { url: subscription.url, consecutiveFailures: failures },
  });
  console.log(JSON.stringify({ subscriptionId: subscription._id, event: "webhook_subscription_disabled", failures }));
}
