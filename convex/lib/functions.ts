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
import type { UserIdentity } from "convex/server";
import { v } from "convex/values";
import { internal } from "../_generated/api";
import type { Doc, Id } from "../_generated/dataModel";
import { action, mutation, query, type ActionCtx, type MutationCtx, type QueryCtx } from "../_generated/server";
import { assertActive, callerIdentity, currentViewer, profileByToken, requireMembership } from "./caller";
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

/**
 * The caller's profile and the account their token points at, created on
 * first use. The usual call only reads (caller.ts); when something is missing
 * or out of date, tenancy creates it (tenancy/callers.ts `provision`) in a
 * sub-mutation of this transaction: this layer may not import tenancy.
 */
async function provisionedViewer(ctx: MutationCtx, identity: UserIdentity) {
  const caller = callerIdentity(identity);
  const current = await currentViewer(ctx, caller);
  if (current !== null) return current;
  // Annotated: the builders' ctx type must not depend on `internal` (that would be circular).
  const created: { userId: Id<"userProfiles">; accountId: Id<"accounts"> } = await ctx.runMutation(internal.tenancy.callers.provision, {
    identity: caller,
  });
  // Written by the sub-mutation, in this same transaction.
  const user = (await ctx.db.get("userProfiles", created.userId))!;
  return { user, accountId: created.accountId };
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
    const { user, accountId } = await provisionedViewer(ctx, identity);
    // `tokenAccountId`: the account the token's org claims (or personal account) point at.
    return { ctx: { user, tokenAccountId: accountId }, args: {} };
  },
});

export const userAction = customAction(action, {
  args: {},
  input: async (ctx) => {
    const identity = await requireIdentity(ctx);
    // Annotated: the builders' ctx type must not depend on `internal` (that would be circular).
    const user: Doc<"userProfiles"> = await ctx.runQuery(internal.tenancy.callers.resolveCaller, {
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
      const { user } = await provisionedViewer(ctx, identity);
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
        await ctx.runQuery(internal.tenancy.callers.resolveMember, {
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
    const { user } = await provisionedViewer(ctx, identity);
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
