/**
 * The Admin/Audit page's query: platform admins filter the audit log of every
 * account by entity type, actor, surface, account and date range, page
 * through it, and export the same rows as CSV. Everyone else is refused.
 */
import { afterEach, beforeEach, expect, test, vi } from "vitest";
import { api } from "../_generated/api";
import { agentIdOf, createKey, request } from "../httpApi/testkit.testing";
import { agentManifestExample } from "../httpApi/openapi";
import { asAdmin, asUser, newHarness, refusal, type Harness } from "../test.setup";
import type { AuditFilters } from "./search";

beforeEach(() => {
  vi.useFakeTimers();
  vi.setSystemTime(new Date("2026-12-01T10:00:00Z"));
});
afterEach(() => {
  vi.useRealTimers();
});

const PROVIDER_KEY = "sk-test-abcdefghijklmnopqrstuvwxyz";

/** Two accounts' changes at known times: agent edits in SPA, a key's registration over the API, a model connection. */
async function seeded() {
  const t = newHarness();
  const platform = await asAdmin(t);
  const alice = await asUser(t, "Alice");
  const bob = await asUser(t, "Bob");
  const assistant = await agentIdOf(t, alice.accountId, "assistant");
  await alice.client.mutation(api.agents.agents.update, { accountId: alice.accountId, agentId: assistant, instructions: "One." });
  vi.setSystemTime(new Date("2026-12-02T10:00:00Z"));
  await alice.client.mutation(api.models.connections.create, { accountId: alice.accountId, name: "Router", kind: "openai-compatible", baseUrl: "https://openrouter.ai/api/v1", apiKey: PROVIDER_KEY });
  const { secret } = await createKey(bob, { permission: "admin" });
  vi.setSystemTime(new Date("2026-12-03T10:00:00Z"));
  expect((await request(t, "POST", "/v1/capabilities", { key: secret, body: agentManifestExample })).status).toBe(201);
  await bob.client.mutation(api.agents.agents.update, { accountId: bob.accountId, agentId: await agentIdOf(t, bob.accountId, "assistant"), instructions: "Two." });
  return { t, platform, alice, bob, secret };
}

async function actions(t: Harness, caller: Awaited<ReturnType<typeof asAdmin>>, filters: AuditFilters) {
  const page = await caller.client.query(api.audit.search.list, { filters, paginationOpts: { numItems: 50, cursor: null } });
  return page.page.map((e) => `${e.accountName}:${e.action}:${e.surface ?? "-"}`);
}

test("filters by entity type, actor, surface, account and date range, newest first", async () => {
  const { t, platform, alice, bob } = await seeded();
  expect(await actions(t, platform, {})).toEqual([
    "Bob:agent.update:spa",
    "Bob:agent.import:api_key",
    "Bob:apiKey.create:spa",
    "Alice:model_connection.create:spa",
    "Alice:agent.update:spa",
  ]);
  expect(await actions(t, platform, { targetKind: "agent" })).toEqual(["Bob:agent.update:spa", "Bob:agent.import:api_key", "Alice:agent.update:spa"]);
  expect(await actions(t, platform, { surface: "api_key" })).toEqual(["Bob:agent.import:api_key"]);
  expect(await actions(t, platform, { actor: alice.userId })).toEqual(["Alice:model_connection.create:spa", "Alice:agent.update:spa"]);
  expect(await actions(t, platform, { actor: alice.viewer.email! })).toEqual(["Alice:model_connection.create:spa", "Alice:agent.update:spa"]);
  expect(await actions(t, platform, { actor: "nobody@example.test" })).toEqual([]);
  expect(await actions(t, platform, { accountId: bob.accountId, targetKind: "agent" })).toEqual(["Bob:agent.update:spa", "Bob:agent.import:api_key"]);
  const day2 = { from: Date.parse("2026-12-02T00:00:00Z"), to: Date.parse("2026-12-02T23:59:59Z") };
  expect(await actions(t, platform, day2)).toEqual(["Bob:apiKey.create:spa", "Alice:model_connection.create:spa"]);
  expect(await actions(t, platform, { ...day2, surface: "spa", accountId: alice.accountId })).toEqual(["Alice:model_connection.create:spa"]);

  // The API key's entry names the key, not a person.
  const [imported] = (await platform.client.query(api.audit.search.list, { filters: { surface: "api_key" }, paginationOpts: { numItems: 5, cursor: null } })).page;
  expect(imported!.actorName).toMatch(/^test key \(thk_/);
});

test("pages through a filter without repeating or skipping an entry", async () => {
  const { t, platform } = await seeded();
  const seen: string[] = [];
  let cursor: string | null = null;
  for (;;) {
    const page: { page: { auditId: string }[]; isDone: boolean; continueCursor: string } = await platform.client.query(api.audit.search.list, {
      filters: {},
      paginationOpts: { numItems: 2, cursor },
    });
    seen.push(...page.page.map((e) => e.auditId));
    if (page.isDone) break;
    cursor = page.continueCursor;
  }
  const all = await t.run(async (ctx) => (await ctx.db.query("auditLog").collect()).map((r) => r._id as string));
  expect([...seen].sort()).toEqual([...all].sort());
});

test("CSV: the filtered entries, one line per changed field, secrets redacted, formulas defused", async () => {
  const { platform, alice } = await seeded();
  const { csv, entries, truncated } = await platform.client.query(api.audit.search.csv, { filters: { accountId: alice.accountId } });
  expect(entries).toBe(2);
  expect(truncated).toBe(false);
  const lines = csv.trimEnd().split("\r\n");
  expect(lines[0]).toBe("at,account,actor,actor_role,surface,action,entity_type,entity_id,field,before,after,reason");
  expect(lines.every((l, i) => i === 0 || l.includes("Alice"))).toBe(true);
  expect(lines.some((l) => l.includes("agent.update") && l.includes(',instructions,') && l.includes('"""One."""'))).toBe(true);
  expect(lines.some((l) => l.includes("model_connection.create") && l.includes(',apiKey,,"""[redacted]"""'))).toBe(true);
  expect(csv).not.toContain(PROVIDER_KEY.slice(3));
});

test("only platform admins read it; a backwards date range is a bad_request naming the field", async () => {
  const { t, alice } = await seeded();
  const filters = {};
  const paginationOpts = { numItems: 10, cursor: null };
  expect(await refusal(alice.client.query(api.audit.search.list, { filters, paginationOpts }))).toMatchObject({ code: "forbidden" });
  expect(await refusal(alice.client.query(api.audit.search.csv, { filters }))).toMatchObject({ code: "forbidden" });
  expect(await refusal(t.query(api.audit.search.list, { filters, paginationOpts }))).toMatchObject({ code: "unauthenticated" });
  const platform = await asAdmin(t);
  expect(await refusal(platform.client.query(api.audit.search.list, { filters: { from: 10, to: 5 }, paginationOpts }))).toMatchObject({ code: "bad_request", field: "to" });
});
