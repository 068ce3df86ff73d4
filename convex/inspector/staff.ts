/**
 * Auth builders for the run inspector. Support staff of an account are its
 * account admins and every platform admin (who is not a member, so the
 * account builders of convex/lib/functions.ts cannot let them in).
 *
 * | builder                           | `access`           | caller                                                  |
 * |-----------------------------------|--------------------|---------------------------------------------------------|
 * | inspectorQuery / inspectorMutation | `staff` (default)  | a platform admin, or an admin of `args.accountId`       |
 * | inspectorQuery                    | `member`           | the above, or any active member (who then sees only their own) |
 *
 * Refusals follow the one account-scoping rule: not a member of the account
 * (and not a platform admin) → `not_found`; a member whose role is too weak →
 * `forbidden`. Handlers get `ctx.caller` (user, account, role, isStaff).
 */
import { customCtxAndArgs, customMutation, customQuery } from "convex-helpers/server/customFunctions";
import { v } from "convex/values";
import type { Doc, Id } from "../_generated/dataModel";
import { mutation, query, type QueryCtx } from "../_generated/server";
import { fail } from "../lib/errors";
import type { Role } from "../lib/validators";
import { requireIdentity, requireProfile } from "../lib/functions";
import { provisionViewer, requireMembership } from "../tenancy/identity";

export type InspectorAccess = "staff" | "member";

export type Caller = {
  user: Doc<"userProfiles">;
  account: Doc<"accounts">;
  /** `platform_admin`, or the caller's role in the account. */
  role: "platform_admin" | Role;
  /** May see every run of the account and act on it. */
  isStaff: boolean;
};

type Extra = { access?: InspectorAccess };

/** The one check: who the caller is for this account, or a refusal. */
export async function resolveCaller(
  ctx: QueryCtx,
  user: Doc<"userProfiles">,
  accountId: Id<"accounts">,
  access: InspectorAccess,
): Promise<Caller> {
  if (user.isPlatformAdmin) {
    const account = await ctx.db.get("accounts", accountId);
    if (account === null) fail("not_found", "Account not found.");
    return { user, account, role: "platform_admin", isStaff: true };
  }
  const { account, membership } = await requireMembership(ctx, user, accountId, access === "staff" ? "admin" : "readonly");
  return { user, account, role: membership.role, isStaff: membership.role === "admin" };
}

const accountArgs = { accountId: v.id("accounts") };

export const inspectorQuery = customQuery(
  query,
  customCtxAndArgs({
    args: accountArgs,
    input: async (ctx, { accountId }, extra: Extra) => {
      const user = await requireProfile(ctx);
      const caller = await resolveCaller(ctx, user, accountId, extra.access ?? "staff");
      return { ctx: { caller }, args: { accountId } };
    },
  }),
);

export const inspectorMutation = customMutation(
  mutation,
  customCtxAndArgs({
    args: accountArgs,
    input: async (ctx, { accountId }, extra: Extra) => {
      const identity = await requireIdentity(ctx);
      const { user } = await provisionViewer(ctx, identity);
      const caller = await resolveCaller(ctx, user, accountId, extra.access ?? "staff");
      return { ctx: { caller }, args: { accountId } };
    },
  }),
);
