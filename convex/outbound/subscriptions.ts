/**
 * Webhook subscriptions, for the account's admins: subscribe a URL to
 * events (the signing secret is shown once, in the answer), list them with
 * their state (a disabled one says why), read a subscription's delivery log,
 * enable one again, delete one, send a test ping. Every change is audited.
 * Subscription ids arrive as strings and are checked here: another account's
 * subscription answers `not_found`, like one that does not exist.
 */
import { pick } from "convex-helpers";
import { paginationOptsValidator, paginationResultValidator } from "convex/server";
import { v, type Infer } from "convex/values";
import { internal } from "../_generated/api";
import type { Doc, Id } from "../_generated/dataModel";
import { internalMutation, type MutationCtx, type QueryCtx } from "../_generated/server";
import { fieldChanges } from "../audit/diff";
import { writeAudit } from "../audit/write";
import { env } from "../lib/env";
import { fail } from "../lib/errors";
import { accountMutation, accountQuery } from "../lib/functions";
import { SUBSCRIPTION_TARGET } from "./deliver";
import { enqueueDelivery } from "./emit";
import { privateAddressRefusal } from "../lib/privateAddresses";
import { outboundTables } from "./schema";
import { newSigningSecret } from "./signing";
import {
  EVENT_TYPES,
  MAX_DESCRIPTION_CHARS,
  MAX_SUBSCRIPTIONS_PER_ACCOUNT,
  MAX_URL_CHARS,
  PING_EVENT,
  type EventType,
} from "./validators";

/** A subscription as admins see it: the row's fields (outbound/schema.ts) named one by one, never `secret`. */
export const vSubscriptionView = v.object({
  subscriptionId: v.id("webhookSubscriptions"),
  ...pick(outboundTables.webhookSubscriptions.validator.fields, [
    "url",
    "events",
    "description",
    "status",
    "disabledReason",
    "disabledAt",
    "consecutiveFailures",
    "lastDeliveredAt",
    "lastFailedAt",
    "createdBy",
    "createdAt",
  ]),
  /** The secret's last four characters, to tell secrets apart; the secret itself is shown only on subscribe. */
  secretHint: v.string(),
});
export type SubscriptionView = Infer<typeof vSubscriptionView>;

/** A delivery as admins see it; `payload` is the JSON body as sent. */
export const vDeliveryView = v.object({
  deliveryId: v.id("webhookDeliveries"),
  ...pick(outboundTables.webhookDeliveries.validator.fields, [
    "eventType",
    "eventId",
    "status",
    "attempts",
    "lastStatusCode",
    "lastError",
    "createdAt",
    "lastAttemptAt",
    "finishedAt",
    "payload",
  ]),
});

function publicSubscription(s: Doc<"webhookSubscriptions">): SubscriptionView {
  return {
    subscriptionId: s._id,
    url: s.url,
    events: s.events,
    ...(s.description !== undefined ? { description: s.description } : {}),
    status: s.status,
    ...(s.disabledReason !== undefined ? { disabledReason: s.disabledReason } : {}),
    ...(s.disabledAt !== undefined ? { disabledAt: s.disabledAt } : {}),
    consecutiveFailures: s.consecutiveFailures,
    ...(s.lastDeliveredAt !== undefined ? { lastDeliveredAt: s.lastDeliveredAt } : {}),
    ...(s.lastFailedAt !== undefined ? { lastFailedAt: s.lastFailedAt } : {}),
    secretHint: `…${s.secret.slice(-4)}`,
    createdBy: s.createdBy,
    createdAt: s.createdAt,
  };
}

function publicDelivery(d: Doc<"webhookDeliveries">): Infer<typeof vDeliveryView> {
  return {
    deliveryId: d._id,
    eventType: d.eventType,
    eventId: d.eventId,
    status: d.status,
    attempts: d.attempts,
    ...(d.lastStatusCode !== undefined ? { lastStatusCode: d.lastStatusCode } : {}),
    ...(d.lastError !== undefined ? { lastError: d.lastError } : {}),
    createdAt: d.createdAt,
    ...(d.lastAttemptAt !== undefined ? { lastAttemptAt: d.lastAttemptAt } : {}),
    ...(d.finishedAt !== undefined ? { finishedAt: d.finishedAt } : {}),
    payload: d.payload,
  };
}

// The argument a refusal is about, for the form to show it there.
const URL_FIELD = { field: "url" };
const EVENTS_FIELD = { field: "events" };

/**
 * An endpoint URL: absolute http(s), no credentials in it, bounded, and —
 * unless `allowPrivate` (`HARNESS_WEBHOOK_ALLOW_PRIVATE_URLS`) — not a local
 * name or a loopback / private / link-local address. Returns it normalised.
 */
