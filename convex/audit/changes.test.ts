/**
 * Every configuration change leaves exactly one audit entry: who, which
 * surface, what (entity type + id), the changed fields before and after, and
 * never a secret's value. One row per kind of change, driven through the
 * public surface (SPA mutations, the HTTP API with a key, the CLI).
 */
import { afterEach, beforeEach, expect, test, vi } from "vitest";
import { api, internal } from "../_generated/api";
import type { Doc, Id } from "../_generated/dataModel";
import { agentManifestExample, toolManifestExample } from "../httpApi/openapi";
import { agentIdOf, createKey, request } from "../httpApi/testkit.testing";
import { asAdmin, asMember, newHarness, type Harness } from "../test.setup";

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

type Admin = Awaited<ReturnType<typeof asMember>>;
type World = { t: Harness; orgId: string; admin: Admin; member: Admin; assistant: Id<"agents">; researcher: Id<"agents"> };
type Expected = {
  action: string;
  targetKind: string;
  surface: "spa" | "api_key" | "cli" | "webhook";
  /** Fields that must be among the changed ones, with their after value when given. */
  fields: Record<string, string | undefined>;
  /** Text that must appear nowhere in the entry (secrets). */
  secrets?: string[];
};
type Case = { name: string; change: (w: World) => Promise<{ secrets?: string[] } | void>; expected: Expected };

const PROVIDER_KEY = "sk-test-0123456789abcdefghijklmnop";

