/**
 * API keys (A5): created by admins with the secret shown once and stored
 * only as its hash; found by an index lookup; revoked, expired, malformed
 * and unknown keys answer 401; another account's resources 404; repeated
 * failures from one address, or on one key prefix, 429 with Retry-After —
 * never for a valid key.
 */
import { afterEach, beforeEach, expect, test, vi } from "vitest";
import { installMeter, measure } from "../../scripts/bench/transactionMeter";
import { api, internal } from "../_generated/api";
import schema from "../schema";
import { asMember, asUser, codeOf, newHarness, type Harness } from "../test.setup";
import { hashSecret } from "./secrets";
import { adminWithKey, agentIdOf, createKey, request, rowCounts } from "./testkit.testing";

beforeEach(() => {
  vi.useFakeTimers();
  installMeter();
});
afterEach(() => {
  vi.useRealTimers();
});

const PROBE = "/v1/capabilities?kind=agent";

/** Every document of every app table, as JSON. */
async function everyRow(t: Harness): Promise<string[]> {
  return await t.run(async (ctx) => {
    const rows: string[] = [];
    for (const table of Object.keys(schema.tables) as (keyof typeof schema.tables)[]) {
      for (const doc of await ctx.db.query(table).collect()) rows.push(JSON.stringify(doc));
    }
    return rows;
  });
}

test("an admin creates a key: the secret is returned once and stored only as its SHA-256", async () => {
  const t = newHarness();
  const admin = await asUser(t);
  const { key, secret } = await createKey(admin, { name: "billing", permission: "read" });
  expect(secret).toMatch(/^thk_[A-Za-z0-9_-]{43}$/);
  expect(key).toMatchObject({ name: "billing", permission: "read", status: "active", displayPrefix: secret.slice(0, 10), createdBy: admin.userId });

  // The list never carries the secret; neither does any row of any table.
  const listed = await admin.client.query(api.httpApi.keys.list, { accountId: admin.accountId });
  expect(listed).toEqual([key]);
  expect(JSON.stringify(listed)).not.toContain(secret.slice(4));
  const rows = await everyRow(t);
  expect(rows.length).toBeGreaterThan(10);
  expect(rows.filter((row) => row.includes(secret.slice(4)) || row.includes(secret.slice(10)))).toEqual([]);
  const stored = await t.run(async (ctx) => ctx.db.get("apiKeys", key.keyId));
  expect(stored!.secretHash).toBe(await hashSecret(secret));

  // The key works, and its creation is in the audit log.
  expect((await request(t, "GET", PROBE, { key: secret })).status).toBe(200);
  const audit = await t.run(async (ctx) => ctx.db.query("auditLog").collect());
  expect(audit.map((a) => [a.action, a.targetId])).toEqual([["apiKey.create", key.keyId]]);
  // Two keys never share a secret.
  expect((await createKey(admin)).secret).not.toBe(secret);
});

test("only account admins manage keys; bad settings and foreign ids write nothing", async () => {
  const t = newHarness();
  const admin = await asMember(t, "org_keys", "admin");
  const member = await asMember(t, "org_keys", "member");
  const stranger = await asUser(t);
  const { key } = await createKey(admin);
  const before = await rowCounts(t, ["apiKeys", "auditLog"]);

  expect(await codeOf(createKey(member))).toBe("forbidden");
  expect(await codeOf(member.client.query(api.httpApi.keys.list, { accountId: admin.accountId }))).toBe("forbidden");
  expect(await codeOf(member.client.mutation(api.httpApi.keys.revoke, { accountId: admin.accountId, keyId: key.keyId }))).toBe("forbidden");
  // Another account's admin: the key does not exist for them.
  expect(await codeOf(stranger.client.mutation(api.httpApi.keys.revoke, { accountId: stranger.accountId, keyId: key.keyId }))).toBe("not_found");
  expect(await codeOf(admin.client.mutation(api.httpApi.keys.revoke, { accountId: admin.accountId, keyId: "not-an-id" }))).toBe("not_found");

  expect(await codeOf(createKey(admin, { name: "  " }))).toBe("bad_request");
  expect(await codeOf(createKey(admin, { expiresInDays: 0 }))).toBe("bad_request");
  expect(await codeOf(createKey(admin, { expiresInDays: 1.5 }))).toBe("bad_request");
  expect(await codeOf(createKey(admin, { rateLimit: { requests: 0, periodSeconds: 60 } }))).toBe("bad_request");
  const foreignAgent = await agentIdOf(t, stranger.accountId, "assistant");
  expect(await codeOf(createKey(admin, { agentId: foreignAgent }))).toBe("not_found");
  expect(await rowCounts(t, ["apiKeys", "auditLog"])).toEqual(before);
});

