/**
 * Deliveries over real HTTP to a server the test starts on 127.0.0.1:
 * signatures a receiver can check on its own, retries with backoff, the
 * delivery log, and a subscription that keeps failing being disabled with a
 * notice. Real timers (see receiver.testing.ts), short backoff.
 */
import { Webhook } from "svix";
import { afterEach, beforeEach, expect, test } from "vitest";
import { api } from "../_generated/api";
import type { Id } from "../_generated/dataModel";
import { asMember, codeOf, newHarness, type Harness } from "../test.setup";
import type { Caller } from "../chat/testkit.testing";
import { emitEvent } from "./emit";
import { DISABLE_AFTER_FAILED_DELIVERIES } from "./validators";
import {
  allowPrivateUrls,
  deliveriesOf,
  eventually,
  fastRetries,
  resetRetries,
  startReceiver,
  subscribe,
  verifySignature,
  type Receiver,
} from "./receiver.testing";

/** Real HTTP on real timers: generous time on a busy machine. */
const REAL_HTTP = { timeout: 60_000 };

let receiver: Receiver | undefined;
beforeEach(() => {
  fastRetries();
  allowPrivateUrls();
});
afterEach(async () => {
  resetRetries();
  await receiver?.close();
  receiver = undefined;
});

async function ping(caller: Caller, subscriptionId: Id<"webhookSubscriptions">) {
  return await caller.client.mutation(api.outbound.subscriptions.ping, { accountId: caller.accountId, subscriptionId });
}

async function subscriptionView(caller: Caller, subscriptionId: Id<"webhookSubscriptions">) {
  const all = await caller.client.query(api.outbound.subscriptions.list, { accountId: caller.accountId });
  return all.find((s) => s.subscriptionId === subscriptionId)!;
}

async function deliveryCount(t: Harness) {
  return await t.run(async (ctx) => (await ctx.db.query("webhookDeliveries").collect()).length);
}

test("a ping arrives signed: the receiver's own HMAC check (and svix's) accepts it and rejects any tampering", REAL_HTTP, async () => {
  const t = newHarness();
  receiver = await startReceiver();
  const admin = await asMember(t, "org_ping", "admin");
  const { subscription, secret } = await subscribe(admin, receiver.url(), ["interaction.completed"]);
  expect(secret).toMatch(/^whsec_[A-Za-z0-9+/]{32}$/);
  const { deliveryId } = await ping(admin, subscription.subscriptionId);

  await eventually(async () => expect((await deliveriesOf(admin, subscription.subscriptionId))[0]?.status).toBe("delivered"));
  const [delivery] = await deliveriesOf(admin, subscription.subscriptionId);
  expect(delivery).toMatchObject({ deliveryId, eventType: "webhook.ping", status: "delivered", attempts: 1, lastStatusCode: 200 });
  expect(delivery!.lastError).toBeUndefined();

  expect(receiver.received).toHaveLength(1);
  const { headers, body, path } = receiver.received[0]!;
  expect(path).toBe("/hook");
  expect(headers["content-type"]).toBe("application/json");
  expect(headers["webhook-id"]).toBe(deliveryId);
  expect(Math.abs(Number(headers["webhook-timestamp"]) - Date.now() / 1000)).toBeLessThan(60);
  expect(body).toBe(delivery!.payload);
  expect(JSON.parse(body)).toMatchObject({
    id: delivery!.eventId,
    type: "webhook.ping",
    accountId: admin.accountId,
    data: { subscriptionId: subscription.subscriptionId },
  });

  // The receiver's independent check accepts the real delivery...
  expect(verifySignature(secret, headers, body)).toBe(true);
  // ...and so does svix's Standard Webhooks verifier.
  const plain = Object.fromEntries(Object.entries(headers).map(([k, v]) => [k, String(v)]));
  expect(new Webhook(secret).verify(body, plain)).toMatchObject({ type: "webhook.ping" });
  // Anything changed is rejected: a body byte, the timestamp, the id, the secret, a missing header.
  expect(verifySignature(secret, headers, body.replace("webhook.ping", "webhook.pong"))).toBe(false);
  expect(verifySignature(secret, { ...headers, "webhook-timestamp": String(Number(headers["webhook-timestamp"]) + 1) }, body)).toBe(false);
  expect(verifySignature(secret, { ...headers, "webhook-id": "another" }, body)).toBe(false);
  const { secret: otherSecret } = await subscribe(admin, receiver.url("/other"), ["job.state_changed"]);
  expect(verifySignature(otherSecret, headers, body)).toBe(false);
  const { "webhook-signature": _dropped, ...unsigned } = headers;
  expect(verifySignature(secret, unsigned, body)).toBe(false);
  expect(() => new Webhook(secret).verify(`${body} `, plain)).toThrow();
});

