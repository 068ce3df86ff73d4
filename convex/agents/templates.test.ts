import { expect, test } from "vitest";
import { api, internal } from "../_generated/api";
import { asMember, codeOf, newHarness, type Harness } from "../test.setup";
import { PLATFORM_TEMPLATES } from "./templateCatalogue";

async function org(t: Harness, orgId = "org_templates") {
  const admin = await asMember(t, orgId, "admin", `Admin ${orgId}`);
  const member = await asMember(t, orgId, "member", `Member ${orgId}`);
  return { admin, member, accountId: admin.accountId };
}

test("template seeding upserts by slug and is idempotent", async () => {
  const t = newHarness();
  expect(await t.mutation(internal.agents.templates.seed, {})).toEqual({ inserted: PLATFORM_TEMPLATES.length, updated: 0, unchanged: 0 });
  expect(await t.mutation(internal.agents.templates.seed, {})).toEqual({ inserted: 0, updated: 0, unchanged: PLATFORM_TEMPLATES.length });
  // A stale row is brought back to the code's definition, not duplicated.
  await t.run(async (ctx) => {
    const row = (await ctx.db.query("agentTemplates").withIndex("by_slug", (q) => q.eq("slug", "writer")).unique())!;
    await ctx.db.patch("agentTemplates", row._id, { description: "stale" });
  });
  expect(await t.mutation(internal.agents.templates.seed, {})).toEqual({ inserted: 0, updated: 1, unchanged: PLATFORM_TEMPLATES.length - 1 });
  const rows = await t.run(async (ctx) => ctx.db.query("agentTemplates").withIndex("by_slug").collect());
  expect(rows.map((r) => r.slug)).toEqual(["assistant", "project-assistant", "researcher", "writer"]);
  expect(rows.find((r) => r.slug === "writer")!.description).not.toBe("stale");
});

test("the catalogue lists the Assistant, which delegates to the Researcher and the Writer", async () => {
  const t = newHarness();
  const { member, accountId } = await org(t);
  const templates = await member.client.query(api.agents.templates.list, { accountId });
  expect(templates.map((tpl) => tpl.slug)).toEqual(["assistant", "project-assistant", "researcher", "writer"]);
  const assistant = templates.find((tpl) => tpl.slug === "assistant")!;
  expect(assistant.delegations.map((d) => d.templateSlug)).toEqual(["researcher", "writer"]);
  expect(assistant.tools).toEqual([
    { slug: "current_time", permission: "read", needsApproval: false },
    { slug: "save_note", permission: "write", needsApproval: true },
    { slug: "memory_store", permission: "write", needsApproval: false },
    { slug: "memory_search", permission: "read", needsApproval: false },
    { slug: "knowledge_search", permission: "read", needsApproval: false },
  ]);
});

test("a new account gets the Assistant template: Assistant + Researcher + Writer, delegations, tools, version 1", async () => {
  const t = newHarness();
  const { admin, accountId } = await org(t);
  const agents = await admin.client.query(api.agents.agents.list, { accountId });
  expect(agents.map((a) => [a.slug, a.templateSlug, a.version, a.status])).toEqual([
    ["assistant", "assistant", 1, "active"],
    ["researcher", "researcher", 1, "active"],
    ["writer", "writer", 1, "active"],
  ]);
  const assistant = await admin.client.query(api.agents.agents.get, { accountId, agentId: agents[0]!.agentId });
  expect(assistant.tools.map((a) => [a.toolSlug, a.permission, a.needsApproval, a.toolKind, a.usable])).toEqual([
    ["current_time", "read", false, "builtin", true],
    ["delegate_researcher", "read", false, "agent", true],
    ["delegate_writer", "read", false, "agent", true],
    ["knowledge_search", "read", false, "builtin", true],
    ["memory_search", "read", false, "builtin", true],
    ["memory_store", "write", false, "builtin", true],
    ["save_note", "write", true, "builtin", true],
  ]);
  const v1 = await admin.client.query(api.agents.agents.getVersion, { accountId, agentId: assistant.agentId, version: 1 });
  expect(v1.tools.map((tool) => tool.toolSlug)).toEqual([
    "current_time",
    "delegate_researcher",
    "delegate_writer",
    "knowledge_search",
    "memory_search",
    "memory_store",
    "save_note",
  ]);
  // The seed's second run (and any later provisioning) leaves the account alone.
  const { accountId: demo } = await t.mutation(internal.seed.localDemo, {});
  await t.mutation(internal.seed.localDemo, {});
  const demoAgents = await t.run(async (ctx) => ctx.db.query("agents").withIndex("by_accountId_slug", (q) => q.eq("accountId", demo)).collect());
  expect(demoAgents.map((a) => a.slug)).toEqual(["assistant", "researcher", "writer"]);
});

