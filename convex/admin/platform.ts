import { paginationOptsValidator, paginationResultValidator } from "convex/server";
import { v } from "convex/values";
import type { Id } from "../_generated/dataModel";
import { platformAdminMutation, platformAdminQuery, serviceMutation } from "../lib/functions";
import { setAccountSuspension, setUserSuspension, vSuspensionResult } from "../tenancy/suspension";
import { fail } from "../lib/errors";
import { vAccountKind, vAccountStatus } from "../lib/validators";

const vAccountSummary = v.object({
  accountId: v.id("accounts"),
  name: v.string(),
  slug: v.string(),
  kind: vAccountKind,
  status: vAccountStatus,
});

/** Every account on the platform, newest first (platform admins only). */
export const listAccounts = platformAdminQuery({
  args: { paginationOpts: paginationOptsValidator },
  returns: paginationResultValidator(vAccountSummary),
  handler: async (ctx, { paginationOpts }) => {
    const page = await ctx.db.query("accounts").order("desc").paginate(paginationOpts);
    return {
      ...page,
      page: page.page.map((a) => ({ accountId: a._id, name: a.name, slug: a.slug, kind: a.kind, status: a.status })),
    };
  },
});

/**
 * Bootstrap: grant (or take away) the platform-admin flag. Runs with the
 * service secret, e.g. `npx convex run admin/platform:setPlatformAdmin
 * '{"serviceSecret":"...","tokenIdentifier":"...","isPlatformAdmin":true}'`.
 */
export const setPlatformAdmin = serviceMutation({
  args: { tokenIdentifier: v.string(), isPlatformAdmin: v.boolean() },
  returns: v.null(),
  handler: async (ctx, { tokenIdentifier, isPlatformAdmin }) => {
    const user = await ctx.db
      .query("userProfiles")
      .withIndex("by_tokenIdentifier", (q) => q.eq("tokenIdentifier", tokenIdentifier))
      .unique();
    if (user === null) fail("not_found", "No user with that token identifier has signed in yet.");
    await ctx.db.patch("userProfiles", user._id, { isPlatformAdmin });
    return null;
  },
});

// --- suspension (tenancy/suspension.ts): refused by every auth builder, audited, a reason required ---

const asPlatformAdmin = (user: { _id: Id<"userProfiles"> }) => ({ actorUserId: user._id, actorRole: "platform_admin" });

export const suspendAccount = platformAdminMutation({
  args: { accountId: v.id("accounts"), reason: v.string() },
  returns: vSuspensionResult,
  handler: async (ctx, { accountId, reason }) => await setAccountSuspension(ctx, accountId, true, asPlatformAdmin(ctx.user), reason),
});

export const resumeAccount = platformAdminMutation({
  args: { accountId: v.id("accounts"), reason: v.string() },
  returns: vSuspensionResult,
  handler: async (ctx, { accountId, reason }) => await setAccountSuspension(ctx, accountId, false, asPlatformAdmin(ctx.user), reason),
});

export const suspendUser = platformAdminMutation({
  args: { userId: v.id("userProfiles"), reason: v.string() },
  returns: vSuspensionResult,
  handler: async (ctx, { userId, reason }) => await setUserSuspension(ctx, userId, true, asPlatformAdmin(ctx.user), reason),
});

export const resumeUser = platformAdminMutation({
  args: { userId: v.id("userProfiles"), reason: v.string() },
  returns: vSuspensionResult,
  handler: async (ctx, { userId, reason }) => await setUserSuspension(ctx, userId, false, asPlatformAdmin(ctx.user), reason),
});
