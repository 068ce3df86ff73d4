import { expect, test } from "vitest";
import { api } from "../_generated/api";
import type { Id } from "../_generated/dataModel";
import { asMember, codeOf, newHarness, type Harness } from "../test.setup";

async function org(t: Harness, orgId = "org_manifest") {
  const admin = await asMember(t, orgId, "admin", `Admin ${orgId}`);
  const reader = await asMember(t, orgId, "readonly", `Reader ${orgId}`);
  const agents = await admin.client.query(api.agents.agents.list, { accountId: admin.accountId });
  const idOf = (slug: string) => agents.find((a) => a.slug === slug)!.agentId;
  return { admin, reader, accountId: admin.accountId, idOf };
}

async function refusal(promise: Promise<unknown>): Promise<{ code: string; message: string; field?: string }> {
  try {
    await promise;
  } catch (error) {
    return (error as { data: { code: string; message: string; field?: string } }).data;
  }
  return { code: "no error", message: "" };
}

async function agentRows(t: Harness, accountId: Id<"accounts">) {
  return await t.run(async (ctx) => ({
    agents: (await ctx.db.query("agents").withIndex("by_accountId_slug", (q) => q.eq("accountId", accountId)).collect()).length,
    versions: (await ctx.db.query("agentVersions").collect()).length,
    assignments: (await ctx.db.query("toolAssignments").collect()).length,
    edges: (await ctx.db.query("delegations").collect()).length,
  }));
}

test("export gives the capability-manifest shape; any member can export", async () => {
  const t = newHarness();
  const { reader, accountId, idOf } = await org(t);
  const manifest = await reader.client.query(api.agents.manifests.exportManifest, { accountId, agentId: idOf("assistant") });
  expect(manifest).toMatchObject({
    version: 1,
    kind: "agent",
    name: "Assistant",
    slug: "assistant",
    execution: { model: null },
    capability_level: "write",
    channels: [],
    metadata: { accent_color: "#4f46e5", template_slug: "assistant", agent_version: 1 },
  });
  expect(manifest.execution.instructions).toContain("helpful assistant");
  expect(manifest.tools).toEqual([
    { slug: "current_time", permission: "read", needs_approval: false },
    { slug: "delegate_researcher", permission: "read", needs_approval: false },
    { slug: "delegate_writer", permission: "read", needs_approval: false },
    { slug: "knowledge_search", permission: "read", needs_approval: false },
    { slug: "memory_search", permission: "read", needs_approval: false },
    { slug: "memory_store", permission: "write", needs_approval: false },
    { slug: "save_note", permission: "write", needs_approval: true },
  ]);
});

test("a manifest round trip: export, import under a new slug (as text or object), export again", async () => {
  const t = newHarness();
  const { admin, accountId, idOf } = await org(t);
  const original = await admin.client.query(api.agents.manifests.exportManifest, { accountId, agentId: idOf("assistant") });
  const imported = await admin.client.mutation(api.agents.manifests.importManifest, {
    accountId,
    manifest: JSON.stringify({ ...original, slug: "assistant-copy", name: "Assistant copy" }),
  });
  expect(imported).toMatchObject({ slug: "assistant-copy", name: "Assistant copy", version: 1, capabilityLevel: "write", accentColor: "#4f46e5" });
  const again = await admin.client.query(api.agents.manifests.exportManifest, { accountId, agentId: imported.agentId });
  expect({ ...again, slug: "assistant", name: "Assistant", metadata: {} }).toEqual({ ...original, metadata: {} });
  // Its delegations are real compositions.
  const graph = await admin.client.query(api.agents.delegations.delegationGraph, { accountId });
  expect(graph.edges.filter((e) => e.from === imported.agentId).map((e) => e.toolSlug).sort()).toEqual(["delegate_researcher", "delegate_writer"]);

  // Into another account, as an object: the same slugs resolve there.
  const other = await org(t, "org_other");
  const moved = await other.admin.client.mutation(api.agents.manifests.importManifest, {
    accountId: other.accountId,
    manifest: { ...original, slug: "imported", metadata: {} },
  });
  expect((await other.admin.client.query(api.agents.agents.get, { accountId: other.accountId, agentId: moved.agentId })).tools.length).toBe(7);
});

