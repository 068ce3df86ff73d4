/**
 * POST /clerk-webhook: signatures, replays and duplicate deliveries
 * (RELIABILITY.md W1, W3, W4).
 */
import { Webhook } from "svix";
import { afterEach, beforeEach, expect, test, vi, type MockInstance } from "vitest";
import type { Harness } from "../test.setup";
import { newHarness } from "../test.setup";
import { clerkEvents, deliver, FORGED_SECRET, OLD_SECRET, send, signed, TEST_SECRET, useSecrets } from "./signing.testing";

beforeEach(() => {
  vi.useFakeTimers();
  useSecrets(TEST_SECRET);
});
afterEach(() => {
  vi.useRealTimers();
  vi.unstubAllEnvs();
  vi.restoreAllMocks();
});

async function settle(t: Harness) {
  await t.finishAllScheduledFunctions(vi.runAllTimers);
}

/** Everything a delivery could have written or scheduled. */
async function footprint(t: Harness) {
  return await t.run(async (ctx) => ({
    events: (await ctx.db.query("clerkEvents").collect()).length,
    users: (await ctx.db.query("userProfiles").collect()).length,
    accounts: (await ctx.db.query("accounts").collect()).length,
    memberships: (await ctx.db.query("memberships").collect()).length,
    scheduled: (await ctx.db.system.query("_scheduled_functions").collect()).length,
  }));
}
const NOTHING = { events: 0, users: 0, accounts: 0, memberships: 0, scheduled: 0 };

test("W1: the same message delivered twice in a row is 2xx both times, stored once, applied once", async () => {
  const t = newHarness();
  const event = clerkEvents.user("user.created", "user_w1", { first: "Wanda", email: "wanda@example.test" });
  const delivery = signed(event);
  const first = await deliver(t, delivery);
  expect(first).toEqual({ status: 200, json: { received: true, duplicate: false } });
  await settle(t);
  // Svix's redelivery: the same message id, signed again at the time of sending.
  const second = await deliver(t, signed(event, { svixId: delivery.svixId }));
  expect(second).toEqual({ status: 200, json: { received: true, duplicate: true } });
  await settle(t);

  const state = await t.run(async (ctx) => ({
    events: await ctx.db.query("clerkEvents").collect(),
    users: await ctx.db.query("userProfiles").collect(),
  }));
  expect(state.events).toHaveLength(1);
  expect(state.events[0]).toMatchObject({ svixId: delivery.svixId, type: "user.created", status: "processed", attempts: 1, outcome: "user.created" });
  // Kept for inspection exactly as signed (including metadata keys a Convex object could not hold).
  expect(state.events[0]!.body).toBe(delivery.body);
  expect(state.users).toHaveLength(1);
  expect(state.users[0]).toMatchObject({ clerkUserId: "user_w1", name: "Wanda", email: "wanda@example.test", status: "active" });
});

test("W1: the same delivery twice at once is 2xx both times, one stored event, one account with one Assistant", async () => {
  const t = newHarness();
  const delivery = signed(clerkEvents.org("organization.created", "org_w1", { name: "Twice Co", slug: "twice" }));
  const [a, b] = await Promise.all([deliver(t, delivery), deliver(t, delivery)]);
  expect([a.status, b.status]).toEqual([200, 200]);
  expect([a.json.duplicate, b.json.duplicate].sort()).toEqual([false, true]);
  await settle(t);

  const state = await t.run(async (ctx) => {
    const accounts = await ctx.db.query("accounts").collect();
    const assistants = await ctx.db
      .query("agents")
      .withIndex("by_accountId_slug", (q) => q.eq("accountId", accounts[0]!._id).eq("slug", "assistant"))
      .collect();
    return { events: (await ctx.db.query("clerkEvents").collect()).length, accounts, assistants: assistants.length };
  });
  expect(state.events).toBe(1);
  expect(state.accounts).toHaveLength(1);
  expect(state.accounts[0]).toMatchObject({ clerkOrgId: "org_w1", name: "Twice Co", slug: "twice", kind: "organization" });
  expect(state.assistants).toBe(1);
});

test("W3: forged, altered, stale, future or unsigned deliveries are 4xx with a code; nothing is written or scheduled; no secret is logged", async () => {
  const t = newHarness();
  const spies: MockInstance[] = (["log", "info", "warn", "error", "debug"] as const).map((level) =>
    vi.spyOn(console, level).mockImplementation(() => {}),
  );
  const event = clerkEvents.user("user.created", "user_w3", { first: "Mallory" });
  const genuine = signed(event);

  const forged = signed(event, { secrets: [FORGED_SECRET] });
  const altered = { ...genuine, body: genuine.body.replace("Mallory", "Mallorx") };
  const stale = signed(event, { at: new Date(Date.now() - 6 * 60_000) });
  const future = signed(event, { at: new Date(Date.now() + 6 * 60_000) });
  const cases: [string, Parameters<typeof deliver>[1], number, string][] = [
    ["forged signature", forged, 401, "unauthenticated"],
    ["one changed body byte", altered, 401, "unauthenticated"],
    ["timestamp 6 minutes old", stale, 401, "unauthenticated"],
    ["timestamp 6 minutes ahead", future, 401, "unauthenticated"],
    ["not a number timestamp", { ...genuine, headers: { ...genuine.headers, "svix-timestamp": "soon" } }, 401, "unauthenticated"],
  ];
  for (const header of ["svix-id", "svix-timestamp", "svix-signature"]) {
    const headers = { ...genuine.headers };
    delete headers[header];
    cases.push([`missing ${header}`, { ...genuine, headers }, 400, "bad_request"]);
  }
  for (const [name, delivery, status, code] of cases) {
    const result = await deliver(t, delivery);
    expect({ name, status: result.status, code: result.json.error?.code }).toEqual({ name, status, code });
    expect(result.json.error?.message).toEqual(expect.any(String));
  }
  await settle(t);
  expect(await footprint(t)).toEqual(NOTHING);

  const logged = spies.flatMap((spy) => spy.mock.calls.map((call) => call.map(String).join(" "))).join("\n");
  expect(logged).toContain("clerk-webhook"); // the request lines were logged...
  for (const secret of [TEST_SECRET, TEST_SECRET.slice("whsec_".length), FORGED_SECRET.slice("whsec_".length)]) {
    expect(logged).not.toContain(secret); // ...but never a secret
  }
  expect(logged).not.toContain(genuine.headers["svix-signature"]!.slice(3));
});

