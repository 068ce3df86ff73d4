import { v, type Infer } from "convex/values";
import type { Doc } from "../_generated/dataModel";
import type { QueryCtx } from "../_generated/server";
import { userMutation, userQuery } from "../lib/functions";
import { vAccountKind, vRole } from "../lib/validators";

export const vViewerAccount = v.object({
  accountId: v.id("accounts"),
  name: v.string(),
  slug: v.string(),
  kind: vAccountKind,
  role: vRole,
});

export const vViewer = v.object({
  userId: v.id("userProfiles"),
  name: v.union(v.string(), v.null()),
  email: v.union(v.string(), v.null()),
  isPlatformAdmin: v.boolean(),
  /** Accounts the user is an active member of (at most 50). */
  accounts: v.array(vViewerAccount),
  /** The account the current token points at. */
  activeAccountId: v.union(v.id("accounts"), v.null()),
});
export type Viewer = Infer<typeof vViewer>;

const MAX_ACCOUNTS_LISTED = 50;

async function publicViewer(ctx: QueryCtx, user: Doc<"userProfiles">, activeAccountId: Viewer["activeAccountId"]): Promise<Viewer> {
  const memberships = await ctx.db
    .query("memberships")
    .withIndex("by_userId_accountId", (q) => q.eq("userId", user._id))
    .take(MAX_ACCOUNTS_LISTED);
  const accounts: Viewer["accounts"] = [];
  for (const membership of memberships) {
    if (membership.status !== "active") continue;
    const account = await ctx.db.get("accounts", membership.accountId);
    if (account === null || account.status !== "active") continue;
    accounts.push({ accountId: account._id, name: account.name, slug: account.slug, kind: account.kind, role: membership.role });
  }
  return {
    userId: user._id,
    name: user.name ?? null,
    email: user.email ?? null,
    isPlatformAdmin: user.isPlatformAdmin,
    accounts,
    activeAccountId: activeAccountId ?? user.lastAccountId ?? accounts[0]?.accountId ?? null,
  };
}

/**
 * Called by the SPA after sign-in: creates the profile, account and membership
 * the token describes (first use) and returns who the caller is.
 */
export const sync = userMutation({
  args: {},
  returns: vViewer,
  handler: async (ctx) => {
    const accountId = ctx.tokenAccountId;
    if (ctx.user.lastAccountId !== accountId) await ctx.db.patch("userProfiles", ctx.user._id, { lastAccountId: accountId });
    return await publicViewer(ctx, ctx.user, accountId);
  },
});

/** Who is signed in, and the accounts they can switch between. */
export const get = userQuery({
  args: {},
  returns: vViewer,
  handler: async (ctx) => await publicViewer(ctx, ctx.user, null),
});
