// @vitest-environment node
/**
 * The real Convex CLI (`node_modules/convex/bin/main.js`, spawned as a person
 * would run `npx convex …`) against a started engine, with
 * CONVEX_SELF_HOSTED_URL + CONVEX_SELF_HOSTED_ADMIN_KEY: `run` (internal
 * functions, arguments, identities, components, errors), `env` (set / get /
 * list / remove, applied to the engine's process and persisted) and
 * `deploy` (bundled by the CLI, accepted by the engine).
 *
 * The engine and the CLI work on a copy of the project (convex/, components/,
 * package.json, convex.json; node_modules linked), so edits made to the
 * checkout while the tests run cannot change what is pushed, and a test can
 * change a source file to see the push refused.
 *
 * Offline: each CLI process runs with a preloaded guard that refuses, and
 * records, every DNS lookup and connection to anything but this machine;
 * the tests assert it recorded none. `CI=1` keeps the CLI's error reporting
 * (Sentry) off.
 */
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { appendFile, cp, mkdtemp, readFile, rm, stat, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { startEngine, type Engine } from "./engine";
import { collectingLogger } from "./testClient.testing";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));
const CLI = path.join(ROOT, "node_modules/convex/bin/main.js");

let dataDir: string;
let project: string;
let home: string;
let guard: string;
let attempts: string;
let engine: Engine;
const errors: string[] = [];

/** Preloaded into every CLI process: refuse and record network access to anything but this machine. */
const GUARD = `
import dns from "node:dns";
import net from "node:net";
import { appendFileSync } from "node:fs";
const record = (what) => appendFileSync(process.env.NETWORK_ATTEMPTS_FILE, what + "\\n");
const local = (host) => host === undefined || host === null || host === "localhost" || host === "::1" || /^127\\./.test(String(host)) || host === "::ffff:127.0.0.1";
const lookup = dns.lookup;
dns.lookup = function (host, ...rest) {
  if (!local(host)) {
    record("dns " + host);
    const callback = rest.find((arg) => typeof arg === "function");
    const error = Object.assign(new Error("offline test: no network"), { code: "ENOTFOUND" });
    if (callback) return process.nextTick(() => callback(error));
    throw error;
  }
  return lookup.call(this, host, ...rest);
};
const connect = net.Socket.prototype.connect;
net.Socket.prototype.connect = function (...args) {
  // connect(options[, cb]), connect(port[, host][, cb]), or the normalized [options, cb] that net.connect passes.
  const first = Array.isArray(args[0]) ? args[0][0] : args[0];
  const options = typeof first === "object" && first !== null ? first : { port: first, host: typeof args[1] === "string" ? args[1] : "localhost" };
  if (options.path === undefined && !local(options.host)) {
    record("connect " + options.host + ":" + options.port);
    throw Object.assign(new Error("offline test: no network"), { code: "ECONNREFUSED" });
  }
  return connect.apply(this, args);
};
`;

type Run = { code: number | null; stdout: string; stderr: string };

type CliOptions = { timeoutMs?: number; adminKey?: string; url?: string; cwd?: string };

function cli(args: string[], { timeoutMs = 60_000, adminKey = engine.adminKey, url = engine.url, cwd = project }: CliOptions = {}): Promise<Run> {
  // A person's shell: no test-runner or deployment variables, a fresh home (no Convex login), this engine.
  const env: NodeJS.ProcessEnv = { PATH: process.env["PATH"] ?? "", HOME: home };
  Object.assign(env, {
    CONVEX_SELF_HOSTED_URL: url,
    CONVEX_SELF_HOSTED_ADMIN_KEY: adminKey,
    CI: "1",
    FORCE_COLOR: "0",
    NETWORK_ATTEMPTS_FILE: attempts,
  });
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["--import", guard, CLI, ...args], { cwd, env, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding("utf8").on("data", (chunk: string) => (stderr += chunk));
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`npx convex ${args.join(" ")} did not finish in ${timeoutMs} ms.\nstdout: ${stdout}\nstderr: ${stderr}`));
    }, timeoutMs);
    child.on("error", reject);
    child.on("exit", (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

/** A copy of the project (node_modules linked): what the engine loads and the CLI bundles, safe from concurrent edits. */
async function copyProject(prefix: string, extra: string[] = []): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), prefix));
  for (const entry of ["convex", "components", "package.json", "convex.json", "tsconfig.json", ...extra]) {
    await cp(path.join(ROOT, entry), path.join(dir, entry), { recursive: true });
  }
  await symlink(path.join(ROOT, "node_modules"), path.join(dir, "node_modules"), "dir");
  return dir;
}

