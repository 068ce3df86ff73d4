/**
 * Per-account rate limits: turns per minute over every member and surface,
 * API requests per minute over every key; set by platform admins (audited);
 * refused with `rate_limited` (HTTP: 429 + Retry-After) and nothing written.
 */
import { afterEach, beforeEach, expect, test, vi } from "vitest";
import { api } from "../_generated/api";
import { createKey, request } from "../httpApi/testkit.testing";
import { asAdmin, asMember, newHarness, refusal, type Harness } from "../test.setup";
import { assistantOf } from "../chat/testkit.testing";
import { DEFAULT_ACCOUNT_LIMITS } from "./accountRates";

beforeEach(() => vi.useFakeTimers());
afterEach(() => vi.useRealTimers());

async function counts(t: Harness) {
  return await t.run(async (ctx) => ({
    interactions: (await ctx.db.query("interactions").collect()).length,
    threads: (await ctx.db.query("threads").collect()).length,
  }));
}

async function orgWithLimits(t: Harness, limits: { turnsPerMinute?: number; apiRequestsPerMinute?: number }) {
  const platform = await asAdmin(t);
  const alice = await asMember(t, "org_rates", "admin");
  const bob = await asMember(t, "org_rates", "member");
  await platform.client.mutation(api.usage.accountRates.setLimits, { accountId: alice.accountId, ...limits });
  return { platform, alice, bob };
}

test("turns per minute hold for the whole account: the third turn of two members is refused and writes nothing", async () => {
  const t = newHarness();
  const { alice, bob } = await orgWithLimits(t, { turnsPerMinute: 2 });
  const agentId = await assistantOf(t, alice.accountId);
  const threads = [];
  for (const member of [alice, bob]) threads.push({ member, thread: await member.client.mutation(api.chat.threads.create, { accountId: member.accountId, agentId }) });
  await threads[0]!.member.client.mutation(api.chat.messages.send, { accountId: alice.accountId, threadId: threads[0]!.thread.threadId, text: "one" });
  await threads[1]!.member.client.mutation(api.chat.messages.send, { accountId: alice.accountId, threadId: threads[1]!.thread.threadId, text: "two" });
  const before = await counts(t);
  const refused = await refusal(bob.client.mutation(api.chat.messages.send, { accountId: alice.accountId, threadId: threads[1]!.thread.threadId, text: "three" }));
  expect(refused).toMatchObject({ code: "rate_limited", message: expect.stringContaining("2 turns a minute") });
  expect(await counts(t)).toEqual(before);

  // A minute later the bucket has refilled.
  vi.advanceTimersByTime(60_000);
  await bob.client.mutation(api.chat.messages.send, { accountId: alice.accountId, threadId: threads[1]!.thread.threadId, text: "three, later" });
  expect((await counts(t)).interactions).toBe(before.interactions + 1);
});

test("API requests per minute hold over all the account's keys: 429 with Retry-After", async () => {
  const t = newHarness();
  const { alice } = await orgWithLimits(t, { apiRequestsPerMinute: 3 });
  const first = await createKey(alice, { name: "one" });
  const second = await createKey(alice, { name: "two" });
  for (const key of [first.secret, second.secret, first.secret]) expect((await request(t, "GET", "/v1/capabilities", { key })).status).toBe(200);
  const refused = await request(t, "GET", "/v1/capabilities", { key: second.secret });
  expect(refused.status).toBe(429);
  expect(refused.body.error).toMatchObject({ code: "rate_limited", message: expect.stringContaining("3 API requests a minute") });
  expect(Number(refused.headers.get("Retry-After"))).toBeGreaterThanOrEqual(1);
  // Another account is not touched.
  const other = await asMember(t, "org_other", "admin");
  const { secret } = await createKey(other);
  expect((await request(t, "GET", "/v1/capabilities", { key: secret })).status).toBe(200);
});

test("platform admins set, read and reset the limits; each change is audited; others are refused and bad values name the field", async () => {
  const t = newHarness();
  const { platform, alice } = await orgWithLimits(t, { turnsPerMinute: 5 });
  expect(await platform.client.query(api.usage.accountRates.limits, { accountId: alice.accountId })).toEqual({
    turnsPerMinute: 5,
    apiRequestsPerMinute: DEFAULT_ACCOUNT_LIMITS.apiRequestsPerMinute,
    custom: { turnsPerMinute: true, apiRequestsPerMinute: false },
  });
  await platform.client.mutation(api.usage.accountRates.setLimits, { accountId: alice.accountId, turnsPerMinute: null, apiRequestsPerMinute: 50 });
  expect(await platform.client.query(api.usage.accountRates.limits, { accountId: alice.accountId })).toMatchObject({
    turnsPerMinute: DEFAULT_ACCOUNT_LIMITS.turnsPerMinute,
    apiRequestsPerMinute: 50,
  });
  const audit = await t.run(async (ctx) => (await ctx.db.query("auditLog").collect()).filter((r) => r.action === "rate_limits.set"));
  expect(audit.map((r) => [r.surface, r.actorUserId, r.changes])).toEqual([
    ["spa", platform.userId, [{ field: "turnsPerMinute", after: "5" }]],
    [
      "spa",
      platform.userId,
      [
        { field: "apiRequestsPerMinute", after: "50" },
        { field: "turnsPerMinute", before: "5" },
      ],
    ],
  ]);

  const rows = await t.run(async (ctx) => (await ctx.db.query("accountRateLimits").collect()).length);
  expect(await refusal(alice.client.mutation(api.usage.accountRates.setLimits, { accountId: alice.accountId, turnsPerMinute: 1000 }))).toMatchObject({ code: "forbidden" });
  expect(await refusal(alice.client.query(api.usage.accountRates.limits, { accountId: alice.accountId }))).toMatchObject({ code: "forbidden" });
  expect(await refusal(platform.client.mutation(api.usage.accountRates.setLimits, { accountId: alice.accountId, turnsPerMinute: 0 }))).toMatchObject({
    code: "bad_request",
    field: "turnsPerMinute",
  });
  expect(await refusal(platform.client.mutation(api.usage.accountRates.setLimits, { accountId: alice.accountId, apiRequestsPerMinute: 1.5 }))).toMatchObject({
    code: "bad_request",
    field: "apiRequestsPerMinute",
  });
  expect(await t.run(async (ctx) => (await ctx.db.query("accountRateLimits").collect()).length)).toBe(rows);
  expect(await t.run(async (ctx) => (await ctx.db.query("auditLog").collect()).filter((r) => r.action === "rate_limits.set").length)).toBe(2);
});
