/**
 * MCP servers against the real reference server
 * `@modelcontextprotocol/server-everything` (Streamable HTTP, a child process
 * on a free port; real timers: real sockets): registering lists its real
 * tools with their schemas into the registry; the token never leaves the
 * server; admins only; the private-address rule; refresh adds, disables and
 * enables tools, and keeps them when the server is gone; removal.
 */
import { createServer, type IncomingHttpHeaders } from "node:http";
import { afterEach, describe, expect, test, vi } from "vitest";
import { api } from "../_generated/api";
import type { Id } from "../_generated/dataModel";
import { asMember, codeOf, newHarness, type Harness, refusal } from "../test.setup";
import { freePort, startEverything, type EverythingServer } from "./everything.testing";

const TOKEN = "mcp-test-token-0123456789abWXYZ";
const HEADER_SECRET = "hdr-secret-0123456789QRST";
const MCP_TEST = { timeout: 60_000 };

let everything: EverythingServer | undefined;
afterEach(async () => {
  vi.unstubAllEnvs();
  await everything?.stop();
  everything = undefined;
});

async function mcpAudit(t: Harness) {
  return await t.run(async (ctx) => (await ctx.db.query("auditLog").collect()).filter((e) => e.action.startsWith("mcp_server.")));
}

/** server-everything running, the deployment allowing loopback URLs, an admin of `orgId`. */
async function setup(orgId = "org_mcp") {
  everything = await startEverything();
  vi.stubEnv("HARNESS_WEBHOOK_ALLOW_PRIVATE_URLS", "true");
  const t = newHarness();
  const admin = await asMember(t, orgId, "admin");
  return { t, admin, accountId: admin.accountId, server: everything };
}

async function register(admin: Awaited<ReturnType<typeof setup>>["admin"], url: string) {
  return await admin.client.action(api.mcp.servers.add, {
    accountId: admin.accountId,
    url,
    name: "Everything",
    bearerToken: TOKEN,
    headers: [{ name: "X-Api-Key", value: HEADER_SECRET }],
  });
}

