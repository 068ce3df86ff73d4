/**
 * What Clerk's events do to users, accounts and memberships: out of order
 * (W2), revocation while a token is still valid (A3), the deletion path,
 * and durable processing with retries.
 */
import { afterEach, beforeEach, expect, test, vi } from "vitest";
import { api, internal } from "../_generated/api";
import { failNext } from "../lib/faults.testing";
import { asAdmin, asMember, codeOf, newHarness, type Harness } from "../test.setup";
import { clerkEvents, send, TEST_SECRET, useSecrets } from "./signing.testing";

beforeEach(() => {
  vi.useFakeTimers();
  useSecrets(TEST_SECRET);
});
afterEach(() => {
  vi.useRealTimers();
  vi.unstubAllEnvs();
  failNext("clerk.applyEvent", 0);
});

async function settle(t: Harness) {
  await t.finishAllScheduledFunctions(vi.runAllTimers);
}

/** Deliver each event (a fresh svix-id each) and process everything. */
async function deliverAll(t: Harness, ...events: object[]) {
  for (const event of events) await send(t, event);
  await settle(t);
}

async function profile(t: Harness, clerkUserId: string) {
  return await t.run(async (ctx) => ctx.db.query("userProfiles").withIndex("by_clerkUserId", (q) => q.eq("clerkUserId", clerkUserId)).unique());
}

async function accountOf(t: Harness, clerkOrgId: string) {
  return await t.run(async (ctx) => ctx.db.query("accounts").withIndex("by_clerkOrgId", (q) => q.eq("clerkOrgId", clerkOrgId)).unique());
}

async function outcomes(t: Harness) {
  const rows = await t.run(async (ctx) => ctx.db.query("clerkEvents").withIndex("by_receivedAt").collect());
  return rows.map((row) => `${row.type} → ${row.status}: ${row.outcome ?? row.lastError}`);
}

/** The identity Clerk's JWT would carry for `clerkUserId` (its subject), with optional org claims. */
function signIn(t: Harness, clerkUserId: string, org?: { orgId: string; role: string }) {
  return t.withIdentity({
    subject: clerkUserId,
    tokenIdentifier: `https://clerk.test|${clerkUserId}`,
    ...(org ? { org_id: org.orgId, org_role: org.role, org_slug: org.orgId } : {}),
  });
}

test("an organisation becomes an account with the Assistant; members arrive with their roles; their first sign-in finds the same profile", async () => {
  const t = newHarness();
  await deliverAll(
    t,
    clerkEvents.org("organization.created", "org_acme", { name: "Acme Inc", slug: "acme", updatedAt: 1_000 }),
    clerkEvents.user("user.created", "user_ada", { first: "Ada", last: "Lovelace", email: "ada@acme.test", updatedAt: 1_000 }),
    clerkEvents.membership("organizationMembership.created", { orgId: "org_acme", userId: "user_ada", role: "org:admin", updatedAt: 1_000 }),
    clerkEvents.membership("organizationMembership.created", { orgId: "org_acme", userId: "user_bob", role: "org:member", first: "Bob", updatedAt: 1_000 }),
    clerkEvents.org("organization.updated", "org_acme", { name: "Acme Corporation", slug: "acme", updatedAt: 2_000 }),
  );
  const account = (await accountOf(t, "org_acme"))!;
  expect(account).toMatchObject({ name: "Acme Corporation", slug: "acme", kind: "organization", status: "active" });
  const agents = await t.run(async (ctx) => ctx.db.query("agents").withIndex("by_accountId_slug", (q) => q.eq("accountId", account._id)).collect());
  expect(agents.map((a) => a.slug)).toContain("assistant");

  // Ada signs in for the first time: the webhook's profile is hers, with the admin role Clerk gave.
  const ada = signIn(t, "user_ada", { orgId: "org_acme", role: "org:admin" });
  const viewer = await ada.mutation(api.tenancy.viewer.sync, {});
  expect(viewer.userId).toBe((await profile(t, "user_ada"))!._id);
  expect(viewer).toMatchObject({ name: "Ada Lovelace", email: "ada@acme.test", activeAccountId: account._id });
  const members = await ada.query(api.tenancy.accounts.listMembers, { accountId: account._id, paginationOpts: { numItems: 10, cursor: null } });
  expect(members.page.map((m) => `${m.name}:${m.role}:${m.status}`).sort()).toEqual(["Ada Lovelace:admin:active", "Bob:member:active"]);
  expect(await t.run(async (ctx) => (await ctx.db.query("userProfiles").collect()).length)).toBe(2);
});

