/**
 * Finding users as a platform admin (an account's members, or by email /
 * name prefix), so that one can be suspended or resumed: what the admin sees,
 * including a suspension, and who is refused.
 */
import { expect, test } from "vitest";
import { api } from "../_generated/api";
import { asAdmin, asMember, asUser, codeOf, newHarness } from "../test.setup";

const page = (numItems = 10, cursor: string | null = null) => ({ numItems, cursor });

test("a platform admin sees an account's members with role, membership and user status, page by page", async () => {
  const t = newHarness();
  const admin = await asAdmin(t, "Platform");
  const owner = await asMember(t, "org_team", "admin", "Olive Owner");
  const member = await asMember(t, "org_team", "member", "Max Member");
  const reader = await asMember(t, "org_team", "readonly", "Rita Reader");
  await asMember(t, "org_elsewhere", "admin", "Elsa Elsewhere");
  await owner.client.mutation(api.tenancy.accounts.removeMember, { accountId: owner.accountId, userId: reader.userId });

  const all = await admin.client.query(api.admin.platform.listAccountMembers, { accountId: owner.accountId, paginationOpts: page() });
  expect(all.isDone).toBe(true);
  const byName = Object.fromEntries(all.page.map((m) => [m.name, m]));
  expect(Object.keys(byName).sort()).toEqual(["Max Member", "Olive Owner", "Rita Reader"]);
  expect(byName["Olive Owner"]).toEqual({
    userId: owner.userId,
    name: "Olive Owner",
    email: expect.stringMatching(/@example\.test$/),
    role: "admin",
    membershipStatus: "active",
    status: "active",
    isPlatformAdmin: false,
  });
  expect(byName["Max Member"]).toMatchObject({ userId: member.userId, role: "member", membershipStatus: "active", status: "active" });
  // A revoked membership is still listed, as revoked; the user themself is still active.
  expect(byName["Rita Reader"]).toMatchObject({ role: "readonly", membershipStatus: "revoked", status: "active" });

  const first = await admin.client.query(api.admin.platform.listAccountMembers, { accountId: owner.accountId, paginationOpts: page(2) });
  expect(first.page).toHaveLength(2);
  expect(first.isDone).toBe(false);
  const rest = await admin.client.query(api.admin.platform.listAccountMembers, {
    accountId: owner.accountId,
    paginationOpts: page(2, first.continueCursor),
  });
  expect([...first.page, ...rest.page].map((m) => m.userId).sort()).toEqual(all.page.map((m) => m.userId).sort());

  // An account that no longer exists.
  const goneId = await t.run(async (ctx) => {
    const id = await ctx.db.insert("accounts", { name: "Gone", slug: "gone", kind: "organization", status: "active", maxDelegationDepth: 3 });
    await ctx.db.delete("accounts", id);
    return id;
  });
  expect(await codeOf(admin.client.query(api.admin.platform.listAccountMembers, { accountId: goneId, paginationOpts: page() }))).toBe("not_found");
});

test("a suspended user shows as suspended in every account's member list and is refused; resumed, active again", async () => {
  const t = newHarness();
  const admin = await asAdmin(t, "Platform");
  const bob = await asMember(t, "org_bob", "admin", "Bob Builder");
  const statusOfBob = async () => {
    const members = await admin.client.query(api.admin.platform.listAccountMembers, { accountId: bob.accountId, paginationOpts: page() });
    return members.page.find((m) => m.userId === bob.userId)?.status;
  };

  await admin.client.mutation(api.admin.platform.suspendUser, { userId: bob.userId, reason: "abuse report" });
  expect(await statusOfBob()).toBe("suspended");
  expect(await admin.client.query(api.admin.platform.findUsers, { search: "Bob" })).toEqual([
    expect.objectContaining({ userId: bob.userId, status: "suspended" }),
  ]);
  expect(await codeOf(bob.client.query(api.tenancy.viewer.get, {}))).toBe("forbidden");

  await admin.client.mutation(api.admin.platform.resumeUser, { userId: bob.userId, reason: "appeal upheld" });
  expect(await statusOfBob()).toBe("active");
  expect((await bob.client.query(api.tenancy.viewer.get, {})).userId).toBe(bob.userId);
});

test("findUsers matches an email or name prefix, as people type it; at most 20; blank finds nothing", async () => {
  const t = newHarness();
  const admin = await asAdmin(t, "Platform");
  const ann = await asMember(t, "org_find", "member", "Annie Appleseed");
  const andy = await asUser(t, "andy lower");
  await asUser(t, "Zed Zulu");
  const emailOf = async (userId: typeof ann.userId) => (await t.run(async (ctx) => ctx.db.get("userProfiles", userId)))!.email!;

  const ids = async (search: string) => (await admin.client.query(api.admin.platform.findUsers, { search })).map((u) => u.userId).sort();
  // Names: as typed, or with a capital first letter.
  expect(await ids("Annie")).toEqual([ann.userId]);
  expect(await ids("annie app")).toEqual([ann.userId]);
  expect(await ids("andy")).toEqual([andy.userId]);
  expect(await ids("An")).toEqual([ann.userId]);
  expect(await ids("an")).toEqual([andy.userId, ann.userId].sort());
  // Emails: any prefix, any case.
  const annEmail = await emailOf(ann.userId);
  expect(await ids(annEmail.slice(0, 12))).toEqual([ann.userId]);
  expect(await ids(annEmail.toUpperCase())).toEqual([ann.userId]);
  expect(await admin.client.query(api.admin.platform.findUsers, { search: annEmail })).toEqual([
    { userId: ann.userId, name: "Annie Appleseed", email: annEmail, status: "active", isPlatformAdmin: false },
  ]);
  // No match, blank, too long.
  expect(await ids("Nobody")).toEqual([]);
  expect(await ids("   ")).toEqual([]);
  expect(await codeOf(admin.client.query(api.admin.platform.findUsers, { search: "x".repeat(201) }))).toBe("bad_request");

  // Capped at 20, however many match.
  await t.run(async (ctx) => {
    for (let i = 0; i < 25; i++) {
      await ctx.db.insert("userProfiles", {
        tokenIdentifier: `x|many${i}`,
        subject: `many${i}`,
        name: `Many ${i}`,
        isPlatformAdmin: false,
        status: "active",
      });
    }
  });
  expect(await ids("many")).toHaveLength(20);
});

test("account admins, members and anonymous callers cannot list members or find users", async () => {
  const t = newHarness();
  const owner = await asMember(t, "org_private", "admin", "Owner Person");
  const member = await asMember(t, "org_private", "member", "Member Person");
  const args = { accountId: owner.accountId, paginationOpts: page() };
  for (const caller of [owner, member]) {
    // Even their own account: the per-account member list is tenancy/accounts:listMembers.
    expect(await codeOf(caller.client.query(api.admin.platform.listAccountMembers, args))).toBe("forbidden");
    expect(await codeOf(caller.client.query(api.admin.platform.findUsers, { search: "Owner" }))).toBe("forbidden");
  }
  expect(await codeOf(t.query(api.admin.platform.listAccountMembers, args))).toBe("unauthenticated");
  expect(await codeOf(t.query(api.admin.platform.findUsers, { search: "Owner" }))).toBe("unauthenticated");
});
