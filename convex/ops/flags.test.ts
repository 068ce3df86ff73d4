/**
 * Feature flags: platform admins set defaults and per-account exceptions
 * (audited); code asks `isFeatureEnabled`; an account's members see the flags
 * as they apply to their account, and nothing of other accounts.
 */
import { expect, test } from "vitest";
import { api } from "../_generated/api";
import { asAdmin, asMember, asUser, codeOf, newHarness } from "../test.setup";
import { isFeatureEnabled } from "./flags";

test("only platform admins list or set flags; refusals write nothing", async () => {
  const t = newHarness();
  const user = await asUser(t);
  expect(await codeOf(user.client.query(api.ops.flags.list, {}))).toBe("forbidden");
  expect(await codeOf(user.client.mutation(api.ops.flags.set, { key: "new_inspector", enabled: true }))).toBe("forbidden");
  expect(
    await codeOf(user.client.mutation(api.ops.flags.setOverride, { key: "new_inspector", accountId: user.accountId, enabled: true })),
  ).toBe("forbidden");
  expect(await t.run(async (ctx) => (await ctx.db.query("featureFlags").collect()).length)).toBe(0);
  expect(await t.run(async (ctx) => (await ctx.db.query("platformAuditLog").collect()).length)).toBe(0);
});

test("a default, an account's exception over it, and clearing the exception", async () => {
  const t = newHarness();
  const admin = await asAdmin(t);
  const beta = await asMember(t, "org_beta", "readonly");
  const other = await asMember(t, "org_other", "member");

  expect(await admin.client.mutation(api.ops.flags.set, { key: "new_inspector", enabled: false, description: "The new run inspector" })).toEqual({
    created: true,
    changed: true,
  });
  expect(await admin.client.mutation(api.ops.flags.setOverride, { key: "new_inspector", accountId: beta.accountId, enabled: true, reason: "beta tester" })).toEqual({
    changed: true,
  });

  const enabled = (accountId: typeof beta.accountId) => t.run(async (ctx) => isFeatureEnabled(ctx, "new_inspector", accountId));
  expect(await enabled(beta.accountId)).toBe(true);
  expect(await enabled(other.accountId)).toBe(false);
  expect(await t.run(async (ctx) => isFeatureEnabled(ctx, "no_such_flag", beta.accountId))).toBe(false);

  // What each account's members see (a readonly member may read them).
  expect(await beta.client.query(api.ops.flags.forAccount, { accountId: beta.accountId })).toEqual([{ key: "new_inspector", enabled: true }]);
  expect(await other.client.query(api.ops.flags.forAccount, { accountId: other.accountId })).toEqual([{ key: "new_inspector", enabled: false }]);
  // Another account's flags: not found, like an account that does not exist.
  expect(await codeOf(other.client.query(api.ops.flags.forAccount, { accountId: beta.accountId }))).toBe("not_found");

  const [flag] = await admin.client.query(api.ops.flags.list, {});
  expect(flag).toMatchObject({
    key: "new_inspector",
    description: "The new run inspector",
    enabled: false,
    overrides: [{ accountId: beta.accountId, enabled: true }],
    moreOverrides: false,
  });

  // The default turns on for everyone; clearing the exception leaves beta on the default.
  expect(await admin.client.mutation(api.ops.flags.set, { key: "new_inspector", enabled: true })).toEqual({ created: false, changed: true });
  expect(await admin.client.mutation(api.ops.flags.setOverride, { key: "new_inspector", accountId: beta.accountId, enabled: null })).toEqual({ changed: true });
  expect(await admin.client.mutation(api.ops.flags.setOverride, { key: "new_inspector", accountId: beta.accountId, enabled: null })).toEqual({ changed: false });
  expect(await enabled(other.accountId)).toBe(true);
  expect((await admin.client.query(api.ops.flags.list, {}))[0]).toMatchObject({ description: "The new run inspector", overrides: [] });

  const audit = await admin.client.query(api.ops.audit.list, { paginationOpts: { numItems: 10, cursor: null } });
  expect(audit.page.map((e) => [e.action, e.targetId, e.accountId ?? null])).toEqual([
    ["flag.override.clear", "new_inspector", beta.accountId],
    ["flag.set", "new_inspector", null],
    ["flag.override.set", "new_inspector", beta.accountId],
    ["flag.set", "new_inspector", null],
  ]);
  expect(audit.page[2]).toMatchObject({ reason: "beta tester", actorRole: "platform_admin" });
});

test("bad keys, unknown flags and unknown accounts are refused without writes", async () => {
  const t = newHarness();
  const admin = await asAdmin(t);
  expect(await codeOf(admin.client.mutation(api.ops.flags.set, { key: "Bad Key!", enabled: true }))).toBe("bad_request");
  expect(await codeOf(admin.client.mutation(api.ops.flags.set, { key: "ok_key", enabled: true, description: "x".repeat(301) }))).toBe("bad_request");
  expect(
    await codeOf(admin.client.mutation(api.ops.flags.setOverride, { key: "missing", accountId: admin.accountId, enabled: true })),
  ).toBe("not_found");
  const gone = await t.run(async (ctx) => {
    const id = await ctx.db.insert("accounts", { name: "Gone", slug: "gone", kind: "organization", status: "active", maxDelegationDepth: 3 });
    await ctx.db.delete("accounts", id);
    return id;
  });
  await admin.client.mutation(api.ops.flags.set, { key: "ok_key", enabled: true });
  expect(await codeOf(admin.client.mutation(api.ops.flags.setOverride, { key: "ok_key", accountId: gone, enabled: true }))).toBe("not_found");
  expect(await t.run(async (ctx) => (await ctx.db.query("featureFlags").collect()).map((f) => f.key))).toEqual(["ok_key"]);
  expect(await t.run(async (ctx) => (await ctx.db.query("featureFlagOverrides").collect()).length)).toBe(0);
  expect(await t.run(async (ctx) => (await ctx.db.query("platformAuditLog").collect()).length)).toBe(1);
});