test("import refuses bad manifests with field-specific messages, naming the field's path as `field`, and writes nothing", async () => {
  const t = newHarness();
  const { admin, reader, accountId, idOf } = await org(t);
  const base = await admin.client.query(api.agents.manifests.exportManifest, { accountId, agentId: idOf("researcher") });
  const good = { ...base, slug: "researcher-2", metadata: {} };
  const before = await agentRows(t, accountId);
  const attempt = (manifest: unknown) => refusal(admin.client.mutation(api.agents.manifests.importManifest, { accountId, manifest }));
  const tools = [
    { slug: "current_time", permission: "read", needs_approval: false },
    { slug: "delegate_writer", permission: "read", needs_approval: false },
    { slug: "save_note", permission: "root", needs_approval: true },
  ];

  // About the manifest as a whole: no field.
  expect(await attempt("{")).toEqual({ code: "bad_request", message: "Invalid agent manifest: it is not valid JSON." });
  expect(await attempt([])).toEqual({ code: "bad_request", message: "Invalid agent manifest: it must be a JSON object." });
  expect(await attempt({ ...good, version: 2 })).toEqual({ code: "bad_request", message: "Invalid agent manifest: version must be 1.", field: "version" });
  expect((await attempt({ ...good, kind: "tool" })).message).toBe('Invalid agent manifest: kind must be "agent".');
  expect((await attempt({ ...good, slug: "Has Spaces" })).message).toMatch(/^Invalid agent manifest: slug must be 2 to 40 characters/);
  expect((await attempt({ ...good, name: "" })).message).toBe("Invalid agent manifest: name must be 1 to 80 characters.");
  expect(await attempt({ ...good, execution: { model: null } })).toEqual({
    code: "bad_request",
    message: "Invalid agent manifest: execution.instructions must be a string.",
    field: "execution.instructions",
  });
  expect((await attempt({ ...good, capability_level: "god" })).message).toBe("Invalid agent manifest: capability_level must be read, write or admin.");
  expect(await attempt({ ...good, capability_level: "write", tools })).toEqual({
    code: "bad_request",
    message: "Invalid agent manifest: tools[2].permission must be read, write or admin.",
    field: "tools[2].permission",
  });
  expect((await attempt({ ...good, tools: [tools[0], tools[0]] })).message).toBe('Invalid agent manifest: tools[1].slug repeats "current_time".');
  expect(await attempt({ ...good, tools: [{ slug: "web_crawl", permission: "read" }] })).toEqual({
    code: "bad_request",
    message: 'Invalid agent manifest: tools[0].slug: no tool "web_crawl" in this account.',
    field: "tools[0].slug",
  });
  // A check of the builder's, pinned to the manifest's path (not the builder's own "permission").
  expect(await attempt({ ...good, capability_level: "write", tools: [tools[0], { slug: "save_note", permission: "read" }] })).toEqual({
    code: "bad_request",
    message:
      "Invalid agent manifest: tools[1].permission: save_note is a write-level tool: an assignment with read permission cannot call it. Assign it with write permission or higher.",
    field: "tools[1].permission",
  });
  expect((await attempt({ ...good, capability_level: "read", tools: [{ slug: "save_note", permission: "write" }] })).message).toBe(
    "Invalid agent manifest: tools[0].permission: Researcher's capability level is read: it cannot hold an assignment with write permission.",
  );
  expect(await attempt({ ...good, execution: { ...good.execution, model: "anthropic/claude-sonnet-4" } })).toMatchObject({
    message: expect.stringMatching(/^Invalid agent manifest: execution.model: No provider serves/),
    field: "execution.model",
  });
  expect(await attempt({ ...good, channels: ["api", "fax"] })).toEqual({
    code: "bad_request",
    message: "Invalid agent manifest: channels[1] must be one of app, api, telegram, email.",
    field: "channels[1]",
  });
  expect((await attempt({ ...good, channels: ["email", "email"] })).message).toBe('Invalid agent manifest: channels[1] repeats "email".');
  expect(await attempt({ ...good, metadata: { accent_color: "red" } })).toEqual({
    code: "bad_request",
    message: "Invalid agent manifest: metadata.accent_color must be a colour like #4f46e5.",
    field: "metadata.accent_color",
  });
  expect((await attempt({ ...good, tools: [{ slug: "current_time", permission: "read", allowed_tools: ["x"] }] })).message).toBe(
    "Invalid agent manifest: tools[0].allowed_tools applies only to delegations (agent tools).",
  );
  expect(await attempt({ ...good, tools: [{ slug: "delegate_writer", permission: "read", allowed_tools: ["save_note"] }] })).toEqual({
    code: "bad_request",
    message: 'Invalid agent manifest: tools[0].allowed_tools[0]: Writer has no tool "save_note".',
    field: "tools[0].allowed_tools[0]",
  });
  // A taken slug is a conflict, at the slug.
  expect(await attempt({ ...good, slug: "researcher" })).toEqual({
    code: "conflict",
    message: 'An agent with the slug "researcher" already exists in this account.',
    field: "slug",
  });
  expect(await codeOf(reader.client.mutation(api.agents.manifests.importManifest, { accountId, manifest: good }))).toBe("forbidden");
  expect(await agentRows(t, accountId)).toEqual(before);

  const imported = await admin.client.mutation(api.agents.manifests.importManifest, { accountId, manifest: good });
  expect(imported.slug).toBe("researcher-2");
});

