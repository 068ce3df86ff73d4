/**
 * What the function builders (lib/functions.ts, the base layer) hand to
 * tenancy by function reference, since they cannot import it: creating the
 * caller's profile, account and membership on first use (mutations), and the
 * caller lookups an action cannot make itself (it has no `ctx.db`).
 * Internal only.
 */
import { v } from "convex/values";
import { internalMutation, internalQuery } from "../_generated/server";
import { fail } from "../lib/errors";
import { assertActive, profileByToken, requireMembership, vCallerIdentity } from "../lib/caller";
import { vRole } from "../lib/validators";
import { provisionViewer, vMemberCaller, vUserDoc } from "./identity";

/**
 * `provisionViewer` for a mutation builder whose caller is missing something
 * (lib/caller.ts `currentViewer` said so); runs inside the builder's
 * transaction.
 */
export const provision = internalMutation({
  args: { identity: vCallerIdentity },
  returns: v.object({ userId: v.id("userProfiles"), accountId: v.id("accounts") }),
  handler: async (ctx, { identity }) => {
    const { user, accountId } = await provisionViewer(ctx, identity);
    return { userId: user._id, accountId };
  },
});

export const resolveCaller = internalQuery({
  args: { tokenIdentifier: v.string() },
  returns: vUserDoc,
  handler: async (ctx, { tokenIdentifier }) => {
    const user = await profileByToken(ctx, tokenIdentifier);
    if (user === null) fail("unauthenticated", "Your profile is not set up yet; sign in again.");
    assertActive(user);
    return user;
  },
});

export const resolveMember = internalQuery({
  args: { tokenIdentifier: v.string(), accountId: v.id("accounts"), minRole: vRole },
  returns: vMemberCaller,
  handler: async (ctx, { tokenIdentifier, accountId, minRole }) => {
    const user = await profileByToken(ctx, tokenIdentifier);
    if (user === null) fail("unauthenticated", "Your profile is not set up yet; sign in again.");
    assertActive(user);
    return { user, ...(await requireMembership(ctx, user, accountId, minRole)) };
  },
});
