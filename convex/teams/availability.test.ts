import { expect, test, vi } from "vitest";
import { api } from "../_generated/api";
import type { Id } from "../_generated/dataModel";
import { assistantOf, send, type Caller } from "../chat/testkit.testing";
import { refusal } from "../test.setup";
import { orgWithPeople, teamWith } from "./testkit.testing";

async function listedSlugs(caller: Caller) {
  const agents = await caller.client.query(api.agents.agents.list, { accountId: caller.accountId });
  return agents.map((agent) => agent.slug);
}

async function restrictedAgent() {
  const org = await orgWithPeople();
  const { t, accountId, admin, alice } = org;
  const sales = await teamWith(admin, "Sales", [{ userId: alice.userId }]);
  const agentId = await assistantOf(t, accountId);
  return { ...org, sales, agentId };
}

test("an agent available to a team is listed, opened and chatted with by its members only", async () => {
  const { t, accountId, admin, alice, bob, sales, agentId } = await restrictedAgent();
  // Bob opened a conversation while the agent was everyone's.
  const bobsThread = await bob.client.mutation(api.chat.threads.create, { accountId, agentId });
  await admin.client.mutation(api.teams.availability.setAvailability, { accountId, agentId, availableTo: { teamIds: [sales], userIds: [] } });

  expect(await listedSlugs(alice)).toContain("assistant");
  expect(await listedSlugs(bob)).not.toContain("assistant");
  // The admin, who set it, still sees and manages it.
  expect(await listedSlugs(admin)).toContain("assistant");
  expect(await admin.client.query(api.teams.availability.availability, { accountId, agentId })).toEqual({
    everyone: false,
    teams: [{ teamId: sales, name: "Sales", archived: false }],
    users: [],
  });

  // For Bob it is as if it did not exist: reading it, starting with it, continuing with it.
  const counts = () =>
    t.run(async (ctx) => ({
      threads: (await ctx.db.query("threads").collect()).length,
      runs: (await ctx.db.query("interactions").collect()).length,
      jobs: (await ctx.db.query("jobs").collect()).length,
    }));
  const before = await counts();
  // Thunks, called one at a time: a refusal is awaited as soon as it happens.
  for (const call of [
    () => bob.client.query(api.agents.agents.get, { accountId, agentId }),
    () => bob.client.query(api.agents.agents.getViews, { accountId, agentId }),
    () => bob.client.mutation(api.chat.threads.create, { accountId, agentId }),
    () => bob.client.mutation(api.chat.threads.start, { accountId, agentId, text: "hello" }),
    () => send(bob, bobsThread.threadId, "hello again"),
    () => bob.client.mutation(api.jobs.jobs.start, { accountId, type: "summarize", agentId, input: "notes" }),
    () => bob.client.query(api.tasks.tasks.board, { accountId, agentId }),
  ]) {
    expect(await refusal(call())).toMatchObject({ code: "not_found", message: "Agent not found." });
  }
  expect(await counts()).toEqual(before);

  // Alice, in Sales, uses it.
  vi.useFakeTimers();
  try {
    const started = await alice.client.mutation(api.chat.threads.start, { accountId, agentId, text: "hello" });
    expect(started.interactionId).toBeDefined();
    expect((await alice.client.query(api.agents.agents.get, { accountId, agentId })).slug).toBe("assistant");
  } finally {
    vi.useRealTimers();
  }
});

test("an agent available to one person; archiving or leaving a team takes its agents away", async () => {
  const { accountId, admin, alice, bob, sales, agentId } = await restrictedAgent();
  await admin.client.mutation(api.teams.availability.setAvailability, { accountId, agentId, availableTo: { teamIds: [sales], userIds: [bob.userId] } });
  expect(await listedSlugs(bob)).toContain("assistant");
  expect(await listedSlugs(alice)).toContain("assistant");

  await admin.client.mutation(api.teams.teams.archive, { accountId, teamId: sales });
  expect(await listedSlugs(alice)).not.toContain("assistant");
  expect((await refusal(alice.client.mutation(api.chat.threads.create, { accountId, agentId }))).code).toBe("not_found");
  expect(await listedSlugs(bob)).toContain("assistant");

  // Back to everyone.
  await admin.client.mutation(api.teams.availability.setAvailability, { accountId, agentId, availableTo: null });
  expect(await listedSlugs(alice)).toContain("assistant");
});

test("removing a member from the team takes the team's agents from them", async () => {
  const { accountId, admin, alice, sales, agentId } = await restrictedAgent();
  await admin.client.mutation(api.teams.availability.setAvailability, { accountId, agentId, availableTo: { teamIds: [sales], userIds: [] } });
  expect(await listedSlugs(alice)).toContain("assistant");
  await admin.client.mutation(api.teams.teams.removeMember, { accountId, teamId: sales, userId: alice.userId });
  expect(await listedSlugs(alice)).not.toContain("assistant");
});

test("setting availability: admins only, this account's teams and people only, audited", async () => {
  const { t, accountId, admin, alice, outsider, sales, agentId } = await restrictedAgent();
  const theirTeam = await teamWith(outsider, "Theirs", []);
  const theirAgent = await assistantOf(t, outsider.accountId);
  const set = (caller: typeof admin, availableTo: { teamIds: Id<"teams">[]; userIds: Id<"userProfiles">[] } | null, agent = agentId) =>
    caller.client.mutation(api.teams.availability.setAvailability, { accountId, agentId: agent, availableTo });

  expect((await refusal(set(alice, { teamIds: [sales], userIds: [] }))).code).toBe("forbidden");
  expect((await refusal(alice.client.query(api.teams.availability.availability, { accountId, agentId }))).code).toBe("forbidden");
  expect(await refusal(set(admin, { teamIds: [theirTeam], userIds: [] }))).toMatchObject({ code: "not_found", field: "teamIds" });
  expect(await refusal(set(admin, { teamIds: [], userIds: [outsider.userId] }))).toMatchObject({ code: "not_found", field: "userIds" });
  expect(await refusal(set(admin, null, theirAgent))).toMatchObject({ code: "not_found", field: "agentId" });
  const tooMany = Array.from({ length: 51 }, () => alice.userId);
  // Duplicates collapse, so 51 copies of one person are one person.
  await set(admin, { teamIds: [], userIds: tooMany });
  const untouched = await t.run(async (ctx) => "availableTo" in (await ctx.db.get("agents", theirAgent))!);
  expect(untouched).toBe(false);

  const audit = await t.run(async (ctx) => (await ctx.db.query("auditLog").collect()).filter((row) => row.action === "agent.availability"));
  expect(audit).toHaveLength(1);
  expect(audit[0]).toMatchObject({ actorUserId: admin.userId, targetKind: "agent", targetId: agentId, details: { before: "everyone", after: "0 team(s), 1 person(s)" } });
});