test("the same change under a new svix-id changes nothing (processing is idempotent)", async () => {
  const t = newHarness();
  const event = clerkEvents.user("user.created", "user_same", { first: "Sam", updatedAt: 5_000 });
  await deliverAll(t, event, event);
  expect(await outcomes(t)).toEqual(["user.created → processed: user.created", "user.created → processed: unchanged"]);
  // And applying an already-processed event again is a no-op.
  const [first] = await t.run(async (ctx) => ctx.db.query("clerkEvents").collect());
  const before = await profile(t, "user_same");
  await t.mutation(internal.clerk.process.applyEvent, { eventId: first!._id });
  expect(await profile(t, "user_same")).toEqual(before);
  expect((await t.run(async (ctx) => ctx.db.get("clerkEvents", first!._id)))!.attempts).toBe(1);
});

test("W2: an update that arrives before its create lands, and the late create does not undo it", async () => {
  const t = newHarness();
  await deliverAll(
    t,
    clerkEvents.user("user.updated", "user_ooo", { first: "New Name", email: "new@example.test", updatedAt: 2_000 }),
    clerkEvents.user("user.created", "user_ooo", { first: "Old Name", email: "old@example.test", updatedAt: 1_000 }),
  );
  expect(await profile(t, "user_ooo")).toMatchObject({ name: "New Name", email: "new@example.test", status: "active", clerkUpdatedAt: 2_000 });
  expect(await outcomes(t)).toEqual(["user.updated → processed: user.created", "user.created → processed: ignored: stale update"]);
});

test("W2: a membership that arrives before its organisation creates the account; the organisation's events then apply to it", async () => {
  const t = newHarness();
  await deliverAll(
    t,
    clerkEvents.membership("organizationMembership.created", { orgId: "org_early", orgName: "early", userId: "user_e", role: "org:member" }),
    clerkEvents.org("organization.created", "org_early", { name: "Early Birds", slug: "early-birds", updatedAt: 1_800_000_000_000 }),
  );
  const accounts = await t.run(async (ctx) => ctx.db.query("accounts").collect());
  expect(accounts).toHaveLength(1);
  expect(accounts[0]).toMatchObject({ clerkOrgId: "org_early", name: "Early Birds", slug: "early-birds" });
  const user = (await profile(t, "user_e"))!;
  const membership = await t.run(async (ctx) =>
    ctx.db.query("memberships").withIndex("by_userId_accountId", (q) => q.eq("userId", user._id).eq("accountId", accounts[0]!._id)).unique(),
  );
  expect(membership).toMatchObject({ role: "member", status: "active" });
});

test("W2: a stale update after a delete does not resurrect the user; a delete before the create leaves a tombstone", async () => {
  const t = newHarness();
  await deliverAll(
    t,
    clerkEvents.user("user.created", "user_gone", { first: "Gone", email: "gone@example.test", updatedAt: 1_000 }),
    clerkEvents.userDeleted("user_gone"),
    clerkEvents.user("user.updated", "user_gone", { first: "Back Again", updatedAt: 9_999_999_999_999 }),
    // Deleted before we ever heard of it, then its (late) create.
    clerkEvents.userDeleted("user_never"),
    clerkEvents.user("user.created", "user_never", { first: "Never", updatedAt: 1_000 }),
  );
  expect(await profile(t, "user_gone")).toMatchObject({ status: "deleted" });
  expect((await profile(t, "user_gone"))!.name).toBeUndefined();
  expect(await profile(t, "user_never")).toMatchObject({ status: "deleted" });
  expect((await profile(t, "user_never"))!.name).toBeUndefined();
  // A token minted before the deletion is refused, and signing in does not recreate anyone.
  expect(await codeOf(signIn(t, "user_gone").mutation(api.tenancy.viewer.sync, {}))).toBe("forbidden");
  expect(await codeOf(signIn(t, "user_never").mutation(api.tenancy.viewer.sync, {}))).toBe("forbidden");
  expect(await t.run(async (ctx) => (await ctx.db.query("userProfiles").collect()).length)).toBe(2);
});

