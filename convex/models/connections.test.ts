/**
 * Provider connections per account: who may see and change them, that the
 * API key never leaves the server (no answer, no audit row, no log line holds
 * it; only its last four characters), the refusals (each naming its field),
 * the agent builder accepting `@slug/<model>` only for the account's own
 * connections, and "Test connection" / "Refresh models" against a real local
 * HTTP server speaking OpenAI's protocol (real timers: real sockets).
 */
import { createServer, type IncomingHttpHeaders } from "node:http";
import { afterEach, expect, test, vi } from "vitest";
import { api } from "../_generated/api";
import { asMember, asUser, codeOf, newHarness, type Harness, refusal } from "../test.setup";

const KEY = "sk-test-0123456789abcdefWXYZ";
const OTHER_KEY = "sk-test-fedcba9876543210QRST";

afterEach(() => {
  vi.unstubAllEnvs();
  vi.restoreAllMocks();
});

async function auditRows(t: Harness) {
  return await t.run(async (ctx) => (await ctx.db.query("auditLog").collect()).filter((e) => e.action.startsWith("model_connection.")));
}

async function openRouter(t: Harness, orgId = "org_models") {
  const admin = await asMember(t, orgId, "admin");
  const created = await admin.client.mutation(api.models.connections.create, {
    accountId: admin.accountId,
    name: "OpenRouter",
    kind: "openai-compatible",
    baseUrl: "https://openrouter.ai/api/v1/",
    apiKey: `  ${KEY} `,
  });
  return { admin, accountId: admin.accountId, created };
}

test("an admin adds a connection: the key is stored but never returned or audited, only its last 4 characters", async () => {
  const t = newHarness();
  const { admin, accountId, created } = await openRouter(t);
  expect(created).toMatchObject({
    slug: "openrouter",
    name: "OpenRouter",
    kind: "openai-compatible",
    baseUrl: "https://openrouter.ai/api/v1",
    hasKey: true,
    keyLast4: "WXYZ",
    status: "untested",
    models: [],
    createdBy: admin.userId,
  });
  const listed = await admin.client.query(api.models.connections.list, { accountId });
  expect(listed).toEqual([created]);
  const choices = await admin.client.query(api.models.connections.availableModels, { accountId });
  for (const answer of [created, listed, choices]) expect(JSON.stringify(answer)).not.toContain(KEY);
  // The key is in its own table, as typed (trimmed).
  const keys = await t.run(async (ctx) => await ctx.db.query("modelConnectionKeys").collect());
  expect(keys.map((k) => k.apiKey)).toEqual([KEY]);

  // The slug is made from the name, unique in the account; Anthropic needs no base URL.
  const second = await admin.client.mutation(api.models.connections.create, { accountId, name: "OpenRouter", kind: "openai-compatible", baseUrl: "https://openrouter.ai/api/v1", apiKey: OTHER_KEY });
  expect(second.slug).toBe("openrouter-2");
  const anthropic = await admin.client.mutation(api.models.connections.create, { accountId, name: "Claude (team)", kind: "anthropic", apiKey: "short-key" });
  expect(anthropic).toMatchObject({ slug: "claude-team", kind: "anthropic", hasKey: true });
  expect(anthropic.baseUrl).toBeUndefined();
  expect(anthropic.keyLast4).toBeUndefined(); // too short to show any of it

  const audit = await auditRows(t);
  expect(audit.map((a) => a.action)).toEqual(["model_connection.create", "model_connection.create", "model_connection.create"]);
  expect(audit[0]).toMatchObject({ actorUserId: admin.userId, actorRole: "admin", targetKind: "model_connection", targetId: created.connectionId });
  expect(audit[0]!.details).toMatchObject({ slug: "openrouter", keyLast4: "WXYZ" });
  const auditText = JSON.stringify(audit);
  for (const secret of [KEY, OTHER_KEY, "short-key"]) expect(auditText).not.toContain(secret);
});