const networkAttempts = async () => (existsSync(attempts) ? (await readFile(attempts, "utf8")).trim() : "");

beforeAll(async () => {
  dataDir = await mkdtemp(path.join(tmpdir(), "local-engine-cli-"));
  home = await mkdtemp(path.join(tmpdir(), "local-engine-cli-home-"));
  project = await copyProject("local-engine-cli-project-");
  guard = path.join(home, "offline-guard.mjs");
  attempts = path.join(home, "network-attempts.txt");
  await writeFile(guard, GUARD);
  engine = await startEngine({ root: project, port: 0, sitePort: 0, dataDir, web: false, seed: false, crons: false, logger: collectingLogger(errors) });
}, 90_000);

afterAll(async () => {
  await engine.close();
  await rm(dataDir, { recursive: true, force: true });
  await rm(home, { recursive: true, force: true });
  await rm(project, { recursive: true, force: true });
}, 30_000);

describe("npx convex run", () => {
  test("runs an internal query and an internal mutation with arguments", { timeout: 60_000 }, async () => {
    const status = await cli(["run", "ops/cli:status"]);
    expect(status.stderr).toBe("");
    expect(status.code).toBe(0);
    expect(JSON.parse(status.stdout)).toMatchObject({ paused: false, maintenance: { enabled: false } });

    const set = await cli(["run", "ops/cli:setMaintenance", '{"enabled": true, "reason": "from the CLI test"}']);
    expect(set.code).toBe(0);
    const after = await cli(["run", "ops/cli:status", "{}"]);
    expect(JSON.parse(after.stdout)).toMatchObject({ maintenance: { enabled: true } });
    await cli(["run", "ops/cli:setMaintenance", '{"enabled": false}']);
    expect(await networkAttempts()).toBe("");
  });

  test("runs a public mutation as a given identity, and a component's query", { timeout: 60_000 }, async () => {
    const viewer = await cli(["run", "--identity", '{"subject": "cli_user", "name": "Cli User"}', "tenancy/viewer:sync"]);
    expect(viewer.code).toBe(0);
    expect(JSON.parse(viewer.stdout)).toMatchObject({ name: "Cli User", accounts: [expect.objectContaining({ kind: "personal" })] });

    const budgets = await cli(["run", "--component", "budget", "budgets:status", '{"refs": [{"scope": "account", "scopeId": "nobody"}]}']);
    expect(budgets.code).toBe(0);
    expect(JSON.parse(budgets.stdout)).toEqual([]);
  });

  test("reports argument errors with their field, and lists the functions when a name is wrong", { timeout: 60_000 }, async () => {
    const wrongArgs = await cli(["run", "ops/cli:setMaintenance", '{"enabled": "yes"}']);
    expect(wrongArgs.code).toBe(1);
    expect(wrongArgs.stderr).toContain('ArgumentValidationError: Value does not match validator.\nPath: .enabled\nValue: "yes"\nValidator: v.boolean()');

    const unknown = await cli(["run", "ops/cli:nothingHere"]);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain("Could not find function for 'ops/cli:nothingHere'");
    expect(unknown.stderr).toContain("Available functions:");
    expect(unknown.stderr).toContain("ops/cli:status");
    expect(await networkAttempts()).toBe("");
  });

  test("is refused with a wrong admin key", { timeout: 60_000 }, async () => {
    const refused = await cli(["run", "ops/cli:status"], { adminKey: `${engine.adminKey}0` });
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain("BadAdminKey");
  });
});

