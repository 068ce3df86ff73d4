/**
 * Admin operations for operators with deploy access, run with
 * `npx convex run ops/cli:<name> '<json args>'` (see ops/README.md). They are
 * internal functions: nothing outside the deployment's admin key can call
 * them. Each shares its logic with the platform-admin function the SPA uses
 * and is audited the same way, with the actor `operator`.
 */
import { paginationOptsValidator, paginationResultValidator } from "convex/server";
import { v } from "convex/values";
import { internalMutation, internalQuery } from "../_generated/server";
import { setPlatformPause } from "./pause";
import { vAccountKind, vAccountStatus } from "../lib/validators";
import type { OpsActor } from "./audit";
import { listFlags, setFlag as setFlagLogic, setFlagOverride as setFlagOverrideLogic, vFlagView } from "./flags";
import { setMaintenanceMode } from "./maintenance";
import { platformStatus, vPlatformStatus } from "./status";

const OPERATOR: OpsActor = { kind: "operator" };

/** Pause, maintenance (held turns), version. */
export const status = internalQuery({
  args: {},
  returns: vPlatformStatus,
  handler: async (ctx) => await platformStatus(ctx),
});

/** Every account, newest first: `'{"paginationOpts":{"numItems":50,"cursor":null}}'`. */
export const listAccounts = internalQuery({
  args: { paginationOpts: paginationOptsValidator },
  returns: paginationResultValidator(
    v.object({ accountId: v.id("accounts"), name: v.string(), slug: v.string(), kind: vAccountKind, status: vAccountStatus }),
  ),
  handler: async (ctx, { paginationOpts }) => {
    const page = await ctx.db
      .query("accounts")
      .order("desc")
      .paginate({ ...paginationOpts, numItems: Math.min(Math.max(paginationOpts.numItems, 1), 200) });
    return {
      ...page,
      page: page.page.map((a) => ({ accountId: a._id, name: a.name, slug: a.slug, kind: a.kind, status: a.status })),
    };
  },
});

/** Pause or un-pause the platform: `'{"paused":true,"reason":"incident 42"}'`. */
export const setPlatformPaused = internalMutation({
  args: { paused: v.boolean(), reason: v.optional(v.string()) },
  returns: v.object({ paused: v.boolean(), changed: v.boolean() }),
  handler: async (ctx, args) => await setPlatformPause(ctx, args, OPERATOR),
});

/** Maintenance on or off: `'{"enabled":true,"reason":"database upgrade"}'`. */
export const setMaintenance = internalMutation({
  args: { enabled: v.boolean(), reason: v.optional(v.string()) },
  returns: v.object({ enabled: v.boolean(), changed: v.boolean(), heldTurns: v.number() }),
  handler: async (ctx, args) => await setMaintenanceMode(ctx, args, OPERATOR),
});

/** Every feature flag with its account overrides. */
export const listFeatureFlags = internalQuery({
  args: {},
  returns: v.array(vFlagView),
  handler: async (ctx) => await listFlags(ctx),
});

/** Create a flag or set its default: `'{"key":"new_inspector","enabled":false,"description":"..."}'`. */
export const setFeatureFlag = internalMutation({
  args: { key: v.string(), enabled: v.boolean(), description: v.optional(v.string()), reason: v.optional(v.string()) },
  returns: v.object({ created: v.boolean(), changed: v.boolean() }),
  handler: async (ctx, args) => await setFlagLogic(ctx, args, OPERATOR),
});

/** One account's exception (`enabled: null` clears it): `'{"key":"new_inspector","accountId":"...","enabled":true}'`. */
export const setFeatureFlagOverride = internalMutation({
  args: { key: v.string(), accountId: v.id("accounts"), enabled: v.union(v.boolean(), v.null()), reason: v.optional(v.string()) },
  returns: v.object({ changed: v.boolean() }),
  handler: async (ctx, args) => await setFlagOverrideLogic(ctx, args, OPERATOR),
});
