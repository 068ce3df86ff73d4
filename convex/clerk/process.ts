/**
 * Processing a stored Clerk event, durably: a workpool action applies it in
 * one mutation; a throw rolls the mutation back, is recorded on the event
 * row (attempts, lastError) and retried with backoff (`PROCESSING_RETRY`);
 * when the attempts run out the event is `failed` until an admin retries it.
 *
 * Idempotent: the mutation does nothing for an event that is no longer
 * `pending`, and the lifecycle functions it calls write nothing when the
 * facts are already in place, so an event applied twice changes nothing.
 */
import { vOnCompleteArgs } from "@convex-dev/workpool";
import { v } from "convex/values";
import { internal } from "../_generated/api";
import type { Id } from "../_generated/dataModel";
import { internalAction, internalMutation, type MutationCtx } from "../_generated/server";
import {
  applyClerkMembership,
  deleteClerkOrg,
  deleteClerkUser,
  upsertClerkOrg,
  upsertClerkUser,
  type Provenance,
} from "../tenancy/lifecycle";
import { faultAt } from "../lib/faults";
import { MalformedEvent, parseClerkEvent, type ClerkChange } from "./payloads";
import { clerkPool, PROCESSING_RETRY } from "./pool";

const MAX_ERROR_LENGTH = 1_000;

/** Queue the event's processing (called in the mutation that stored it, or that retries it). */
export async function enqueueProcessing(ctx: MutationCtx, eventId: Id<"clerkEvents">): Promise<void> {
  await clerkPool.enqueueAction(
    ctx,
    internal.clerk.process.processEvent,
    { eventId },
    { retry: PROCESSING_RETRY, onComplete: internal.clerk.process.processingDone, context: { eventId } },
  );
}

export const processEvent = internalAction({
  args: { eventId: v.id("clerkEvents") },
  returns: v.null(),
  handler: async (ctx, { eventId }) => {
    try {
      await ctx.runMutation(internal.clerk.process.applyEvent, { eventId });
    } catch (error) {
      await ctx.runMutation(internal.clerk.process.recordFailedAttempt, { eventId, error: messageOf(error) });
      throw error; // the workpool retries it
    }
    return null;
  },
});

export const applyEvent = internalMutation({
  args: { eventId: v.id("clerkEvents") },
  returns: v.null(),
  handler: async (ctx, { eventId }) => {
    const event = await ctx.db.get("clerkEvents", eventId);
    if (event === null || event.status !== "pending") return null;
    if (faultAt("clerk.applyEvent")) throw new Error("Injected Clerk processing fault");
    let change: ClerkChange;
    try {
      change = parseClerkEvent(JSON.parse(event.body), event.sentAt);
    } catch (error) {
      if (!(error instanceof MalformedEvent || error instanceof SyntaxError)) throw error;
      // The same bytes will not parse better next time: failed now, kept for inspection.
      await ctx.db.patch("clerkEvents", eventId, {
        status: "failed",
        attempts: event.attempts + 1,
        lastError: `Malformed payload: ${error.message}`.slice(0, MAX_ERROR_LENGTH),
      });
      return null;
    }
    const outcome = await applyChange(ctx, change, {
      reason: `Clerk ${event.type}`,
      details: { source: "clerk_webhook", svixId: event.svixId },
    });
    await ctx.db.patch("clerkEvents", eventId, {
      status: "processed",
      outcome,
      attempts: event.attempts + 1,
      processedAt: Date.now(),
      lastError: undefined,
    });
    return null;
  },
});

async function applyChange(ctx: MutationCtx, change: ClerkChange, provenance: Provenance): Promise<string> {
  switch (change.kind) {
    case "user.upsert":
      return await upsertClerkUser(ctx, change.user);
    case "user.delete":
      return await deleteClerkUser(ctx, change.clerkUserId, change.at, provenance);
    case "org.upsert":
      return (await upsertClerkOrg(ctx, change.org)).outcome;
    case "org.delete":
      return await deleteClerkOrg(ctx, change.clerkOrgId, change.at, provenance);
    case "membership":
      return await applyClerkMembership(ctx, change.membership, provenance);
  }
}

export const recordFailedAttempt = internalMutation({
  args: { eventId: v.id("clerkEvents"), error: v.string() },
  returns: v.null(),
  handler: async (ctx, { eventId, error }) => {
    const event = await ctx.db.get("clerkEvents", eventId);
    if (event === null || event.status !== "pending") return null;
    await ctx.db.patch("clerkEvents", eventId, { attempts: event.attempts + 1, lastError: error.slice(0, MAX_ERROR_LENGTH) });
    return null;
  },
});

/** Runs once when the workpool gives up (or succeeds): a still-pending event is now `failed`. */
export const processingDone = internalMutation({
  args: vOnCompleteArgs(v.object({ eventId: v.id("clerkEvents") })),
  returns: v.null(),
  handler: async (ctx, { context: { eventId }, result }) => {
    if (result.kind === "success") return null;
    const event = await ctx.db.get("clerkEvents", eventId);
    if (event === null || event.status !== "pending") return null;
    const lastError = result.kind === "failed" ? result.error.slice(0, MAX_ERROR_LENGTH) : "Processing was canceled.";
    await ctx.db.patch("clerkEvents", eventId, { status: "failed", lastError });
    console.error(
      JSON.stringify({ event: "clerk.event_failed", svixId: event.svixId, type: event.type, attempts: event.attempts, error: lastError }),
    );
    return null;
  },
});

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
