/**
 * Teams inside an account: account admins create, rename and archive them and
 * manage who is in which with which team role; members see their own teams.
 * Every change is written to the audit log in the same transaction.
 */
import { paginationOptsValidator, paginationResultValidator } from "convex/server";
import { v } from "convex/values";
import type { Doc, Id } from "../_generated/dataModel";
import type { MutationCtx, QueryCtx } from "../_generated/server";
import { writeAudit } from "../audit/write";
import { fail } from "../lib/errors";
import { accountMutation, accountQuery } from "../lib/functions";
import { roleAtLeast } from "../lib/validators";
import { membershipOf } from "../tenancy/identity";
import { activeTeamRole, teamMembership, teamOfAccount } from "./membership";
import {
  MAX_TEAM_NAME_LENGTH,
  MAX_TEAMS_PER_ACCOUNT,
  MAX_TEAMS_PER_USER,
  vPublicTeam,
  vPublicTeamMember,
  vTeamRole,
  type PublicTeam,
  type TeamRole,
} from "./validators";

type Admin = { user: Doc<"userProfiles">; membership: Doc<"memberships"> };

type FieldChange = { field: string; before?: unknown; after?: unknown };

/** Record a team change as the calling admin (from the SPA), with what changed (values as JSON text). */
async function audit(ctx: MutationCtx & Admin, team: Doc<"teams">, action: string, details: Record<string, string | null>, changes: FieldChange[] = []) {
  await writeAudit(ctx, {
    surface: "spa",
    ...(changes.length > 0 ? { changes: changes.map(asJsonChange) } : {}),
    accountId: team.accountId,
    actorUserId: ctx.user._id,
    actorRole: ctx.membership.role,
    action,
    targetKind: "team",
    targetId: team._id,
    reason: "",
    details: { team: team.name, ...details },
  });
}

function asJsonChange({ field, before, after }: FieldChange) {
  return { field, ...(before !== undefined ? { before: JSON.stringify(before) } : {}), ...(after !== undefined ? { after: JSON.stringify(after) } : {}) };
}

function cleanName(name: string): string {
  const trimmed = name.trim();
  if (trimmed === "" || trimmed.length > MAX_TEAM_NAME_LENGTH) {
    fail("bad_request", `A team name (name) must be 1 to ${MAX_TEAM_NAME_LENGTH} characters.`, { field: "name" });
  }
  return trimmed;
}

/** Two active teams of one account never share a name (archived ones keep theirs). */
async function assertNameFree(ctx: QueryCtx, accountId: Id<"accounts">, name: string, except?: Id<"teams">) {
  const same = await ctx.db
    .query("teams")
    .withIndex("by_accountId_name", (q) => q.eq("accountId", accountId).eq("name", name))
    .take(MAX_TEAMS_PER_ACCOUNT);
  if (same.some((team) => team.status === "active" && team._id !== except)) {
    fail("conflict", `There is already a team called "${name}".`, { field: "name" });
  }
}

/** A team an admin may still change: archived teams are read-only. */
async function activeTeam(ctx: QueryCtx, accountId: Id<"accounts">, teamId: Id<"teams">) {
  const team = await teamOfAccount(ctx, accountId, teamId);
  if (team.status !== "active") fail("conflict", `The team "${team.name}" is archived.`);
  return team;
}

function publicTeam(team: Doc<"teams">, myRole: TeamRole | null): PublicTeam {
  return { teamId: team._id, name: team.name, status: team.status, myRole, archivedAt: team.archivedAt ?? null };
}

/**
 * The teams the caller can see, by name: every team of the account for
 * admins (archived ones when asked), the caller's own active teams for
 * everybody else.
 */