test("instantiate creates the agent and reuses the delegates the account already has", async () => {
  const t = newHarness();
  const { admin, member, accountId } = await org(t);
  const result = await admin.client.mutation(api.agents.templates.instantiate, {
    accountId,
    templateSlug: "assistant",
    slug: "helper",
    name: "Helper",
  });
  expect(result.created.map((a) => a.slug)).toEqual(["helper"]);
  const graph = await admin.client.query(api.agents.delegations.delegationGraph, { accountId });
  const slugOf = new Map(graph.nodes.map((n) => [n.agentId, n.slug]));
  expect(graph.edges.map((e) => `${slugOf.get(e.from)}→${slugOf.get(e.to)}`).sort()).toEqual([
    "assistant→researcher",
    "assistant→writer",
    "helper→researcher",
    "helper→writer",
  ]);
  const helper = await admin.client.query(api.agents.agents.get, { accountId, agentId: result.agentId });
  expect(helper).toMatchObject({ name: "Helper", templateSlug: "assistant", version: 1 });

  expect(await codeOf(admin.client.mutation(api.agents.templates.instantiate, { accountId, templateSlug: "researcher" }))).toBe("conflict");
  expect(await codeOf(admin.client.mutation(api.agents.templates.instantiate, { accountId, templateSlug: "nope" }))).toBe("not_found");
  expect(await codeOf(admin.client.mutation(api.agents.templates.instantiate, { accountId, templateSlug: "writer", slug: "Bad" }))).toBe("bad_request");
  expect(await codeOf(member.client.mutation(api.agents.templates.instantiate, { accountId, templateSlug: "writer", slug: "writer-2" }))).toBe(
    "forbidden",
  );
  const second = await admin.client.mutation(api.agents.templates.instantiate, { accountId, templateSlug: "writer", slug: "writer-2" });
  expect(second.created.map((a) => a.slug)).toEqual(["writer-2"]);
});

test("instantiate refuses to reuse a delegate slug held by an archived agent; nothing is written", async () => {
  const t = newHarness();
  const { admin, accountId } = await org(t);
  const agents = await admin.client.query(api.agents.agents.list, { accountId });
  await admin.client.mutation(api.agents.agents.archive, { accountId, agentId: agents.find((a) => a.slug === "researcher")!.agentId });
  let message = "";
  try {
    await admin.client.mutation(api.agents.templates.instantiate, { accountId, templateSlug: "assistant", slug: "helper" });
  } catch (error) {
    message = (error as { data: { message: string } }).data.message;
  }
  expect(message).toBe('This template delegates to a "researcher" agent, but the slug "researcher" is taken by an archived agent.');
  const after = await admin.client.query(api.agents.agents.list, { accountId, includeArchived: true });
  expect(after.map((a) => a.slug)).toEqual(["assistant", "researcher", "writer"]);
});

test("a fresh account in a fresh deployment gets the Assistant even before any seed ran", async () => {
  const t = newHarness();
  const { admin, accountId } = await org(t, "org_first");
  expect((await admin.client.query(api.agents.agents.list, { accountId })).length).toBe(3);
  // Provisioning mirrored the catalogue it used.
  const rows = await t.run(async (ctx) => ({
    templates: (await ctx.db.query("agentTemplates").withIndex("by_slug").collect()).length,
    builtins: (await ctx.db.query("tools").withIndex("by_accountId_slug", (q) => q.eq("accountId", null)).collect()).length,
  }));
  expect(rows).toEqual({ templates: 3, builtins: 12 });
});
