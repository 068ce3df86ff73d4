/**
 * What happens to accounts and memberships, announced to the layers above.
 *
 * Tenancy sits below the domains (README, "Layers of convex/"), yet a new
 * account gets the Assistant (agents), a member who joins gets the General
 * conversation and one who leaves is taken out of private ones
 * (conversations), and an erased user's knowledge is deleted (knowledge).
 * So tenancy only names what happened, here, and hands each event to the one
 * subscriber that decides what follows: accountLifecycle/reactions.ts. The
 * hand-over is a function reference run with `ctx.runMutation`, inside the
 * caller's transaction: the reaction commits or rolls back with the change
 * that caused it, as when it was a direct call.
 */
import { v, type Infer } from "convex/values";
import { internal } from "../_generated/api";
import type { MutationCtx } from "../_generated/server";

export const vTenancyEvent = v.union(
  /** An account was created (sign-in, Clerk webhook). */
  v.object({ kind: v.literal("account.created"), accountId: v.id("accounts") }),
  /** A membership became active. */
  v.object({ kind: v.literal("member.joined"), accountId: v.id("accounts"), userId: v.id("userProfiles") }),
  /** A membership was revoked. */
  v.object({ kind: v.literal("member.left"), accountId: v.id("accounts"), userId: v.id("userProfiles") }),
  /** A deleted user's traces in one account (they may have left it before) are to be erased. */
  v.object({ kind: v.literal("user.erased"), accountId: v.id("accounts"), userId: v.id("userProfiles") }),
);
export type TenancyEvent = Infer<typeof vTenancyEvent>;

export async function announce(ctx: MutationCtx, event: TenancyEvent): Promise<void> {
  await ctx.runMutation(internal.accountLifecycle.reactions.react, { event });
}
