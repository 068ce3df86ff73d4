/**
 * Kill switches. A platform pause (platform admins) refuses new jobs and
 * cancels every pending or waiting job, in bounded batches that continue
 * themselves; un-pausing revives nothing. An agent pause cancels that
 * agent's pending and waiting jobs (`cancelPendingJobsForAgent`, called by
 * the agent's pause; `cancelForAgent` continues a long list).
 */
import { v } from "convex/values";
import { internal } from "../_generated/api";
import { internalMutation, type MutationCtx } from "../_generated/server";
import { platformAdminMutation, userQuery } from "../lib/functions";
import { fail } from "../lib/errors";
import { writePlatformAudit, type OpsActor } from "../ops/audit";
import { releaseHeldTurns } from "../ops/maintenance";
import { cancelJob, cancelPendingJobsForAgent, isPlatformPaused, KILL_BATCH } from "./model";
import { MAX_REASON_CHARS } from "./validators";
import { PLATFORM_CAUSE, releaseHeld } from "./hold";

/** Pause or un-pause the whole platform. Pausing cancels pending and waiting jobs (in the background). */
export const setPlatformPaused = platformAdminMutation({
  args: { paused: v.boolean(), reason: v.optional(v.string()) },
  returns: v.object({ paused: v.boolean(), changed: v.boolean() }),
  handler: async (ctx, args) => await setPlatformPause(ctx, args, { kind: "platform_admin", userId: ctx.user._id }),
});

/**
 * The pause itself, shared by `setPlatformPaused` and the CLI (ops/cli.ts);
 * every change is audited in the platform audit log. Un-pausing lets turns held by
 * maintenance start (if maintenance is off too).
 */
export async function setPlatformPause(
  ctx: MutationCtx,
  { paused, reason }: { paused: boolean; reason?: string },
  actor: OpsActor,
): Promise<{ paused: boolean; changed: boolean }> {
  const why = reason?.trim();
  if (why !== undefined && why.length > MAX_REASON_CHARS) fail("bad_request", `A reason is at most ${MAX_REASON_CHARS} characters.`);
  const settings = await ctx.db
    .query("platformSettings")
    .withIndex("by_key", (q) => q.eq("key", "platform"))
    .unique();
  const changed = (settings?.paused ?? false) !== paused;
  const by = actor.kind === "platform_admin" ? actor.userId : undefined;
  const fields = { paused, reason: why || undefined, updatedAt: Date.now(), updatedBy: by };
  if (settings) await ctx.db.patch("platformSettings", settings._id, fields);
  else await ctx.db.insert("platformSettings", { key: "platform", ...fields });
  if (paused) await ctx.scheduler.runAfter(0, internal.jobs.platform.cancelPendingBatch, {});
  else {
    await releaseHeldTurns(ctx);
    // Running turns held at a step boundary by the pause continue (jobs/hold.ts).
    await releaseHeld(ctx, PLATFORM_CAUSE);
  }
  if (changed || (settings?.reason ?? "") !== (why ?? "")) {
    await writePlatformAudit(ctx, actor, {
      action: paused ? "platform.pause" : "platform.resume",
      targetKind: "platform",
      targetId: "platform",
      reason: why ?? "",
      details: { changed },
      before: { paused: settings?.paused ?? false, reason: settings?.reason ?? null },
      after: { paused, reason: why || null },
    });
  }
  console.log(JSON.stringify({ event: paused ? "platform_paused" : "platform_resumed", by: by ?? actor.kind, reason: why }));
  return { paused, changed };
}

/** Whether the platform is paused (the SPA shows a banner and disables sending). */
export const status = userQuery({
  args: {},
  returns: v.object({ paused: v.boolean() }),
  handler: async (ctx) => ({ paused: await isPlatformPaused(ctx) }),
});

/** One batch of the platform pause: cancel pending and waiting jobs; schedule the next batch while any are left. */
export const cancelPendingBatch = internalMutation({
  args: {},
  returns: v.object({ cancelled: v.number(), more: v.boolean() }),
  handler: async (ctx) => {
    if (!(await isPlatformPaused(ctx))) return { cancelled: 0, more: false };
    let cancelled = 0;
    let more = false;
    for (const state of ["pending", "waiting"] as const) {
      const batch = await ctx.db
        .query("jobs")
        .withIndex("by_state_deadlineAt", (q) => q.eq("state", state))
        .take(KILL_BATCH);
      for (const job of batch) {
        if (await cancelJob(ctx, job, { kind: "system" }, "the platform was paused", "cancel.platform_paused")) cancelled++;
      }
      if (batch.length === KILL_BATCH) more = true;
    }
    if (more) await ctx.scheduler.runAfter(0, internal.jobs.platform.cancelPendingBatch, {});
    console.log(JSON.stringify({ event: "platform_pause_batch", cancelled, more }));
    return { cancelled, more };
  },
});

/** Continue cancelling a paused agent's pending and waiting jobs (see `cancelPendingJobsForAgent`). */
export const cancelForAgent = internalMutation({
  args: { agentId: v.id("agents") },
  returns: v.number(),
  handler: async (ctx, { agentId }) => {
    const agent = await ctx.db.get("agents", agentId);
    if (agent !== null && agent.status === "active") return 0; // Resumed meanwhile: leave the rest alone.
    return await cancelPendingJobsForAgent(ctx, agentId);
  },
});
