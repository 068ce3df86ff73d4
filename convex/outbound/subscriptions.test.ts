/**
 * Who may manage webhook subscriptions, and what is refused: only account
 * admins; another account's subscription is not found; bad URLs and unknown
 * events are bad requests; every refusal writes nothing. No delivery is sent
 * here (nothing but subscribe / list / enable / remove runs).
 */
import { expect, test, vi } from "vitest";
import { api } from "../_generated/api";
import { asMember, asUser, codeOf, newHarness, type Harness } from "../test.setup";
import { MAX_SUBSCRIPTIONS_PER_ACCOUNT } from "./validators";

const URL_OK = "https://hooks.example.test/harness";

async function rowCounts(t: Harness) {
  return await t.run(async (ctx) => ({
    subscriptions: (await ctx.db.query("webhookSubscriptions").collect()).length,
    deliveries: (await ctx.db.query("webhookDeliveries").collect()).length,
    audit: (await ctx.db.query("auditLog").collect()).filter((e) => e.action.startsWith("webhook.")).length,
  }));
}

test("an admin subscribes: the secret is shown once, the list shows a hint and the state", async () => {
  const t = newHarness();
  const admin = await asMember(t, "org_subs", "admin");
  const created = await admin.client.mutation(api.outbound.subscriptions.subscribe, {
    accountId: admin.accountId,
    url: "  https://hooks.example.test/a?team=1  ",
    events: ["job.state_changed", "interaction.completed", "job.state_changed"],
    description: " CRM sync ",
  });
  expect(created.subscription).toMatchObject({
    url: "https://hooks.example.test/a?team=1",
    events: ["interaction.completed", "job.state_changed"],
    description: "CRM sync",
    status: "active",
    consecutiveFailures: 0,
    createdBy: admin.userId,
    secretHint: `…${created.secret.slice(-4)}`,
  });
  const listed = await admin.client.query(api.outbound.subscriptions.list, { accountId: admin.accountId });
  expect(listed).toEqual([created.subscription]);
  expect(JSON.stringify(listed)).not.toContain(created.secret);
  // Two subscriptions never share a secret; the list is newest first.
  const second = await admin.client.mutation(api.outbound.subscriptions.subscribe, { accountId: admin.accountId, url: URL_OK, events: ["message.response"] });
  expect(second.secret).not.toBe(created.secret);
  const both = await admin.client.query(api.outbound.subscriptions.list, { accountId: admin.accountId });
  expect(both.map((s) => s.subscriptionId)).toEqual([second.subscription.subscriptionId, created.subscription.subscriptionId]);
  // Enabling an active subscription changes nothing.
  expect(
    await admin.client.mutation(api.outbound.subscriptions.enable, { accountId: admin.accountId, subscriptionId: second.subscription.subscriptionId }),
  ).toEqual({ changed: false });
  expect((await rowCounts(t)).audit).toBe(2);
});

test("members and readonly users cannot subscribe or list; nothing is written", async () => {
  const t = newHarness();
  const admin = await asMember(t, "org_roles", "admin");
  const { subscription } = await admin.client.mutation(api.outbound.subscriptions.subscribe, { accountId: admin.accountId, url: URL_OK, events: ["message.response"] });
  const before = await rowCounts(t);
  for (const role of ["member", "readonly"] as const) {
    const user = await asMember(t, "org_roles", role);
    expect(user.accountId).toBe(admin.accountId);
    const args = { accountId: user.accountId, subscriptionId: subscription.subscriptionId };
    expect(await codeOf(user.client.mutation(api.outbound.subscriptions.subscribe, { accountId: user.accountId, url: URL_OK, events: ["message.response"] }))).toBe("forbidden");
    expect(await codeOf(user.client.query(api.outbound.subscriptions.list, { accountId: user.accountId }))).toBe("forbidden");
    expect(await codeOf(user.client.query(api.outbound.subscriptions.deliveries, { ...args, paginationOpts: { numItems: 5, cursor: null } }))).toBe("forbidden");
    expect(await codeOf(user.client.mutation(api.outbound.subscriptions.ping, args))).toBe("forbidden");
    expect(await codeOf(user.client.mutation(api.outbound.subscriptions.enable, args))).toBe("forbidden");
    expect(await codeOf(user.client.mutation(api.outbound.subscriptions.remove, args))).toBe("forbidden");
  }
  expect(await rowCounts(t)).toEqual(before);
});

test("another account's subscription is not found, like one that does not exist; nothing is written", async () => {
  const t = newHarness();
  const owner = await asMember(t, "org_owner", "admin");
  const { subscription } = await owner.client.mutation(api.outbound.subscriptions.subscribe, { accountId: owner.accountId, url: URL_OK, events: ["message.response"] });
  const stranger = await asUser(t); // admin of their own personal account
  const before = await rowCounts(t);
  for (const subscriptionId of [subscription.subscriptionId, "not-an-id"]) {
    const args = { accountId: stranger.accountId, subscriptionId };
    expect(await codeOf(stranger.client.query(api.outbound.subscriptions.deliveries, { ...args, paginationOpts: { numItems: 5, cursor: null } }))).toBe("not_found");
    expect(await codeOf(stranger.client.mutation(api.outbound.subscriptions.ping, args))).toBe("not_found");
    expect(await codeOf(stranger.client.mutation(api.outbound.subscriptions.enable, args))).toBe("not_found");
    expect(await codeOf(stranger.client.mutation(api.outbound.subscriptions.remove, args))).toBe("not_found");
  }
  expect(await stranger.client.query(api.outbound.subscriptions.list, { accountId: stranger.accountId })).toEqual([]);
  // Naming the other account outright: not a member, so not found either.
  expect(await codeOf(stranger.client.query(api.outbound.subscriptions.list, { accountId: owner.accountId }))).toBe("not_found");
  expect(
    await codeOf(stranger.client.mutation(api.outbound.subscriptions.subscribe, { accountId: owner.accountId, url: URL_OK, events: ["message.response"] })),
  ).toBe("not_found");
  expect(await rowCounts(t)).toEqual(before);
});