test("a refused key setting names the argument it is about as `field`", async () => {
  const t = newHarness();
  const admin = await asMember(t, "org_key_fields", "admin");
  const stranger = await asUser(t);
  const fieldOf = async (promise: Promise<unknown>) => {
    try {
      await promise;
    } catch (error) {
      const { code, message, field } = (error as { data: { code: string; message: string; field?: string } }).data;
      return { code, message, field };
    }
    return { code: "no error" };
  };
  expect(await fieldOf(createKey(admin, { name: "  " }))).toEqual({ code: "bad_request", message: "A key name must be 1 to 80 characters.", field: "name" });
  expect(await fieldOf(createKey(admin, { rateLimit: { requests: 0, periodSeconds: 60 } }))).toMatchObject({ code: "bad_request", field: "rateLimit.requests" });
  expect(await fieldOf(createKey(admin, { rateLimit: { requests: 10, periodSeconds: 0.5 } }))).toMatchObject({ code: "bad_request", field: "rateLimit.periodSeconds" });
  expect(await fieldOf(createKey(admin, { expiresInDays: 0 }))).toMatchObject({ code: "bad_request", field: "expiresInDays" });
  const foreignAgent = await agentIdOf(t, stranger.accountId, "assistant");
  expect(await fieldOf(createKey(admin, { agentId: foreignAgent }))).toEqual({ code: "not_found", message: "Agent not found.", field: "agentId" });
  expect(await rowCounts(t, ["apiKeys"])).toEqual({ apiKeys: 0 });
});

test("A5: missing, malformed, unknown, revoked and expired keys answer 401; malformed ones without a database read", async () => {
  const t = newHarness();
  const { admin, key, secret } = await adminWithKey(t, { expiresInDays: 1 });
  expect((await request(t, "GET", PROBE, { key: secret })).status).toBe(200);

  for (const header of [undefined, "Bearer", "Bearer nope", "Basic abc", `Bearer ${secret.slice(0, -1)}`, `Bearer ${secret}x`, `Bearer tkh_${secret.slice(4)}`]) {
    const measured = await measure(async () => {
      const answer = await request(t, "GET", PROBE, header === undefined ? {} : { headers: { Authorization: header } });
      expect(answer.status).toBe(401);
      expect(answer.body).toMatchObject({ error: { code: "unauthenticated" }, meta: { request_id: expect.stringMatching(/^req_/) } });
    });
    expect(measured.transactions).toBe(0);
  }
  const unknown = `thk_${"A".repeat(43)}`;
  expect((await request(t, "GET", PROBE, { key: unknown })).body.error).toEqual({ code: "unauthenticated", message: "This API key is not valid." });

  // Expiry: the key stops working once its day is over.
  vi.advanceTimersByTime(86_400_000 + 1);
  expect((await request(t, "GET", PROBE, { key: secret })).body.error).toEqual({ code: "unauthenticated", message: "This API key has expired." });
  const listed = await admin.client.query(api.httpApi.keys.list, { accountId: admin.accountId });
  expect(listed[0]!.status).toBe("expired");

  // Revocation is immediate, and revoking twice changes nothing more.
  const second = await createKey(admin);
  expect((await request(t, "GET", PROBE, { key: second.secret })).status).toBe(200);
  const revoked = await admin.client.mutation(api.httpApi.keys.revoke, { accountId: admin.accountId, keyId: second.key.keyId });
  expect(revoked.status).toBe("revoked");
  expect((await request(t, "GET", PROBE, { key: second.secret })).body.error).toEqual({ code: "unauthenticated", message: "This API key was revoked." });
  const again = await admin.client.mutation(api.httpApi.keys.revoke, { accountId: admin.accountId, keyId: second.key.keyId });
  expect(again.revokedAt).toBe(revoked.revokedAt);
  const audit = await t.run(async (ctx) => ctx.db.query("auditLog").collect());
  expect(audit.filter((a) => a.action === "apiKey.revoke").map((a) => a.targetId)).toEqual([second.key.keyId]);
  expect(key.keyId).not.toBe(second.key.keyId);
});