describe("registering", () => {
  test("an admin registers server-everything: its real tools land in the registry with their schemas; no secret is ever returned or audited", MCP_TEST, async () => {
    const { t, admin, accountId, server } = await setup();
    const added = await register(admin, server.url);
    expect(added.server).toMatchObject({
      slug: "everything",
      name: "Everything",
      url: server.url,
      hasBearerToken: true,
      bearerTokenLast4: "WXYZ",
      headerNames: ["X-Api-Key"],
      timeoutSeconds: 30,
      status: "ok",
      serverInfo: { name: "mcp-servers/everything", version: "2.0.0", title: "Everything Reference Server" },
      skippedTools: [],
    });
    // The tools server-everything 2026.8.31 lists to a client that declares no capabilities.
    const names = added.server.tools.map((tool) => tool.toolName).sort();
    expect(names).toEqual([
      "echo",
      "get-annotated-message",
      "get-env",
      "get-resource-links",
      "get-resource-reference",
      "get-structured-content",
      "get-sum",
      "get-tiny-image",
      "gzip-file-as-resource",
      "simulate-research-query",
      "toggle-simulated-logging",
      "toggle-subscriber-updates",
      "trigger-long-running-operation",
    ]);
    expect(added.listing).toMatchObject({ ok: true, added: 13, toolCount: 13, message: "13 tools: 13 new." });
    expect(added.server.lastRefresh).toMatchObject({ ok: true, message: "13 tools: 13 new." });

    // In the registry as kind "mcp", with the schema the server declared ($schema dropped: Convex cannot store "$" keys).
    const tools = await admin.client.query(api.tools.tools.list, { accountId, kind: "mcp" });
    expect(tools).toHaveLength(13);
    const echo = tools.find((tool) => tool.slug === "mcp_everything_echo");
    expect(echo).toMatchObject({
      kind: "mcp",
      accountOwned: true,
      name: "Echo Tool · Everything",
      description: "Echoes back the input string",
      trustLevel: "read",
      status: "active",
      mcp: { serverId: added.server.serverId, toolName: "echo" },
      parameters: { type: "object", properties: { message: { type: "string", description: "Message to echo" } }, required: ["message"] },
    });
    expect(tools.find((tool) => tool.slug === "mcp_everything_get-sum")).toMatchObject({
      trustLevel: "read",
      parameters: { type: "object", properties: { a: { type: "number" }, b: { type: "number" } }, required: ["a", "b"] },
    });
    // Not read-only by its annotations: write level, so assignments ask for approval by default.
    expect(tools.find((tool) => tool.slug === "mcp_everything_toggle-simulated-logging")).toMatchObject({ trustLevel: "write" });
    expect(tools.every((tool) => /^[a-zA-Z0-9_-]{1,64}$/.test(tool.slug))).toBe(true);
    const stored = await t.run(async (ctx) => ctx.db.query("tools").collect());
    expect(stored.filter((row) => row.kind === "mcp").map((row) => row.mcp?.idempotent)).toContain(false); // toggle-* say idempotentHint false

    // The token and the header value are kept apart and never returned nor audited.
    const secrets = await t.run(async (ctx) => ctx.db.query("mcpServerSecrets").collect());
    expect(secrets).toMatchObject([{ bearerToken: TOKEN, headers: [{ name: "X-Api-Key", value: HEADER_SECRET }] }]);
    const listed = await admin.client.query(api.mcp.servers.list, { accountId });
    const audit = await mcpAudit(t);
    expect(audit).toMatchObject([{ action: "mcp_server.create", details: { slug: "everything", bearerTokenLast4: "WXYZ", headerNames: "X-Api-Key", tools: 13 } }]);
    for (const text of [JSON.stringify(added), JSON.stringify(listed), JSON.stringify(audit), JSON.stringify(tools)]) {
      expect(text).not.toContain(TOKEN);
      expect(text).not.toContain(HEADER_SECRET);
    }
  });

  test("only admins see or change servers; another account's server answers not_found", MCP_TEST, async () => {
    const { t, admin, accountId, server } = await setup("org_mcp_roles");
    const added = await register(admin, server.url);
    const member = await asMember(t, "org_mcp_roles", "member");
    expect(await codeOf(member.client.query(api.mcp.servers.list, { accountId }))).toBe("forbidden");
    expect(await codeOf(member.client.action(api.mcp.servers.add, { accountId, url: server.url }))).toBe("forbidden");
    expect(await codeOf(member.client.action(api.mcp.servers.refresh, { accountId, serverId: added.server.serverId }))).toBe("forbidden");
    expect(await codeOf(member.client.mutation(api.mcp.servers.remove, { accountId, serverId: added.server.serverId }))).toBe("forbidden");
    // Members still see the tools, to know what agents can do.
    expect((await member.client.query(api.tools.tools.list, { accountId, kind: "mcp" })).length).toBe(13);

    const other = await asMember(t, "org_mcp_other", "admin");
    expect(await codeOf(other.client.action(api.mcp.servers.refresh, { accountId: other.accountId, serverId: added.server.serverId }))).toBe("not_found");
    expect(await codeOf(other.client.mutation(api.mcp.servers.remove, { accountId: other.accountId, serverId: added.server.serverId }))).toBe("not_found");
    expect(await codeOf(other.client.mutation(api.mcp.servers.update, { accountId: other.accountId, serverId: "nonsense" }))).toBe("not_found");
  });

  test("the private-address rule: a loopback URL is refused before any request unless the deployment allows it", MCP_TEST, async () => {
    everything = await startEverything();
    const t = newHarness();
    const admin = await asMember(t, "org_mcp_private", "admin");
    expect(await refusal(admin.client.action(api.mcp.servers.add, { accountId: admin.accountId, url: everything.url }))).toMatchObject({
      code: "bad_request",
      field: "url",
      message: expect.stringContaining("loopback"),
    });
    expect(everything.output()).not.toContain("Received MCP POST request");
    expect(await t.run(async (ctx) => ctx.db.query("mcpServers").collect())).toEqual([]);
  });

  test("a server that cannot be reached is not registered: the refusal says why, at the URL", MCP_TEST, async () => {
    vi.stubEnv("HARNESS_WEBHOOK_ALLOW_PRIVATE_URLS", "true");
    const t = newHarness();
    const admin = await asMember(t, "org_mcp_down", "admin");
    const port = await freePort(); // nothing listens there
    const refused = await refusal(admin.client.action(api.mcp.servers.add, { accountId: admin.accountId, url: `http://127.0.0.1:${port}/mcp`, bearerToken: TOKEN }));
    expect(refused).toEqual({ code: "bad_request", field: "url", message: `Could not list the server's tools: Cannot reach 127.0.0.1:${port}: connection refused.` });
    expect(await t.run(async (ctx) => ctx.db.query("mcpServers").collect())).toEqual([]);
    expect(await refusal(admin.client.action(api.mcp.servers.add, { accountId: admin.accountId, url: "http://127.0.0.1:1/mcp", headers: [{ name: "Authorization", value: "x" }] }))).toMatchObject({
      field: "headers[0].name",
    });
  });
  test("the token and headers go on the wire; a server answering 401 is refused at the token, without repeating it", MCP_TEST, async () => {
    vi.stubEnv("HARNESS_WEBHOOK_ALLOW_PRIVATE_URLS", "true");
    const seen: IncomingHttpHeaders[] = [];
    const guard = createServer((req, res) => {
      seen.push(req.headers);
      req.resume();
      res.writeHead(401, { "content-type": "application/json" });
      res.end(JSON.stringify({ jsonrpc: "2.0", error: { code: -32001, message: `invalid token ${TOKEN}` }, id: null }));
    });
    await new Promise<void>((resolve) => guard.listen(0, "127.0.0.1", resolve));
    try {
      const { port } = guard.address() as { port: number };
      const t = newHarness();
      const admin = await asMember(t, "org_mcp_401", "admin");
      const refused = await refusal(register(admin, `http://127.0.0.1:${port}/mcp`));
      expect(refused).toEqual({
        code: "bad_request",
        field: "bearerToken",
        message: `Could not list the server's tools: 127.0.0.1:${port} answered HTTP 401: invalid token ••••WXYZ`,
      });
      expect(seen[0]).toMatchObject({ authorization: `Bearer ${TOKEN}`, "x-api-key": HEADER_SECRET, "content-type": "application/json" });
    } finally {
      await new Promise<void>((resolve) => guard.close(() => resolve()));
    }
  });
});

