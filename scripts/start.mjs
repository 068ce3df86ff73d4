#!/usr/bin/env node
// `npm start`: one command, two modes.
//
// - A real Convex deployment is configured (CONVEX_DEPLOYMENT, CONVEX_URL or
//   CONVEX_SELF_HOSTED_URL, in the environment or in .env.local / .env):
//   run `npx convex dev` (when there is a deployment to push to) and Vite for
//   web/. The local engine is not loaded.
// - Otherwise: the local engine (scripts/local-engine), which runs convex/ on
//   convex-test and serves the SPA, with no account and no network: its
//   production build (built when web/ changed, scripts/web/), or with `--dev`
//   (`npm run dev`) Vite's dev server with hot reload.
//   CONVEX_SELF_HOSTED_URL + CONVEX_SELF_HOSTED_ADMIN_KEY holding the local
//   engine's own admin key (`local-engine|…`, printed at start; set so that
//   `npx convex run` / `env` reach the engine) still mean the local engine,
//   on the port that URL names.
import { spawn } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");

/** KEY=VALUE lines of the dotenv files the Convex CLI and Vite read (the environment wins). */
function configured(name) {
  if (process.env[name]) return process.env[name];
  for (const file of [".env.local", ".env"]) {
    const full = path.join(root, file);
    if (!existsSync(full)) continue;
    for (const line of readFileSync(full, "utf8").split(/\r?\n/)) {
      const match = /^\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(.*?)\s*$/.exec(line);
      if (match && match[1] === name) {
        const value = match[2].replace(/^(['"])(.*)\1$/, "$2").replace(/\s+#.*$/, "");
        if (value !== "") return value;
      }
    }
  }
  return undefined;
}

const deployment = configured("CONVEX_DEPLOYMENT");
const selfHosted = configured("CONVEX_SELF_HOSTED_URL");
const convexUrl = configured("CONVEX_URL");
// The local engine's admin key starts with this (scripts/local-engine/adminKey.ts); no real backend issues such keys.
const localEngineTarget = !deployment && selfHosted !== undefined && (configured("CONVEX_SELF_HOSTED_ADMIN_KEY") ?? "").startsWith("local-engine|");

if ((deployment || selfHosted || convexUrl) && !localEngineTarget) {
  const children = [];
  const run = (command, commandArgs, env = {}) => {
    const child = spawn(command, commandArgs, { cwd: root, stdio: "inherit", env: { ...process.env, ...env }, shell: process.platform === "win32" });
    children.push(child);
    child.on("exit", (code, signal) => {
      for (const other of children) if (other !== child && other.exitCode === null) other.kill("SIGTERM");
      process.exitCode = code ?? (signal ? 1 : 0);
    });
    return child;
  };
  console.log(`[start] Using the configured Convex deployment (${deployment ?? selfHosted ?? convexUrl}); the local engine is not used.`);
  if (deployment || selfHosted) run("npx", ["convex", "dev"]);
  else console.log("[start] Only CONVEX_URL is set: serving the SPA against it (no `convex dev`, nothing to push to).");
  const viteEnv = convexUrl && !configured("VITE_CONVEX_URL") ? { VITE_CONVEX_URL: convexUrl } : {};
  run("npx", ["vite", "web"], viteEnv);
  for (const signal of ["SIGINT", "SIGTERM"]) process.on(signal, () => children.forEach((child) => child.kill(signal)));
} else {
  process.env.HARNESS_WEBHOOK_ALLOW_PRIVATE_URLS ??= "true"; // a dev server: webhooks may go to 127.0.0.1 (a deployment refuses private addresses)
  const args = process.argv.slice(2);
  if (localEngineTarget && !args.includes("--port") && !process.env.LOCAL_ENGINE_PORT) {
    // Serve where the Convex CLI was told the deployment is (and fail loudly if that port is taken, instead of moving).
    const port = (() => {
      try {
        const url = new URL(selfHosted);
        return ["localhost", "127.0.0.1", "[::1]"].includes(url.hostname) && url.port !== "" ? url.port : undefined;
      } catch {
        return undefined;
      }
    })();
    if (port !== undefined) args.push("--port", port);
    // main.ts warns when this is not the data folder's key (another --data-dir, or a key from before).
    process.env.LOCAL_ENGINE_CLI_ADMIN_KEY = configured("CONVEX_SELF_HOSTED_ADMIN_KEY");
    console.log(`[start] CONVEX_SELF_HOSTED_URL (${selfHosted}) names the local engine (its admin key): starting it${port !== undefined ? ` on port ${port}` : ""}.`);
  }
  superviseEngine(args);
}

/**
 * The local engine runs as a child process (TypeScript through tsx) that this
 * one starts again when it asks to: a push of code it has not loaded
 * (`npx convex deploy` / `npx convex dev`, scripts/local-engine/deployApi.ts)
 * makes it send `{ type: "restart", port, sitePort, reason, shape }` over IPC and
 * exit with 75; it is started again on the same ports, without `--reset`,
 * and loads the code on disk. Its data is saved and restored as on any restart.
 *
 * Signals: the child runs in its own process group (so a terminal's Ctrl-C
 * reaches it once, from here) and SIGINT / SIGTERM are forwarded; this
 * process exits with the child's code. If this process is killed outright,
 * the child sees its IPC channel close and stops itself.
 */
function superviseEngine(initialArgs) {
  const RESTART_EXIT_CODE = 75;
  const main = path.join(root, "scripts", "local-engine", "main.ts");
  const tsx = import.meta.resolve("tsx");
  let args = initialArgs;
  let child = null;
  let stopping = false;
  const start = (env) => {
    child = spawn(process.execPath, ["--import", tsx, main, ...args], {
      cwd: root,
      stdio: ["ignore", "inherit", "inherit", "ipc"],
      env: { ...process.env, ...env },
      detached: process.platform !== "win32",
    });
    let restart = null;
    child.on("message", (message) => {
      if (message !== null && typeof message === "object" && message.type === "restart") restart = message;
    });
    child.on("exit", (code, signal) => {
      if (!stopping && code === RESTART_EXIT_CODE && restart !== null) {
        // Same ports (the CLI retries its push there), never --reset again.
        args = withoutFlags(args, ["--reset"], ["--port", "--site-port"]).concat(["--port", String(restart.port), "--site-port", String(restart.sitePort)]);
        console.log(`[start] Restarting the local engine to load the pushed code (${String(restart.reason)}).`);
        // What a restart could not cure if it comes again (see deployApi.ts): the module / component differences.
        start({ LOCAL_ENGINE_RESTARTED_FOR: String(restart.shape ?? "") });
        return;
      }
      process.exit(code ?? (signal ? 1 : 0));
    });
  };
  for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"]) {
    process.on(signal, () => {
      if (stopping) return;
      stopping = true;
      if (child !== null && child.exitCode === null && child.signalCode === null) child.kill(signal === "SIGHUP" ? "SIGTERM" : signal);
      else process.exit(1);
    });
  }
  start({});
}

/** `args` without the boolean flags `drop` and without the valued options `dropWithValue` (and their values). */
function withoutFlags(args, drop, dropWithValue) {
  const out = [];
  for (let i = 0; i < args.length; i++) {
    const [name] = args[i].split("=", 1);
    if (drop.includes(name)) continue;
    if (dropWithValue.includes(name)) {
      if (!args[i].includes("=")) i++;
      continue;
    }
    out.push(args[i]);
  }
  return out;
}
