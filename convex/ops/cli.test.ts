/**
 * The operator commands (`npx convex run ops/cli:...`, README.md) do what the
 * platform-admin functions do, through the same logic, audited as `operator`.
 */
import { afterEach, beforeEach, expect, test, vi } from "vitest";
import { api, internal } from "../_generated/api";
import { messagesOf, send, settle, userWithThread } from "../chat/testkit.testing";
import { asAdmin, codeOf, newHarness } from "../test.setup";

beforeEach(() => vi.useFakeTimers());
afterEach(() => vi.useRealTimers());

test("status, accounts, pause, maintenance and flags from the CLI, each change audited as the operator", async () => {
  const t = newHarness();
  const admin = await asAdmin(t);
  const { user, thread } = await userWithThread(t);

  expect(await t.query(internal.ops.cli.status, {})).toMatchObject({ paused: false, maintenance: { enabled: false, heldTurns: 0 } });
  const accounts = await t.query(internal.ops.cli.listAccounts, { paginationOpts: { numItems: 10, cursor: null } });
  expect(accounts.page.map((a) => a.accountId)).toEqual(expect.arrayContaining([admin.accountId, user.accountId]));

  expect(await t.mutation(internal.ops.cli.setPlatformPaused, { paused: true, reason: "incident 9" })).toEqual({ paused: true, changed: true });
  expect(await codeOf(send(user, thread.threadId, "Hello?"))).toBe("policy_denied");
  await t.mutation(internal.ops.cli.setPlatformPaused, { paused: false });

  expect(await t.mutation(internal.ops.cli.setMaintenance, { enabled: true, reason: "upgrade" })).toMatchObject({ enabled: true, changed: true });
  await send(user, thread.threadId, "Tell me about tides");
  await settle(t);
  expect(await t.query(internal.ops.cli.status, {})).toMatchObject({ maintenance: { enabled: true, reason: "upgrade", heldTurns: 1 } });
  expect(await t.mutation(internal.ops.cli.setMaintenance, { enabled: false })).toMatchObject({ enabled: false, heldTurns: 1 });
  await settle(t);
  expect((await messagesOf(user, thread.threadId)).map((m) => m.role)).toEqual(["user", "assistant"]);

  expect(await t.mutation(internal.ops.cli.setFeatureFlag, { key: "new_inspector", enabled: false, description: "d" })).toEqual({ created: true, changed: true });
  expect(await t.mutation(internal.ops.cli.setFeatureFlagOverride, { key: "new_inspector", accountId: user.accountId, enabled: true })).toEqual({ changed: true });
  expect(await t.query(internal.ops.cli.listFeatureFlags, {})).toMatchObject([{ key: "new_inspector", enabled: false, overrides: [{ accountId: user.accountId, enabled: true }] }]);
  expect(await user.client.query(api.ops.flags.forAccount, { accountId: user.accountId })).toEqual([{ key: "new_inspector", enabled: true }]);

  // The platform admin sees the operator's actions in the same log.
  const audit = await admin.client.query(api.ops.audit.list, { paginationOpts: { numItems: 20, cursor: null } });
  expect(audit.page.map((e) => [e.action, e.actorRole, e.actorName])).toEqual([
    ["flag.override.set", "operator", "Operator (CLI)"],
    ["flag.set", "operator", "Operator (CLI)"],
    ["maintenance.off", "operator", "Operator (CLI)"],
    ["maintenance.on", "operator", "Operator (CLI)"],
    ["platform.resume", "operator", "Operator (CLI)"],
    ["platform.pause", "operator", "Operator (CLI)"],
  ]);
});
