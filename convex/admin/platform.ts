import { paginationOptsValidator, paginationResultValidator } from "convex/server";
import { v, type Infer } from "convex/values";
import type { Doc, Id } from "../_generated/dataModel";
import type { QueryCtx } from "../_generated/server";
import { platformAdminMutation, platformAdminQuery, serviceMutation } from "../lib/functions";
import { setAccountSuspension, setUserSuspension, vSuspensionResult } from "../tenancy/suspension";
import { writePlatformAudit } from "../ops/audit";
import { fail } from "../lib/errors";
import { vAccountKind, vAccountStatus, vMembershipStatus, vRole, vUserStatus } from "../lib/validators";

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

// --- users: find them, per account or by email / name prefix, to suspend or resume them ---

const vUserSummary = v.object({
  userId: v.id("userProfiles"),
  name: v.union(v.string(), v.null()),
  email: v.union(v.string(), v.null()),
  status: vUserStatus,
  isPlatformAdmin: v.boolean(),
});

function userSummary(user: Doc<"userProfiles">): Infer<typeof vUserSummary> {
  return { userId: user._id, name: user.name ?? null, email: user.email ?? null, status: user.status, isPlatformAdmin: user.isPlatformAdmin };
}

const MAX_MEMBERS_PAGE = 100;

/**
 * One account's members (revoked memberships too), each with their role and
 * both statuses: the membership's here, the user's platform-wide (a
 * suspended user is refused in every account).
 */
export const listAccountMembers = platformAdminQuery({
  args: { accountId: v.id("accounts"), paginationOpts: paginationOptsValidator },
  returns: paginationResultValidator(v.object({ ...vUserSummary.fields, role: vRole, membershipStatus: vMembershipStatus })),
  handler: async (ctx, { accountId, paginationOpts }) => {
    if ((await ctx.db.get("accounts", accountId)) === null) fail("not_found", "Account not found.");
    const numItems = Math.min(Math.max(paginationOpts.numItems, 1), MAX_MEMBERS_PAGE);
    const result = await ctx.db
      .query("memberships")
      .withIndex("by_accountId_userId", (q) => q.eq("accountId", accountId))
      .paginate({ ...paginationOpts, numItems });
    const members = [];
    for (const membership of result.page) {
      const user = await ctx.db.get("userProfiles", membership.userId);
      // Profiles are anonymised, never removed; a missing one is skipped rather than invented.
      if (user !== null) members.push({ ...userSummary(user), role: membership.role, membershipStatus: membership.status });
    }
    return { page: members, isDone: result.isDone, continueCursor: result.continueCursor };
  },
});

const MAX_FOUND_USERS = 20;
const MAX_SEARCH_LENGTH = 200;

/** Profiles whose `field` starts with `prefix` (an index range: reads only the matches). */
async function byPrefix(ctx: QueryCtx, field: "email" | "name", prefix: string) {
  const end = `${prefix}\uffff`;
  const users = ctx.db.query("userProfiles");
  const range =
    field === "email"
      ? users.withIndex("by_email", (q) => q.gte("email", prefix).lt("email", end))
      : users.withIndex("by_name", (q) => q.gte("name", prefix).lt("name", end));
  return await range.take(MAX_FOUND_USERS);
}

/**
 * Users whose email or name starts with `search` (at most 20, email matches
 * first). Index prefixes are case-sensitive: the email is also tried in
 * lower case and the name with a capital first letter (and on every word),
 * which covers how people type them.
 */
export const findUsers = platformAdminQuery({
  args: { search: v.string() },
  returns: v.array(vUserSummary),
  handler: async (ctx, { search }) => {
    const term = search.trim();
    if (term === "") return [];
    if (term.length > MAX_SEARCH_LENGTH) fail("bad_request", `Search for at most ${MAX_SEARCH_LENGTH} characters.`);
    const lookups: Array<["email" | "name", string]> = [
      ["email", term],
      ["email", term.toLowerCase()],
      ["name", term],
      ["name", term.charAt(0).toUpperCase() + term.slice(1)],
      ["name", term.replace(/(^|\s)(\S)/g, (_, space: string, letter: string) => space + letter.toUpperCase())],
    ];
    const found = new Map<Id<"userProfiles">, Doc<"userProfiles">>();
    const tried = new Set<string>();
    for (const [field, prefix] of lookups) {
      if (found.size >= MAX_FOUND_USERS) break;
      if (tried.has(`${field}:${prefix}`)) continue;
      tried.add(`${field}:${prefix}`);
      for (const user of await byPrefix(ctx, field, prefix)) {
        if (found.size >= MAX_FOUND_USERS) break;
        found.set(user._id, user);
      }
    }
    return [...found.values()].map(userSummary);
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
    if ((user.isPlatformAdmin ?? false) !== isPlatformAdmin) {
      await writePlatformAudit(ctx, { kind: "operator" }, {
        action: isPlatformAdmin ? "platform_admin.grant" : "platform_admin.revoke",
        targetKind: "user",
        targetId: user._id,
        reason: "",
        before: { isPlatformAdmin: user.isPlatformAdmin ?? false },
        after: { isPlatformAdmin },
      });
    }
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
