/**
 * Team budgets in the budget chain: account → team → user → agent.
 *
 * A turn charges at most one team. A user in several teams is charged to the
 * agent's team — the first team the agent is made available to that the user
 * is in (teams/availability.ts) — else to the user's primary team, the one
 * they joined first. Someone in no (active) team charges no team. The team is
 * decided when the turn starts and stored on its run (`interactions.teamId`),
 * so a retried call, its delegates and its usage all name the same team.
 */
import type { Doc, Id } from "../_generated/dataModel";
import type { QueryCtx } from "../_generated/server";
import { activeTeamsOf } from "./membership";

/** The team a turn of `userId` with `agent` is charged to, or undefined (see above). */
export async function chargedTeam(
  ctx: QueryCtx,
  accountId: Id<"accounts">,
  userId: Id<"userProfiles">,
  agent: Pick<Doc<"agents">, "availableTo">,
): Promise<Id<"teams"> | undefined> {
  const teams = await activeTeamsOf(ctx, accountId, userId);
  if (teams.length === 0) return undefined;
  const agentsTeam = agent.availableTo?.teamIds.find((teamId) => teams.includes(teamId));
  return agentsTeam ?? teams[0];
}

/** The team link of a budget chain: none, or the one team charged. */
export function teamLink(teamId: Id<"teams"> | undefined): { scope: "team"; scopeId: string }[] {
  return teamId === undefined ? [] : [{ scope: "team", scopeId: teamId }];
}