describe("npx convex env", () => {
  test("set, get, list and remove manage the engine's environment, persisted and applied without a restart", { timeout: 90_000 }, async () => {
    delete process.env["HARNESS_METRICS_TOKEN"];
    const metrics = () => fetch(`${engine.siteUrl}/metrics`, { headers: { authorization: "Bearer from-the-cli" } }).then((r) => r.status);
    expect(await metrics()).toBe(401);

    expect((await cli(["env", "list"])).stderr).toContain("No environment variables set");
    const set = await cli(["env", "set", "HARNESS_METRICS_TOKEN", "from-the-cli"]);
    expect(set.code).toBe(0);
    expect(set.stderr).toContain("Successfully set HARNESS_METRICS_TOKEN");
    // The engine's process.env, which the app reads on every call: /metrics now takes the token.
    expect(process.env["HARNESS_METRICS_TOKEN"]).toBe("from-the-cli");
    expect(await metrics()).toBe(200);
    expect(JSON.parse(await readFile(path.join(dataDir, "env.json"), "utf8"))).toEqual({ HARNESS_METRICS_TOKEN: "from-the-cli" });

    expect((await cli(["env", "set", "GREETING=hello world"])).code).toBe(0);
    expect((await cli(["env", "get", "HARNESS_METRICS_TOKEN"])).stdout.trim()).toBe("from-the-cli");
    const list = await cli(["env", "list", "--include-values"]);
    expect(list.stdout.trim().split("\n")).toEqual(["GREETING=hello world", "HARNESS_METRICS_TOKEN=from-the-cli"]);

    const removed = await cli(["env", "remove", "HARNESS_METRICS_TOKEN"]);
    expect(removed.stderr).toContain("Successfully unset HARNESS_METRICS_TOKEN");
    expect(process.env["HARNESS_METRICS_TOKEN"]).toBeUndefined();
    expect(await metrics()).toBe(401);
    const missing = await cli(["env", "get", "HARNESS_METRICS_TOKEN"]);
    expect(missing.stderr).toContain('Environment variable "HARNESS_METRICS_TOKEN" not found');

    const invalid = await cli(["env", "set", "1NOPE", "x"]);
    expect(invalid.code).toBe(1);
    expect(invalid.stderr).toContain("must start with a letter");
    await cli(["env", "remove", "GREETING"]);
    expect(await networkAttempts()).toBe("");
  });
});

describe("npx convex deploy", () => {
  test("the CLI bundles the app and the engine accepts the push (it is the code the engine runs)", { timeout: 180_000 }, async () => {
    const generated = path.join(project, "convex/_generated/api.d.ts");
    const before = (await stat(generated)).mtimeMs;
    const deployed = await cli(["deploy", "--typecheck", "disable", "--codegen", "disable", "-y"], { timeoutMs: 170_000 });
    expect(deployed.stderr).toContain("Schema validation complete.");
    expect(deployed.stderr).toContain("Deployed Convex functions to");
    expect(deployed.code).toBe(0);
    expect((await stat(generated)).mtimeMs).toBe(before);
    expect(await networkAttempts()).toBe("");
  });

  test("a push of code the engine has not loaded is refused, naming what changed", { timeout: 180_000 }, async () => {
    await appendFile(path.join(project, "convex/ops/version.ts"), "\n// changed after the engine started\n");
    await writeFile(path.join(project, "convex/brandNew.ts"), 'import { internalQuery } from "./_generated/server";\nexport const ping = internalQuery({ args: {}, handler: async () => "pong" });\n');
    const refused = await cli(["deploy", "--typecheck", "disable", "--codegen", "disable", "-y"], { timeoutMs: 170_000 });
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain("LocalEngineRestartRequired");
    expect(refused.stderr).toContain("modules pushed that this engine has not loaded: brandNew");
    expect(refused.stderr).toContain("source changed since the engine started: convex/ops/version.ts");
    expect(refused.stderr).toContain("Restart `npm start` (data is kept)");
    expect(await networkAttempts()).toBe("");
  });
});

