/**
 * The platform pause, a kill switch for platform admins. While it is on,
 * new messages and jobs are refused (they read `isPlatformPaused`,
 * ops/paused.ts), running turns are held before their next model call
 * (ops/hold.ts), and pending or waiting jobs are cancelled in the background
 * (`jobs/platform:cancelPendingBatch`, scheduled here by reference so the
 * switch does not import the jobs it stops). Un-pausing revives no job; it
 * wakes held turns and lets maintenance's held turns start.
 */
import { v } from "convex/values";
import { internal } from "../_generated/api";
import type { MutationCtx } from "../_generated/server";
import { fail } from "../lib/errors";
import { platformAdminMutation, userQuery } from "../lib/functions";
import { MAX_REASON_CHARS, writePlatformAudit, type OpsActor } from "./audit";
import { PLATFORM_CAUSE, releaseHeld } from "./hold";
import { releaseHeldTurns } from "./maintenance";
import { isPlatformPaused } from "./paused";

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
    // Running turns held at a step boundary by the pause continue (ops/hold.ts).
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