test("bad URLs, events and descriptions are bad requests naming their argument as `field`, and write nothing", async () => {
  const t = newHarness();
  const admin = await asMember(t, "org_bad", "admin");
  const subscribe = (url: string, events: string[] = ["message.response"], description?: string) =>
    admin.client.mutation(api.outbound.subscriptions.subscribe, { accountId: admin.accountId, url, events, ...(description !== undefined ? { description } : {}) });
  const refusal = async (promise: Promise<unknown>) => {
    try {
      await promise;
    } catch (error) {
      const { code, field } = (error as { data: { code: string; field?: string } }).data;
      return { code, field };
    }
    return { code: "no error" };
  };
  for (const url of [
    "",
    "   ",
    "hooks.example.test/path",
    "/relative",
    "ftp://hooks.example.test/x",
    "javascript:alert(1)",
    "file:///etc/passwd",
    "https://user:pass@hooks.example.test/x",
    "https://hooks.example.test/x#frag",
    `https://hooks.example.test/${"a".repeat(2_000)}`,
  ]) {
    expect(await refusal(subscribe(url)), url).toEqual({ code: "bad_request", field: "url" });
  }
  expect(await refusal(subscribe(URL_OK, []))).toEqual({ code: "bad_request", field: "events" });
  expect(await refusal(subscribe(URL_OK, ["message.created"]))).toEqual({ code: "bad_request", field: "events" });
  expect(await refusal(subscribe(URL_OK, ["message.response", "webhook.ping"]))).toEqual({ code: "bad_request", field: "events" });
  expect(await refusal(subscribe(URL_OK, ["message.response"], "d".repeat(201)))).toEqual({ code: "bad_request", field: "description" });
  expect(await rowCounts(t)).toEqual({ subscriptions: 0, deliveries: 0, audit: 0 });
});

test("a URL that reaches a private network is refused with field `url`, and nothing is written, unless the deployment allows it", async () => {
  const t = newHarness();
  const admin = await asMember(t, "org_private", "admin");
  const subscribe = (url: string) => admin.client.mutation(api.outbound.subscriptions.subscribe, { accountId: admin.accountId, url, events: ["message.response"] });
  for (const [url, host] of [
    ["http://127.0.0.1:8080/hook", "127.0.0.1 is a loopback address"],
    ["http://localhost/hook", "“localhost” is a name for this machine"],
    ["http://169.254.169.254/latest/meta-data/", "169.254.169.254 is a link-local address (169.254.0.0/16)"],
    ["https://metadata.google.internal/computeMetadata/v1/", "“metadata.google.internal” is an internal network name"],
    ["http://[::1]/hook", "[::1] is a loopback address"],
    ["http://[::ffff:10.0.0.5]/hook", "[::ffff:a00:5] is a private address (10.0.0.0/8), as IPv4 10.0.0.5 inside IPv6"],
    ["http://2130706433/hook", "127.0.0.1 is a loopback address"],
  ] as const) {
    const error = await subscribe(url).then(
      () => undefined,
      (e: unknown) => (e as { data: { code: string; message: string; field?: string } }).data,
    );
    expect(error, url).toEqual({
      code: "bad_request",
      message: `The URL's host ${host}; webhooks are sent only to public internet addresses.`,
      field: "url",
    });
  }
  expect(await rowCounts(t)).toEqual({ subscriptions: 0, deliveries: 0, audit: 0 });
  // A public address is accepted; so is a private one where the deployment opts in (a dev server, tests).
  await subscribe("https://93.184.215.14/hook");
  vi.stubEnv("HARNESS_WEBHOOK_ALLOW_PRIVATE_URLS", "true");
  try {
    await subscribe("http://127.0.0.1:8080/hook");
  } finally {
    vi.unstubAllEnvs();
  }
  expect((await rowCounts(t)).subscriptions).toBe(2);
});

test(`an account has at most ${MAX_SUBSCRIPTIONS_PER_ACCOUNT} subscriptions`, async () => {
  const t = newHarness();
  const admin = await asMember(t, "org_many", "admin");
  for (let i = 0; i < MAX_SUBSCRIPTIONS_PER_ACCOUNT; i++) {
    await admin.client.mutation(api.outbound.subscriptions.subscribe, { accountId: admin.accountId, url: `${URL_OK}/${i}`, events: ["message.response"] });
  }
  expect(
    await codeOf(admin.client.mutation(api.outbound.subscriptions.subscribe, { accountId: admin.accountId, url: URL_OK, events: ["message.response"] })),
  ).toBe("conflict");
  expect((await rowCounts(t)).subscriptions).toBe(MAX_SUBSCRIPTIONS_PER_ACCOUNT);
});
