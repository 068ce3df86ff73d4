/**
 * Suspending and resuming accounts and users: refused everywhere while
 * suspended, audited, a reason required, platform admins (or operators) only.
 */
import { expect, test } from "vitest";
import { api, internal } from "../_generated/api";
import type { Id } from "../_generated/dataModel";
import { asAdmin, asMember, asUser, codeOf, newHarness, type Harness } from "../test.setup";

async function auditOf(t: Harness, accountId: Id<"accounts">) {
  const rows = await t.run(async (ctx) => ctx.db.query("auditLog").withIndex("by_accountId_at", (q) => q.eq("accountId", accountId)).collect());
  return rows.map((row) => ({ action: row.action, actorRole: row.actorRole, actorUserId: row.actorUserId, targetId: row.targetId, reason: row.reason }));
}

const page = { numItems: 10, cursor: null };

test("a suspended account refuses its members' reads and writes until it is resumed; both are audited", async () => {
  const t = newHarness();
  const admin = await asAdmin(t, "Platform");
  const owner = await asMember(t, "org_susp", "admin", "Owner");
  const member = await asMember(t, "org_susp", "member", "Member");
  const other = await asMember(t, "org_other", "admin", "Other");

  expect(await admin.client.mutation(api.admin.platform.suspendAccount, { accountId: owner.accountId, reason: "  unpaid invoices " })).toEqual({
    changed: true,
  });
  for (const caller of [owner, member]) {
    expect(await codeOf(caller.client.query(api.tenancy.accounts.get, { accountId: owner.accountId }))).toBe("forbidden");
    expect(await codeOf(caller.client.query(api.tenancy.accounts.listMembers, { accountId: owner.accountId, paginationOpts: page }))).toBe("forbidden");
    expect(
      await codeOf(caller.client.mutation(api.knowledge.documents.addText, { accountId: owner.accountId, scope: { kind: "user" }, title: "t", text: "x" })),
    ).toBe("forbidden");
    // The account drops out of their account list.
    expect((await caller.client.query(api.tenancy.viewer.get, {})).accounts).toEqual([]);
  }
  expect(await codeOf(owner.client.mutation(api.tenancy.accounts.rename, { accountId: owner.accountId, name: "Renamed" }))).toBe("forbidden");
  // Other accounts are untouched.
  expect(await other.client.query(api.tenancy.accounts.get, { accountId: other.accountId })).toMatchObject({ role: "admin" });

  // Suspending again changes nothing and writes nothing.
  expect(await admin.client.mutation(api.admin.platform.suspendAccount, { accountId: owner.accountId, reason: "again" })).toEqual({ changed: false });

  expect(await admin.client.mutation(api.admin.platform.resumeAccount, { accountId: owner.accountId, reason: "paid" })).toEqual({ changed: true });
  await owner.client.mutation(api.tenancy.accounts.rename, { accountId: owner.accountId, name: "Back" });
  expect(await member.client.query(api.tenancy.accounts.get, { accountId: owner.accountId })).toMatchObject({ name: "Back" });

  expect(await auditOf(t, owner.accountId)).toEqual([
    { action: "account.suspend", actorRole: "platform_admin", actorUserId: admin.userId, targetId: owner.accountId, reason: "unpaid invoices" },
    { action: "account.resume", actorRole: "platform_admin", actorUserId: admin.userId, targetId: owner.accountId, reason: "paid" },
    // The rename after the resume is a configuration change (audit/changes.ts).
    { action: "account.rename", actorRole: "admin", actorUserId: owner.userId, targetId: owner.accountId, reason: "changed name" },
  ]);
});

test("a suspended user is refused by every builder, in every account, until resumed; audited in each of their accounts", async () => {
  const t = newHarness();
  const admin = await asAdmin(t, "Platform");
  const bob = await asMember(t, "org_one", "admin", "Bob");
  // Bob also belongs to a second organisation (same identity, other org claims).
  const bobElsewhere = t.withIdentity({
    subject: (await t.run(async (ctx) => ctx.db.get("userProfiles", bob.userId)))!.subject,
    tokenIdentifier: (await t.run(async (ctx) => ctx.db.get("userProfiles", bob.userId)))!.tokenIdentifier,
    org_id: "org_two",
    org_role: "org:member",
  });
  const second = (await bobElsewhere.mutation(api.tenancy.viewer.sync, {})).activeAccountId!;
  const colleague = await asMember(t, "org_one", "member", "Colleague");

  expect(await admin.client.mutation(api.admin.platform.suspendUser, { userId: bob.userId, reason: "abuse report #12" })).toEqual({ changed: true });
  expect(await codeOf(bob.client.query(api.tenancy.viewer.get, {}))).toBe("forbidden");
  expect(await codeOf(bob.client.mutation(api.tenancy.viewer.sync, {}))).toBe("forbidden");
  expect(await codeOf(bob.client.query(api.tenancy.accounts.get, { accountId: bob.accountId }))).toBe("forbidden");
  expect(await codeOf(bob.client.mutation(api.tenancy.accounts.rename, { accountId: bob.accountId, name: "x" }))).toBe("forbidden");
  expect(await codeOf(bobElsewhere.query(api.tenancy.accounts.get, { accountId: second }))).toBe("forbidden");
  // Inspector builders too (support staff views).
  expect(await codeOf(bob.client.query(api.audit.log.auditLog, { accountId: bob.accountId, paginationOpts: page }))).toBe("forbidden");
  // Everyone else carries on.
  expect(await colleague.client.query(api.tenancy.accounts.get, { accountId: bob.accountId })).toMatchObject({ role: "member" });

  expect(await admin.client.mutation(api.admin.platform.resumeUser, { userId: bob.userId, reason: "appeal upheld" })).toEqual({ changed: true });
  expect(await bob.client.query(api.tenancy.accounts.get, { accountId: bob.accountId })).toMatchObject({ role: "admin" });

  for (const accountId of [bob.accountId, second]) {
    expect((await auditOf(t, accountId)).map((e) => `${e.action}:${e.targetId}:${e.reason}`)).toEqual([
      `user.suspend:${bob.userId}:abuse report #12`,
      `user.resume:${bob.userId}:appeal upheld`,
    ]);
  }
});