test("members and readonly users may list connections but not change, test or refresh them", async () => {
  const t = newHarness();
  const { created } = await openRouter(t, "org_roles");
  const before = await auditRows(t);
  for (const role of ["member", "readonly"] as const) {
    const user = await asMember(t, "org_roles", role);
    const accountId = user.accountId;
    const listed = await user.client.query(api.models.connections.list, { accountId });
    expect(listed.map((c) => c.slug)).toEqual(["openrouter"]);
    expect(JSON.stringify(listed)).not.toContain(KEY);
    const args = { accountId, connectionId: created.connectionId };
    expect(await codeOf(user.client.mutation(api.models.connections.create, { accountId, name: "Mine", kind: "openai-compatible", baseUrl: "https://api.openai.com/v1", apiKey: KEY }))).toBe("forbidden");
    expect(await codeOf(user.client.mutation(api.models.connections.update, { ...args, apiKey: OTHER_KEY }))).toBe("forbidden");
    expect(await codeOf(user.client.mutation(api.models.connections.remove, args))).toBe("forbidden");
    expect(await codeOf(user.client.action(api.models.connections.testConnection, args))).toBe("forbidden");
    expect(await codeOf(user.client.action(api.models.connections.refreshModels, args))).toBe("forbidden");
  }
  expect(await auditRows(t)).toEqual(before);
});

test("another account's connection is not found, like one that does not exist", async () => {
  const t = newHarness();
  const { accountId: ownerAccount, created } = await openRouter(t, "org_owner");
  const stranger = await asUser(t); // admin of their own personal account
  for (const connectionId of [created.connectionId, "not-an-id"]) {
    const args = { accountId: stranger.accountId, connectionId };
    expect(await codeOf(stranger.client.mutation(api.models.connections.update, { ...args, name: "Mine now" }))).toBe("not_found");
    expect(await codeOf(stranger.client.mutation(api.models.connections.remove, args))).toBe("not_found");
    expect(await codeOf(stranger.client.action(api.models.connections.testConnection, args))).toBe("not_found");
    expect(await codeOf(stranger.client.action(api.models.connections.refreshModels, args))).toBe("not_found");
  }
  expect(await stranger.client.query(api.models.connections.list, { accountId: stranger.accountId })).toEqual([]);
  expect(await codeOf(stranger.client.query(api.models.connections.list, { accountId: ownerAccount }))).toBe("not_found");
  // Nor can a stranger's agent name it.
  expect(
    await refusal(
      stranger.client.mutation(api.agents.agents.create, { accountId: stranger.accountId, name: "Thief", slug: "thief", instructions: "x", modelId: "@openrouter/openai/gpt-4o-mini" }),
    ),
  ).toMatchObject({ code: "bad_request", field: "modelId" });
});

test("bad input is a bad request naming its field; a taken slug is a conflict; nothing is written", async () => {
  const t = newHarness();
  const { admin, accountId } = await openRouter(t, "org_bad");
  const before = await t.run(async (ctx) => ({ connections: (await ctx.db.query("modelConnections").collect()).length, keys: (await ctx.db.query("modelConnectionKeys").collect()).length }));
  const create = (args: { name?: string; slug?: string; kind?: "openai-compatible" | "anthropic"; baseUrl?: string; apiKey?: string }) =>
    refusal(admin.client.mutation(api.models.connections.create, { accountId, name: "X", kind: "openai-compatible", baseUrl: "https://api.openai.com/v1", apiKey: KEY, ...args }));
  for (const baseUrl of ["", "api.openai.com/v1", "ftp://api.openai.com/v1", "javascript:alert(1)", "https://user:pass@api.openai.com/v1", "https://api.openai.com/v1?x=1", `https://a.test/${"a".repeat(600)}`]) {
    expect(await create({ baseUrl }), baseUrl).toMatchObject({ code: "bad_request", field: "baseUrl" });
  }
  for (const slug of ["Upper", "-lead", "a_b", "x".repeat(41), "@x"]) expect(await create({ slug }), slug).toMatchObject({ code: "bad_request", field: "slug" });
  expect(await create({ name: "  " })).toMatchObject({ code: "bad_request", field: "name" });
  expect(await create({ name: "n".repeat(61) })).toMatchObject({ code: "bad_request", field: "name" });
  expect(await create({ apiKey: "two words" })).toMatchObject({ code: "bad_request", field: "apiKey" });
  expect(await create({ kind: "anthropic", apiKey: "" })).toMatchObject({ code: "bad_request", field: "apiKey" });
  expect(await create({ slug: "openrouter" })).toMatchObject({ code: "conflict", field: "slug" });
  // A refusal never repeats the key.
  const refused = await create({ baseUrl: "ftp://x.test" });
  expect(JSON.stringify(refused)).not.toContain(KEY);
  expect(
    await t.run(async (ctx) => ({ connections: (await ctx.db.query("modelConnections").collect()).length, keys: (await ctx.db.query("modelConnectionKeys").collect()).length })),
  ).toEqual(before);
});

