import { expect, test } from "vitest";
import { api, internal } from "../_generated/api";
import { asMember, codeOf, newHarness, type Harness } from "../test.setup";

async function org(t: Harness, orgId = "org_tools") {
  const admin = await asMember(t, orgId, "admin", `Admin ${orgId}`);
  const reader = await asMember(t, orgId, "readonly", `Reader ${orgId}`);
  return { admin, reader, accountId: admin.accountId };
}

async function messageOf(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
    return "no error";
  } catch (error) {
    return (error as { data: { message: string } }).data.message;
  }
}

const weather = {
  version: 1,
  kind: "tool",
  slug: "weather",
  name: "Weather",
  description: "Current weather for a city.",
  trust_level: "read",
  parameters: { type: "object", properties: { city: { type: "string" } }, required: ["city"] },
  execution: { type: "http", url: "https://api.example.com/weather", method: "GET" },
};

test("the registry lists built-ins and the account's agent tools; the built-in seed is idempotent", async () => {
  const t = newHarness();
  const { reader, accountId } = await org(t);
  const tools = await reader.client.query(api.tools.tools.list, { accountId });
  expect(tools.map((tool) => [tool.slug, tool.kind, tool.trustLevel])).toEqual([
    ["current_time", "builtin", "read"],
    ["knowledge_search", "builtin", "read"],
    ["memory_search", "builtin", "read"],
    ["memory_store", "builtin", "write"],
    ["save_note", "builtin", "write"],
    ["schedule_job", "builtin", "write"],
    ["task_complete", "builtin", "write"],
    ["task_create", "builtin", "write"],
    ["task_list", "builtin", "read"],
    ["task_update", "builtin", "write"],
    ["web_reader", "builtin", "read"],
    ["web_search", "builtin", "read"],
    ["delegate_researcher", "agent", "read"],
    ["delegate_writer", "agent", "read"],
  ]);
  const delegate = tools.find((tool) => tool.slug === "delegate_researcher")!;
  expect(delegate.parameters).toMatchObject({ type: "object", required: ["task"], properties: { task: {}, context: {} } });
  expect(delegate.agentId).toBeDefined();

  // Account creation already seeded the built-ins; seeding again changes nothing.
  expect(await t.mutation(internal.tools.tools.seedBuiltins, {})).toEqual({ inserted: 0, updated: 0, unchanged: 12 });
  const rows = await t.run(async (ctx) => ctx.db.query("tools").withIndex("by_accountId_slug", (q) => q.eq("accountId", null)).collect());
  expect(rows.map((r) => r.slug)).toEqual(["current_time", "knowledge_search", "memory_search", "memory_store", "save_note", "schedule_job", "task_complete", "task_create", "task_list", "task_update", "web_reader", "web_search"]);
  expect((await reader.client.query(api.tools.tools.get, { accountId, slug: "save_note" })).kind).toBe("builtin");
  expect(await codeOf(reader.client.query(api.tools.tools.get, { accountId, slug: "nope" }))).toBe("not_found");
});

test("an admin registers an HTTP tool by manifest; bad manifests are refused field by field, writing nothing", async () => {
  const t = newHarness();
  const { admin, reader, accountId } = await org(t);
  const register = (manifest: unknown) => admin.client.mutation(api.tools.tools.register, { accountId, manifest });

  expect(await messageOf(register("{not json"))).toBe("Invalid tool manifest: it is not valid JSON.");
  expect(await messageOf(register({ ...weather, kind: "agent" }))).toBe('Invalid tool manifest: kind must be "tool".');
  expect(await messageOf(register({ ...weather, slug: "Bad Slug" }))).toMatch(/^Invalid tool manifest: slug must be/);
  expect(await messageOf(register({ ...weather, slug: "delegate_x" }))).toMatch(/reserved for agent tools/);
  expect(await messageOf(register({ ...weather, slug: "current_time" }))).toBe('A tool with the slug "current_time" already exists.');
  expect(await messageOf(register({ ...weather, trust_level: "root" }))).toBe("Invalid tool manifest: trust_level must be read, write or admin.");
  expect(await messageOf(register({ ...weather, parameters: { type: "string" } }))).toBe(
    'Invalid tool manifest: parameters.type must be "object" (tool arguments are an object).',
  );
  expect(await messageOf(register({ ...weather, parameters: { type: "object", required: ["town"] } }))).toBe(
    'Invalid tool manifest: parameters.required names "town", which is not in parameters.properties.',
  );
  expect(await messageOf(register(JSON.stringify({ ...weather, parameters: { type: "object", $schema: "x" } })))).toMatch(
    /parameters.\$schema: keywords starting with "\$"/,
  );
  expect(await messageOf(register({ ...weather, execution: { type: "http", url: "ftp://x" } }))).toBe(
    "Invalid tool manifest: execution.url must be an http or https URL.",
  );
  expect(await messageOf(register({ ...weather, execution: { type: "http", url: "https://x.test", method: "TRACE" } }))).toBe(
    "Invalid tool manifest: execution.method must be one of GET, POST, PUT, PATCH, DELETE.",
  );
  expect(await codeOf(reader.client.mutation(api.tools.tools.register, { accountId, manifest: weather }))).toBe("forbidden");
  expect((await reader.client.query(api.tools.tools.list, { accountId, kind: "http" })).length).toBe(0);

  const tool = await register(JSON.stringify(weather));
  expect(tool).toMatchObject({ slug: "weather", kind: "http", accountOwned: true, trustLevel: "read", http: { url: "https://api.example.com/weather", method: "GET" } });
  expect(await codeOf(register(weather))).toBe("conflict");

  // Disable / enable; built-ins belong to the platform.
  expect((await admin.client.mutation(api.tools.tools.disable, { accountId, slug: "weather" })).status).toBe("disabled");
  expect((await reader.client.query(api.tools.tools.list, { accountId, kind: "http" })).length).toBe(0);
  expect((await reader.client.query(api.tools.tools.list, { accountId, kind: "http", includeDisabled: true })).length).toBe(1);
  expect((await admin.client.mutation(api.tools.tools.enable, { accountId, slug: "weather" })).status).toBe("active");
  expect(await codeOf(admin.client.mutation(api.tools.tools.disable, { accountId, slug: "save_note" }))).toBe("forbidden");
  expect(await codeOf(reader.client.mutation(api.tools.tools.disable, { accountId, slug: "weather" }))).toBe("forbidden");

  // Another account does not see it.
  const other = await org(t, "org_other");
  expect(await codeOf(other.admin.client.query(api.tools.tools.get, { accountId: other.accountId, slug: "weather" }))).toBe("not_found");
  expect(await codeOf(other.admin.client.mutation(api.tools.tools.disable, { accountId: other.accountId, slug: "weather" }))).toBe("not_found");
});