test("W3: a valid signature among several is accepted (Svix rotating the secret), and so is a delivery signed with an older secret we still hold", async () => {
  const t = newHarness();
  const both = signed(clerkEvents.user("user.created", "user_rot1", { first: "Rita" }), { secrets: [OLD_SECRET, TEST_SECRET] });
  expect(both.headers["svix-signature"]!.split(" ")).toHaveLength(2);
  expect((await deliver(t, both)).status).toBe(200);
  // The other way round: only the new secret signs, but it comes second in our list.
  useSecrets(OLD_SECRET, TEST_SECRET);
  expect((await send(t, clerkEvents.user("user.created", "user_rot2", { first: "Rolf" }))).status).toBe(200);
  const onlyOld = signed(clerkEvents.user("user.created", "user_rot3", { first: "Olga" }), { secrets: [OLD_SECRET] });
  expect((await deliver(t, onlyOld)).status).toBe(200);
  // Once the old secret is dropped, its signatures stop verifying.
  useSecrets(TEST_SECRET);
  const lateOld = signed(clerkEvents.user("user.created", "user_rot4", { first: "Otto" }), { secrets: [OLD_SECRET] });
  expect((await deliver(t, lateOld)).status).toBe(401);
  await settle(t);
  const names = await t.run(async (ctx) => (await ctx.db.query("userProfiles").collect()).map((u) => u.name).sort());
  expect(names).toEqual(["Olga", "Rita", "Rolf"]);
});

test("W4: a valid delivery replayed more than 5 minutes later is refused", async () => {
  const t = newHarness();
  vi.setSystemTime(new Date("2026-11-02T10:00:00Z"));
  const delivery = signed(clerkEvents.user("user.created", "user_w4", { first: "Rex" }));
  expect((await deliver(t, delivery)).status).toBe(200);
  await settle(t);
  const before = await footprint(t);

  vi.setSystemTime(new Date("2026-11-02T10:05:30Z"));
  const replay = await deliver(t, delivery);
  expect(replay.status).toBe(401);
  expect(replay.json.error?.code).toBe("unauthenticated");
  expect(replay.json.error?.message).toMatch(/5 minutes old/);
  expect(await footprint(t)).toEqual(before);
});

test("with no secret configured every delivery is refused (fail closed, 503 so Svix retries), and nothing is written", async () => {
  const t = newHarness();
  vi.stubEnv("CLERK_WEBHOOK_SECRET", "");
  const result = await deliver(t, signed(clerkEvents.user("user.created", "user_nosecret", {})));
  expect(result.status).toBe(503);
  expect(result.json.error?.code).toBe("internal_error");
  expect(result.json.error?.message).toMatch(/CLERK_WEBHOOK_SECRET/);
  // A malformed secret verifies nothing either.
  vi.stubEnv("CLERK_WEBHOOK_SECRET", "whsec_!!!! whsec_%%%%");
  expect((await deliver(t, signed(clerkEvents.user("user.created", "user_nosecret", {})))).status).toBe(503);
  expect(await footprint(t)).toEqual(NOTHING);
});

test("signed bodies that are not events are 400; events of types we don't handle are stored as ignored (2xx, so Clerk stops retrying)", async () => {
  const t = newHarness();
  // Signed raw text (`signed` serialises objects).
  const badBody = "not json";
  const at = new Date();
  const headers = {
    "svix-id": "msg_not_json",
    "svix-timestamp": String(Math.floor(at.getTime() / 1000)),
    "svix-signature": new Webhook(TEST_SECRET).sign("msg_not_json", at, badBody),
  };
  const result = await deliver(t, { svixId: "msg_not_json", body: badBody, headers });
  expect(result.status).toBe(400);
  expect(result.json.error?.code).toBe("bad_request");
  expect((await deliver(t, signed({ data: {} }))).status).toBe(400); // no `type`

  const session = await send(t, { object: "event", type: "session.created", timestamp: Date.now(), data: { id: "sess_1" } });
  expect(session.json).toEqual({ received: true, duplicate: false });
  await settle(t);
  const events = await t.run(async (ctx) => ctx.db.query("clerkEvents").collect());
  expect(events).toEqual([expect.objectContaining({ type: "session.created", status: "ignored", attempts: 0 })]);
});

test("a body over the limit is refused with 413 before it is verified", async () => {
  const t = newHarness();
  const big = signed(clerkEvents.user("user.created", "user_big", { first: "x".repeat(300 * 1024) }));
  const result = await deliver(t, big);
  expect(result.status).toBe(413);
  expect(result.json.error?.code).toBe("payload_too_large");
  expect(await footprint(t)).toEqual(NOTHING);
});
