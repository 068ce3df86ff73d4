/**
 * Capabilities over HTTP: list (all, or by kind), get one, register an agent
 * or an external tool by manifest — the same rules as the app's import and
 * registration (a taken slug is 409, nothing written on a refusal). Keys see
 * only what their agent may reach; only admin keys register.
 */
import { afterEach, beforeEach, expect, test, vi } from "vitest";
import { api } from "../_generated/api";
import { newHarness } from "../test.setup";
import type { Capability } from "./capabilities";
import { agentManifestExample, toolManifestExample } from "./openapi";
import { adminWithKey, agentIdOf, createKey, request, rowCounts } from "./testkit.testing";

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

const agentManifest = agentManifestExample;
const toolManifest = toolManifestExample;

test("list and get: the account's agents and tools, filtered by kind", async () => {
  const t = newHarness();
  const { admin, secret } = await adminWithKey(t, { permission: "read" });
  const all = (await request(t, "GET", "/v1/capabilities", { key: secret })).body.data as Capability[];
  const agents = all.filter((c) => c.kind === "agent");
  expect(agents.map((c) => c.id)).toEqual(["agent:assistant", "agent:researcher", "agent:writer"]);
  expect(agents[0]).toMatchObject({ slug: "assistant", name: "Assistant", status: "active", agent: { agent_id: await agentIdOf(t, admin.accountId, "assistant"), version: 1 } });
  const tools = all.filter((c) => c.kind === "tool").map((c) => c.id);
  expect(tools).toEqual(expect.arrayContaining(["tool:current_time", "tool:save_note", "tool:delegate_researcher", "tool:delegate_writer"]));
  // The same set the app shows.
  const appTools = await admin.client.query(api.tools.tools.list, { accountId: admin.accountId, includeDisabled: true });
  expect(tools.sort()).toEqual(appTools.map((tool) => `tool:${tool.slug}`).sort());

  expect(((await request(t, "GET", "/v1/capabilities?kind=agent", { key: secret })).body.data as Capability[]).map((c) => c.id)).toEqual(agents.map((c) => c.id));
  expect(((await request(t, "GET", "/v1/capabilities?kind=tool", { key: secret })).body.data as Capability[]).every((c) => c.kind === "tool")).toBe(true);

  const time = await request(t, "GET", "/v1/capabilities/tool:current_time", { key: secret });
  expect(time.body.data).toMatchObject({ id: "tool:current_time", kind: "tool", tool: { tool_kind: "builtin", trust_level: "read", account_owned: false } });
  const delegate = await request(t, "GET", "/v1/capabilities/tool:delegate_writer", { key: secret });
  expect(delegate.body.data).toMatchObject({ tool: { tool_kind: "agent", delegates_to_agent_id: await agentIdOf(t, admin.accountId, "writer") } });
  for (const missing of ["agent:nobody", "tool:nothing", "current_time", "robot:assistant"]) {
    expect((await request(t, "GET", `/v1/capabilities/${missing}`, { key: secret })).status).toBe(404);
  }
});

test("register an agent and an external tool by manifest; a taken slug is 409 and writes nothing", async () => {
  const t = newHarness();
  const { admin, secret } = await adminWithKey(t, { permission: "admin" });
  const created = await request(t, "POST", "/v1/capabilities", { key: secret, body: agentManifest });
  expect(created.status).toBe(201);
  expect(created.headers.get("Location")).toBe("/v1/capabilities/agent:support-bot");
  expect(created.body.data).toMatchObject({ id: "agent:support-bot", kind: "agent", name: "Support bot", agent: { capability_level: "read", version: 1 } });
  expect((await request(t, "GET", "/v1/capabilities/agent:support-bot", { key: secret })).body.data).toEqual(created.body.data);
  // Exactly what the app's import makes: the export round-trips to the manifest.
  const agentId = await agentIdOf(t, admin.accountId, "support-bot");
  const exported = await admin.client.query(api.agents.manifests.exportManifest, { accountId: admin.accountId, agentId });
  expect(exported).toMatchObject({ ...agentManifest, metadata: { accent_color: "#0891b2", agent_version: 1 } });
  // It is a channel right away.
  expect((await request(t, "POST", "/v1/channels/support-bot/messages", { key: secret, body: { text: "Hello!" }, headers: { Prefer: "respond-async" } })).status).toBe(202);

  const tool = await request(t, "POST", "/v1/capabilities", { key: secret, body: toolManifest });
  expect(tool.status).toBe(201);
  expect(tool.body.data).toMatchObject({
    id: "tool:weather",
    tool: { tool_kind: "http", account_owned: true, endpoint: { url: "https://api.example.com/weather", method: "GET" }, parameters: toolManifest.parameters },
  });

  const before = await rowCounts(t, ["agents", "tools", "auditLog"]);
  for (const manifest of [agentManifest, toolManifest, { ...toolManifest, slug: "current_time" }]) {
    const taken = await request(t, "POST", "/v1/capabilities", { key: secret, body: manifest });
    expect(taken.status).toBe(409);
    expect(taken.body.error).toMatchObject({ code: "conflict", field: "slug" });
  }
  expect(await rowCounts(t, ["agents", "tools", "auditLog"])).toEqual(before);
});

