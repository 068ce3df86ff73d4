// @vitest-environment node
/**
 * The local engine end to end: the real `ConvexClient` (convex/browser) over
 * the sync WebSocket, against the app's real functions.
 */
import { existsSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import Database from "better-sqlite3";
import { ConvexClient } from "convex/browser";
import { makeFunctionReference } from "convex/server";
import { ConvexError } from "convex/values";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { api } from "../../convex/_generated/api";
import type { Id } from "../../convex/_generated/dataModel";
import { startEngine, type Engine } from "./engine";
import type { Logger } from "./syncServer";
import { collectingLogger, connectClient, signInLocal, waitForQuery } from "./testClient.testing";

const SERVICE_SECRET = "local-engine-test-secret";
process.env["HARNESS_SERVICE_SECRET"] = SERVICE_SECRET;

let dataDir: string;
let engine: Engine;
const errors: string[] = [];
const clients: ConvexClient[] = [];

const infos: string[] = [];
// Errors collected like the other engine tests; `info` kept too (the start-up banner is asserted).
const logger: Logger = { ...collectingLogger(errors), info: (message) => infos.push(message) };
const WAIT = { timeoutMs: 5000, engineErrors: errors };

function start() {
  return startEngine({ port: 0, sitePort: 0, dataDir, web: false, seed: false, logger });
}

function connect(): ConvexClient {
  const client = connectClient(engine.url);
  clients.push(client);
  return client;
}

async function errorOf(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (error) {
    return error as Error;
  }
  throw new Error("expected an error");
}

beforeAll(async () => {
  dataDir = await mkdtemp(path.join(tmpdir(), "local-engine-"));
  engine = await start();
}, 60_000);

afterAll(async () => {
  await Promise.all(clients.map((client) => client.close()));
  await engine.close();
  await rm(dataDir, { recursive: true, force: true });
}, 30_000);

describe("local engine over the sync protocol", () => {
  let accountId: Id<"accounts">;
  let alice: ConvexClient;
  let aliceToken: string;

  test("an anonymous query fails with the ConvexError data intact", async () => {
    const client = connect();
    const error = await errorOf(client.query(api.tenancy.viewer.get, {}));
    expect(error).toBeInstanceOf(ConvexError);
    expect((error as ConvexError<{ code: string; message: string }>).data).toMatchObject({ code: "unauthenticated" });
    expect(error.message).toContain("Server Error");
  });

  test("local sign-in, a mutation, and a subscription", async () => {
    alice = connect();
    aliceToken = await signInLocal(engine.url, alice, { name: "Alice Admin", email: "alice@example.test", orgId: "org_acme", orgRole: "admin" });
    const viewer = await alice.mutation(api.tenancy.viewer.sync, {});
    expect(viewer.name).toBe("Alice Admin");
    accountId = viewer.activeAccountId!;
    const seen = await waitForQuery(alice, api.tenancy.viewer.get, {}, (v) => v.accounts.length === 1, WAIT);
    expect(seen.accounts[0]).toMatchObject({ accountId, role: "admin" });

    const users = (await (await fetch(`${engine.url}/local-auth/users`)).json()) as { users: Array<{ name: string; orgId: string }> };
    expect(users.users[0]).toMatchObject({ name: "Alice Admin", orgId: "org_acme" });
  });

  test("a mutation from a second client updates the first client's subscription", async () => {
    const updates: string[] = [];
    const unsubscribe = alice.onUpdate(api.tenancy.accounts.get, { accountId }, (account) => updates.push(account.name));
    await waitForQuery(alice, api.tenancy.accounts.get, { accountId }, () => true, WAIT);

    const bob = connect();
    await signInLocal(engine.url, bob, { name: "Bob", email: "bob@example.test", orgId: "org_acme", orgRole: "org:admin" });
    await bob.mutation(api.tenancy.viewer.sync, {});
    await bob.mutation(api.tenancy.accounts.rename, { accountId, name: "Acme Renamed" });
    await waitForQuery(alice, api.tenancy.accounts.get, { accountId }, (a) => a.name === "Acme Renamed", WAIT);
    expect(updates.at(-1)).toBe("Acme Renamed");
    unsubscribe();
  });

  test("a mutation's promise resolves only once its writes are visible", async () => {
    await alice.mutation(api.tenancy.accounts.rename, { accountId, name: "Acme Again" });
    // Served from the client's local state, which already reflects the mutation.
    expect((await alice.query(api.tenancy.accounts.get, { accountId })).name).toBe("Acme Again");
  });

  test("an argument that fails the validator is refused with the deployment's readable message, naming its field", async () => {
    const error = await errorOf(alice.mutation(api.tenancy.accounts.rename, { accountId: "not-an-id" as Id<"accounts">, name: "x" }));
    expect(error).not.toBeInstanceOf(ConvexError);
    expect(error.message).toContain('ArgumentValidationError: Value does not match validator.\nPath: .accountId\nValue: "not-an-id"\nValidator: v.id("accounts")');
    expect(error.message).not.toContain("Server Error");
  });

  test("other errors are redacted to a request id, logged in full on the server", async () => {
    const paginationOpts = { numItems: 1, cursor: "not-a-cursor" };
    const error = await errorOf(alice.query(api.tenancy.accounts.listMembers, { accountId, paginationOpts }));
    expect(error).not.toBeInstanceOf(ConvexError);
    const requestId = /\[Request ID: ([0-9a-f]+)\] Server Error/.exec(error.message)?.[1];
    expect(requestId).toBeDefined();
    expect(error.message).not.toContain("not-a-cursor");
    const logged = errors.find((line) => line.includes(requestId!));
    expect(logged).toContain("tenancy/accounts:listMembers");
    expect(logged).toContain("not-a-cursor");
  });

  test("internal functions and unknown names are not callable by clients", async () => {
    const internalQuery = makeFunctionReference<"query">("tenancy/callers:resolveCaller");
    expect((await errorOf(alice.query(internalQuery, { tokenIdentifier: "x" }))).message).toContain("Could not find public function");
    const unknownAction = makeFunctionReference<"action">("nowhere:nothing");
    expect((await errorOf(alice.action(unknownAction, {}))).message).toContain("Could not find public function");
  });

  test("a token the engine did not sign is refused", async () => {
    const client = connect();
    const forged = aliceToken.slice(0, aliceToken.lastIndexOf(".") + 1) + "AAAA";
    const accepted = await new Promise<boolean>((resolve) => client.setAuth(async () => forged, resolve));
    expect(accepted).toBe(false);
  });

  test("a refreshed token re-authenticates the open connection", async () => {
    const client = connect();
    let mints = 0;
    const mint = async () => {
      mints++;
      const response = await fetch(`${engine.url}/local-auth/token`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ name: "Dave", orgId: "org_acme", orgRole: "member" }),
      });
      return ((await response.json()) as { token: string }).token;
    };
    await new Promise<void>((resolve, reject) => client.setAuth(mint, (ok) => (ok ? resolve() : reject(new Error("refused")))));
    await client.mutation(api.tenancy.viewer.sync, {});
    // The client confirms the first token, then fetches a fresh one and sends it on the same socket.
    await expect.poll(() => mints).toBeGreaterThanOrEqual(2);
    const viewer = await waitForQuery(client, api.tenancy.viewer.get, {}, () => true, WAIT);
    expect(viewer).toMatchObject({ name: "Dave", accounts: [{ accountId, role: "member" }] });
  });

  test("a change made by a scheduled function reaches subscribers", async () => {
    const viewer = await waitForQuery(alice, api.tenancy.viewer.get, {}, () => true, WAIT);
    expect(viewer.isPlatformAdmin).toBe(false);
    const setPlatformAdmin = makeFunctionReference<"mutation">("admin/platform:setPlatformAdmin");
    await engine.t.run(async (ctx) => {
      await ctx.scheduler.runAfter(50, setPlatformAdmin, {
        serviceSecret: SERVICE_SECRET,
        tokenIdentifier: "local-engine|local_alice_example_test",
        isPlatformAdmin: true,
      });
    });
    expect((await alice.query(api.tenancy.viewer.get, {})).isPlatformAdmin).toBe(false);
    await waitForQuery(alice, api.tenancy.viewer.get, {}, (v) => v.isPlatformAdmin, WAIT);
  });

  test("paginated subscriptions keep their page boundaries (query journals)", async () => {
    const args = { paginationOpts: { numItems: 1, cursor: null } };
    type Page = { page: Array<{ name: string }>; isDone: boolean };
    // Held for the whole test: a re-subscription would start a fresh page.
    const pages: Page[] = [];
    const unsubscribe = alice.onUpdate(api.admin.platform.listAccounts, args, (page) => pages.push(page));
    const first = await waitForQuery(alice, api.admin.platform.listAccounts, args, (p) => p.page.length === 1, WAIT);
    expect(first.page[0]!.name).toBe("Acme Again");
    // A newer account sorts into the first page (newest first): the page grows instead of shifting.
    const carol = connect();
    await signInLocal(engine.url, carol, { name: "Carol", orgId: "org_globex", orgRole: "admin" });
    await carol.mutation(api.tenancy.viewer.sync, {});
    const grown = await waitForQuery(alice, api.admin.platform.listAccounts, args, (p) => p.page.length === 2, WAIT);
    expect(grown.page.map((a) => a.name)).toEqual(["globex", "Acme Again"]);
    expect(pages.every((page) => page.page.some((a) => a.name === "Acme Again"))).toBe(true);
    unsubscribe();
  });

  test("clients reconnect and resubscribe after a dropped connection", async () => {
    const updates: string[] = [];
    const unsubscribe = alice.onUpdate(api.tenancy.accounts.get, { accountId }, (account) => updates.push(account.name));
    await waitForQuery(alice, api.tenancy.accounts.get, { accountId }, () => true, WAIT);
    engine.sync.dropConnections();
    const other = connect();
    await signInLocal(engine.url, other, { name: "Bob", email: "bob@example.test", orgId: "org_acme", orgRole: "admin" });
    await other.mutation(api.tenancy.accounts.rename, { accountId, name: "Acme After Reconnect" });
    await waitForQuery(alice, api.tenancy.accounts.get, { accountId }, (a) => a.name === "Acme After Reconnect", WAIT);
    // A mutation sent by the reconnected client works too.
    await alice.mutation(api.tenancy.accounts.rename, { accountId, name: "Acme Again" });
    expect(updates.at(-1)).toBe("Acme Again");
    unsubscribe();
  });

  test("HTTP routes are served on the site origin once convex/http.ts exists", async () => {
    const response = await fetch(`${engine.siteUrl}/v1/health`);
    if (existsSync(fileURLToPath(new URL("../../convex/http.ts", import.meta.url)))) {
      expect(response.status).not.toBe(500);
    } else {
      expect(response.status).toBe(404);
      expect(await response.text()).toContain("convex/http.ts");
    }
  });

  test("data and pending scheduled functions survive a restart", { timeout: 60_000 }, async () => {
    const setPlatformAdmin = makeFunctionReference<"mutation">("admin/platform:setPlatformAdmin");
    const carol = "local-engine|local_carol_local_test";
    await engine.t.run(async (ctx) => {
      await ctx.scheduler.runAfter(1500, setPlatformAdmin, { serviceSecret: SERVICE_SECRET, tokenIdentifier: carol, isPlatformAdmin: true });
    });
    await Promise.all(clients.splice(0).map((client) => client.close()));
    await engine.close();
    // On disk the moment it committed: every component's documents, the pending job among them.
    const saved = new Database(path.join(dataDir, "engine.sqlite"), { readonly: true });
    const components = saved.prepare("SELECT DISTINCT component FROM documents").all() as Array<{ component: string }>;
    const jobs = saved.prepare("SELECT json FROM documents WHERE component = '' AND id LIKE '%_scheduled_functions'").all() as Array<{ json: string }>;
    saved.close();
    expect(components.map((row) => row.component)).toEqual(expect.arrayContaining(["", "agent"]));
    const job = jobs
      .map((row) => JSON.parse(row.json) as { name: string; args: Array<{ tokenIdentifier?: string }>; state: { kind: string } })
      .find((doc) => doc.name === "admin/platform:setPlatformAdmin" && doc.args[0]?.tokenIdentifier === carol);
    expect(job?.state.kind).toBe("pending");

    infos.length = 0;
    engine = await start();
    // The job was still pending in the snapshot, and the new engine re-armed it (however long the restart took).
    expect(infos.join("\n")).toMatch(/Scheduled functions: [1-9]\d* re-armed/);
    const client = connect();
    // Same data folder, same signing secret: the old token still works.
    await new Promise<void>((resolve) => client.setAuth(async () => aliceToken, () => resolve()));
    const account = await client.query(api.tenancy.accounts.get, { accountId });
    expect(account.name).toBe("Acme Again");
    expect((await client.query(api.tenancy.viewer.get, {})).isPlatformAdmin).toBe(true);
    // New documents do not reuse restored ids.
    await client.mutation(api.tenancy.accounts.rename, { accountId, name: "After Restart" });
    expect((await client.query(api.tenancy.accounts.get, { accountId })).name).toBe("After Restart");
    // The scheduled function re-armed from the snapshot runs in the new engine.
    const carolIsAdmin = () =>
      engine.t.run(async (ctx) => (await ctx.db.query("userProfiles").collect()).some((row) => row.tokenIdentifier === carol && row.isPlatformAdmin));
    await expect.poll(carolIsAdmin, { timeout: 10_000, interval: 100 }).toBe(true);
  });

  test("--reset starts from empty data", { timeout: 60_000 }, async () => {
    await Promise.all(clients.splice(0).map((client) => client.close()));
    await engine.close();
    engine = await startEngine({ port: 0, sitePort: 0, dataDir, web: false, seed: false, reset: true, logger });
    expect(engine.internals.isEmpty()).toBe(true);
    const users = (await (await fetch(`${engine.url}/local-auth/users`)).json()) as { users: unknown[] };
    expect(users.users).toEqual([]);
  });
});