test("only platform admins may suspend; a reason is required; nobody suspends themselves; deleted users and organisations stay as they are", async () => {
  const t = newHarness();
  const admin = await asAdmin(t, "Platform");
  const owner = await asMember(t, "org_guard", "admin", "Owner");
  const plain = await asUser(t, "Plain");

  expect(await codeOf(owner.client.mutation(api.admin.platform.suspendAccount, { accountId: owner.accountId, reason: "r" }))).toBe("forbidden");
  expect(await codeOf(plain.client.mutation(api.admin.platform.suspendUser, { userId: owner.userId, reason: "r" }))).toBe("forbidden");
  expect(await codeOf(t.mutation(api.admin.platform.suspendUser, { userId: owner.userId, reason: "r" }))).toBe("unauthenticated");
  expect(await codeOf(admin.client.mutation(api.admin.platform.suspendAccount, { accountId: owner.accountId, reason: "   " }))).toBe("bad_request");
  expect(await codeOf(admin.client.mutation(api.admin.platform.suspendUser, { userId: admin.userId, reason: "oops" }))).toBe("conflict");

  const deleted = await t.run(async (ctx) => {
    const userId = await ctx.db.insert("userProfiles", { tokenIdentifier: "x|gone", subject: "gone", isPlatformAdmin: false, status: "deleted" });
    const accountId = await ctx.db.insert("accounts", {
      name: "Gone",
      slug: "gone",
      kind: "organization",
      status: "suspended",
      maxDelegationDepth: 3,
      clerkOrgId: "org_gone",
      deletedAt: 1,
    });
    return { userId, accountId };
  });
  expect(await codeOf(admin.client.mutation(api.admin.platform.resumeUser, { userId: deleted.userId, reason: "r" }))).toBe("conflict");
  expect(await codeOf(admin.client.mutation(api.admin.platform.resumeAccount, { accountId: deleted.accountId, reason: "r" }))).toBe("conflict");

  const state = await t.run(async (ctx) => ({
    owner: (await ctx.db.get("userProfiles", owner.userId))!.status,
    account: (await ctx.db.get("accounts", owner.accountId))!.status,
    admin: (await ctx.db.get("userProfiles", admin.userId))!.status,
    audit: (await ctx.db.query("auditLog").collect()).length,
  }));
  expect(state).toEqual({ owner: "active", account: "active", admin: "active", audit: 0 });
});

test("operators can suspend and resume with `npx convex run` (internal mutations), audited as the service", async () => {
  const t = newHarness();
  const owner = await asMember(t, "org_ops", "admin", "Owner");
  expect(await t.mutation(internal.tenancy.suspension.setAccountSuspended, { accountId: owner.accountId, suspended: true, reason: "incident 7" })).toEqual({
    changed: true,
  });
  expect(await codeOf(owner.client.query(api.tenancy.accounts.get, { accountId: owner.accountId }))).toBe("forbidden");
  expect(await t.mutation(internal.tenancy.suspension.setUserSuspended, { userId: owner.userId, suspended: true, reason: "incident 7" })).toEqual({
    changed: true,
  });
  await t.mutation(internal.tenancy.suspension.setUserSuspended, { userId: owner.userId, suspended: false, reason: "resolved" });
  await t.mutation(internal.tenancy.suspension.setAccountSuspended, { accountId: owner.accountId, suspended: false, reason: "resolved" });
  expect(await owner.client.query(api.tenancy.accounts.get, { accountId: owner.accountId })).toMatchObject({ role: "admin" });
  expect((await auditOf(t, owner.accountId)).map((e) => `${e.action} by ${e.actorRole}`)).toEqual([
    "account.suspend by service",
    "user.suspend by service",
    "user.resume by service",
    "account.resume by service",
  ]);
});
