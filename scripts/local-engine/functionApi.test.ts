// @vitest-environment node
/**
 * The engine's HTTP function API with the real `ConvexHttpClient` (convex/browser)
 * and plain fetch: queries, mutations and actions as a signed-in user, the
 * error shapes a deployment answers (ConvexError data, argument validation,
 * redacted server errors, bad credentials), `/api/run/…`, the admin key
 * (internal functions, components, identities) and the environment endpoint.
 */
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { ConvexClient, ConvexHttpClient } from "convex/browser";
import { makeFunctionReference } from "convex/server";
import { ConvexError } from "convex/values";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { api } from "../../convex/_generated/api";
import type { Id } from "../../convex/_generated/dataModel";
import { startEngine, type Engine } from "./engine";
import { collectingLogger, connectClient, localToken, signInLocal, waitForQuery } from "./testClient.testing";

let dataDir: string;
let engine: Engine;
const errors: string[] = [];
const clients: ConvexClient[] = [];
const WAIT = { timeoutMs: 5000, engineErrors: errors };

async function errorOf(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (error) {
    return error as Error;
  }
  throw new Error("expected an error");
}

/** A client with the admin key, as the Convex CLI makes one (`setAdminAuth` is internal to the convex package, hence the cast). */
function adminClient(actingAs?: Record<string, string>): ConvexHttpClient {
  const client = new ConvexHttpClient(engine.url, { logger: false });
  (client as unknown as { setAdminAuth(key: string, identity?: Record<string, string>): void }).setAdminAuth(engine.adminKey, actingAs);
  return client;
}

function httpClient(token?: string): ConvexHttpClient {
  const client = new ConvexHttpClient(engine.url, { logger: false });
  if (token !== undefined) client.setAuth(token);
  return client;
}