export const list = accountQuery({
  args: { includeArchived: v.optional(v.boolean()) },
  returns: v.array(vPublicTeam),
  handler: async (ctx, { accountId, includeArchived }) => {
    if (roleAtLeast(ctx.membership.role, "admin")) {
      const teams = await ctx.db
        .query("teams")
        .withIndex("by_accountId_name", (q) => q.eq("accountId", accountId))
        .take(MAX_TEAMS_PER_ACCOUNT);
      const shown = teams.filter((team) => includeArchived === true || team.status === "active");
      return await Promise.all(shown.map(async (team) => publicTeam(team, await activeTeamRole(ctx, team, ctx.user._id))));
    }
    const rows = await ctx.db
      .query("teamMembers")
      .withIndex("by_accountId_userId", (q) => q.eq("accountId", accountId).eq("userId", ctx.user._id))
      .take(MAX_TEAMS_PER_USER);
    const mine: PublicTeam[] = [];
    for (const row of rows) {
      const team = await ctx.db.get("teams", row.teamId);
      if (team?.status === "active") mine.push(publicTeam(team, row.role));
    }
    return mine.sort((a, b) => a.name.localeCompare(b.name));
  },
});

/** A team's members, a page at a time: for account admins and the team's own members. */
export const members = accountQuery({
  args: { teamId: v.id("teams"), paginationOpts: paginationOptsValidator },
  returns: paginationResultValidator(vPublicTeamMember),
  handler: async (ctx, { accountId, teamId, paginationOpts }) => {
    const team = await teamOfAccount(ctx, accountId, teamId);
    const isAdmin = roleAtLeast(ctx.membership.role, "admin");
    // Another team's roster is as invisible as another account's.
    if (!isAdmin && (await activeTeamRole(ctx, team, ctx.user._id)) === null) fail("not_found", "Team not found.");
    const page = await ctx.db
      .query("teamMembers")
      .withIndex("by_teamId_userId", (q) => q.eq("teamId", teamId))
      .paginate({ ...paginationOpts, numItems: Math.min(Math.max(paginationOpts.numItems, 1), 100) });
    const rows = await Promise.all(
      page.page.map(async (row) => {
        const user = await ctx.db.get("userProfiles", row.userId);
        return { userId: row.userId, name: user?.name ?? null, email: user?.email ?? null, role: row.role, addedAt: row.addedAt };
      }),
    );
    return { ...page, page: rows };
  },
});

export const create = accountMutation({
  minRole: "admin",
  args: { name: v.string() },
  returns: v.id("teams"),
  handler: async (ctx, { accountId, name }) => {
    const clean = cleanName(name);
    await assertNameFree(ctx, accountId, clean);
    const existing = await ctx.db
      .query("teams")
      .withIndex("by_accountId_name", (q) => q.eq("accountId", accountId))
      .take(MAX_TEAMS_PER_ACCOUNT);
    if (existing.length >= MAX_TEAMS_PER_ACCOUNT) fail("conflict", `An account has at most ${MAX_TEAMS_PER_ACCOUNT} teams.`);
    const teamId = await ctx.db.insert("teams", { accountId, name: clean, status: "active", createdBy: ctx.user._id });
    await audit(ctx, (await ctx.db.get("teams", teamId))!, "team.create", {}, [{ field: "name", after: clean }]);
    return teamId;
  },
});

export const rename = accountMutation({
  minRole: "admin",
  args: { teamId: v.id("teams"), name: v.string() },
  returns: v.null(),
  handler: async (ctx, { accountId, teamId, name }) => {
    const team = await activeTeam(ctx, accountId, teamId);
    const clean = cleanName(name);
    if (clean === team.name) return null;
    await assertNameFree(ctx, accountId, clean, teamId);
    await ctx.db.patch("teams", teamId, { name: clean });
    await audit(ctx, { ...team, name: clean }, "team.rename", { before: team.name, after: clean }, [{ field: "name", before: team.name, after: clean }]);
    return null;
  },
});

/** Archive a team: at once, its members lose its knowledge, its agents and its budget. Archiving twice is a no-op. */
export const archive = accountMutation({
  minRole: "admin",
  args: { teamId: v.id("teams") },
  returns: v.null(),
  handler: async (ctx, { accountId, teamId }) => {
    const team = await teamOfAccount(ctx, accountId, teamId);
    if (team.status === "archived") return null;
    await ctx.db.patch("teams", teamId, { status: "archived", archivedAt: Date.now() });
    await audit(ctx, team, "team.archive", {}, [{ field: "status", before: "active", after: "archived" }]);
    return null;
  },
});

