/**
 * Agents available to some teams or people only.
 *
 * An agent with no `availableTo` is the whole account's (as before teams). With
 * it, only the listed users and the members of the listed active teams see it
 * in lists, open it, start conversations and turns with it (SPA, HTTP API,
 * channels all go through `startTurn`); for everybody else it answers
 * `not_found`, exactly like an agent that does not exist. Account admins see
 * and use every agent: they are the ones who set availability, and could add
 * themselves anyway.
 */
import { v } from "convex/values";
import type { Doc, Id } from "../_generated/dataModel";
import type { QueryCtx } from "../_generated/server";
import { writeAudit } from "../audit/write";
import { fail } from "../lib/errors";
import { accountMutation, accountQuery } from "../lib/functions";
import { roleAtLeast, type Role } from "../lib/validators";
import { membershipOf } from "../tenancy/identity";
import { activeTeamsOf } from "./membership";
import { vAvailableTo, type AvailableTo } from "./validators";

/** Most teams, and most people, one agent can be made available to. */
export const MAX_AUDIENCE = 50;


export type AgentViewer = { userId: Id<"userProfiles">; role: Role };

/**
 * Whether `viewer` may use `agent`. `teamsOf` loads the viewer's active teams
 * (lazily, once: listing many agents reads the teams a single time).
 */
export async function isAvailableTo(
  agent: Doc<"agents">,
  viewer: AgentViewer,
  teamsOf: () => Promise<readonly Id<"teams">[]>,
): Promise<boolean> {
  const audience = agent.availableTo;
  if (audience === undefined || roleAtLeast(viewer.role, "admin")) return true;
  if (audience.userIds.includes(viewer.userId)) return true;
  if (audience.teamIds.length === 0) return false;
  const teams = await teamsOf();
  return audience.teamIds.some((teamId) => teams.includes(teamId));
}

/** A loader of the viewer's active teams that reads them at most once. */
export function teamsLoader(ctx: QueryCtx, accountId: Id<"accounts">, userId: Id<"userProfiles">) {
  let teams: Promise<Id<"teams">[]> | undefined;
  return () => (teams ??= activeTeamsOf(ctx, accountId, userId));
}

/** `agents` without the ones `viewer` may not use. */
export async function availableAgents(ctx: QueryCtx, viewer: AgentViewer & { accountId: Id<"accounts"> }, agents: Doc<"agents">[]) {
  const teamsOf = teamsLoader(ctx, viewer.accountId, viewer.userId);
  const shown: Doc<"agents">[] = [];
  for (const agent of agents) if (await isAvailableTo(agent, viewer, teamsOf)) shown.push(agent);
  return shown;
}

/**
 * Refuse `agent` to `userId` unless it is available to them: `not_found`, as
 * for an agent that does not exist. For callers without the caller's role at
 * hand (turns from the API and channels), the role is read here, and only for
 * an agent that is restricted at all.
 */
export async function requireAvailableAgent(ctx: QueryCtx, agent: Doc<"agents">, userId: Id<"userProfiles">, role?: Role) {
  if (agent.availableTo === undefined) return;
  const viewerRole = role ?? (await membershipOf(ctx, userId, agent.accountId))?.role ?? "readonly";
  const available = await isAvailableTo(agent, { userId, role: viewerRole }, () => activeTeamsOf(ctx, agent.accountId, userId));
  if (!available) fail("not_found", "Agent not found.");
}

async function agentOfAccount(ctx: QueryCtx, accountId: Id<"accounts">, agentId: Id<"agents">) {
  const agent = await ctx.db.get("agents", agentId);
  if (agent === null || agent.accountId !== accountId) fail("not_found", "Agent not found.", { field: "agentId" });
  return agent;
}

/** The audience, checked: teams of this account (any status: archived ones simply grant nothing) and its active members. */
async function checkedAudience(ctx: QueryCtx, accountId: Id<"accounts">, audience: AvailableTo): Promise<AvailableTo> {
  const teamIds = [...new Set(audience.teamIds)];
  const userIds = [...new Set(audience.userIds)];
  if (teamIds.length > MAX_AUDIENCE) fail("bad_request", `At most ${MAX_AUDIENCE} teams (teamIds).`, { field: "teamIds" });
  if (userIds.length > MAX_AUDIENCE) fail("bad_request", `At most ${MAX_AUDIENCE} people (userIds).`, { field: "userIds" });
  for (const teamId of teamIds) {
    const team = await ctx.db.get("teams", teamId);
    if (team === null || team.accountId !== accountId) fail("not_found", "Team not found.", { field: "teamIds" });
  }
  for (const userId of userIds) {
    const membership = await membershipOf(ctx, userId, accountId);
    if (membership?.status !== "active") fail("not_found", "No such member in this account.", { field: "userIds" });
  }
  return { teamIds, userIds };
}

/**
 * Who may use the agent (account admins): `null` makes it the whole
 * account's again. Audited with the before and after counts.
 */
export const setAvailability = accountMutation({
  minRole: "admin",
  args: { agentId: v.id("agents"), availableTo: v.union(vAvailableTo, v.null()) },
  returns: v.null(),
  handler: async (ctx, { accountId, agentId, availableTo }) => {
    const agent = await agentOfAccount(ctx, accountId, agentId);
    const next = availableTo === null ? undefined : await checkedAudience(ctx, accountId, availableTo);
    await ctx.db.patch("agents", agentId, { availableTo: next });
    const describe = (audience: AvailableTo | undefined) =>
      audience === undefined ? "everyone" : `${audience.teamIds.length} team(s), ${audience.userIds.length} person(s)`;
    await writeAudit(ctx, {
      surface: "spa",
      changes: [{ field: "availableTo", ...(agent.availableTo ? { before: JSON.stringify(agent.availableTo) } : {}), ...(next ? { after: JSON.stringify(next) } : {}) }],
      accountId,
      actorUserId: ctx.user._id,
      actorRole: ctx.membership.role,
      action: "agent.availability",
      targetKind: "agent",
      targetId: agentId,
      reason: "",
      details: {
        agent: agent.name,
        before: describe(agent.availableTo),
        after: describe(next),
        teamIds: next?.teamIds.join(",") ?? null,
        userIds: next?.userIds.join(",") ?? null,
      },
    });
    return null;
  },
});

const vAudienceView = v.object({
  /** True when the agent is the whole account's. */
  everyone: v.boolean(),
  teams: v.array(v.object({ teamId: v.id("teams"), name: v.string(), archived: v.boolean() })),
  users: v.array(v.object({ userId: v.id("userProfiles"), name: v.union(v.string(), v.null()) })),
});

/** Who may use the agent, with names (account admins). */
export const availability = accountQuery({
  minRole: "admin",
  args: { agentId: v.id("agents") },
  returns: vAudienceView,
  handler: async (ctx, { accountId, agentId }) => {
    const audience = (await agentOfAccount(ctx, accountId, agentId)).availableTo;
    if (audience === undefined) return { everyone: true, teams: [], users: [] };
    const teams = [];
    for (const teamId of audience.teamIds) {
      const team = await ctx.db.get("teams", teamId);
      if (team !== null) teams.push({ teamId, name: team.name, archived: team.status === "archived" });
    }
    const users = [];
    for (const userId of audience.userIds) users.push({ userId, name: (await ctx.db.get("userProfiles", userId))?.name ?? null });
    return { everyone: false, teams, users };
  },
});