test("an endpoint that answers 500 twice, then 200: one delivery, three attempts with backoff, same webhook-id", REAL_HTTP, async () => {
  fastRetries(5, 300);
  const t = newHarness();
  receiver = await startReceiver((n) => (n <= 2 ? 500 : 200));
  const admin = await asMember(t, "org_retry", "admin");
  const { subscription, secret } = await subscribe(admin, receiver.url(), ["interaction.completed"]);
  const { deliveryId } = await ping(admin, subscription.subscriptionId);

  await eventually(async () => expect((await deliveriesOf(admin, subscription.subscriptionId))[0]?.status).toBe("delivered"));
  const rows = await deliveriesOf(admin, subscription.subscriptionId);
  expect(rows).toHaveLength(1);
  // The log keeps the last error seen on the way, and the final status code.
  expect(rows[0]).toMatchObject({ deliveryId, status: "delivered", attempts: 3, lastStatusCode: 200, lastError: "HTTP 500: receiver says 500" });

  expect(receiver.received.map((r) => r.answeredWith)).toEqual([500, 500, 200]);
  expect(new Set(receiver.received.map((r) => r.headers["webhook-id"]))).toEqual(new Set([deliveryId]));
  expect(new Set(receiver.received.map((r) => r.body)).size).toBe(1);
  // Each attempt is signed afresh and verifies.
  for (const r of receiver.received) expect(verifySignature(secret, r.headers, r.body)).toBe(true);
  // Backoff: 300 ms then 600 ms, jittered ×0.5–1.5 and rounded to the pool's 100 ms segments.
  const [first, second, third] = receiver.received.map((r) => r.at);
  expect(second! - first!).toBeGreaterThanOrEqual(50);
  expect(third! - second!).toBeGreaterThanOrEqual(200);
  expect((await subscriptionView(admin, subscription.subscriptionId)).consecutiveFailures).toBe(0);
});

test("an endpoint that always fails: each delivery fails with its last error; after the threshold the subscription is disabled with a notice and gets nothing more", REAL_HTTP, async () => {
  fastRetries(2, 20);
  const t = newHarness();
  receiver = await startReceiver(() => 500);
  const admin = await asMember(t, "org_failing", "admin");
  const { subscription } = await subscribe(admin, receiver.url(), ["job.state_changed"]);
  for (let i = 0; i < DISABLE_AFTER_FAILED_DELIVERIES; i++) await ping(admin, subscription.subscriptionId);

  await eventually(async () => expect((await subscriptionView(admin, subscription.subscriptionId)).status).toBe("disabled"));
  const view = await subscriptionView(admin, subscription.subscriptionId);
  expect(view.consecutiveFailures).toBe(DISABLE_AFTER_FAILED_DELIVERIES);
  expect(view.disabledReason).toMatch(/^Disabled after 5 deliveries in a row failed .*Last error: HTTP 500: receiver says 500$/);
  const rows = await deliveriesOf(admin, subscription.subscriptionId);
  expect(rows).toHaveLength(DISABLE_AFTER_FAILED_DELIVERIES);
  for (const row of rows) {
    expect(row).toMatchObject({ status: "failed", attempts: 2, lastStatusCode: 500, lastError: "HTTP 500: receiver says 500" });
  }
  expect(receiver.received).toHaveLength(DISABLE_AFTER_FAILED_DELIVERIES * 2);

  // The account's admins see the notice in the audit log too, written by the system.
  const log = await admin.client.query(api.audit.log.auditLog, {
    accountId: admin.accountId,
    paginationOpts: { numItems: 20, cursor: null },
    target: { kind: "webhook_subscription", id: subscription.subscriptionId },
  });
  expect(log.page.map((e) => [e.action, e.actorRole])).toEqual([
    ["webhook.disabled", "system"],
    ["webhook.subscribe", "admin"],
  ]);
  expect(log.page[0]!.reason).toBe(view.disabledReason);

  // Later events are not sent: a job's state changes create no delivery, and a ping is refused.
  const before = await deliveryCount(t);
  await admin.client.mutation(api.jobs.jobs.start, { accountId: admin.accountId, type: "summarize", input: "x", runAt: Date.now() + 3_600_000 });
  expect(await deliveryCount(t)).toBe(before);
  expect(await codeOf(ping(admin, subscription.subscriptionId))).toBe("conflict");
  expect(receiver.received).toHaveLength(DISABLE_AFTER_FAILED_DELIVERIES * 2);

  // Enabled again (streak reset, notice cleared), it receives again.
  receiver.setResponder(() => 204);
  expect(await admin.client.mutation(api.outbound.subscriptions.enable, { accountId: admin.accountId, subscriptionId: subscription.subscriptionId })).toEqual({
    changed: true,
  });
  const enabled = await subscriptionView(admin, subscription.subscriptionId);
  expect(enabled).toMatchObject({ status: "active", consecutiveFailures: 0 });
  expect(enabled.disabledReason).toBeUndefined();
  const { deliveryId } = await ping(admin, subscription.subscriptionId);
  await eventually(async () => expect((await deliveriesOf(admin, subscription.subscriptionId))[0]).toMatchObject({ deliveryId, status: "delivered", lastStatusCode: 204 }));
});

