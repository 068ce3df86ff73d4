import { v, type Infer } from "convex/values";

/** A member's role in a team: a lead also looks after the team's knowledge. */
export const vTeamRole = v.union(v.literal("lead"), v.literal("member"));
export type TeamRole = Infer<typeof vTeamRole>;

export const vTeamStatus = v.union(v.literal("active"), v.literal("archived"));
export type TeamStatus = Infer<typeof vTeamStatus>;

export const MAX_TEAM_NAME_LENGTH = 60;
/** Teams one account may have (listed in one page). */
export const MAX_TEAMS_PER_ACCOUNT = 100;
/** Teams one user may belong to in one account (every team check reads at most this many rows). */
export const MAX_TEAMS_PER_USER = 20;

export const vPublicTeam = v.object({
  teamId: v.id("teams"),
  name: v.string(),
  status: vTeamStatus,
  /** The caller's role in it; null when they are not a member. */
  myRole: v.union(vTeamRole, v.null()),
  archivedAt: v.union(v.number(), v.null()),
});
export type PublicTeam = Infer<typeof vPublicTeam>;

export const vPublicTeamMember = v.object({
  userId: v.id("userProfiles"),
  name: v.union(v.string(), v.null()),
  email: v.union(v.string(), v.null()),
  role: vTeamRole,
  addedAt: v.number(),
});

/** Stored on an agent (teams/availability.ts): who may use it. Absent = everybody in the account. */
export const vAvailableTo = v.object({ teamIds: v.array(v.id("teams")), userIds: v.array(v.id("userProfiles")) });
export type AvailableTo = Infer<typeof vAvailableTo>;