describe("refresh", () => {
  test("re-listing adds new tools, disables vanished ones, enables returning ones; admin-disabled tools stay disabled", MCP_TEST, async () => {
    const { t, admin, accountId, server } = await setup("org_mcp_refresh");
    const added = await register(admin, server.url);
    const serverId = added.server.serverId;
    // Make the registry differ from what the server lists: echo was never seen, get-sum went missing earlier,
    // "retired" is a tool the server no longer has, and an admin disabled get-env.
    await t.run(async (ctx) => {
      const rows = await ctx.db.query("tools").collect();
      const bySlug = (slug: string) => rows.find((row) => row.slug === slug)!;
      await ctx.db.delete("tools", bySlug("mcp_everything_echo")._id);
      const sum = bySlug("mcp_everything_get-sum");
      await ctx.db.patch("tools", sum._id, { status: "disabled", mcp: { ...sum.mcp!, missingSince: 1 } });
      await ctx.db.insert("tools", {
        accountId,
        slug: "mcp_everything_retired",
        kind: "mcp",
        name: "Retired · Everything",
        description: "Gone from the server",
        parameters: { type: "object" },
        trustLevel: "read",
        status: "active",
        mcp: { serverId: serverId as Id<"mcpServers">, toolName: "retired", idempotent: true },
        updatedAt: 1,
      });
    });
    await admin.client.mutation(api.tools.tools.disable, { accountId, slug: "mcp_everything_get-env" });

    const result = await admin.client.action(api.mcp.servers.refresh, { accountId, serverId });
    expect(result).toEqual({
      ok: true,
      message: "13 tools: 1 new, 1 listed again (enabled), 1 no longer listed (disabled).",
      added: 1,
      disabled: 1,
      restored: 1,
      toolCount: 12,
    });
    const view = (await admin.client.query(api.mcp.servers.list, { accountId }))[0]!;
    const status = Object.fromEntries(view.tools.map((tool) => [tool.toolName, `${tool.status}${tool.missing ? " (missing)" : ""}`]));
    expect(status).toMatchObject({ echo: "active", "get-sum": "active", retired: "disabled (missing)", "get-env": "disabled" });
    expect(view.tools.find((tool) => tool.toolName === "echo")!.slug).toBe("mcp_everything_echo");
    expect((await mcpAudit(t)).map((e) => e.action)).toEqual(["mcp_server.create", "mcp_server.refresh"]);

    // Nothing changed since: a second refresh says so.
    expect(await admin.client.action(api.mcp.servers.refresh, { accountId, serverId })).toMatchObject({ ok: true, message: "13 tools, no changes.", added: 0 });
  });

  test("after the server is gone, refresh keeps its tools and marks it failing with the reason", MCP_TEST, async () => {
    const { admin, accountId, server } = await setup("org_mcp_gone");
    const added = await register(admin, server.url);
    await server.stop();
    const result = await admin.client.action(api.mcp.servers.refresh, { accountId, serverId: added.server.serverId });
    const reason = `Cannot reach 127.0.0.1:${server.port}: connection refused.`;
    expect(result).toEqual({ ok: false, message: `${reason} Its tools are kept.`, added: 0, disabled: 0, restored: 0, toolCount: 13 });
    const [view] = await admin.client.query(api.mcp.servers.list, { accountId });
    expect(view).toMatchObject({ status: "failing", lastRefresh: { ok: false, message: reason }, lastError: { message: reason } });
    expect(view!.tools.every((tool) => tool.status === "active")).toBe(true);
    expect((await admin.client.query(api.tools.tools.list, { accountId, kind: "mcp" })).length).toBe(13);
  });
});

