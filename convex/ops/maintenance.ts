/**
 * Maintenance mode. While it is on, a new chat turn is saved (the user's
 * message and its run, status `queued`, `heldForMaintenance`) but its
 * workflow is not started: `startTurn` calls `holdTurn` instead of
 * scheduling it. When maintenance ends, `releaseBatch` starts the held turns
 * oldest first, a bounded batch per transaction, scheduling the next batch
 * while any are left. Each held row is deleted in the transaction that
 * schedules its turn's start, so every held turn starts exactly once however
 * often maintenance is switched off.
 *
 * Not the platform pause (ops/pause.ts): a pause refuses new turns;
 * maintenance accepts and queues them. Held turns also wait while the
 * platform is paused, and are released when both are off.
 */
import { v } from "convex/values";
import { internal } from "../_generated/api";
import type { Id } from "../_generated/dataModel";
import { internalMutation, type MutationCtx, type QueryCtx } from "../_generated/server";
import { isPlatformPaused } from "./paused";
import { platformAdminMutation } from "../lib/functions";
import { cleanReason, writePlatformAudit, type OpsActor } from "./audit";
import { addToMetric, FAMILIES, seriesValue } from "./metrics";

/** Held turns started per release transaction. */
export const RELEASE_BATCH = 20;
/** Pause between release batches, so a long queue reaches the models gradually. */
export const RELEASE_SPACING_MS = 250;

async function maintenanceRow(ctx: QueryCtx) {
  return await ctx.db
    .query("maintenanceMode")
    .withIndex("by_key", (q) => q.eq("key", "platform"))
    .unique();
}

/** Whether new turns are held (one indexed read; startTurn asks on every message). */
export async function isMaintenanceOn(ctx: QueryCtx): Promise<boolean> {
  return (await maintenanceRow(ctx))?.enabled === true;
}

/** Park a just-saved turn until maintenance ends (called by startTurn instead of scheduling it). */
export async function holdTurn(ctx: MutationCtx, interactionId: Id<"interactions">): Promise<void> {
  await ctx.db.insert("heldTurns", { interactionId, heldAt: Date.now() });
  await addToMetric(ctx, FAMILIES.heldTurns, [], 1);
  // A held turn is always the root of its tree: delegates start inside running turns, never here.
  console.log(JSON.stringify({ interactionId, root_interaction_id: interactionId, event: "turn_held_for_maintenance" }));
}

export const vMaintenanceState = v.object({
  enabled: v.boolean(),
  reason: v.optional(v.string()),
  since: v.optional(v.number()),
  updatedAt: v.optional(v.number()),
  /** Turns waiting for maintenance to end. */
  heldTurns: v.number(),
});

export async function maintenanceState(ctx: QueryCtx) {
  const row = await maintenanceRow(ctx);
  return {
    enabled: row?.enabled === true,
    ...(row?.reason ? { reason: row.reason } : {}),
    ...(row?.since !== undefined ? { since: row.since } : {}),
    ...(row ? { updatedAt: row.updatedAt } : {}),
    heldTurns: Math.max(0, await seriesValue(ctx, FAMILIES.heldTurns, [])),
  };
}

/** Schedule a release if turns are held and nothing stops them (maintenance on, platform paused). */
export async function releaseHeldTurns(ctx: MutationCtx): Promise<boolean> {
  if ((await isMaintenanceOn(ctx)) || (await isPlatformPaused(ctx))) return false;
  const oldest = await ctx.db.query("heldTurns").withIndex("by_heldAt").first();
  if (oldest === null) return false;
  await ctx.scheduler.runAfter(0, internal.ops.maintenance.releaseBatch, {});
  return true;
}

/**
 * Switch maintenance on or off (platform admins, the CLI); every change is
 * audited, a call that changes nothing writes nothing. Turning
 * it off starts the release of held turns; switching off again while it is
 * already off only restarts a release that has turns left (harmless: each
 * held turn starts once).
 */
export async function setMaintenanceMode(
  ctx: MutationCtx,
  args: { enabled: boolean; reason?: string },
  actor: OpsActor,
): Promise<{ enabled: boolean; changed: boolean; heldTurns: number }> {
  const reason = cleanReason(args.reason);
  const row = await maintenanceRow(ctx);
  const changed = (row?.enabled ?? false) !== args.enabled;
  const heldTurns = Math.max(0, await seriesValue(ctx, FAMILIES.heldTurns, []));
  // A call that changes nothing (same switch, same reason) writes nothing and is not audited.
  if (changed || (row?.reason ?? "") !== reason) {
    const now = Date.now();
    const fields = {
      enabled: args.enabled,
      reason: reason || undefined,
      since: changed ? now : row?.since,
      updatedAt: now,
      updatedBy: actor.kind === "platform_admin" ? actor.userId : undefined,
    };
    if (row) await ctx.db.patch("maintenanceMode", row._id, fields);
    else await ctx.db.insert("maintenanceMode", { key: "platform", ...fields });
    await writePlatformAudit(ctx, actor, {
      action: args.enabled ? "maintenance.on" : "maintenance.off",
      targetKind: "platform",
      targetId: "maintenance",
      reason,
      details: { changed, heldTurns },
      before: { enabled: row?.enabled ?? false, reason: row?.reason ?? null },
      after: { enabled: args.enabled, reason: reason || null },
    });
  }
  if (!args.enabled) await releaseHeldTurns(ctx);
  return { enabled: args.enabled, changed, heldTurns };
}

/** Turn maintenance mode on or off (platform admins). */
export const setMaintenance = platformAdminMutation({
  args: { enabled: v.boolean(), reason: v.optional(v.string()) },
  returns: v.object({ enabled: v.boolean(), changed: v.boolean(), heldTurns: v.number() }),
  handler: async (ctx, args) => await setMaintenanceMode(ctx, args, { kind: "platform_admin", userId: ctx.user._id }),
});

/**
 * One release batch: start the oldest held turns (each held row deleted in
 * this transaction, so a turn is started once), then schedule the next batch
 * while any are left. Stops when maintenance is on again or the platform is paused.
 */
export const releaseBatch = internalMutation({
  args: {},
  returns: v.object({ started: v.number(), more: v.boolean() }),
  handler: async (ctx) => {
    if ((await isMaintenanceOn(ctx)) || (await isPlatformPaused(ctx))) return { started: 0, more: false };
    const batch = await ctx.db.query("heldTurns").withIndex("by_heldAt").take(RELEASE_BATCH + 1);
    const more = batch.length > RELEASE_BATCH;
    let started = 0;
    for (const held of batch.slice(0, RELEASE_BATCH)) {
      await ctx.db.delete("heldTurns", held._id);
      const run = await ctx.db.get("interactions", held.interactionId);
      if (run === null) continue;
      if (run.heldForMaintenance) await ctx.db.patch("interactions", run._id, { heldForMaintenance: undefined });
      // A turn cancelled while it waited stays cancelled (turn.start also checks).
      if (run.status !== "queued" || run.workflowId !== undefined) continue;
      await ctx.scheduler.runAfter(0, internal.chat.turn.start, { interactionId: run._id });
      started++;
    }
    const released = Math.min(batch.length, RELEASE_BATCH);
    if (released > 0) await addToMetric(ctx, FAMILIES.heldTurns, [], -released);
    if (more) await ctx.scheduler.runAfter(RELEASE_SPACING_MS, internal.ops.maintenance.releaseBatch, {});
    console.log(JSON.stringify({ event: "maintenance_release_batch", released, started, more }));
    return { started, more };
  },
});
