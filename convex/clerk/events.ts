/**
 * The stored Clerk events: `receive` records a verified delivery once per
 * `svix-id` and queues its processing (store-then-process); platform admins
 * list and read them, and retry one that failed.
 */
import { paginationOptsValidator, paginationResultValidator } from "convex/server";
import { v, type Infer } from "convex/values";
import type { Doc } from "../_generated/dataModel";
import { internalMutation, type QueryCtx } from "../_generated/server";
import { fail } from "../lib/errors";
import { platformAdminMutation, platformAdminQuery } from "../lib/functions";
import { isHandledType } from "./payloads";
import { enqueueProcessing } from "./process";
import { vClerkEventStatus } from "./schema";

async function eventBySvixId(ctx: QueryCtx, svixId: string) {
  return await ctx.db
    .query("clerkEvents")
    .withIndex("by_svixId", (q) => q.eq("svixId", svixId))
    .unique();
}

/**
 * Insert-if-absent by `svix-id`, in one transaction: two deliveries of the
 * same message, even at once, store one event (Convex serialises the two
 * transactions; the second sees the first's row). A redelivery of an event
 * that failed queues it again; of any other, changes nothing.
 */
export const receive = internalMutation({
  args: { svixId: v.string(), type: v.string(), body: v.string(), sentAt: v.number() },
  returns: v.object({ duplicate: v.boolean() }),
  handler: async (ctx, { svixId, type, body, sentAt }) => {
    const existing = await eventBySvixId(ctx, svixId);
    if (existing !== null) {
      if (existing.status === "failed") {
        await ctx.db.patch("clerkEvents", existing._id, { status: "pending" });
        await enqueueProcessing(ctx, existing._id);
      }
      return { duplicate: true };
    }
    const handled = isHandledType(type);
    const eventId = await ctx.db.insert("clerkEvents", {
      svixId,
      type,
      body,
      sentAt,
      receivedAt: Date.now(),
      status: handled ? "pending" : "ignored",
      attempts: 0,
      ...(handled ? {} : { outcome: "ignored: event type not handled" }),
    });
    if (handled) await enqueueProcessing(ctx, eventId);
    return { duplicate: false };
  },
});

// --- platform admins ---------------------------------------------------------

const vClerkEventSummary = v.object({
  svixId: v.string(),
  type: v.string(),
  status: vClerkEventStatus,
  attempts: v.number(),
  sentAt: v.number(),
  receivedAt: v.number(),
  processedAt: v.union(v.number(), v.null()),
  outcome: v.union(v.string(), v.null()),
  lastError: v.union(v.string(), v.null()),
});

function publicEvent(row: Doc<"clerkEvents">): Infer<typeof vClerkEventSummary> {
  return {
    svixId: row.svixId,
    type: row.type,
    status: row.status,
    attempts: row.attempts,
    sentAt: row.sentAt,
    receivedAt: row.receivedAt,
    processedAt: row.processedAt ?? null,
    outcome: row.outcome ?? null,
    lastError: row.lastError ?? null,
  };
}

/** Recent Clerk events, newest first; with `status`, only those (e.g. `failed`). Bodies via `get`. */
export const list = platformAdminQuery({
  args: { paginationOpts: paginationOptsValidator, status: v.optional(vClerkEventStatus) },
  returns: paginationResultValidator(vClerkEventSummary),
  handler: async (ctx, { paginationOpts, status }) => {
    const numItems = Math.min(Math.max(paginationOpts.numItems, 1), 100);
    const query = status
      ? ctx.db.query("clerkEvents").withIndex("by_status_receivedAt", (q) => q.eq("status", status))
      : ctx.db.query("clerkEvents").withIndex("by_receivedAt");
    const result = await query.order("desc").paginate({ ...paginationOpts, numItems });
    return { page: result.page.map(publicEvent), isDone: result.isDone, continueCursor: result.continueCursor };
  },
});

/** One event with the body exactly as Clerk signed it. */
export const get = platformAdminQuery({
  args: { svixId: v.string() },
  returns: v.union(v.null(), v.object({ ...vClerkEventSummary.fields, body: v.string() })),
  handler: async (ctx, { svixId }) => {
    const row = await eventBySvixId(ctx, svixId);
    return row === null ? null : { ...publicEvent(row), body: row.body };
  },
});

/** Process a failed event again (after a fix, or once what it needed exists). */
export const retry = platformAdminMutation({
  args: { svixId: v.string() },
  returns: v.object({ requeued: v.boolean() }),
  handler: async (ctx, { svixId }) => {
    const row = await eventBySvixId(ctx, svixId);
    if (row === null) fail("not_found", "No Clerk event with that svix-id.");
    if (row.status !== "failed") return { requeued: false };
    await ctx.db.patch("clerkEvents", row._id, { status: "pending" });
    await enqueueProcessing(ctx, row._id);
    return { requeued: true };
  },
});