describe("changing and removing", () => {
  test("update replaces the token (audited by its last four characters); remove is refused while an agent holds a tool, then takes tools and secrets", MCP_TEST, async () => {
    const { t, admin, accountId, server } = await setup("org_mcp_remove");
    const added = await register(admin, server.url);
    const serverId = added.server.serverId;
    const updated = await admin.client.mutation(api.mcp.servers.update, { accountId, serverId, bearerToken: "new-token-0123456789ABCD", timeoutSeconds: 5 });
    expect(updated).toMatchObject({ bearerTokenLast4: "ABCD", timeoutSeconds: 5, hasBearerToken: true });
    expect((await mcpAudit(t)).at(-1)).toMatchObject({ action: "mcp_server.secret_replace", reason: "changed: timeout, bearer token replaced (was ••••WXYZ)" });
    expect(await refusal(admin.client.mutation(api.mcp.servers.update, { accountId, serverId, timeoutSeconds: 500 }))).toMatchObject({ field: "timeoutSeconds" });

    const agent = await t.run(async (ctx) => (await ctx.db.query("agents").collect()).find((a) => a.accountId === accountId && a.slug === "assistant")!);
    await admin.client.mutation(api.tools.assignments.assign, { accountId, agentId: agent._id, toolSlug: "mcp_everything_echo" });
    expect(await refusal(admin.client.mutation(api.mcp.servers.remove, { accountId, serverId }))).toMatchObject({
      code: "conflict",
      message: expect.stringContaining(agent.name),
    });
    await admin.client.mutation(api.tools.assignments.unassign, { accountId, agentId: agent._id, toolSlug: "mcp_everything_echo" });
    await admin.client.mutation(api.mcp.servers.remove, { accountId, serverId });
    expect(await admin.client.query(api.mcp.servers.list, { accountId })).toEqual([]);
    expect(await admin.client.query(api.tools.tools.list, { accountId, kind: "mcp", includeDisabled: true })).toEqual([]);
    expect(await t.run(async (ctx) => ctx.db.query("mcpServerSecrets").collect())).toEqual([]);
    expect((await mcpAudit(t)).at(-1)).toMatchObject({ action: "mcp_server.delete", reason: "removed with 13 tools" });
  });
});