test("W2: a deleted organisation stays deleted: its members are refused as if it did not exist and late events are ignored", async () => {
  const t = newHarness();
  const member = await asMember(t, "org_doomed", "admin");
  await deliverAll(
    t,
    clerkEvents.orgDeleted("org_doomed"),
    clerkEvents.org("organization.updated", "org_doomed", { name: "Zombie", updatedAt: 9_999_999_999_999 }),
    clerkEvents.membership("organizationMembership.created", { orgId: "org_doomed", userId: "user_late", role: "org:admin" }),
  );
  expect(await codeOf(member.client.query(api.tenancy.accounts.get, { accountId: member.accountId }))).toBe("not_found");
  expect(await codeOf(member.client.mutation(api.tenancy.accounts.rename, { accountId: member.accountId, name: "Mine" }))).toBe("not_found");
  const account = (await accountOf(t, "org_doomed"))!;
  expect(account).toMatchObject({ name: "doomed", status: "suspended" });
  expect(account.deletedAt).toEqual(expect.any(Number));
  expect(await profile(t, "user_late")).toBeNull();
  const audit = await t.run(async (ctx) => ctx.db.query("auditLog").withIndex("by_accountId_at", (q) => q.eq("accountId", account._id)).collect());
  expect(audit.map((a) => `${a.action} by ${a.actorRole}`)).toEqual(["account.delete by service"]);
});

test("A3: a membership revoked by the webhook refuses the member's writes while their token still claims the org; a stale create does not revive it", async () => {
  const t = newHarness();
  const ada = await asMember(t, "org_a3", "admin", "Ada");
  const adaClerkId = (await t.run(async (ctx) => ctx.db.get("userProfiles", ada.userId)))!.clerkUserId!;
  const createdAt = Date.now();
  vi.advanceTimersByTime(60_000);
  await deliverAll(t, clerkEvents.membership("organizationMembership.deleted", { orgId: "org_a3", userId: adaClerkId, role: "org:admin", updatedAt: createdAt }));

  // The token still says org_a3 / admin.
  expect(await codeOf(ada.client.mutation(api.tenancy.accounts.rename, { accountId: ada.accountId, name: "Still mine?" }))).toBe("not_found");
  expect(await codeOf(ada.client.mutation(api.knowledge.documents.addText, { accountId: ada.accountId, scope: { kind: "user" }, title: "t", text: "x" }))).toBe(
    "not_found",
  );
  expect(await codeOf(ada.client.query(api.tenancy.accounts.get, { accountId: ada.accountId }))).toBe("not_found");
  const viewer = await ada.client.mutation(api.tenancy.viewer.sync, {});
  expect(viewer.accounts).toEqual([]);

  // Clerk's `created` for that membership, delivered late, is older than the revocation.
  await deliverAll(t, clerkEvents.membership("organizationMembership.created", { orgId: "org_a3", userId: adaClerkId, role: "org:admin", updatedAt: createdAt }));
  expect(await codeOf(ada.client.query(api.tenancy.accounts.get, { accountId: ada.accountId }))).toBe("not_found");

  // Re-added later in Clerk: back in, with the role Clerk gives now.
  vi.advanceTimersByTime(60_000);
  await deliverAll(t, clerkEvents.membership("organizationMembership.created", { orgId: "org_a3", userId: adaClerkId, role: "org:member" }));
  expect(await ada.client.query(api.tenancy.accounts.get, { accountId: ada.accountId })).toMatchObject({ role: "member" });
  // A token that still claims `admin` does not promote her back.
  await ada.client.mutation(api.tenancy.viewer.sync, {});
  expect(await codeOf(ada.client.mutation(api.tenancy.accounts.rename, { accountId: ada.accountId, name: "x" }))).toBe("forbidden");

  const audit = await t.run(async (ctx) => ctx.db.query("auditLog").withIndex("by_accountId_at", (q) => q.eq("accountId", ada.accountId)).collect());
  expect(audit.map((a) => a.action)).toEqual(["membership.revoke", "membership.grant"]);
  expect(audit[0]).toMatchObject({ actorRole: "service", targetKind: "user", targetId: ada.userId, reason: "Clerk organizationMembership.deleted" });
});

