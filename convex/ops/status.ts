/**
 * The platform's switches at a glance: pause, maintenance (with the number of
 * held turns) and the version. `probe` is the cheap read behind `GET /health`
 * and the platform gauges of `/metrics`; `overview` is the admin page's header.
 */
import { v, type Infer } from "convex/values";
import { internalQuery, type QueryCtx } from "../_generated/server";
import { faultAt } from "../lib/faults";
import { platformAdminQuery } from "../lib/functions";
import { maintenanceState, vMaintenanceState } from "./maintenance";
import { HARNESS_VERSION } from "./version";

export const vPlatformStatus = v.object({
  version: v.string(),
  paused: v.boolean(),
  pauseReason: v.optional(v.string()),
  maintenance: vMaintenanceState,
});
export type PlatformStatus = Infer<typeof vPlatformStatus>;

export async function platformStatus(ctx: QueryCtx): Promise<PlatformStatus> {
  const settings = await ctx.db
    .query("platformSettings")
    .withIndex("by_key", (q) => q.eq("key", "platform"))
    .unique();
  return {
    version: HARNESS_VERSION,
    paused: settings?.paused === true,
    ...(settings?.paused && settings.reason ? { pauseReason: settings.reason } : {}),
    maintenance: await maintenanceState(ctx),
  };
}

/** A few indexed reads: proves the deployment answers queries (`GET /health`, `/metrics`). */
export const probe = internalQuery({
  args: {},
  returns: vPlatformStatus,
  handler: async (ctx) => {
    if (faultAt("ops.healthProbe")) throw new Error("Injected fault: the health probe could not read");
    return await platformStatus(ctx);
  },
});

/** Pause, maintenance, held turns, version (platform admins). */
export const overview = platformAdminQuery({
  args: {},
  returns: vPlatformStatus,
  handler: async (ctx) => await platformStatus(ctx),
});