/**
 * Restore an archived team: archiving only set its status, so its members
 * (with their roles), its knowledge, its budget and the agents made available
 * to it come back as they were. Refused (`conflict`, field `name`) while an
 * active team has its name; restoring an active team is a no-op.
 */
export const restore = accountMutation({
  minRole: "admin",
  args: { teamId: v.id("teams") },
  returns: v.null(),
  handler: async (ctx, { accountId, teamId }) => {
    const team = await teamOfAccount(ctx, accountId, teamId);
    if (team.status === "active") return null;
    await assertNameFree(ctx, accountId, team.name, teamId);
    await ctx.db.patch("teams", teamId, { status: "active", archivedAt: undefined });
    await audit(ctx, team, "team.restore", {}, [{ field: "status", before: "archived", after: "active" }]);
    return null;
  },
});

/** Only active members of the account can join its teams; anyone else is `not_found`. */
async function accountMember(ctx: QueryCtx, accountId: Id<"accounts">, userId: Id<"userProfiles">) {
  const membership = await membershipOf(ctx, userId, accountId);
  if (membership === null || membership.status !== "active") fail("not_found", "No such member in this account.", { field: "userId" });
}

export const addMember = accountMutation({
  minRole: "admin",
  args: { teamId: v.id("teams"), userId: v.id("userProfiles"), role: vTeamRole },
  returns: v.null(),
  handler: async (ctx, { accountId, teamId, userId, role }) => {
    const team = await activeTeam(ctx, accountId, teamId);
    await accountMember(ctx, accountId, userId);
    if ((await teamMembership(ctx, teamId, userId)) !== null) fail("conflict", "Already a member of this team; change their role instead.");
    const teams = await ctx.db
      .query("teamMembers")
      .withIndex("by_accountId_userId", (q) => q.eq("accountId", accountId).eq("userId", userId))
      .take(MAX_TEAMS_PER_USER);
    if (teams.length >= MAX_TEAMS_PER_USER) fail("conflict", `A member can be in at most ${MAX_TEAMS_PER_USER} teams.`);
    await ctx.db.insert("teamMembers", { accountId, teamId, userId, role, addedAt: Date.now() });
    await audit(ctx, team, "team.member_add", { userId, role }, [{ field: `members.${userId}`, after: role }]);
    return null;
  },
});

async function existingMember(ctx: QueryCtx, teamId: Id<"teams">, userId: Id<"userProfiles">) {
  const row = await teamMembership(ctx, teamId, userId);
  if (row === null) fail("not_found", "No such member in this team.", { field: "userId" });
  return row;
}

export const setMemberRole = accountMutation({
  minRole: "admin",
  args: { teamId: v.id("teams"), userId: v.id("userProfiles"), role: vTeamRole },
  returns: v.null(),
  handler: async (ctx, { accountId, teamId, userId, role }) => {
    const team = await activeTeam(ctx, accountId, teamId);
    const row = await existingMember(ctx, teamId, userId);
    if (row.role === role) return null;
    await ctx.db.patch("teamMembers", row._id, { role });
    await audit(ctx, team, "team.member_role", { userId, before: row.role, after: role }, [{ field: `members.${userId}`, before: row.role, after: role }]);
    return null;
  },
});

export const removeMember = accountMutation({
  minRole: "admin",
  args: { teamId: v.id("teams"), userId: v.id("userProfiles") },
  returns: v.null(),
  handler: async (ctx, { accountId, teamId, userId }) => {
    const team = await activeTeam(ctx, accountId, teamId);
    const row = await existingMember(ctx, teamId, userId);
    await ctx.db.delete("teamMembers", row._id);
    await audit(ctx, team, "team.member_remove", { userId, role: row.role }, [{ field: `members.${userId}`, before: row.role }]);
    return null;
  },
});
