import { expect, test } from "vitest";
import { api } from "../_generated/api";
import { refusal } from "../test.setup";
import { orgWithPeople, teamWith } from "./testkit.testing";

const page = { numItems: 50, cursor: null };

test("an admin creates a team, adds members with roles; members see their own teams only", async () => {
  const { accountId, admin, alice, bob } = await orgWithPeople();
  const sales = await teamWith(admin, "Sales", [{ userId: alice.userId, role: "lead" }]);
  await teamWith(admin, "Support", [{ userId: bob.userId }]);

  const adminView = await admin.client.query(api.teams.teams.list, { accountId });
  expect(adminView.map((team) => [team.name, team.myRole])).toEqual([
    ["Sales", null],
    ["Support", null],
  ]);
  const aliceView = await alice.client.query(api.teams.teams.list, { accountId });
  expect(aliceView).toEqual([expect.objectContaining({ teamId: sales, name: "Sales", myRole: "lead", status: "active" })]);

  const roster = await alice.client.query(api.teams.teams.members, { accountId, teamId: sales, paginationOpts: page });
  expect(roster.page.map((m) => [m.name, m.role])).toEqual([["Alice", "lead"]]);
  // Bob is not in Sales: its roster is not found, like another account's.
  expect((await refusal(bob.client.query(api.teams.teams.members, { accountId, teamId: sales, paginationOpts: page }))).code).toBe("not_found");
});

test("rename, role change and removal take effect and are audited with before and after", async () => {
  const { t, accountId, admin, alice } = await orgWithPeople();
  const teamId = await teamWith(admin, "Sales", [{ userId: alice.userId }]);
  await admin.client.mutation(api.teams.teams.rename, { accountId, teamId, name: "  Revenue  " });
  await admin.client.mutation(api.teams.teams.setMemberRole, { accountId, teamId, userId: alice.userId, role: "lead" });
  expect((await alice.client.query(api.teams.teams.list, { accountId }))[0]).toMatchObject({ name: "Revenue", myRole: "lead" });
  await admin.client.mutation(api.teams.teams.removeMember, { accountId, teamId, userId: alice.userId });
  expect(await alice.client.query(api.teams.teams.list, { accountId })).toEqual([]);

  const log = await t.run(async (ctx) =>
    (await ctx.db.query("auditLog").withIndex("by_accountId_at", (q) => q.eq("accountId", accountId)).collect())
      .filter((row) => row.targetKind === "team")
      .map((row) => ({ action: row.action, actor: row.actorUserId, targetId: row.targetId, details: row.details })),
  );
  expect(log).toEqual([
    { action: "team.create", actor: admin.userId, targetId: teamId, details: { team: "Sales" } },
    { action: "team.member_add", actor: admin.userId, targetId: teamId, details: { team: "Sales", userId: alice.userId, role: "member" } },
    { action: "team.rename", actor: admin.userId, targetId: teamId, details: { team: "Revenue", before: "Sales", after: "Revenue" } },
    { action: "team.member_role", actor: admin.userId, targetId: teamId, details: { team: "Revenue", userId: alice.userId, before: "member", after: "lead" } },
    { action: "team.member_remove", actor: admin.userId, targetId: teamId, details: { team: "Revenue", userId: alice.userId, role: "lead" } },
  ]);
  // What changed, as the Audit page shows configuration changes: from the SPA, before and after.
  const rename = await t.run(async (ctx) => (await ctx.db.query("auditLog").collect()).find((row) => row.action === "team.rename"));
  expect(rename).toMatchObject({ surface: "spa", changes: [{ field: "name", before: '"Sales"', after: '"Revenue"' }] });
});

test("archiving a team takes it from its members at once and freezes it", async () => {
  const { t, accountId, admin, alice } = await orgWithPeople();
  const teamId = await teamWith(admin, "Sales", [{ userId: alice.userId }]);
  await admin.client.mutation(api.teams.teams.archive, { accountId, teamId });
  expect(await alice.client.query(api.teams.teams.list, { accountId })).toEqual([]);
  expect((await refusal(alice.client.query(api.teams.teams.members, { accountId, teamId, paginationOpts: page }))).code).toBe("not_found");
  // Hidden from the admin's list unless asked for.
  expect(await admin.client.query(api.teams.teams.list, { accountId })).toEqual([]);
  expect(await admin.client.query(api.teams.teams.list, { accountId, includeArchived: true })).toEqual([
    expect.objectContaining({ teamId, status: "archived", archivedAt: expect.any(Number) }),
  ]);
  // Frozen: no renames or membership changes; archiving again is a no-op.
  expect((await refusal(admin.client.mutation(api.teams.teams.rename, { accountId, teamId, name: "X" }))).code).toBe("conflict");
  expect((await refusal(admin.client.mutation(api.teams.teams.addMember, { accountId, teamId, userId: admin.userId, role: "member" }))).code).toBe("conflict");
  await admin.client.mutation(api.teams.teams.archive, { accountId, teamId });
  const archives = await t.run(async (ctx) => (await ctx.db.query("auditLog").collect()).filter((row) => row.action === "team.archive"));
  expect(archives).toHaveLength(1);
  // Its name is free again.
  await admin.client.mutation(api.teams.teams.create, { accountId, name: "Sales" });
});