describe("npx convex deploy against npm start", () => {
  test("a push of new or changed code restarts the engine on the same port, which then runs it", { timeout: 400_000 }, async () => {
    const app = await copyProject("local-engine-cli-start-", ["scripts/start.mjs", "scripts/local-engine", "scripts/web"]);
    const appData = await mkdtemp(path.join(tmpdir(), "local-engine-cli-start-data-"));
    const env: NodeJS.ProcessEnv = { ...process.env, FORCE_COLOR: "0" };
    for (const name of Object.keys(env)) {
      if (name.startsWith("VITEST") || name === "NODE_ENV" || name === "TEST" || name.startsWith("CONVEX_")) delete env[name];
    }
    const start = spawn(process.execPath, ["scripts/start.mjs", "--port", "0", "--data-dir", appData, "--no-crons", "--no-seed"], { cwd: app, env, stdio: ["ignore", "pipe", "pipe"] });
    let output = "";
    start.stdout.setEncoding("utf8").on("data", (chunk: string) => (output += chunk));
    start.stderr.setEncoding("utf8").on("data", (chunk: string) => (output += chunk));
    const exited = new Promise<number | null>((resolve) => start.once("exit", (code) => resolve(code)));
    try {
      await expect.poll(() => /Open the app:\s+(http:\/\/\S+)/.exec(output)?.[1], { timeout: 90_000, interval: 250 }).toBeDefined();
      const url = /Open the app:\s+(http:\/\/\S+)/.exec(output)![1]!;
      const adminKey = (await readFile(path.join(appData, "admin_key.txt"), "utf8")).trim();
      const options = { url, adminKey, cwd: app, timeoutMs: 170_000 };

      await writeFile(path.join(app, "convex/brandNew.ts"), 'import { internalQuery } from "./_generated/server";\nexport const ping = internalQuery({ args: {}, handler: async () => "pong" });\n');
      const deployed = await cli(["deploy", "--typecheck", "disable", "--codegen", "disable", "-y"], options);
      expect(deployed.stderr).toContain("Deployed Convex functions to");
      expect(deployed.code).toBe(0);
      expect(output).toContain("[start] Restarting the local engine to load the pushed code (modules pushed that this engine has not loaded: brandNew)");
      const ping = await cli(["run", "brandNew:ping"], options);
      expect(ping.stdout.trim()).toBe('"pong"');

      // Editing the same file again, twice (as `npx convex dev` pushes on every save): each push restarts and loads it.
      for (const version of ["pong v2", "pong v3"]) {
        await writeFile(path.join(app, "convex/brandNew.ts"), `import { internalQuery } from "./_generated/server";\nexport const ping = internalQuery({ args: {}, handler: async () => "${version}" });\n`);
        const again = await cli(["deploy", "--typecheck", "disable", "--codegen", "disable", "-y"], options);
        expect(again.code).toBe(0);
        expect((await cli(["run", "brandNew:ping"], options)).stdout.trim()).toBe(JSON.stringify(version));
      }
      expect(output.match(/Restarting the local engine to load the pushed code \(source changed since the engine started: convex\/brandNew\.ts\)/g)).toHaveLength(2);
      expect(await networkAttempts()).toBe("");
    } finally {
      start.kill("SIGTERM");
      expect(await exited).toBe(0);
      await rm(app, { recursive: true, force: true });
      await rm(appData, { recursive: true, force: true });
    }
    expect(output).toContain("SIGTERM: saving data and stopping");
  });
});