test("user.deleted: user-scoped knowledge is hard-deleted in every account, contributions stay but are anonymised, and each account gets an audit entry", async () => {
  const t = newHarness();
  const ada = await asMember(t, "org_del", "admin", "Ada");
  const bob = await asMember(t, "org_del", "member", "Bob");
  const adaClerkId = (await t.run(async (ctx) => ctx.db.get("userProfiles", ada.userId)))!.clerkUserId!;
  await ada.client.mutation(api.knowledge.documents.addText, { accountId: ada.accountId, scope: { kind: "user" }, title: "Mine", text: "Ada's private note." });
  await ada.client.mutation(api.knowledge.documents.addText, { accountId: ada.accountId, scope: { kind: "account" }, title: "Shared", text: "Shared handbook." });
  await bob.client.mutation(api.knowledge.documents.addText, { accountId: bob.accountId, scope: { kind: "user" }, title: "Bob's", text: "Bob's note." });
  await settle(t);

  await deliverAll(t, clerkEvents.userDeleted(adaClerkId));

  const docs = await t.run(async (ctx) => ctx.db.query("knowledgeDocuments").collect());
  expect(docs.map((d) => `${d.title}:${d.scope}`).sort()).toEqual(["Bob's:user", "Shared:account"]);
  const shared = docs.find((d) => d.title === "Shared")!;
  expect(shared.createdBy).toBe(ada.userId);
  const adaRow = (await t.run(async (ctx) => ctx.db.get("userProfiles", ada.userId)))!;
  expect(adaRow).toMatchObject({ status: "deleted", isPlatformAdmin: false });
  expect([adaRow.name, adaRow.email]).toEqual([undefined, undefined]);
  const memberships = await t.run(async (ctx) => ctx.db.query("memberships").withIndex("by_userId_accountId", (q) => q.eq("userId", ada.userId)).collect());
  expect(memberships.map((m) => m.status)).toEqual(["revoked"]);
  // Bob sees her as a nameless former member.
  const members = await bob.client.query(api.tenancy.accounts.listMembers, { accountId: bob.accountId, paginationOpts: { numItems: 10, cursor: null } });
  expect(members.page.find((m) => m.userId === ada.userId)).toMatchObject({ name: null, email: null, status: "revoked" });
  const audit = await t.run(async (ctx) => ctx.db.query("auditLog").withIndex("by_accountId_at", (q) => q.eq("accountId", ada.accountId)).collect());
  expect(audit).toEqual([expect.objectContaining({ action: "user.delete", targetKind: "user", targetId: ada.userId, actorRole: "service" })]);
  expect(await codeOf(ada.client.query(api.tenancy.viewer.get, {}))).toBe("forbidden");
});

test("processing that throws is retried with backoff and recorded on the event; when retries run out it is failed until an admin retries it", async () => {
  const t = newHarness();
  failNext("clerk.applyEvent", 2);
  await deliverAll(t, clerkEvents.user("user.created", "user_retry", { first: "Flaky" }));
  const [retried] = await t.run(async (ctx) => ctx.db.query("clerkEvents").collect());
  expect(retried).toMatchObject({ status: "processed", attempts: 3, outcome: "user.created" });
  expect(retried!.lastError).toBeUndefined();
  expect(await profile(t, "user_retry")).toMatchObject({ name: "Flaky" });

  const errors = vi.spyOn(console, "error").mockImplementation(() => {});
  failNext("clerk.applyEvent", 100);
  const svixId = "msg_fails";
  await send(t, clerkEvents.user("user.created", "user_broken", { first: "Broken" }), { svixId });
  await settle(t);
  const admin = await asAdmin(t);
  const failed = await admin.client.query(api.clerk.events.list, { paginationOpts: { numItems: 10, cursor: null }, status: "failed" });
  expect(failed.page).toEqual([expect.objectContaining({ svixId, status: "failed", attempts: 5, lastError: expect.stringMatching(/Injected/) })]);
  expect(await profile(t, "user_broken")).toBeNull();
  expect(errors.mock.calls.map(String).join("\n")).toContain("clerk.event_failed");

  failNext("clerk.applyEvent", 0);
  expect(await admin.client.mutation(api.clerk.events.retry, { svixId })).toEqual({ requeued: true });
  await settle(t);
  const detail = await admin.client.query(api.clerk.events.get, { svixId });
  expect(detail).toMatchObject({ status: "processed", attempts: 6, outcome: "user.created", lastError: null });
  expect(JSON.parse(detail!.body)).toMatchObject({ type: "user.created", data: { id: "user_broken" } });
  expect(await admin.client.mutation(api.clerk.events.retry, { svixId })).toEqual({ requeued: false });

  // Only platform admins can see or retry events.
  const member = await asMember(t, "org_x", "admin");
  expect(await codeOf(member.client.query(api.clerk.events.list, { paginationOpts: { numItems: 10, cursor: null } }))).toBe("forbidden");
  expect(await codeOf(member.client.mutation(api.clerk.events.retry, { svixId }))).toBe("forbidden");
});

test("a payload missing what we need is failed at once (no retries) and kept for inspection", async () => {
  const t = newHarness();
  await deliverAll(t, { object: "event", type: "user.created", timestamp: Date.now(), data: { first_name: "No Id" } });
  const [row] = await t.run(async (ctx) => ctx.db.query("clerkEvents").collect());
  expect(row).toMatchObject({ status: "failed", attempts: 1, lastError: "Malformed payload: data.id is missing" });
  expect(await t.run(async (ctx) => ctx.db.query("userProfiles").collect())).toEqual([]);
});
