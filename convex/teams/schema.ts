import { defineTable } from "convex/server";
import { v } from "convex/values";
import { vTeamRole, vTeamStatus } from "./validators";

/**
 * Teams inside an account. Clerk has no teams: they live here, managed by
 * account admins (teams/teams.ts). Index names are `by_<field>_<field>` in
 * index order.
 */
export const teamTables = {
  /**
   * A team of an account. Archiving keeps the row (and its name, for the audit
   * log) but takes every team right away from its members.
   * Written by: teams.create / rename / archive. Read by: every team check
   * (teams/membership.ts), the Teams admin page.
   * `by_accountId_name` serves the account's list (by name) and name uniqueness.
   */
  teams: defineTable({
    accountId: v.id("accounts"),
    name: v.string(),
    status: vTeamStatus,
    createdBy: v.id("userProfiles"),
    archivedAt: v.optional(v.number()),
  }).index("by_accountId_name", ["accountId", "name"]),

  /**
   * Who belongs to which team, with which team role. `accountId` is the
   * team's, copied so "the teams of this user in this account" is one range.
   * Written by: teams.addMember / setMemberRole / removeMember. Read by: team
   * checks (knowledge, agent availability, the budget chain).
   * `by_teamId_userId` serves a team's member list and "is X in team T";
   * `by_accountId_userId` serves a user's teams in an account.
   */
  teamMembers: defineTable({
    accountId: v.id("accounts"),
    teamId: v.id("teams"),
    userId: v.id("userProfiles"),
    role: vTeamRole,
    addedAt: v.number(),
  })
    .index("by_teamId_userId", ["teamId", "userId"])
    .index("by_accountId_userId", ["accountId", "userId"]),
};
