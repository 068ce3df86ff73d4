/**
 * The team checks every other module uses. A team of another account, or one
 * that does not exist, answers `not_found` exactly like a missing one; an
 * archived team grants nothing to anybody.
 */
import type { Doc, Id } from "../_generated/dataModel";
import type { QueryCtx } from "../_generated/server";
import { fail } from "../lib/errors";
import { MAX_TEAMS_PER_USER, type TeamRole } from "./validators";

/** The team `teamId` of `accountId`, archived or not; anything else is `not_found`. */
export async function teamOfAccount(ctx: QueryCtx, accountId: Id<"accounts">, teamId: Id<"teams">): Promise<Doc<"teams">> {
  const team = await ctx.db.get("teams", teamId);
  if (team === null || team.accountId !== accountId) fail("not_found", "Team not found.");
  return team;
}

/** The membership row of `userId` in `teamId` (whatever the team's status), or null. */
export async function teamMembership(ctx: QueryCtx, teamId: Id<"teams">, userId: Id<"userProfiles">) {
  return await ctx.db
    .query("teamMembers")
    .withIndex("by_teamId_userId", (q) => q.eq("teamId", teamId).eq("userId", userId))
    .unique();
}

/** `userId`'s role in `team` while the team is active; null when not a member or archived. */
export async function activeTeamRole(ctx: QueryCtx, team: Doc<"teams">, userId: Id<"userProfiles">): Promise<TeamRole | null> {
  if (team.status !== "active") return null;
  return (await teamMembership(ctx, team._id, userId))?.role ?? null;
}

/**
 * The active teams `userId` belongs to in `accountId`, in the order they
 * joined (oldest first: the first is their primary team). Reads one index
 * range and each team; nothing when the user is in no team.
 */
export async function activeTeamsOf(ctx: QueryCtx, accountId: Id<"accounts">, userId: Id<"userProfiles">): Promise<Id<"teams">[]> {
  const rows = await ctx.db
    .query("teamMembers")
    .withIndex("by_accountId_userId", (q) => q.eq("accountId", accountId).eq("userId", userId))
    .take(MAX_TEAMS_PER_USER);
  const active: Id<"teams">[] = [];
  for (const row of rows) {
    const team = await ctx.db.get("teams", row.teamId);
    if (team?.status === "active") active.push(team._id);
  }
  return active;
}