test("A5: a key stops working when its creator is no longer an admin of the account", async () => {
  const t = newHarness();
  const { admin, secret } = await adminWithKey(t, { orgId: "org_demoted" });
  expect((await request(t, "GET", PROBE, { key: secret })).status).toBe(200);
  await t.run(async (ctx) => {
    const membership = await ctx.db
      .query("memberships")
      .withIndex("by_userId_accountId", (q) => q.eq("userId", admin.userId).eq("accountId", admin.accountId))
      .unique();
    await ctx.db.patch("memberships", membership!._id, { role: "member" });
  });
  const answer = await request(t, "GET", PROBE, { key: secret });
  expect(answer.status).toBe(401);
  expect(answer.body.error!.message).toMatch(/no longer an active admin/);
});

test("A5: another account's interaction, agent, capability and conversation answer 404, like missing ones", async () => {
  const t = newHarness();
  const a = await adminWithKey(t);
  const b = await adminWithKey(t);
  const sent = await request(t, "POST", "/v1/channels/assistant/messages", { key: b.secret, body: { text: "Hello!" }, headers: { Prefer: "respond-async" } });
  expect(sent.status).toBe(202);
  const { interaction_id: interactionId, conversation_id: conversationId } = sent.body.data as { interaction_id: string; conversation_id: string };
  expect((await request(t, "GET", `/v1/interactions/${interactionId}`, { key: b.secret })).status).toBe(200);

  const bAgent = await agentIdOf(t, b.admin.accountId, "assistant");
  const before = await rowCounts(t, ["threads", "interactions"]);
  const refusals = [
    await request(t, "GET", `/v1/interactions/${interactionId}`, { key: a.secret }),
    await request(t, "GET", "/v1/interactions/not-an-id", { key: a.secret }),
    await request(t, "POST", `/v1/channels/${bAgent}/messages`, { key: a.secret, body: { text: "hi" } }),
    await request(t, "POST", "/v1/channels/assistant/messages", { key: a.secret, body: { text: "hi", conversation_id: conversationId } }),
    await request(t, "GET", `/v1/capabilities/agent:assistant`, { key: a.secret }).then(async (own) => {
      expect(own.status).toBe(200); // its own assistant, not b's
      await b.admin.client.mutation(api.agents.manifests.importManifest, {
        accountId: b.admin.accountId,
        manifest: { version: 1, kind: "agent", name: "Only in B", slug: "only-in-b", execution: { model: null, instructions: "x" } },
      });
      return await request(t, "GET", "/v1/capabilities/agent:only-in-b", { key: a.secret });
    }),
  ];
  for (const refusal of refusals) {
    expect(refusal.status).toBe(404);
    expect(refusal.body.error!.code).toBe("not_found");
  }
  expect(await rowCounts(t, ["threads", "interactions"])).toEqual(before);
});

test("A5 brute force: failed attempts from one address are refused with 429 and Retry-After; valid keys and other addresses are not", async () => {
  const t = newHarness();
  const { secret } = await adminWithKey(t);
  // Each guess presents a different prefix: only the address bucket can stop them.
  const wrong = (i: number) => `thk_${String(i).padStart(6, "0")}${"B".repeat(37)}`;
  const attacker = "203.0.113.7";
  for (let i = 0; i < 10; i++) expect((await request(t, "GET", PROBE, { key: wrong(i), ip: attacker })).status).toBe(401);
  const blocked = await request(t, "GET", PROBE, { key: wrong(10), ip: attacker });
  expect(blocked.status).toBe(429);
  expect(blocked.body.error!.code).toBe("rate_limited");
  const retryAfter = Number(blocked.headers.get("Retry-After"));
  expect(retryAfter).toBeGreaterThanOrEqual(1);
  expect(retryAfter).toBeLessThanOrEqual(60);
  // A valid key from that address is never refused for others' failures (one NAT, many clients).
  expect((await request(t, "GET", PROBE, { key: secret, ip: attacker })).status).toBe(200);
  // Another address is unaffected.
  expect((await request(t, "GET", PROBE, { key: secret, ip: "198.51.100.1" })).status).toBe(200);
  expect((await request(t, "GET", PROBE, { key: wrong(11), ip: "198.51.100.1" })).status).toBe(401);
  // After the wait, the address may try again.
  vi.advanceTimersByTime(retryAfter * 1000);
  expect((await request(t, "GET", PROBE, { key: wrong(12), ip: attacker })).status).toBe(401);
});

