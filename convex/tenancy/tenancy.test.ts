import { expect, test } from "vitest";
import { api } from "../_generated/api";
import { asMember, asUser, codeOf, newHarness, refusal } from "../test.setup";

test("first sign-in creates a profile, a personal account and an admin membership, once", async () => {
  const t = newHarness();
  const alice = await asUser(t, "Alice");
  expect(alice.viewer.accounts).toEqual([
    expect.objectContaining({ kind: "personal", role: "admin", accountId: alice.accountId }),
  ]);
  // Syncing again changes nothing.
  const again = await alice.client.mutation(api.tenancy.viewer.sync, {});
  expect(again.accounts).toHaveLength(1);
  const counts = await t.run(async (ctx) => ({
    users: (await ctx.db.query("userProfiles").collect()).length,
    accounts: (await ctx.db.query("accounts").collect()).length,
    memberships: (await ctx.db.query("memberships").collect()).length,
  }));
  expect(counts).toEqual({ users: 1, accounts: 1, memberships: 1 });
});

test("org claims map to one shared account with the claimed roles", async () => {
  const t = newHarness();
  const admin = await asMember(t, "org_acme", "admin", "Ada");
  const member = await asMember(t, "org_acme", "member", "Bob");
  const reader = await asMember(t, "org_acme", "readonly", "Cy");
  expect(member.accountId).toEqual(admin.accountId);
  expect(reader.accountId).toEqual(admin.accountId);
  const account = await member.client.query(api.tenancy.accounts.get, { accountId: admin.accountId });
  expect(account).toMatchObject({ kind: "organization", role: "member", slug: "acme" });
  const members = await admin.client.query(api.tenancy.accounts.listMembers, {
    accountId: admin.accountId,
    paginationOpts: { numItems: 10, cursor: null },
  });
  expect(members.page.map((m) => m.role).sort()).toEqual(["admin", "member", "readonly"]);
});

test("no identity is unauthenticated", async () => {
  const t = newHarness();
  const alice = await asUser(t);
  expect(await codeOf(t.query(api.tenancy.viewer.get, {}))).toBe("unauthenticated");
  expect(await codeOf(t.query(api.tenancy.accounts.get, { accountId: alice.accountId }))).toBe("unauthenticated");
  expect(await codeOf(t.mutation(api.tenancy.viewer.sync, {}))).toBe("unauthenticated");
});

test("a member of account A cannot read or write account B, and cannot tell it exists", async () => {
  const t = newHarness();
  const a = await asMember(t, "org_a", "admin");
  const b = await asMember(t, "org_b", "admin");
  expect(await codeOf(a.client.query(api.tenancy.accounts.get, { accountId: b.accountId }))).toBe("not_found");
  expect(await codeOf(a.client.mutation(api.tenancy.accounts.rename, { accountId: b.accountId, name: "Mine now" }))).toBe(
    "not_found",
  );
  // Same answer as for an account that was deleted.
  const ghost = await t.run(async (ctx) => {
    const id = await ctx.db.insert("accounts", { name: "gone", slug: "gone", kind: "organization", status: "active", maxDelegationDepth: 3 });
    await ctx.db.delete("accounts", id);
    return id;
  });
  expect(await codeOf(a.client.query(api.tenancy.accounts.get, { accountId: ghost }))).toBe("not_found");
  const bAccount = await b.client.query(api.tenancy.accounts.get, { accountId: b.accountId });
  expect(bAccount.name).toBe("b");
});

test("a readonly member calling a write is forbidden and nothing changes", async () => {
  const t = newHarness();
  const admin = await asMember(t, "org_acme", "admin");
  const reader = await asMember(t, "org_acme", "readonly");
  expect(await codeOf(reader.client.mutation(api.tenancy.accounts.rename, { accountId: admin.accountId, name: "x" }))).toBe(
    "forbidden",
  );
  const member = await asMember(t, "org_acme", "member");
  expect(
    await codeOf(member.client.mutation(api.tenancy.accounts.setMemberRole, { accountId: admin.accountId, userId: member.userId, role: "admin" })),
  ).toBe("forbidden");
  const account = await admin.client.query(api.tenancy.accounts.get, { accountId: admin.accountId });
  expect(account.name).toBe("acme");
});

test("malformed arguments are rejected by validators before any write", async () => {
  const t = newHarness();
  const admin = await asMember(t, "org_acme", "admin");
  await expect(
    admin.client.mutation(api.tenancy.accounts.rename, { accountId: admin.accountId, name: 42 } as never),
  ).rejects.toThrow(/Validator error/);
  await expect(
    admin.client.mutation(api.tenancy.accounts.rename, { accountId: "not-an-id", name: "x" } as never),
  ).rejects.toThrow(/Validator error|Invalid argument/);
  expect(await codeOf(admin.client.mutation(api.tenancy.accounts.rename, { accountId: admin.accountId, name: "   " }))).toBe(
    "bad_request",
  );
  const account = await admin.client.query(api.tenancy.accounts.get, { accountId: admin.accountId });
  expect(account.name).toBe("acme");
});