test("an endpoint nobody listens on: the delivery fails with the network error and no status code", REAL_HTTP, async () => {
  fastRetries(2, 20);
  const t = newHarness();
  const closed = await startReceiver();
  const url = closed.url();
  await closed.close();
  const admin = await asMember(t, "org_refused", "admin");
  const { subscription } = await subscribe(admin, url, ["interaction.completed"]);
  await ping(admin, subscription.subscriptionId);
  await eventually(async () => expect((await deliveriesOf(admin, subscription.subscriptionId))[0]?.status).toBe("failed"));
  const [row] = await deliveriesOf(admin, subscription.subscriptionId);
  expect(row!.attempts).toBe(2);
  expect(row!.lastStatusCode).toBeUndefined();
  expect(row!.lastError).toMatch(/^Request failed: .*ECONNREFUSED/);
  expect((await subscriptionView(admin, subscription.subscriptionId)).consecutiveFailures).toBe(1);
});

test("deleting a subscription stops its deliveries, even one waiting for a retry, and removes its log", REAL_HTTP, async () => {
  fastRetries(3, 1_000);
  const t = newHarness();
  receiver = await startReceiver(() => 503);
  const admin = await asMember(t, "org_delete", "admin");
  const { subscription } = await subscribe(admin, receiver.url(), ["interaction.completed"]);
  await ping(admin, subscription.subscriptionId);
  await eventually(() => expect(receiver!.received).toHaveLength(1));
  await admin.client.mutation(api.outbound.subscriptions.remove, { accountId: admin.accountId, subscriptionId: subscription.subscriptionId });
  expect(await admin.client.query(api.outbound.subscriptions.list, { accountId: admin.accountId })).toEqual([]);
  await eventually(async () => expect(await deliveryCount(t)).toBe(0));
  // The retry (due 0.5–1.5 s after the first attempt) finds no subscription and sends nothing.
  await new Promise((resolve) => setTimeout(resolve, 2_000));
  await t.finishInProgressScheduledFunctions();
  expect(receiver.received).toHaveLength(1);
  expect(await codeOf(deliveriesOf(admin, subscription.subscriptionId))).toBe("not_found");
  expect(await codeOf(ping(admin, subscription.subscriptionId))).toBe("not_found");
});

test("the same event emitted twice (in one transaction or two) is delivered once; other accounts get nothing", REAL_HTTP, async () => {
  const t = newHarness();
  receiver = await startReceiver();
  const admin = await asMember(t, "org_once", "admin");
  const other = await asMember(t, "org_other", "admin");
  await subscribe(admin, receiver.url(), ["job.state_changed"]);
  await subscribe(other, receiver.url("/other"), ["job.state_changed"]);
  const event = { accountId: admin.accountId, type: "job.state_changed" as const, eventId: "evt_same", data: { n: 1 } };
  expect(await t.run(async (ctx) => [await emitEvent(ctx, event), await emitEvent(ctx, event)])).toEqual([1, 0]);
  expect(await t.run(async (ctx) => emitEvent(ctx, { ...event, data: { n: 2 } }))).toBe(0);
  // An event type nobody in the account listens to goes nowhere.
  expect(await t.run(async (ctx) => emitEvent(ctx, { ...event, type: "message.response", eventId: "evt_other" }))).toBe(0);
  await eventually(async () => expect(await t.run(async (ctx) => (await ctx.db.query("webhookDeliveries").first())?.status)).toBe("delivered"));
  await t.finishInProgressScheduledFunctions();
  expect(receiver.received.map((r) => [r.path, JSON.parse(r.body).data])).toEqual([["/hook", { n: 1 }]]);
  expect(await deliveryCount(t)).toBe(1);
});

test("a private URL stored before the rule is refused at send time when private URLs are not allowed: failed with the reason, no request made", REAL_HTTP, async () => {
  const t = newHarness();
  receiver = await startReceiver();
  const admin = await asMember(t, "org_private", "admin");
  // Subscribed while allowed (as a URL stored before the rule would be), then the deployment stops allowing it.
  const { subscription } = await subscribe(admin, receiver.url(), ["interaction.completed"]);
  allowPrivateUrls(false);
  const { deliveryId } = await ping(admin, subscription.subscriptionId);
  await eventually(async () => expect((await deliveriesOf(admin, subscription.subscriptionId))[0]?.status).toBe("failed"));
  await t.finishInProgressScheduledFunctions();
  const [row] = await deliveriesOf(admin, subscription.subscriptionId);
  expect(row).toMatchObject({ deliveryId, status: "failed", attempts: 0 });
  expect(row!.lastStatusCode).toBeUndefined();
  expect(row!.lastError).toBe("The URL's host 127.0.0.1 is a loopback address; webhooks are sent only to public internet addresses.");
  expect(receiver.received).toHaveLength(0);
  // It counts in the failure streak like any failed delivery.
  expect((await subscriptionView(admin, subscription.subscriptionId)).consecutiveFailures).toBe(1);
  // The same subscription is delivered to again once the deployment allows private URLs.
  allowPrivateUrls(true);
  const second = await ping(admin, subscription.subscriptionId);
  await eventually(async () => expect((await deliveriesOf(admin, subscription.subscriptionId))[0]).toMatchObject({ deliveryId: second.deliveryId, status: "delivered" }));
  expect(receiver.received).toHaveLength(1);
});