test("non-admins managing teams are forbidden and nothing changes", async () => {
  const { t, accountId, admin, alice, bob } = await orgWithPeople();
  const teamId = await teamWith(admin, "Sales", [{ userId: alice.userId, role: "lead" }]);
  // Even the team's lead manages nothing: teams are the account admins'.
  const calls = [
    () => alice.client.mutation(api.teams.teams.create, { accountId, name: "Mine" }),
    () => alice.client.mutation(api.teams.teams.rename, { accountId, teamId, name: "Mine" }),
    () => alice.client.mutation(api.teams.teams.archive, { accountId, teamId }),
    () => alice.client.mutation(api.teams.teams.addMember, { accountId, teamId, userId: bob.userId, role: "member" }),
    () => alice.client.mutation(api.teams.teams.setMemberRole, { accountId, teamId, userId: alice.userId, role: "member" }),
    () => alice.client.mutation(api.teams.teams.removeMember, { accountId, teamId, userId: alice.userId }),
  ];
  for (const call of calls) expect((await refusal(call())).code).toBe("forbidden");
  const state = await t.run(async (ctx) => ({
    teams: (await ctx.db.query("teams").collect()).map((team) => [team.name, team.status]),
    members: (await ctx.db.query("teamMembers").collect()).map((m) => [m.userId, m.role]),
  }));
  expect(state).toEqual({ teams: [["Sales", "active"]], members: [[alice.userId, "lead"]] });
});

test("another account's admin cannot see or touch a team: not_found, like a missing one", async () => {
  const { t, accountId, admin, alice, outsider } = await orgWithPeople();
  const teamId = await teamWith(admin, "Sales", [{ userId: alice.userId }]);
  const own = outsider.accountId;
  // Through their own account: the team id is not theirs.
  for (const call of [
    () => outsider.client.query(api.teams.teams.members, { accountId: own, teamId, paginationOpts: page }),
    () => outsider.client.mutation(api.teams.teams.rename, { accountId: own, teamId, name: "Mine" }),
    () => outsider.client.mutation(api.teams.teams.archive, { accountId: own, teamId }),
    () => outsider.client.mutation(api.teams.teams.addMember, { accountId: own, teamId, userId: outsider.userId, role: "lead" }),
    () => outsider.client.mutation(api.teams.teams.removeMember, { accountId: own, teamId, userId: alice.userId }),
  ]) {
    expect((await refusal(call())).code).toBe("not_found");
  }
  // Through ours: they are not a member of it.
  expect((await refusal(outsider.client.query(api.teams.teams.list, { accountId })))).toMatchObject({ code: "not_found" });
  // Nor can our admin put the outsider into our team.
  expect(await refusal(admin.client.mutation(api.teams.teams.addMember, { accountId, teamId, userId: outsider.userId, role: "member" }))).toMatchObject({
    code: "not_found",
    field: "userId",
  });
  const rows = await t.run(async (ctx) => ({ teams: await ctx.db.query("teams").collect(), members: await ctx.db.query("teamMembers").collect() }));
  expect(rows.teams.map((team) => [team.name, team.status])).toEqual([["Sales", "active"]]);
  expect(rows.members.map((m) => m.userId)).toEqual([alice.userId]);
});

test("bad names are bad_request on the name field; duplicates are conflicts; nothing is written", async () => {
  const { t, accountId, admin, alice } = await orgWithPeople();
  const teamId = await teamWith(admin, "Sales", []);
  for (const name of ["", "   ", "x".repeat(61)]) {
    expect(await refusal(admin.client.mutation(api.teams.teams.create, { accountId, name }))).toMatchObject({ code: "bad_request", field: "name" });
    expect(await refusal(admin.client.mutation(api.teams.teams.rename, { accountId, teamId, name }))).toMatchObject({ code: "bad_request", field: "name" });
  }
  expect(await refusal(admin.client.mutation(api.teams.teams.create, { accountId, name: " Sales " }))).toMatchObject({ code: "conflict", field: "name" });
  // A role that does not exist is refused by the validator.
  await expect(
    admin.client.mutation(api.teams.teams.addMember, { accountId, teamId, userId: alice.userId, role: "owner" as "lead" }),
  ).rejects.toThrow(/Validator error/);
  // Adding twice is a conflict; changing someone not in the team is not_found on userId.
  await admin.client.mutation(api.teams.teams.addMember, { accountId, teamId, userId: alice.userId, role: "member" });
  expect((await refusal(admin.client.mutation(api.teams.teams.addMember, { accountId, teamId, userId: alice.userId, role: "lead" }))).code).toBe("conflict");
  expect(await refusal(admin.client.mutation(api.teams.teams.setMemberRole, { accountId, teamId, userId: admin.userId, role: "lead" }))).toMatchObject({
    code: "not_found",
    field: "userId",
  });
  const rows = await t.run(async (ctx) => ({ teams: await ctx.db.query("teams").collect(), members: await ctx.db.query("teamMembers").collect() }));
  expect(rows.teams.map((team) => team.name)).toEqual(["Sales"]);
  expect(rows.members.map((m) => [m.userId, m.role])).toEqual([[alice.userId, "member"]]);
});

test("a member removed from the account loses their teams' rosters at once", async () => {
  const { accountId, admin, alice } = await orgWithPeople();
  const teamId = await teamWith(admin, "Sales", [{ userId: alice.userId }]);
  await admin.client.mutation(api.tenancy.accounts.removeMember, { accountId, userId: alice.userId });
  expect((await refusal(alice.client.query(api.teams.teams.members, { accountId, teamId, paginationOpts: page }))).code).toBe("not_found");
});