test("a refused manifest names the path of its bad field in the error envelope", async () => {
  const t = newHarness();
  const { secret } = await adminWithKey(t, { permission: "admin" });
  const before = await rowCounts(t, ["agents", "tools", "auditLog"]);
  const badTool = await request(t, "POST", "/v1/capabilities", {
    key: secret,
    body: { ...agentManifest, tools: [{ slug: "current_time", permission: "superuser", needs_approval: false }] },
  });
  expect(badTool.status).toBe(400);
  // The message stands on its own; `field` is the same path, for a program.
  expect(badTool.body.error).toEqual({
    code: "bad_request",
    message: "Invalid agent manifest: tools[0].permission must be read, write or admin.",
    field: "tools[0].permission",
  });
  const badUrl = await request(t, "POST", "/v1/capabilities", { key: secret, body: { ...toolManifest, execution: { type: "http", url: "not a url" } } });
  expect(badUrl.body.error).toMatchObject({ code: "bad_request", field: "execution.url" });
  // An unknown key is named by its own path; a body that is not JSON at all has no field.
  const unknownKey = await request(t, "POST", "/v1/capabilities", { key: secret, body: { ...agentManifest, colour: "red" } });
  expect(unknownKey.status).toBe(400);
  expect(unknownKey.body.error).toMatchObject({ code: "bad_request", field: "colour" });
  const notJson = await request(t, "POST", "/v1/capabilities", { key: secret, body: "{ not json" });
  expect(notJson.status).toBe(400);
  expect(notJson.body.error!.field).toBeUndefined();
  expect(await rowCounts(t, ["agents", "tools", "auditLog"])).toEqual(before);
});

test("only admin keys register; a key for one agent sees that agent and its tools, and registers nothing", async () => {
  const t = newHarness();
  const { admin } = await adminWithKey(t, { permission: "admin" });
  const writer = await createKey(admin, { permission: "read_write" });
  const before = await rowCounts(t, ["agents", "tools"]);
  const refused = await request(t, "POST", "/v1/capabilities", { key: writer.secret, body: toolManifest });
  expect(refused.status).toBe(403);

  const researcher = await agentIdOf(t, admin.accountId, "researcher");
  const scoped = await createKey(admin, { permission: "admin", agentId: researcher });
  const seen = (await request(t, "GET", "/v1/capabilities", { key: scoped.secret })).body.data as Capability[];
  const assigned = await admin.client.query(api.agents.agents.get, { accountId: admin.accountId, agentId: researcher });
  expect(seen.map((c) => c.id).sort()).toEqual(["agent:researcher", ...assigned.tools.map((a) => `tool:${a.toolSlug}`)].sort());
  expect((await request(t, "GET", "/v1/capabilities/agent:assistant", { key: scoped.secret })).status).toBe(404);
  expect((await request(t, "GET", "/v1/capabilities/tool:save_note", { key: scoped.secret })).status).toBe(404);
  expect((await request(t, "GET", `/v1/capabilities/tool:${assigned.tools[0]!.toolSlug}`, { key: scoped.secret })).status).toBe(200);
  const scopedRegister = await request(t, "POST", "/v1/capabilities", { key: scoped.secret, body: toolManifest });
  expect(scopedRegister.status).toBe(403);
  expect(await rowCounts(t, ["agents", "tools"])).toEqual(before);
});
