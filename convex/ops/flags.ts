/**
 * Feature flags: a platform-wide default per key, and per-account
 * exceptions. Platform admins (and operators, ops/cli.ts) set them, audited;
 * code asks `isFeatureEnabled(ctx, key, accountId)`; the SPA asks
 * `forAccount` which flags apply to the selected account, to hide features.
 */
import { v, type Infer } from "convex/values";
import type { Id } from "../_generated/dataModel";
import type { MutationCtx, QueryCtx } from "../_generated/server";
import { fail } from "../lib/errors";
import { accountQuery, platformAdminMutation, platformAdminQuery } from "../lib/functions";
import { cleanReason, writePlatformAudit, type OpsActor } from "./audit";

/** Flags the platform may have; the lists below read at most this many. */
export const MAX_FLAGS = 200;
/** Overrides listed per flag on the admin page. */
export const MAX_OVERRIDES_LISTED = 50;
const MAX_DESCRIPTION_CHARS = 300;
/** `lower_snake` or dotted: `chat.attachments`, `new_inspector`. */
const KEY_PATTERN = /^[a-z][a-z0-9_.-]{1,63}$/;

function checkKey(key: string): string {
  if (!KEY_PATTERN.test(key)) fail("bad_request", "A flag key is 2–64 characters: lowercase letters, digits, '_', '.', '-', starting with a letter.");
  return key;
}

async function flagByKey(ctx: QueryCtx, key: string) {
  return await ctx.db
    .query("featureFlags")
    .withIndex("by_key", (q) => q.eq("key", key))
    .unique();
}

async function overrideOf(ctx: QueryCtx, key: string, accountId: Id<"accounts">) {
  return await ctx.db
    .query("featureFlagOverrides")
    .withIndex("by_accountId_key", (q) => q.eq("accountId", accountId).eq("key", key))
    .unique();
}

/** Whether `key` is on for `accountId`: the account's override, else the flag's default; an unknown flag is off. */
export async function isFeatureEnabled(ctx: QueryCtx, key: string, accountId: Id<"accounts">): Promise<boolean> {
  const flag = await flagByKey(ctx, key);
  if (flag === null) return false;
  return (await overrideOf(ctx, key, accountId))?.enabled ?? flag.enabled;
}

// --- platform admins / operators --------------------------------------------------

/** Create a flag or change its default (and description); audited. A call that changes nothing writes nothing. */
export async function setFlag(
  ctx: MutationCtx,
  args: { key: string; enabled: boolean; description?: string; reason?: string },
  actor: OpsActor,
): Promise<{ created: boolean; changed: boolean }> {
  const key = checkKey(args.key.trim());
  const reason = cleanReason(args.reason);
  const description = args.description?.trim();
  if (description !== undefined && description.length > MAX_DESCRIPTION_CHARS) {
    fail("bad_request", `A description is at most ${MAX_DESCRIPTION_CHARS} characters.`);
  }
  const existing = await flagByKey(ctx, key);
  const changed =
    existing === null || existing.enabled !== args.enabled || (description !== undefined && description !== existing.description);
  if (!changed) return { created: false, changed: false }; // nothing to write or audit
  const updatedBy = actor.kind === "platform_admin" ? actor.userId : undefined;
  const now = Date.now();
  if (existing === null) {
    const count = (await ctx.db.query("featureFlags").take(MAX_FLAGS)).length;
    if (count >= MAX_FLAGS) fail("conflict", `There are already ${MAX_FLAGS} flags; remove the use of an old one first.`);
    await ctx.db.insert("featureFlags", { key, enabled: args.enabled, description: description ?? "", updatedAt: now, updatedBy });
  } else {
    await ctx.db.patch("featureFlags", existing._id, {
      enabled: args.enabled,
      ...(description !== undefined ? { description } : {}),
      updatedAt: now,
      updatedBy,
    });
  }
  await writePlatformAudit(ctx, actor, {
    action: "flag.set",
    targetKind: "feature_flag",
    targetId: key,
    reason,
    details: { enabled: args.enabled, created: existing === null },
    before: existing === null ? null : { enabled: existing.enabled, description: existing.description },
    after: { enabled: args.enabled, description: description ?? existing?.description ?? "" },
  });
  return { created: existing === null, changed };
}