const CASES: Case[] = [
  {
    name: "create an agent",
    change: async ({ admin }) => {
      await admin.client.mutation(api.agents.agents.create, { accountId: admin.accountId, name: "Auditor", slug: "auditor", instructions: "Check things." });
    },
    expected: { action: "agent.create", targetKind: "agent", surface: "spa", fields: { name: '"Auditor"', instructions: '"Check things."' } },
  },
  {
    name: "edit an agent's instructions and model",
    change: async ({ admin, assistant }) => {
      await admin.client.mutation(api.agents.agents.update, { accountId: admin.accountId, agentId: assistant, instructions: "Be brief.", modelId: "offline" });
    },
    expected: { action: "agent.update", targetKind: "agent", surface: "spa", fields: { instructions: '"Be brief."', version: "2" } },
  },
  {
    name: "pause an agent",
    change: async ({ admin, researcher }) => {
      await admin.client.mutation(api.agents.agents.pause, { accountId: admin.accountId, agentId: researcher });
    },
    expected: { action: "agent.pause", targetKind: "agent", surface: "spa", fields: { status: '"paused"' } },
  },
  {
    name: "archive an agent",
    change: async ({ admin, researcher }) => {
      await admin.client.mutation(api.agents.agents.archive, { accountId: admin.accountId, agentId: researcher });
    },
    expected: { action: "agent.archive", targetKind: "agent", surface: "spa", fields: { status: '"archived"' } },
  },
  {
    name: "import an agent manifest",
    change: async ({ admin }) => {
      await admin.client.mutation(api.agents.manifests.importManifest, { accountId: admin.accountId, manifest: agentManifestExample });
    },
    expected: { action: "agent.import", targetKind: "agent", surface: "spa", fields: { slug: `"${agentManifestExample.slug}"` } },
  },
  {
    name: "assign a tool",
    change: async ({ t, admin, researcher }) => {
      await admin.client.mutation(api.tools.assignments.unassign, { accountId: admin.accountId, agentId: researcher, toolSlug: "current_time" });
      await clearAudit(t);
      await admin.client.mutation(api.tools.assignments.assign, { accountId: admin.accountId, agentId: researcher, toolSlug: "current_time", permission: "read", needsApproval: true });
    },
    expected: { action: "tool.assign", targetKind: "toolAssignment", surface: "spa", fields: { permission: '"read"', needsApproval: "true" } },
  },
  {
    name: "change a tool assignment",
    change: async ({ admin, assistant }) => {
      await admin.client.mutation(api.tools.assignments.update, { accountId: admin.accountId, agentId: assistant, toolSlug: "current_time", needsApproval: true });
    },
    expected: { action: "tool.assignment_update", targetKind: "toolAssignment", surface: "spa", fields: { needsApproval: "true" } },
  },
  {
    name: "unassign a tool",
    change: async ({ admin, assistant }) => {
      await admin.client.mutation(api.tools.assignments.unassign, { accountId: admin.accountId, agentId: assistant, toolSlug: "current_time" });
    },
    expected: { action: "tool.unassign", targetKind: "toolAssignment", surface: "spa", fields: { permission: undefined } },
  },
  {
    name: "disable a tool",
    change: async ({ admin }) => {
      await admin.client.mutation(api.tools.tools.disable, { accountId: admin.accountId, slug: "delegate_writer" });
    },
    expected: { action: "tool.disable", targetKind: "tool", surface: "spa", fields: { status: '"disabled"' } },
  },
  {
    name: "register an HTTP tool in the SPA",
    change: async ({ admin }) => {
      await admin.client.mutation(api.tools.tools.register, { accountId: admin.accountId, manifest: toolManifestExample });
    },
    expected: { action: "tool.register", targetKind: "tool", surface: "spa", fields: { slug: `"${toolManifestExample.slug}"` } },
  },
  {
    name: "compose a delegation",
    change: async ({ admin, researcher }) => {
      await admin.client.mutation(api.agents.delegations.compose, { accountId: admin.accountId, fromAgentId: researcher, toAgentId: await writerOf(admin) });
    },
    expected: { action: "delegation.compose", targetKind: "delegation", surface: "spa", fields: { permission: '"read"' } },
  },
  {
    name: "remove a delegation",
    change: async ({ admin, assistant, researcher }) => {
      await admin.client.mutation(api.agents.delegations.decompose, { accountId: admin.accountId, fromAgentId: assistant, toAgentId: researcher });
    },
    expected: { action: "delegation.decompose", targetKind: "delegation", surface: "spa", fields: { delegateToAgentId: undefined } },
  },
  {
    name: "set a budget",
    change: async ({ admin }) => {
      await admin.client.mutation(api.usage.budgets.setBudget, { accountId: admin.accountId, scope: "account", period: "month", capUsd: 25 });
    },
    expected: { action: "budget.set", targetKind: "budget", surface: "spa", fields: { capUsd: "25" } },
  },
  {
    name: "change a member's role",
    change: async ({ admin, member }) => {
      await admin.client.mutation(api.tenancy.accounts.setMemberRole, { accountId: admin.accountId, userId: member.userId, role: "readonly" });
    },
    expected: { action: "membership.role", targetKind: "membership", surface: "spa", fields: { role: '"readonly"' } },
  },
  {
    name: "remove a member",
    change: async ({ admin, member }) => {
      await admin.client.mutation(api.tenancy.accounts.removeMember, { accountId: admin.accountId, userId: member.userId });
    },
    expected: { action: "membership.remove", targetKind: "membership", surface: "spa", fields: { status: '"revoked"' } },
  },
  {
    name: "change the maximum delegation depth",
    change: async ({ admin }) => {
      await admin.client.mutation(api.tenancy.accounts.setMaxDelegationDepth, { accountId: admin.accountId, maxDelegationDepth: 2 });
    },
    expected: { action: "account.max_delegation_depth", targetKind: "account", surface: "spa", fields: { maxDelegationDepth: "2" } },
  },
  {
    name: "create an API key (its secret never in the entry)",
    change: async ({ admin }) => {
      const { secret } = await createKey(admin, { name: "ci", permission: "read" });
      return { secrets: [secret, secret.slice(4)] };
    },
    expected: { action: "apiKey.create", targetKind: "apiKey", surface: "spa", fields: { permission: '"read"', secretHash: '"[redacted]"' } },
  },
  {
    name: "add a model connection with a provider key",
    change: async ({ admin }) => {
      await admin.client.mutation(api.models.connections.create, { accountId: admin.accountId, name: "Router", kind: "openai-compatible", baseUrl: "https://openrouter.ai/api/v1", apiKey: PROVIDER_KEY });
      return { secrets: [PROVIDER_KEY, PROVIDER_KEY.slice(3, -4)] };
    },
    expected: { action: "model_connection.create", targetKind: "model_connection", surface: "spa", fields: { apiKey: '"[redacted]"', name: '"Router"' } },
  },
  {
    name: "subscribe a webhook (its signing secret never in the entry)",
    change: async ({ admin }) => {
      const { secret } = await admin.client.mutation(api.outbound.subscriptions.subscribe, { accountId: admin.accountId, url: "https://hooks.example.com/in", events: ["interaction.completed"] });
      return { secrets: [secret] };
    },
    expected: { action: "webhook.subscribe", targetKind: "webhook_subscription", surface: "spa", fields: { secret: '"[redacted]"', url: '"https://hooks.example.com/in"' } },
  },
  {
    name: "turn on the email channel",
    change: async ({ admin, assistant }) => {
      await admin.client.mutation(api.channels.email.inboxes.configure, { accountId: admin.accountId, enabled: true, defaultAgentId: assistant });
    },
    expected: { action: "email_inbox.enable", targetKind: "email_inbox", surface: "spa", fields: { enabled: "true" } },
  },
  {
    name: "stop an agent remembering facts from conversations",
    change: async ({ admin, assistant }) => {
      await admin.client.mutation(api.knowledge.factSettings.set, { accountId: admin.accountId, agentId: assistant, extractFacts: false });
    },
    expected: { action: "knowledge.fact_extraction", targetKind: "agent", surface: "spa", fields: { extractFacts: "false" } },
  },
  {
    name: "register an agent over the HTTP API with a key",
    change: async ({ t, admin }) => {
      const { secret } = await createKey(admin, { permission: "admin" });
      await clearAudit(t);
      const answer = await request(t, "POST", "/v1/capabilities", { key: secret, body: { ...agentManifestExample, slug: "api-made" } });
      expect(answer.status).toBe(201);
      return { secrets: [secret] };
    },
    expected: { action: "agent.import", targetKind: "agent", surface: "api_key", fields: { slug: '"api-made"' } },
  },
];