test("a base URL on a private address is refused with field baseUrl, unless the deployment allows private URLs", async () => {
  const t = newHarness();
  const admin = await asMember(t, "org_private", "admin");
  const create = (baseUrl: string) =>
    admin.client.mutation(api.models.connections.create, { accountId: admin.accountId, name: "Local", kind: "openai-compatible", baseUrl, apiKey: KEY });
  for (const [baseUrl, host] of [
    ["http://127.0.0.1:11434/v1", "127.0.0.1 is a loopback address"],
    ["http://localhost:8000/v1", "“localhost” is a name for this machine"],
    ["http://10.1.2.3/v1", "10.1.2.3 is a private address (10.0.0.0/8)"],
    ["http://169.254.169.254/latest", "169.254.169.254 is a link-local address (169.254.0.0/16)"],
    ["http://[::1]:8000/v1", "[::1] is a loopback address"],
  ] as const) {
    expect(await refusal(create(baseUrl)), baseUrl).toEqual({
      code: "bad_request",
      field: "baseUrl",
      message: `The base URL's host ${host}; provider connections may call only public internet addresses on this deployment.`,
    });
  }
  // Anthropic behind a private gateway: the same rule.
  expect(
    await refusal(admin.client.mutation(api.models.connections.create, { accountId: admin.accountId, name: "Gw", kind: "anthropic", baseUrl: "http://192.168.1.5/v1", apiKey: KEY })),
  ).toMatchObject({ code: "bad_request", field: "baseUrl" });
  const created = await admin.client.mutation(api.models.connections.create, { accountId: admin.accountId, name: "Public", kind: "openai-compatible", baseUrl: "https://api.openai.com/v1", apiKey: KEY });
  expect(await refusal(admin.client.mutation(api.models.connections.update, { accountId: admin.accountId, connectionId: created.connectionId, baseUrl: "http://127.0.0.1/v1" }))).toMatchObject({
    code: "bad_request",
    field: "baseUrl",
  });
  expect((await auditRows(t)).length).toBe(1);

  vi.stubEnv("HARNESS_WEBHOOK_ALLOW_PRIVATE_URLS", "true");
  const local = await create("http://127.0.0.1:11434/v1");
  expect(local).toMatchObject({ slug: "local", baseUrl: "http://127.0.0.1:11434/v1" });
  // Allowed once, refused again at call time when the deployment stops allowing it.
  vi.unstubAllEnvs();
  expect(await refusal(admin.client.action(api.models.connections.testConnection, { accountId: admin.accountId, connectionId: local.connectionId }))).toMatchObject({
    code: "bad_request",
    field: "baseUrl",
  });
});