/** Set (`enabled`: true / false) or clear (`enabled`: null) one account's exception to a flag; audited when it changes something. */
export async function setFlagOverride(
  ctx: MutationCtx,
  args: { key: string; accountId: Id<"accounts">; enabled: boolean | null; reason?: string },
  actor: OpsActor,
): Promise<{ changed: boolean }> {
  const key = checkKey(args.key.trim());
  const reason = cleanReason(args.reason);
  if ((await flagByKey(ctx, key)) === null) fail("not_found", `No flag "${key}"; create it first.`);
  if ((await ctx.db.get("accounts", args.accountId)) === null) fail("not_found", "No such account.");
  const existing = await overrideOf(ctx, key, args.accountId);
  const changed = args.enabled === null ? existing !== null : existing?.enabled !== args.enabled;
  if (!changed) return { changed: false }; // nothing to write or audit
  const updatedBy = actor.kind === "platform_admin" ? actor.userId : undefined;
  if (args.enabled === null) {
    await ctx.db.delete("featureFlagOverrides", existing!._id);
  } else {
    const fields = { enabled: args.enabled, updatedAt: Date.now(), updatedBy };
    if (existing) await ctx.db.patch("featureFlagOverrides", existing._id, fields);
    else await ctx.db.insert("featureFlagOverrides", { key, accountId: args.accountId, ...fields });
  }
  await writePlatformAudit(ctx, actor, {
    action: args.enabled === null ? "flag.override.clear" : "flag.override.set",
    targetKind: "feature_flag",
    targetId: key,
    accountId: args.accountId,
    reason,
    details: { enabled: args.enabled },
    before: existing === null ? null : { enabled: existing.enabled },
    after: args.enabled === null ? null : { enabled: args.enabled },
  });
  return { changed: true };
}

export const vFlagView = v.object({
  key: v.string(),
  description: v.string(),
  enabled: v.boolean(),
  updatedAt: v.number(),
  overrides: v.array(v.object({ accountId: v.id("accounts"), accountName: v.string(), enabled: v.boolean() })),
  /** More overrides exist than are listed. */
  moreOverrides: v.boolean(),
});
export type FlagView = Infer<typeof vFlagView>;

/** Every flag with its default and (the first) account overrides, by key. */
export async function listFlags(ctx: QueryCtx): Promise<FlagView[]> {
  const flags = await ctx.db.query("featureFlags").withIndex("by_key").take(MAX_FLAGS);
  const out: FlagView[] = [];
  for (const flag of flags) {
    const overrides = await ctx.db
      .query("featureFlagOverrides")
      .withIndex("by_key_accountId", (q) => q.eq("key", flag.key))
      .take(MAX_OVERRIDES_LISTED + 1);
    const listed = [];
    for (const o of overrides.slice(0, MAX_OVERRIDES_LISTED)) {
      const account = await ctx.db.get("accounts", o.accountId);
      listed.push({ accountId: o.accountId, accountName: account?.name ?? "(deleted account)", enabled: o.enabled });
    }
    out.push({
      key: flag.key,
      description: flag.description,
      enabled: flag.enabled,
      updatedAt: flag.updatedAt,
      overrides: listed,
      moreOverrides: overrides.length > MAX_OVERRIDES_LISTED,
    });
  }
  return out;
}

const vReason = v.optional(v.string());

/** Create a flag or change its default (platform admins). */
export const set = platformAdminMutation({
  args: { key: v.string(), enabled: v.boolean(), description: v.optional(v.string()), reason: vReason },
  returns: v.object({ created: v.boolean(), changed: v.boolean() }),
  handler: async (ctx, args) => await setFlag(ctx, args, { kind: "platform_admin", userId: ctx.user._id }),
});

/** Set or clear (`enabled: null`) one account's exception to a flag (platform admins). */
export const setOverride = platformAdminMutation({
  args: { key: v.string(), accountId: v.id("accounts"), enabled: v.union(v.boolean(), v.null()), reason: vReason },
  returns: v.object({ changed: v.boolean() }),
  handler: async (ctx, args) => await setFlagOverride(ctx, args, { kind: "platform_admin", userId: ctx.user._id }),
});

/** Every flag, its default and its account overrides (platform admins). */
export const list = platformAdminQuery({
  args: {},
  returns: v.array(vFlagView),
  handler: async (ctx) => await listFlags(ctx),
});

// --- account members ------------------------------------------------------------------

/** The flags as they apply to the account (its overrides over the defaults), so the SPA can hide features. */
export const forAccount = accountQuery({
  args: {},
  returns: v.array(v.object({ key: v.string(), enabled: v.boolean() })),
  handler: async (ctx, { accountId }) => {
    const flags = await ctx.db.query("featureFlags").withIndex("by_key").take(MAX_FLAGS);
    const overrides = await ctx.db
      .query("featureFlagOverrides")
      .withIndex("by_accountId_key", (q) => q.eq("accountId", accountId))
      .take(MAX_FLAGS);
    const byKey = new Map(overrides.map((o) => [o.key, o.enabled] as const));
    return flags.map((flag) => ({ key: flag.key, enabled: byKey.get(flag.key) ?? flag.enabled }));
  },
});
