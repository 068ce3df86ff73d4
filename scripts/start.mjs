#!/usr/bin/env node
// `npm start`: one command, two modes.
//
// - A real Convex deployment is configured (CONVEX_DEPLOYMENT, CONVEX_URL or
//   CONVEX_SELF_HOSTED_URL, in the environment or in .env.local / .env):
//   run `npx convex dev` (when there is a deployment to push to) and Vite for
//   web/. The local engine is not loaded.
// - Otherwise: the local engine (scripts/local-engine), which runs convex/ on
//   convex-test and serves the SPA, with no account and no network.
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

if (deployment || selfHosted || convexUrl) {
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
  const { register } = await import("tsx/esm/api");
  register();
  process.env.HARNESS_WEBHOOK_ALLOW_PRIVATE_URLS ??= "true"; // a dev server: webhooks may go to 127.0.0.1 (a deployment refuses private addresses)
  await import("./local-engine/main.ts");
}