async function post(route: string, body: unknown, authorization?: string) {
  const response = await fetch(`${engine.url}${route}`, {
    method: "POST",
    headers: { "content-type": "application/json", ...(authorization !== undefined ? { authorization } : {}) },
    body: JSON.stringify(body),
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

beforeAll(async () => {
  dataDir = await mkdtemp(path.join(tmpdir(), "local-engine-api-"));
  engine = await startEngine({ port: 0, sitePort: 0, dataDir, web: false, seed: false, crons: false, logger: collectingLogger(errors) });
}, 60_000);

afterAll(async () => {
  await Promise.all(clients.map((client) => client.close()));
  await engine.close();
  await rm(dataDir, { recursive: true, force: true });
}, 30_000);

describe("ConvexHttpClient against the local engine", () => {
  let token: string;
  let accountId: Id<"accounts">;

  test("a mutation, a query and an action as a signed-in user", async () => {
    token = await localToken(engine.url, { name: "Hana Http", email: "hana@example.test", orgId: "org_http", orgRole: "admin" });
    const client = httpClient(token);
    const viewer = await client.mutation(api.tenancy.viewer.sync, {});
    expect(viewer.name).toBe("Hana Http");
    accountId = viewer.activeAccountId!;
    const seen = await client.query(api.tenancy.viewer.get, {});
    expect(seen.accounts).toEqual([expect.objectContaining({ accountId, role: "admin" })]);

    const created = await client.action(api.httpApi.keys.create, {
      accountId,
      name: "from ConvexHttpClient",
      permission: "read",
      rateLimit: { requests: 100, periodSeconds: 60 },
    });
    expect(created.secret).toMatch(/^thk_/);
    expect((await client.query(api.httpApi.keys.list, { accountId })).map((key) => key.name)).toEqual(["from ConvexHttpClient"]);
  });

  test("a mutation over HTTP reaches a WebSocket client's subscription", async () => {
    const live = connectClient(engine.url);
    clients.push(live);
    await signInLocal(engine.url, live, { name: "Hana Http", email: "hana@example.test", orgId: "org_http", orgRole: "admin" });
    await waitForQuery(live, api.tenancy.accounts.get, { accountId }, () => true, WAIT);
    await httpClient(token).mutation(api.tenancy.accounts.rename, { accountId, name: "Renamed over HTTP" });
    await waitForQuery(live, api.tenancy.accounts.get, { accountId }, (account) => account.name === "Renamed over HTTP", WAIT);
  });

  test("a ConvexError's data reaches the client: code, message and field", async () => {
    const client = httpClient(token);
    const refused = await errorOf(
      client.action(api.httpApi.keys.create, { accountId, name: "bad", permission: "read", rateLimit: { requests: 0, periodSeconds: 60 } }),
    );
    expect(refused).toBeInstanceOf(ConvexError);
    expect((refused as ConvexError<{ code: string; field?: string }>).data).toMatchObject({ code: "bad_request", field: "rateLimit.requests" });

    const anonymous = await errorOf(httpClient().query(api.tenancy.viewer.get, {}));
    expect(anonymous).toBeInstanceOf(ConvexError);
    expect((anonymous as ConvexError<{ code: string }>).data.code).toBe("unauthenticated");
  });

  test("an argument validator failure arrives as the deployment's readable message with its field", async () => {
    const client = httpClient(token);
    const wrongType = await errorOf(
      client.action(api.httpApi.keys.create, {
        accountId,
        name: "bad",
        permission: "read",
        rateLimit: { requests: "ten" as unknown as number, periodSeconds: 60 },
      }),
    );
    expect(wrongType).not.toBeInstanceOf(ConvexError);
    expect(wrongType.message).toBe('ArgumentValidationError: Value does not match validator.\nPath: .rateLimit.requests\nValue: "ten"\nValidator: v.float64()');

    const missing = await errorOf(client.mutation(api.tenancy.accounts.rename, { accountId } as unknown as { accountId: Id<"accounts">; name: string }));
    expect(missing.message).toContain("ArgumentValidationError: Object is missing the required field `name`.");

    const extra = await errorOf(client.query(api.tenancy.viewer.get, { surprise: 1 } as unknown as Record<string, never>));
    expect(extra.message).toContain("ArgumentValidationError: Object contains extra field `surprise` that is not in the validator.");

    const otherTable = await errorOf(client.query(api.tenancy.accounts.get, { accountId: "12userProfiles" as Id<"accounts"> }));
    expect(otherTable.message).toContain('Found ID "12userProfiles" from table `userProfiles`, which does not match the table name in validator `v.id("accounts")`.Path: .accountId');
  });

  test("other failures are redacted to a request id and logged in full", async () => {
    const failure = await errorOf(httpClient(token).query(api.tenancy.accounts.listMembers, { accountId, paginationOpts: { numItems: 1, cursor: "not-a-cursor" } }));
    const requestId = /^\[Request ID: ([0-9a-f]+)\] Server Error$/.exec(failure.message)?.[1];
    expect(requestId).toBeDefined();
    expect(errors.find((line) => line.includes(requestId!))).toContain("not-a-cursor");
  });

  test("internal functions and unknown names are not callable without the admin key", async () => {
    const internalQuery = makeFunctionReference<"query">("ops/cli:status");
    expect((await errorOf(httpClient(token).query(internalQuery, {}))).message).toContain("Could not find public function for 'ops/cli:status'");
    expect((await errorOf(httpClient().mutation(makeFunctionReference<"mutation">("nowhere:nothing"), {}))).message).toContain(
      "Could not find public function for 'nowhere:nothing'",
    );
    const wrongKind = await errorOf(httpClient(token).mutation(api.tenancy.viewer.get as unknown as typeof api.tenancy.viewer.sync, {}));
    expect(wrongKind.message).toBe("Trying to execute tenancy/viewer:get as Mutation, but it is defined as Query.");
  });

  test("a token the engine did not sign is refused with 401, as a deployment refuses a bad JWT", async () => {
    const forged = token.slice(0, token.lastIndexOf(".") + 1) + "AAAA";
    const refused = await errorOf(httpClient(forged).query(api.tenancy.viewer.get, {}));
    expect(refused.message).toContain("InvalidAuthHeader");
    const raw = await post("/api/query", { path: "tenancy/viewer:get", args: [{}], format: "convex_encoded_json" }, `Bearer ${forged}`);
    expect(raw.status).toBe(401);
    expect(raw.body).toMatchObject({ code: "InvalidAuthHeader" });
  });

  test("the wire format: success and error bodies, args as an array or an object, /api/run/<path>", async () => {
    const ok = await post("/api/query", { path: "tenancy/viewer:get", args: [{}], format: "convex_encoded_json" }, `Bearer ${token}`);
    expect(ok.status).toBe(200);
    expect(ok.body).toMatchObject({ status: "success", logLines: [], value: { name: "Hana Http" } });

    const asObject = await post("/api/query", { path: "tenancy/viewer:get", args: {} }, `Bearer ${token}`);
    expect(asObject.body).toMatchObject({ status: "success", value: { name: "Hana Http" } });

    const failed = await post("/api/query", { path: "tenancy/viewer:get", args: [{}] });
    expect(failed.status).toBe(200);
    expect(failed.body).toMatchObject({ status: "error", errorData: { code: "unauthenticated" }, logLines: [] });
    expect(failed.body["errorMessage"]).toMatch(/Server Error\nUncaught ConvexError/);

    const run = await post("/api/run/tenancy/accounts/get", { args: { accountId }, format: "json" }, `Bearer ${token}`);
    expect(run.body).toMatchObject({ status: "success", value: { accountId, name: "Renamed over HTTP" } });
    expect((await post("/api/run/nothing", { args: {} })).status).toBe(400);

    const badJson = await fetch(`${engine.url}/api/mutation`, { method: "POST", headers: { "content-type": "application/json" }, body: "{" });
    expect(badJson.status).toBe(400);
    expect(await badJson.json()).toMatchObject({ code: "BadJsonBody" });
    expect((await post("/api/query", { path: "tenancy/viewer:get", args: [{}], format: "yaml" })).body).toMatchObject({ code: "InvalidFormat" });
  });

  test("a consistent query reads at the engine's latest timestamp", async () => {
    const client = httpClient(token);
    // Deprecated-as-experimental in the client, but part of its wire surface (/api/query_ts, /api/query_at_ts).
    const viewer = await client.consistentQuery(api.tenancy.viewer.get, {});
    expect(viewer.name).toBe("Hana Http");
  });
});

describe("the admin key", () => {
  const admin = () => `Convex ${engine.adminKey}`;

  test("is created in the data folder", async () => {
    expect(engine.adminKey).toMatch(/^local-engine\|[0-9a-f]{64}$/);
    expect((await readFile(path.join(dataDir, "admin_key.txt"), "utf8")).trim()).toBe(engine.adminKey);
  });

  test("calls internal functions and components' functions (/api/function, as `npx convex run`)", async () => {
    const status = await post("/api/function", { path: "ops/cli:status", args: {}, format: "convex_encoded_json" }, admin());
    expect(status.body).toMatchObject({ status: "success", value: { paused: false, maintenance: { enabled: false } } });

    const component = await post("/api/function", { path: "budgets:status", componentPath: "budget", args: { refs: [] } }, admin());
    expect(component.body).toMatchObject({ status: "success", value: [] });

    // The same through ConvexHttpClient's admin auth (what the CLI does).
    const client = adminClient();
    expect(await client.query(makeFunctionReference<"query">("ops/cli:status"), {})).toMatchObject({ paused: false });
  });

  test("can act as a user", async () => {
    const client = adminClient({ subject: "acting_user", issuer: "https://acting.example", name: "Acting User" });
    const viewer = await client.mutation(api.tenancy.viewer.sync, {});
    expect(viewer.name).toBe("Acting User");
  });

  test("a wrong key, or none, is refused on admin endpoints", async () => {
    const wrong = await post("/api/function", { path: "ops/cli:status", args: {} }, "Convex local-engine|nope");
    expect(wrong.status).toBe(401);
    expect(wrong.body).toMatchObject({ code: "BadAdminKey" });
    const userOnly = await post("/api/function", { path: "ops/cli:status", args: {} });
    expect(userOnly.status).toBe(401);
    const env = await post("/api/update_environment_variables", { changes: [{ name: "X", value: "1" }] });
    expect(env.status).toBe(401);
    const push = await post("/api/deploy2/start_push", {}, `Convex ${engine.adminKey}x`);
    expect(push.status).toBe(401);
  });

  test("sets the engine's environment: persisted, applied to the next call without a restart", async () => {
    const metrics = () => fetch(`${engine.siteUrl}/metrics`, { headers: { authorization: "Bearer metrics-secret-1" } }).then((r) => r.status);
    delete process.env["HARNESS_METRICS_TOKEN"];
    expect(await metrics()).toBe(401);
    const set = await post("/api/update_environment_variables", { changes: [{ name: "HARNESS_METRICS_TOKEN", value: "metrics-secret-1" }] }, admin());
    expect(set.status).toBe(200);
    expect(await metrics()).toBe(200);
    expect(JSON.parse(await readFile(path.join(dataDir, "env.json"), "utf8"))).toEqual({ HARNESS_METRICS_TOKEN: "metrics-secret-1" });

    const invalid = await post("/api/update_environment_variables", { changes: [{ name: "1BAD", value: "x" }, { name: "GOOD", value: "y" }] }, admin());
    expect(invalid.status).toBe(400);
    expect(invalid.body["message"]).toContain("must start with a letter");
    expect(process.env["GOOD"]).toBeUndefined();

    await post("/api/update_environment_variables", { changes: [{ name: "HARNESS_METRICS_TOKEN", value: null }] }, admin());
    expect(await metrics()).toBe(401);
    expect(process.env["HARNESS_METRICS_TOKEN"]).toBeUndefined();
  });

  test("a push whose modules differ from what the engine runs is refused with what differs", async () => {
    const refused = await post(
      "/api/deploy2/start_push",
      { adminKey: engine.adminKey, dryRun: true, functions: "convex/", appDefinition: { changedModules: [{ path: "brandNew.js", source: "", environment: "isolate" }], unchangedModuleHashes: [] }, componentDefinitions: [], nodeDependencies: [] },
      admin(),
    );
    expect(refused.status).toBe(400);
    expect(refused.body["code"]).toBe("LocalEngineRestartRequired");
    expect(refused.body["message"]).toContain("modules pushed that this engine has not loaded: brandNew");
    expect(refused.body["message"]).toContain("Restart `npm start`");
  });
});

describe("API keys behind one address (every client of the local engine)", () => {
  test("50 bad keys from one address, then a valid key answers 200", async () => {
    const token = await localToken(engine.url, { name: "Kim Keys", orgId: "org_keys", orgRole: "admin" });
    const client = httpClient(token);
    const viewer = await client.mutation(api.tenancy.viewer.sync, {});
    const { secret } = await client.action(api.httpApi.keys.create, {
      accountId: viewer.activeAccountId!,
      name: "valid",
      permission: "read",
      rateLimit: { requests: 100, periodSeconds: 60 },
    });
    const probe = (key: string) => fetch(`${engine.siteUrl}/v1/capabilities?kind=agent`, { headers: { authorization: `Bearer ${key}` } }).then((r) => r.status);
    const statuses: number[] = [];
    for (let i = 0; i < 50; i++) statuses.push(await probe(`thk_${String(i).padStart(43, "Z")}`));
    expect(statuses.filter((status) => status === 401)).toHaveLength(10);
    expect(statuses.filter((status) => status === 429)).toHaveLength(40);
    expect(await probe(secret)).toBe(200);
  });
});