test("a revoked membership stays revoked even though the token still claims the org", async () => {
  const t = newHarness();
  const admin = await asMember(t, "org_acme", "admin");
  const bob = await asMember(t, "org_acme", "member");
  await admin.client.mutation(api.tenancy.accounts.removeMember, { accountId: admin.accountId, userId: bob.userId });
  // Bob's (still valid) token syncs again: no revival.
  await bob.client.mutation(api.tenancy.viewer.sync, {});
  expect(await codeOf(bob.client.query(api.tenancy.accounts.get, { accountId: admin.accountId }))).toBe("not_found");
  expect(await codeOf(bob.client.mutation(api.tenancy.accounts.rename, { accountId: admin.accountId, name: "x" }))).toBe(
    "not_found",
  );
});

test("org role changes in the token are applied; admins cannot demote themselves", async () => {
  const t = newHarness();
  const admin = await asMember(t, "org_acme", "admin", "Ada");
  expect(
    await codeOf(admin.client.mutation(api.tenancy.accounts.setMemberRole, { accountId: admin.accountId, userId: admin.userId, role: "member" })),
  ).toBe("conflict");
  const bob = await asMember(t, "org_acme", "member", "Bob");
  await admin.client.mutation(api.tenancy.accounts.setMemberRole, { accountId: admin.accountId, userId: bob.userId, role: "readonly" });
  expect(await codeOf(bob.client.mutation(api.tenancy.accounts.rename, { accountId: admin.accountId, name: "x" }))).toBe("forbidden");
});

test("the local demo seed is idempotent and members of org_demo land in it", async () => {
  const t = newHarness();
  const { internal } = await import("../_generated/api");
  const first = await t.mutation(internal.seed.localDemo, {});
  const second = await t.mutation(internal.seed.localDemo, {});
  expect(second.accountId).toEqual(first.accountId);
  const member = await asMember(t, "org_demo", "member");
  expect(member.accountId).toEqual(first.accountId);
  const agents = await member.client.query(api.agents.agents.list, { accountId: first.accountId });
  // The Assistant template: the Assistant and the Researcher and Writer it delegates to.
  expect(agents.map((a) => [a.slug, a.modelLabel])).toEqual([
    ["assistant", "Offline model (built-in)"],
    ["researcher", "Offline model (built-in)"],
    ["writer", "Offline model (built-in)"],
  ]);
});

test("what a token says anew is written by the caller's next mutation: name, email, and the org role until Clerk has set one", async () => {
  const t = newHarness();
  const ada = await asMember(t, "org_acme", "admin", "Ada");
  const token = { subject: "user_bob", tokenIdentifier: "https://clerk.test|user_bob", org_id: "org_acme", org_slug: "acme" };
  const bob = t.withIdentity({ ...token, name: "Bob", email: "bob@example.test", org_role: "org:member" });
  const { userId } = await bob.mutation(api.tenancy.viewer.sync, {});

  // A later token: new name and email, and the organisation made Bob read-only.
  const later = t.withIdentity({ ...token, name: "Robert", email: "robert@example.test", org_role: "org:readonly" });
  expect(await refusal(later.mutation(api.tenancy.accounts.rename, { accountId: ada.accountId, name: "Robert's" }))).toMatchObject({
    code: "forbidden",
  });
  // The refused write rolled back with it; the next call writes the token's facts and keeps them.
  expect(await t.run(async (ctx) => await ctx.db.get("userProfiles", userId))).toMatchObject({ name: "Bob", email: "bob@example.test" });
  const viewer = await later.mutation(api.tenancy.viewer.sync, {});
  expect(viewer).toMatchObject({ name: "Robert", email: "robert@example.test", accounts: [{ accountId: ada.accountId, role: "readonly" }] });
  const account = await ada.client.query(api.tenancy.accounts.get, { accountId: ada.accountId });
  expect(account.name).not.toBe("Robert's");
});

test("a first sign-in that names a new organisation leaves it with the Assistant and a General conversation, in the same call", async () => {
  const t = newHarness();
  const ada = await asMember(t, "org_fresh", "admin", "Ada");
  const agents = await t.run(async (ctx) =>
    (await ctx.db.query("agents").withIndex("by_accountId_slug", (q) => q.eq("accountId", ada.accountId)).collect()).map((a) => a.slug),
  );
  expect(agents).toContain("assistant");
  const general = await t.run(async (ctx) =>
    await ctx.db.query("threads").withIndex("by_accountId_general", (q) => q.eq("accountId", ada.accountId).eq("general", true)).collect(),
  );
  expect(general).toHaveLength(1);
});