test("assignment permission caps the tools an agent may call: below the trust level is refused", async () => {
  const t = newHarness();
  const { admin, reader, accountId } = await org(t);
  const { agentId } = await admin.client.mutation(api.agents.agents.create, {
    accountId,
    name: "Scribe",
    slug: "scribe",
    instructions: "You write notes.",
  });
  expect(await messageOf(admin.client.mutation(api.tools.assignments.assign, { accountId, agentId, toolSlug: "save_note", permission: "read" }))).toBe(
    "save_note is a write-level tool: an assignment with read permission cannot call it. Assign it with write permission or higher.",
  );
  expect(await codeOf(admin.client.mutation(api.tools.assignments.assign, { accountId, agentId, toolSlug: "nope" }))).toBe("not_found");
  expect(await codeOf(reader.client.mutation(api.tools.assignments.assign, { accountId, agentId, toolSlug: "save_note" }))).toBe("forbidden");

  // Defaults: permission = the tool's trust level; write tools need approval, read tools don't.
  const note = await admin.client.mutation(api.tools.assignments.assign, { accountId, agentId, toolSlug: "save_note" });
  expect(note).toMatchObject({ toolSlug: "save_note", permission: "write", needsApproval: true, usable: true, toolKind: "builtin" });
  const time = await admin.client.mutation(api.tools.assignments.assign, { accountId, agentId, toolSlug: "current_time" });
  expect(time).toMatchObject({ permission: "read", needsApproval: false });
  expect(await codeOf(admin.client.mutation(api.tools.assignments.assign, { accountId, agentId, toolSlug: "current_time" }))).toBe("conflict");

  // Lowering an existing assignment below the tool's level is refused too.
  expect(await codeOf(admin.client.mutation(api.tools.assignments.update, { accountId, agentId, toolSlug: "save_note", permission: "read" }))).toBe(
    "bad_request",
  );
  const updated = await admin.client.mutation(api.tools.assignments.update, { accountId, agentId, toolSlug: "save_note", needsApproval: false });
  expect(updated.needsApproval).toBe(false);

  // The runtime reads the same rows it always did.
  const rows = await t.run(async (ctx) =>
    ctx.db.query("toolAssignments").withIndex("by_agentId_toolSlug", (q) => q.eq("agentId", agentId)).collect(),
  );
  expect(rows.map((r) => [r.toolSlug, r.permission, r.needsApproval])).toEqual([
    ["current_time", "read", false],
    ["save_note", "write", false],
  ]);

  await admin.client.mutation(api.tools.assignments.unassign, { accountId, agentId, toolSlug: "save_note" });
  expect((await reader.client.query(api.tools.assignments.listForAgent, { accountId, agentId })).map((a) => a.toolSlug)).toEqual(["current_time"]);
  expect(await codeOf(admin.client.mutation(api.tools.assignments.unassign, { accountId, agentId, toolSlug: "save_note" }))).toBe("not_found");
  // create (1) + 2 assigns + 1 update + 1 unassign = version 5.
  expect((await reader.client.query(api.agents.agents.get, { accountId, agentId })).version).toBe(5);
});

test("an agent's capability level caps its assignments; a disabled tool cannot be assigned", async () => {
  const t = newHarness();
  const { admin, accountId } = await org(t);
  const { agentId } = await admin.client.mutation(api.agents.agents.create, {
    accountId,
    name: "Reader bot",
    slug: "reader-bot",
    instructions: "You only read.",
    capabilityLevel: "read",
  });
  expect(await messageOf(admin.client.mutation(api.tools.assignments.assign, { accountId, agentId, toolSlug: "save_note" }))).toBe(
    "Reader bot's capability level is read: it cannot hold an assignment with write permission.",
  );
  await admin.client.mutation(api.tools.tools.register, { accountId, manifest: weather });
  await admin.client.mutation(api.tools.tools.disable, { accountId, slug: "weather" });
  expect(await codeOf(admin.client.mutation(api.tools.assignments.assign, { accountId, agentId, toolSlug: "weather" }))).toBe("conflict");
  await admin.client.mutation(api.tools.tools.enable, { accountId, slug: "weather" });
  expect((await admin.client.mutation(api.tools.assignments.assign, { accountId, agentId, toolSlug: "weather" })).usable).toBe(true);
});