test("A5 brute force: failed attempts on one key prefix are limited across addresses; the valid key with that prefix still answers", async () => {
  const t = newHarness();
  const { secret } = await adminWithKey(t);
  const prefix = secret.slice(0, 10);
  // Guesses that share the real key's visible prefix, each from its own address.
  const guess = (i: number) => `${prefix}${String(i).padStart(37, "Z")}`;
  for (let i = 0; i < 10; i++) expect((await request(t, "GET", PROBE, { key: guess(i), ip: `198.51.100.${i + 10}` })).status).toBe(401);
  const blocked = await request(t, "GET", PROBE, { key: guess(10), ip: "198.51.100.99" });
  expect(blocked.status).toBe(429);
  expect(Number(blocked.headers.get("Retry-After"))).toBeGreaterThanOrEqual(1);
  // Another prefix from a fresh address is a plain 401; the real key is served.
  expect((await request(t, "GET", PROBE, { key: `thk_${"Q".repeat(43)}`, ip: "198.51.100.99" })).status).toBe(401);
  expect((await request(t, "GET", PROBE, { key: secret, ip: "198.51.100.99" })).status).toBe(200);
});

test("A5: 50 bad keys from one address, then a valid key from the same address answers 200", async () => {
  const t = newHarness();
  const { secret } = await adminWithKey(t);
  const address = "192.0.2.44";
  const statuses = new Map<number, number>();
  for (let i = 0; i < 50; i++) {
    // Half of them even present the valid key's own prefix.
    const bad = i % 2 === 0 ? `${secret.slice(0, 10)}${String(i).padStart(37, "x")}` : `thk_${String(i).padStart(43, "y")}`;
    const { status } = await request(t, "GET", PROBE, { key: bad, ip: address });
    statuses.set(status, (statuses.get(status) ?? 0) + 1);
  }
  expect(statuses.get(401)).toBe(10);
  expect(statuses.get(429)).toBe(40);
  const answer = await request(t, "GET", PROBE, { key: secret, ip: address });
  expect(answer.status).toBe(200);
  // And with no address at all (every local-engine client looked the same before it passed one).
  for (let i = 0; i < 50; i++) await request(t, "GET", PROBE, { key: `thk_${String(i).padStart(43, "w")}` });
  expect((await request(t, "GET", PROBE, { key: secret })).status).toBe(200);
});

test("keys are found by an index on the hash: authentication reads the same with 1 key or 60", async () => {
  const t = newHarness();
  const { admin, secret } = await adminWithKey(t);
  const authenticate = async (token: string) => {
    const secretHash = await hashSecret(token);
    return (await measure(() => t.mutation(internal.httpApi.auth.authenticate, { secretHash, client: "test" }))).total.documentsRead;
  };
  const unknown = `thk_${"C".repeat(43)}`;
  await authenticate(secret); // first use creates the rate buckets; measure from the second
  await authenticate(unknown);
  const withOne = { valid: await authenticate(secret), unknown: await authenticate(unknown) };
  for (let i = 0; i < 59; i++) {
    await t.run(async (ctx) =>
      ctx.db.insert("apiKeys", {
        accountId: admin.accountId,
        name: `k${i}`,
        secretHash: await hashSecret(`thk_${String(i).padStart(43, "D")}`),
        displayPrefix: "thk_DDDDDD",
        permission: "read",
        rateLimit: { requests: 10, periodMs: 60_000 },
        createdBy: admin.userId,
        createdAt: Date.now(),
      }),
    );
  }
  expect({ valid: await authenticate(secret), unknown: await authenticate(unknown) }).toEqual(withOne);
  // 9: the key, its bucket, and the account's API bucket (usage/accountRates.ts), among others.
  expect(withOne.valid).toBeLessThanOrEqual(9);
});