async function writerOf(admin: Admin): Promise<Id<"agents">> {
  const agents = await admin.client.query(api.agents.agents.list, { accountId: admin.accountId });
  return agents.find((a) => a.slug === "writer")!.agentId;
}

async function clearAudit(t: Harness) {
  await t.run(async (ctx) => {
    for (const row of await ctx.db.query("auditLog").collect()) await ctx.db.delete("auditLog", row._id);
  });
}

async function auditRows(t: Harness): Promise<Doc<"auditLog">[]> {
  return await t.run(async (ctx) => await ctx.db.query("auditLog").collect());
}

let worlds = 0;

async function world(): Promise<World> {
  const t = newHarness();
  const orgId = `org_audit_${++worlds}`;
  const admin = await asMember(t, orgId, "admin");
  const member = await asMember(t, orgId, "member");
  return { t, orgId, admin, member, assistant: await agentIdOf(t, admin.accountId, "assistant"), researcher: await agentIdOf(t, admin.accountId, "researcher") };
}

test.each(CASES)("$name: one audit entry with the changed fields, the surface and no secrets", async ({ change, expected }) => {
  const w = await world();
  await clearAudit(w.t);
  const returned = (await change(w)) ?? {};
  const rows = await auditRows(w.t);
  expect(rows.map((r) => r.action)).toEqual([expected.action]);
  const [row] = rows;
  expect(row).toMatchObject({ accountId: w.admin.accountId, targetKind: expected.targetKind, surface: expected.surface });
  if (expected.surface === "spa") expect(row!.actorUserId).toBe(w.admin.userId);
  else expect(row!.actorUserId).toBeUndefined();
  if (expected.surface === "api_key") expect(row!.actorLabel).toMatch(/thk_/);
  const changed = new Map((row!.changes ?? []).map((c) => [c.field, c]));
  for (const [field, after] of Object.entries(expected.fields)) {
    expect(changed.has(field), `${field} among ${[...changed.keys()].join(", ")}`).toBe(true);
    if (after !== undefined) expect(changed.get(field)!.after).toBe(after);
  }
  // Only what changed: an unchanged field is not listed (the account never changes here).
  if (row!.changes!.some((c) => c.before !== undefined)) expect(changed.has("accountId")).toBe(false);
  const text = JSON.stringify(row);
  for (const secret of [...(expected.secrets ?? []), ...(returned.secrets ?? [])]) expect(text).not.toContain(secret);
});

