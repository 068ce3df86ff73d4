/**
 * Test helpers for teams: an organisation with an admin, two members and a
 * second organisation, and a team with members, built through the public API.
 */
import { api } from "../_generated/api";
import type { Id } from "../_generated/dataModel";
import { asMember, newHarness, type Harness } from "../test.setup";
import type { TeamRole } from "./validators";

export async function orgWithPeople(t: Harness = newHarness()) {
  const admin = await asMember(t, "org_acme", "admin", "Ada");
  const alice = await asMember(t, "org_acme", "member", "Alice");
  const bob = await asMember(t, "org_acme", "member", "Bob");
  const outsider = await asMember(t, "org_other", "admin", "Olga");
  return { t, accountId: admin.accountId, admin, alice, bob, outsider };
}

/** A team of `admin`'s account with `members` in it, created through the public API. */
export async function teamWith(
  admin: Awaited<ReturnType<typeof asMember>>,
  name: string,
  members: { userId: Id<"userProfiles">; role?: TeamRole }[],
): Promise<Id<"teams">> {
  const teamId = await admin.client.mutation(api.teams.teams.create, { accountId: admin.accountId, name });
  for (const member of members) {
    await admin.client.mutation(api.teams.teams.addMember, {
      accountId: admin.accountId,
      teamId,
      userId: member.userId,
      role: member.role ?? "member",
    });
  }
  return teamId;
}