export function checkUrl(raw: string, { allowPrivate }: { allowPrivate: boolean }): string {
  const text = raw.trim();
  if (text === "" || text.length > MAX_URL_CHARS) fail("bad_request", `The URL must be 1 to ${MAX_URL_CHARS} characters.`, URL_FIELD);
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    fail("bad_request", "The URL is not a valid absolute URL.", URL_FIELD);
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") fail("bad_request", "The URL must start with http:// or https://.", URL_FIELD);
  if (url.username !== "" || url.password !== "") fail("bad_request", "Put no credentials in the URL; verify deliveries with the signing secret.", URL_FIELD);
  if (url.hash !== "") fail("bad_request", "The URL must not have a #fragment.", URL_FIELD);
  const refusal = allowPrivate ? null : privateAddressRefusal(url);
  if (refusal !== null) fail("bad_request", refusal, URL_FIELD);
  return url.toString();
}

/** The events asked for: at least one, each a known name, no repeats. */
export function checkEvents(events: string[]): EventType[] {
  if (events.length === 0) fail("bad_request", `Choose at least one event: ${EVENT_TYPES.join(", ")}.`, EVENTS_FIELD);
  const known = new Set<string>(EVENT_TYPES);
  const unknown = events.filter((e) => !known.has(e));
  if (unknown.length > 0) fail("bad_request", `Unknown event ${unknown.map((e) => `“${e}”`).join(", ")}; events are ${EVENT_TYPES.join(", ")}.`, EVENTS_FIELD);
  return EVENT_TYPES.filter((e) => events.includes(e));
}

/** The account's subscription `rawId`, or `not_found` (absent, malformed, or another account's). */
async function subscriptionOf(ctx: QueryCtx, accountId: Id<"accounts">, rawId: string): Promise<Doc<"webhookSubscriptions">> {
  const id = ctx.db.normalizeId("webhookSubscriptions", rawId);
  const subscription = id === null ? null : await ctx.db.get("webhookSubscriptions", id);
  if (subscription === null || subscription.accountId !== accountId) fail("not_found", "Webhook subscription not found.");
  return subscription;
}

async function audit(
  ctx: MutationCtx & { user: Doc<"userProfiles">; membership: Doc<"memberships"> },
  subscription: Doc<"webhookSubscriptions">,
  action: string,
  reason: string,
) {
  const after = action === "delete" ? null : await ctx.db.get("webhookSubscriptions", subscription._id);
  const before = action === "subscribe" ? null : subscription;
  await writeAudit(ctx, {
    accountId: subscription.accountId,
    actorUserId: ctx.user._id,
    actorRole: ctx.membership.role,
    action: `webhook.${action}`,
    targetKind: SUBSCRIPTION_TARGET,
    targetId: subscription._id,
    reason,
    details: { url: subscription.url },
    surface: "spa",
    changes: fieldChanges(before, after),
  });
}

/** Subscribe a URL to events. The answer holds the signing secret: shown this once, never again. */
export const subscribe = accountMutation({
  minRole: "admin",
  args: { url: v.string(), events: v.array(v.string()), description: v.optional(v.string()) },
  returns: v.object({ subscription: vSubscriptionView, secret: v.string() }),
  handler: async (ctx, { accountId, url, events, description }) => {
    const checkedUrl = checkUrl(url, { allowPrivate: env.webhookAllowPrivateUrls() });
    const checkedEvents = checkEvents(events);
    const label = description?.trim();
    if (label !== undefined && label.length > MAX_DESCRIPTION_CHARS) fail("bad_request", `A description is at most ${MAX_DESCRIPTION_CHARS} characters.`, { field: "description" });
    const existing = await ctx.db
      .query("webhookSubscriptions")
      .withIndex("by_accountId_createdAt", (q) => q.eq("accountId", accountId))
      .take(MAX_SUBSCRIPTIONS_PER_ACCOUNT);
    if (existing.length >= MAX_SUBSCRIPTIONS_PER_ACCOUNT) {
      fail("conflict", `An account has at most ${MAX_SUBSCRIPTIONS_PER_ACCOUNT} webhook subscriptions; delete one first.`);
    }
    const secret = newSigningSecret();
    const subscriptionId = await ctx.db.insert("webhookSubscriptions", {
      accountId,
      url: checkedUrl,
      events: checkedEvents,
      ...(label ? { description: label } : {}),
      secret,
      status: "active",
      consecutiveFailures: 0,
      createdBy: ctx.user._id,
      createdAt: Date.now(),
    });
    const subscription = (await ctx.db.get("webhookSubscriptions", subscriptionId))!;
    await audit(ctx, subscription, "subscribe", `events: ${checkedEvents.join(", ")}`);
    return { subscription: publicSubscription(subscription), secret };
  },
});