test("a change that changes nothing writes no entry; a refused change writes none either", async () => {
  const w = await world();
  await w.admin.client.mutation(api.usage.budgets.setBudget, { accountId: w.admin.accountId, scope: "account", period: "day", capUsd: 5 });
  await clearAudit(w.t);
  await w.admin.client.mutation(api.usage.budgets.setBudget, { accountId: w.admin.accountId, scope: "account", period: "day", capUsd: 5 });
  await w.admin.client.mutation(api.agents.agents.update, { accountId: w.admin.accountId, agentId: w.assistant, name: "Assistant" });
  await expect(w.member.client.mutation(api.agents.agents.update, { accountId: w.admin.accountId, agentId: w.assistant, name: "Mine" })).rejects.toThrow();
  await expect(w.admin.client.mutation(api.tenancy.accounts.setMaxDelegationDepth, { accountId: w.admin.accountId, maxDelegationDepth: 99 })).rejects.toThrow();
  // The Assistant remembers facts by default: saying so again changes nothing; a member may not change it.
  await w.admin.client.mutation(api.knowledge.factSettings.set, { accountId: w.admin.accountId, agentId: w.assistant, extractFacts: true });
  await expect(w.member.client.mutation(api.knowledge.factSettings.set, { accountId: w.admin.accountId, agentId: w.assistant, extractFacts: false })).rejects.toThrow();
  expect(await auditRows(w.t)).toEqual([]);
  expect(await w.admin.client.query(api.knowledge.factSettings.get, { accountId: w.admin.accountId, agentId: w.assistant })).toEqual({ extractFacts: true, isDefault: true });
});

test("replacing a provider key is recorded as a change of the key, redacted, with the new last four characters", async () => {
  const w = await world();
  const created = await w.admin.client.mutation(api.models.connections.create, { accountId: w.admin.accountId, name: "Router", kind: "openai-compatible", baseUrl: "https://openrouter.ai/api/v1", apiKey: PROVIDER_KEY });
  await clearAudit(w.t);
  const next = "sk-test-zyxwvutsrqponmlkjihgfedcba9876";
  await w.admin.client.mutation(api.models.connections.update, { accountId: w.admin.accountId, connectionId: created.connectionId, apiKey: next });
  const [row] = await auditRows(w.t);
  const byField = Object.fromEntries(row!.changes!.map((c) => [c.field, c]));
  expect(byField.apiKey).toEqual({ field: "apiKey", before: '"[redacted]"', after: '"[redacted]"' });
  expect(byField.keyLast4).toEqual({ field: "keyLast4", before: '"mnop"', after: '"9876"' });
  expect(JSON.stringify(row)).not.toContain(next.slice(3, -4));
  expect(JSON.stringify(row)).not.toContain(PROVIDER_KEY.slice(3, -4));
});

test("platform switches and flags: the platform log records the surface (SPA or CLI) and the change", async () => {
  const t = newHarness();
  const admin = await asAdmin(t);
  await admin.client.mutation(api.ops.flags.set, { key: "new_inspector", enabled: true, description: "try it" });
  await t.mutation(internal.ops.cli.setFeatureFlag, { key: "new_inspector", enabled: false });
  const rows = await t.run(async (ctx) => await ctx.db.query("platformAuditLog").collect());
  expect(rows.map((r) => [r.action, r.surface, r.actorRole])).toEqual([
    ["flag.set", "spa", "platform_admin"],
    ["flag.set", "cli", "operator"],
  ]);
  expect(rows[0]!.changes).toEqual(expect.arrayContaining([{ field: "enabled", after: "true" }]));
  expect(rows[1]!.changes).toEqual([{ field: "enabled", before: "true", after: "false" }]);
});

test("a role the sign-in token claims (before Clerk's webhook) is audited as a system change; the same role again writes nothing", async () => {
  const w = await world();
  const identity = { subject: "promoted", tokenIdentifier: "https://clerk.test|promoted", name: "Promoted", email: "promoted@example.test", org_id: w.orgId, org_slug: "audit" };
  const asMemberToken = w.t.withIdentity({ ...identity, org_role: "org:member" });
  await asMemberToken.mutation(api.tenancy.viewer.sync, {});
  await clearAudit(w.t);
  await asMemberToken.mutation(api.tenancy.viewer.sync, {});
  expect(await auditRows(w.t)).toEqual([]);
  await w.t.withIdentity({ ...identity, org_role: "org:admin" }).mutation(api.tenancy.viewer.sync, {});
  const rows = await auditRows(w.t);
  expect(rows).toHaveLength(1);
  expect(rows[0]).toMatchObject({ action: "membership.role", targetKind: "membership", surface: "system", actorLabel: "Clerk sign-in token", accountId: w.admin.accountId });
  expect(rows[0]!.actorUserId).toBeUndefined();
  expect(rows[0]!.changes).toEqual([{ field: "role", before: '"member"', after: '"admin"' }]);
});