test("update renames, moves and replaces the key (audited by its last 4); remove is refused while an agent uses the connection", async () => {
  const t = newHarness();
  const { admin, accountId, created } = await openRouter(t, "org_edit");
  const connectionId = created.connectionId;
  const renamed = await admin.client.mutation(api.models.connections.update, { accountId, connectionId, name: "OpenRouter (team)" });
  expect(renamed).toMatchObject({ name: "OpenRouter (team)", slug: "openrouter", keyLast4: "WXYZ" });
  const rekeyed = await admin.client.mutation(api.models.connections.update, { accountId, connectionId, apiKey: OTHER_KEY });
  expect(rekeyed).toMatchObject({ keyLast4: "QRST", status: "untested" });
  expect(JSON.stringify(rekeyed)).not.toContain(OTHER_KEY);
  // The same key again changes nothing.
  await admin.client.mutation(api.models.connections.update, { accountId, connectionId, apiKey: OTHER_KEY });

  // An agent on one of its models: saved, labelled with the connection's name, and it pins the connection.
  const agent = await admin.client.mutation(api.agents.agents.create, {
    accountId,
    name: "Router user",
    slug: "router-user",
    instructions: "x",
    modelId: "@openrouter/openai/gpt-4o-mini",
  });
  expect(agent).toMatchObject({ modelId: "@openrouter/openai/gpt-4o-mini", modelLabel: "openai/gpt-4o-mini via OpenRouter (team)", hasOwnModel: true });
  const removal = await refusal(admin.client.mutation(api.models.connections.remove, { accountId, connectionId }));
  expect(removal).toMatchObject({ code: "conflict" });
  expect(removal.message).toContain("Router user");
  // Once no agent uses it, it goes, with its key.
  await admin.client.mutation(api.agents.agents.update, { accountId, agentId: agent.agentId, modelId: null });
  expect(await admin.client.mutation(api.models.connections.remove, { accountId, connectionId })).toBeNull();
  expect(await admin.client.query(api.models.connections.list, { accountId })).toEqual([]);
  expect(await t.run(async (ctx) => await ctx.db.query("modelConnectionKeys").collect())).toEqual([]);

  const audit = await auditRows(t);
  expect(audit.map((a) => a.action)).toEqual(["model_connection.create", "model_connection.update", "model_connection.key_replace", "model_connection.delete"]);
  expect(audit[2]!.reason).toBe("changed: API key replaced (was ••••WXYZ)");
  expect(audit[2]!.details).toMatchObject({ keyLast4: "QRST" });
  const auditText = JSON.stringify(audit);
  expect(auditText).not.toContain(KEY);
  expect(auditText).not.toContain(OTHER_KEY);
});

test("an agent may name `@slug/model` only for a connection of its account; a removed connection's agents say so", async () => {
  const t = newHarness();
  const { admin, accountId } = await openRouter(t, "org_agents");
  const make = (slug: string, modelId: string) => admin.client.mutation(api.agents.agents.create, { accountId, name: slug, slug, instructions: "x", modelId });
  expect(await refusal(make("unknown-conn", "@nope/gpt-4o-mini"))).toMatchObject({ code: "bad_request", field: "modelId" });
  expect(await refusal(make("bad-name", "@openrouter/"))).toMatchObject({ code: "bad_request", field: "modelId" });
  const saved = await make("known-conn", " @openrouter/openai/gpt-4o-mini ");
  expect(saved.modelId).toBe("@openrouter/openai/gpt-4o-mini");
  // Edit to another connection model, and a manifest naming one.
  const edited = await admin.client.mutation(api.agents.agents.update, { accountId, agentId: saved.agentId, modelId: "@openrouter/anthropic/claude-sonnet-4" });
  expect(edited).toMatchObject({ version: 2, modelLabel: "anthropic/claude-sonnet-4 via OpenRouter" });
  expect(await refusal(admin.client.mutation(api.agents.agents.update, { accountId, agentId: saved.agentId, modelId: "@gone/x" }))).toMatchObject({ code: "bad_request", field: "modelId" });
  const manifest = await admin.client.query(api.agents.manifests.exportManifest, { accountId, agentId: saved.agentId });
  expect(manifest.execution.model).toBe("@openrouter/anthropic/claude-sonnet-4");
  const imported = await admin.client.mutation(api.agents.manifests.importManifest, { accountId, manifest: { ...manifest, slug: "imported" } });
  expect(imported.modelLabel).toBe("anthropic/claude-sonnet-4 via OpenRouter");
  expect(
    await refusal(admin.client.mutation(api.agents.manifests.importManifest, { accountId, manifest: { ...manifest, slug: "imported-2", execution: { ...manifest.execution, model: "@nope/x" } } })),
  ).toMatchObject({ code: "bad_request", field: "execution.model" });

  // A connection removed under an agent (written directly: remove refuses it) is shown as removed, not called.
  await t.run(async (ctx) => {
    for (const c of await ctx.db.query("modelConnections").collect()) await ctx.db.delete("modelConnections", c._id);
  });
  const listed = await admin.client.query(api.agents.agents.list, { accountId });
  expect(listed.find((a) => a.slug === "known-conn")?.modelLabel).toBe("@openrouter/anthropic/claude-sonnet-4 (connection removed)");
});

