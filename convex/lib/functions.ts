/**
 * The app's function builders. Domain code registers public functions only
 * through these, so no public function can forget who is calling:
 *
 * | builder                     | caller                                   | adds to ctx            |
 * |-----------------------------|------------------------------------------|------------------------|
 * | userQuery / userMutation    | any signed-in, active user               | `user`                 |
 * | accountQuery / ...Mutation  | active member of `args.accountId`        | `user`, `account`, `membership` |
 * | platformAdminQuery / ...    | a user with the platform-admin flag      | `user`                 |
 * | serviceQuery / ...          | a trusted service holding the shared secret | nothing             |
 *
 * Account builders take `minRole` beside `args` (default: readonly for
 * queries, member for mutations and actions).
 */
import { customAction, customCtxAndArgs, customMutation, customQuery } from "convex-helpers/server/customFunctions";
import { v } from "convex/values";
import { internal } from "../_generated/api";
import type { Doc } from "../_generated/dataModel";
import {
  action,
  internalQuery,
  mutation,
  query,
  type ActionCtx,
  type QueryCtx,
} from "../_generated/server";
import { assertActive, profileByToken, provisionViewer, requireMembership, vMemberCaller, vUserDoc } from "../tenancy/identity";
import { env } from "./env";
import { fail } from "./errors";
import type { Role } from "./validators";

type AccountExtra = { minRole?: Role };

/** The caller's identity, or `unauthenticated`. Shared with the other builder module (inspector/staff.ts). */
export async function requireIdentity(ctx: { auth: QueryCtx["auth"] }) {
  const identity = await ctx.auth.getUserIdentity();
  if (identity === null) fail("unauthenticated", "Sign in to continue.");
  return identity;
}

/** Queries cannot create the profile; the SPA calls `tenancy.viewer.sync` once after sign-in. */
export async function requireProfile(ctx: QueryCtx) {
  const identity = await requireIdentity(ctx);
  const user = await profileByToken(ctx, identity.tokenIdentifier);
  if (user === null) fail("unauthenticated", "Your profile is not set up yet; sign in again.");
  assertActive(user);
  return user;
}

// --- signed-in users -------------------------------------------------------

export const userQuery = customQuery(query, {
  args: {},
  input: async (ctx) => ({ ctx: { user: await requireProfile(ctx) }, args: {} }),
});

export const userMutation = customMutation(mutation, {
  args: {},
  input: async (ctx) => {
    const identity = await requireIdentity(ctx);
    const { user, accountId } = await provisionViewer(ctx, identity);
    // `tokenAccountId`: the account the token's org claims (or personal account) point at.
    return { ctx: { user, tokenAccountId: accountId }, args: {} };
  },
});

export const userAction = customAction(action, {
  args: {},
  input: async (ctx) => {
    const identity = await requireIdentity(ctx);
    // Annotated: the builders' ctx type must not depend on `internal` (that would be circular).
    const user: Doc<"userProfiles"> = await ctx.runQuery(internal.lib.functions.resolveCaller, {
      tokenIdentifier: identity.tokenIdentifier,
    });
    return { ctx: { user }, args: {} };
  },
});

// --- account members -------------------------------------------------------

const accountArgs = { accountId: v.id("accounts") };

export const accountQuery = customQuery(
  query,
  customCtxAndArgs({
    args: accountArgs,
    input: async (ctx, { accountId }, extra: AccountExtra) => {
      const user = await requireProfile(ctx);
      const { account, membership } = await requireMembership(ctx, user, accountId, extra.minRole ?? "readonly");
      return { ctx: { user, account, membership }, args: { accountId } };
    },
  }),
);

export const accountMutation = customMutation(
  mutation,
  customCtxAndArgs({
    args: accountArgs,
    input: async (ctx, { accountId }, extra: AccountExtra) => {
      const identity = await requireIdentity(ctx);
      const { user } = await provisionViewer(ctx, identity);
      const { account, membership } = await requireMembership(ctx, user, accountId, extra.minRole ?? "member");
      return { ctx: { user, account, membership }, args: { accountId } };
    },
  }),
);

export const accountAction = customAction(
  action,
  customCtxAndArgs({
    args: accountArgs,
    input: async (ctx: ActionCtx, { accountId }, extra: AccountExtra) => {
      const identity = await requireIdentity(ctx);
      const caller: { user: Doc<"userProfiles">; account: Doc<"accounts">; membership: Doc<"memberships"> } =
        await ctx.runQuery(internal.lib.functions.resolveMember, {
          tokenIdentifier: identity.tokenIdentifier,
          accountId,
          minRole: extra.minRole ?? "member",
        });
      return { ctx: caller, args: { accountId } };
    },
  }),
);

// --- platform admins -------------------------------------------------------

function requirePlatformAdmin(user: Doc<"userProfiles">) {
  if (!user.isPlatformAdmin) fail("forbidden", "Only platform admins can do this.");
}

export const platformAdminQuery = customQuery(query, {
  args: {},
  input: async (ctx) => {
    const user = await requireProfile(ctx);
    requirePlatformAdmin(user);
    return { ctx: { user }, args: {} };
  },
});

export const platformAdminMutation = customMutation(mutation, {
  args: {},
  input: async (ctx) => {
    const identity = await requireIdentity(ctx);
    const { user } = await provisionViewer(ctx, identity);
    requirePlatformAdmin(user);
    return { ctx: { user }, args: {} };
  },
});

// --- trusted services ------------------------------------------------------

/** Constant-time comparison so the secret cannot be guessed byte by byte. */
function secretsMatch(given: string, expected: string): boolean {
  let diff = given.length ^ expected.length;
  for (let i = 0; i < Math.max(given.length, expected.length); i++) {
    diff |= (given.charCodeAt(i) || 0) ^ (expected.charCodeAt(i) || 0);
  }
  return diff === 0;
}

/** Fails closed: with `HARNESS_SERVICE_SECRET` unset, every service call is refused. */
function requireServiceSecret(given: string) {
  const expected = env.serviceSecret();
  if (expected === undefined) fail("unauthenticated", "Service calls are disabled: HARNESS_SERVICE_SECRET is not set.");
  if (!secretsMatch(given, expected)) fail("unauthenticated", "Invalid service secret.");
}

const serviceArgs = { serviceSecret: v.string() };

export const serviceQuery = customQuery(
  query,
  customCtxAndArgs({
    args: serviceArgs,
    input: async (_ctx, { serviceSecret }) => {
      requireServiceSecret(serviceSecret);
      return { ctx: {}, args: {} };
    },
  }),
);

export const serviceMutation = customMutation(
  mutation,
  customCtxAndArgs({
    args: serviceArgs,
    input: async (_ctx, { serviceSecret }) => {
      requireServiceSecret(serviceSecret);
      return { ctx: {}, args: {} };
    },
  }),
);

// --- internal helpers for action builders ----------------------------------

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
  args: {
    tokenIdentifier: v.string(),
    accountId: v.id("accounts"),
    minRole: v.union(v.literal("readonly"), v.literal("member"), v.literal("admin")),
  },
  returns: vMemberCaller,
  handler: async (ctx, { tokenIdentifier, accountId, minRole }) => {
    const user = await profileByToken(ctx, tokenIdentifier);
    if (user === null) fail("unauthenticated", "Your profile is not set up yet; sign in again.");
    assertActive(user);
    return { user, ...(await requireMembership(ctx, user, accountId, minRole)) };
  },
});