/** The account's subscriptions, newest first, each with its state (and why, when disabled). */
export const list = accountQuery({
  minRole: "admin",
  args: {},
  returns: v.array(vSubscriptionView),
  handler: async (ctx, { accountId }) => {
    const rows = await ctx.db
      .query("webhookSubscriptions")
      .withIndex("by_accountId_createdAt", (q) => q.eq("accountId", accountId))
      .order("desc")
      .take(MAX_SUBSCRIPTIONS_PER_ACCOUNT);
    return rows.map(publicSubscription);
  },
});

/** A subscription's deliveries, newest first: status, attempts, last status code and error, the body sent. */
export const deliveries = accountQuery({
  minRole: "admin",
  args: { subscriptionId: v.string(), paginationOpts: paginationOptsValidator },
  returns: paginationResultValidator(vDeliveryView),
  handler: async (ctx, { accountId, subscriptionId, paginationOpts }) => {
    const subscription = await subscriptionOf(ctx, accountId, subscriptionId);
    const numItems = Math.min(Math.max(paginationOpts.numItems, 1), 50);
    const result = await ctx.db
      .query("webhookDeliveries")
      .withIndex("by_subscriptionId_createdAt", (q) => q.eq("subscriptionId", subscription._id))
      .order("desc")
      .paginate({ ...paginationOpts, numItems });
    return { page: result.page.map(publicDelivery), isDone: result.isDone, continueCursor: result.continueCursor };
  },
});

/** Enable a disabled subscription again (its failure streak starts over). Enabling an active one changes nothing. */
export const enable = accountMutation({
  minRole: "admin",
  args: { subscriptionId: v.string() },
  returns: v.object({ changed: v.boolean() }),
  handler: async (ctx, { accountId, subscriptionId }) => {
    const subscription = await subscriptionOf(ctx, accountId, subscriptionId);
    if (subscription.status === "active") return { changed: false };
    await ctx.db.patch("webhookSubscriptions", subscription._id, {
      status: "active",
      consecutiveFailures: 0,
      disabledReason: undefined,
      disabledAt: undefined,
    });
    await audit(ctx, subscription, "enable", subscription.disabledReason ? `was: ${subscription.disabledReason}`.slice(0, 500) : "enabled");
    return { changed: true };
  },
});

/** Delete a subscription: nothing more is sent to it; its delivery log goes with it. */
export const remove = accountMutation({
  minRole: "admin",
  args: { subscriptionId: v.string() },
  returns: v.null(),
  handler: async (ctx, { accountId, subscriptionId }) => {
    const subscription = await subscriptionOf(ctx, accountId, subscriptionId);
    await ctx.db.delete("webhookSubscriptions", subscription._id);
    await ctx.scheduler.runAfter(0, internal.outbound.subscriptions.purgeDeliveries, { subscriptionId: subscription._id });
    await audit(ctx, subscription, "delete", "deleted");
    return null;
  },
});

const PURGE_BATCH = 100;

/** Deletes a removed subscription's deliveries, a batch per transaction. Safe to run twice. */
export const purgeDeliveries = internalMutation({
  args: { subscriptionId: v.id("webhookSubscriptions") },
  returns: v.null(),
  handler: async (ctx, { subscriptionId }) => {
    const batch = await ctx.db
      .query("webhookDeliveries")
      .withIndex("by_subscriptionId_createdAt", (q) => q.eq("subscriptionId", subscriptionId))
      .take(PURGE_BATCH);
    for (const delivery of batch) await ctx.db.delete("webhookDeliveries", delivery._id);
    if (batch.length === PURGE_BATCH) await ctx.scheduler.runAfter(0, internal.outbound.subscriptions.purgeDeliveries, { subscriptionId });
    return null;
  },
});

/** Send a `webhook.ping` to one active subscription now, to check the endpoint and its signature check. */
export const ping = accountMutation({
  minRole: "admin",
  args: { subscriptionId: v.string() },
  returns: v.object({ deliveryId: v.id("webhookDeliveries") }),
  handler: async (ctx, { accountId, subscriptionId }) => {
    const subscription = await subscriptionOf(ctx, accountId, subscriptionId);
    if (subscription.status !== "active") fail("conflict", "This subscription is disabled; enable it before sending a ping.");
    const eventId = `ping:${crypto.randomUUID()}`;
    const deliveryId = await enqueueDelivery(ctx, subscription, {
      type: PING_EVENT,
      eventId,
      data: { subscriptionId: subscription._id, message: "A test delivery from the harness.", requestedBy: ctx.user._id },
    });
    return { deliveryId: deliveryId! };
  },
});