// --- against a real OpenAI-compatible server on 127.0.0.1 ---------------------------------

const CHAT_COMPLETION = {
  id: "chatcmpl-123",
  object: "chat.completion",
  created: 1677652288,
  model: "gpt-4o-mini",
  choices: [{ index: 0, message: { role: "assistant", content: "OK" }, finish_reason: "stop" }],
  usage: { prompt_tokens: 9, completion_tokens: 1, total_tokens: 10 },
};
const MODEL_LIST = { object: "list", data: [{ id: "gpt-4o-mini", object: "model", created: 1686935002, owned_by: "openai" }] };
const BAD_KEY = {
  error: { message: "Incorrect API key provided: sk-...abcd.", type: "invalid_request_error", param: null, code: "invalid_api_key" },
};

type Seen = { method: string; path: string; headers: IncomingHttpHeaders; body: string };

/** A tiny OpenAI-compatible server: `/v1/chat/completions` and `/v1/models`, or 401 for everything. */
async function startProvider(mode: "ok" | "bad-key" = "ok") {
  const seen: Seen[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => {
      const path = req.url ?? "/";
      seen.push({ method: req.method ?? "", path, headers: req.headers, body: Buffer.concat(chunks).toString("utf8") });
      const send = (status: number, body: unknown) => {
        res.writeHead(status, { "Content-Type": "application/json", Connection: "close" });
        res.end(JSON.stringify(body));
      };
      if (mode === "bad-key") send(401, BAD_KEY);
      else if (req.method === "POST" && path === "/v1/chat/completions") send(200, CHAT_COMPLETION);
      else if (req.method === "GET" && path === "/v1/models") send(200, MODEL_LIST);
      else send(404, { error: { message: `No route ${path}` } });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  return { baseUrl: `http://127.0.0.1:${port}/v1`, seen, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

async function localConnection(t: Harness, baseUrl: string, orgId: string) {
  vi.stubEnv("HARNESS_WEBHOOK_ALLOW_PRIVATE_URLS", "true");
  const admin = await asMember(t, orgId, "admin");
  const created = await admin.client.mutation(api.models.connections.create, { accountId: admin.accountId, name: "Local vLLM", kind: "openai-compatible", baseUrl, apiKey: KEY });
  return { admin, accountId: admin.accountId, connectionId: created.connectionId };
}

test("Test connection and Refresh models talk to the provider: the key goes as a Bearer token, the answer and the list are kept", async () => {
  const provider = await startProvider("ok");
  const logged = vi.spyOn(console, "log");
  try {
    const t = newHarness();
    const { admin, accountId, connectionId } = await localConnection(t, provider.baseUrl, "org_wire");
    const tested = await admin.client.action(api.models.connections.testConnection, { accountId, connectionId });
    expect(tested).toMatchObject({ ok: true, message: "OK", model: "gpt-4o-mini" });
    expect(tested.latencyMs).toBeGreaterThanOrEqual(0);
    const call = provider.seen.find((s) => s.path === "/v1/chat/completions")!;
    expect(call.headers.authorization).toBe(`Bearer ${KEY}`);
    const sent = JSON.parse(call.body) as { model: string; max_tokens?: number; messages: { role: string; content: unknown }[]; stream?: boolean };
    expect(sent.model).toBe("gpt-4o-mini");
    expect(sent.max_tokens).toBe(5);
    expect(JSON.stringify(sent.messages)).toContain("Say OK");
    expect(provider.seen.filter((s) => s.path === "/v1/chat/completions")).toHaveLength(1); // one call, no retry

    const refreshed = await admin.client.action(api.models.connections.refreshModels, { accountId, connectionId });
    expect(refreshed).toMatchObject({ ok: true, models: ["gpt-4o-mini"] });
    const list = provider.seen.find((s) => s.path === "/v1/models")!;
    expect(list.method).toBe("GET");
    expect(list.headers.authorization).toBe(`Bearer ${KEY}`);

    const [connection] = await admin.client.query(api.models.connections.list, { accountId });
    expect(connection).toMatchObject({ status: "ok", lastTest: { ok: true, message: "OK" }, models: ["gpt-4o-mini"] });
    expect(connection!.modelsFetchedAt).toBeGreaterThan(0);
    // The agent builder now offers it, labelled with the connection's name.
    const choices = await admin.client.query(api.models.connections.availableModels, { accountId });
    expect(choices.find((c) => c.modelId === "@local-vllm/gpt-4o-mini")).toEqual({
      modelId: "@local-vllm/gpt-4o-mini",
      provider: "openai-compatible",
      label: "gpt-4o-mini via Local vLLM",
      isDefault: false,
      priced: true,
      connection: { slug: "local-vllm", name: "Local vLLM" },
    });
    expect(choices[0]?.modelId).toBe("offline");
    // The key appears in no log line.
    expect(JSON.stringify(logged.mock.calls)).not.toContain(KEY);
  } finally {
    await provider.close();
  }
});

test("a refused key shows the provider's own message, with the HTTP status; nothing is retried", async () => {
  const provider = await startProvider("bad-key");
  try {
    const t = newHarness();
    const { admin, accountId, connectionId } = await localConnection(t, provider.baseUrl, "org_badkey");
    const tested = await admin.client.action(api.models.connections.testConnection, { accountId, connectionId });
    expect(tested.ok).toBe(false);
    expect(tested.message).toContain("HTTP 401");
    expect(tested.message).toContain("Incorrect API key provided");
    expect(provider.seen.filter((s) => s.path === "/v1/chat/completions")).toHaveLength(1);
    const refreshed = await admin.client.action(api.models.connections.refreshModels, { accountId, connectionId });
    expect(refreshed).toMatchObject({ ok: false, models: [] });
    expect(refreshed.message).toContain("HTTP 401: Incorrect API key provided");
    const [connection] = await admin.client.query(api.models.connections.list, { accountId });
    expect(connection).toMatchObject({ status: "failing", lastTest: { ok: false }, models: [] });
    expect(connection!.lastTest!.message).toContain("Incorrect API key provided");
  } finally {
    await provider.close();
  }
});

test("a closed port is 'connection refused', in words", async () => {
  const provider = await startProvider("ok");
  await provider.close(); // nothing listens there any more
  const t = newHarness();
  const { admin, accountId, connectionId } = await localConnection(t, provider.baseUrl, "org_closed");
  const host = new URL(provider.baseUrl).host;
  const tested = await admin.client.action(api.models.connections.testConnection, { accountId, connectionId });
  expect(tested).toMatchObject({ ok: false, message: `Cannot reach ${host}: connection refused.` });
  const refreshed = await admin.client.action(api.models.connections.refreshModels, { accountId, connectionId });
  expect(refreshed).toMatchObject({ ok: false, message: `Cannot reach ${host}: connection refused.` });
});