test("importing a delegation whose chain would be too deep is refused as a conflict naming the chain", async () => {
  const t = newHarness();
  const { admin, accountId, idOf } = await org(t);
  await admin.client.mutation(api.tenancy.accounts.setMaxDelegationDepth, { accountId, maxDelegationDepth: 1 });
  // Writer → Researcher makes Assistant → Writer → Researcher (2 > 1).
  const refused = await refusal(
    admin.client.mutation(api.agents.delegations.compose, { accountId, fromAgentId: idOf("writer"), toAgentId: idOf("researcher") }),
  );
  expect(refused).toEqual({
    code: "conflict",
    message: "This delegation would create a chain of 2 delegations (Assistant → Writer → Researcher), over this account's limit of 1.",
    chain: {
      reason: "depth",
      agents: [
        { agentId: idOf("assistant"), name: "Assistant" },
        { agentId: idOf("writer"), name: "Writer" },
        { agentId: idOf("researcher"), name: "Researcher" },
      ],
    },
  });
  // A new agent delegating to the Assistant: New → Assistant → Researcher.
  const base = await admin.client.query(api.agents.manifests.exportManifest, { accountId, agentId: idOf("writer") });
  const before = await agentRows(t, accountId);
  const result = await refusal(
    admin.client.mutation(api.agents.manifests.importManifest, {
      accountId,
      manifest: { ...base, slug: "boss", name: "Boss", tools: [{ slug: "delegate_assistant", permission: "read" }], metadata: {} },
    }),
  );
  expect(result.code).toBe("conflict");
  expect(result.field).toBe("tools[0]");
  expect(result.message).toMatch(/^Invalid agent manifest: tools\[0\]: This delegation would create a chain of 2 delegations \(Boss → Assistant → (Researcher|Writer)\)/);
  // The field prefix keeps the structured chain the builder highlights.
  const chain = (result as { chain?: { reason: string; agents: { name: string }[] } }).chain;
  expect(chain?.reason).toBe("depth");
  expect(chain?.agents.map((a) => a.name).slice(0, 2)).toEqual(["Boss", "Assistant"]);
  expect(await agentRows(t, accountId)).toEqual(before);
});

test("channels: an imported manifest's list is kept, exported again, and edited in the builder; none listed = every channel", async () => {
  const t = newHarness();
  const { admin, accountId, idOf } = await org(t, "org_channels");
  const manifest = await admin.client.query(api.agents.manifests.exportManifest, { accountId, agentId: idOf("researcher") });
  const imported = await admin.client.mutation(api.agents.manifests.importManifest, {
    accountId,
    manifest: JSON.stringify({ ...manifest, slug: "field-researcher", name: "Field researcher", tools: [], channels: ["api", "telegram"] }),
  });
  const again = await admin.client.query(api.agents.manifests.exportManifest, { accountId, agentId: imported.agentId });
  expect(again.channels).toEqual(["api", "telegram"]);
  const edited = await admin.client.mutation(api.agents.agents.update, { accountId, agentId: imported.agentId, channels: ["email"] });
  expect(edited.channels).toEqual(["email"]);
  expect(await refusal(admin.client.mutation(api.agents.agents.update, { accountId, agentId: imported.agentId, channels: ["pigeon"] }))).toMatchObject({ code: "bad_request", field: "channels[0]" });
  const cleared = await admin.client.mutation(api.agents.agents.update, { accountId, agentId: imported.agentId, channels: [] });
  expect(cleared.channels).toBeUndefined();
  expect((await admin.client.query(api.agents.manifests.exportManifest, { accountId, agentId: imported.agentId })).channels).toEqual([]);
});
