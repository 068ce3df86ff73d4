/**
 * The SPA's production build for the local engine: built once per content of
 * its inputs and reused.
 *
 * A build lives in `.local/web/<hash>/`, where `<hash>` covers everything
 * that can change the output (web/ sources and config, the convex/ modules
 * the SPA may import, the installed package versions). Starting the app
 * again with the same sources reuses it (no build: the browser tests start
 * the app once per file); a changed byte anywhere builds a new one.
 *
 * Browser test files start the app in parallel: the first process to take
 * `<hash>.lock` builds, the others wait for its result instead of building the
 * same thing again. A build goes to a temporary folder renamed into place, so
 * no one ever serves half a build; a lock left by a killed process expires.
 */
import { createHash } from "node:crypto";
import { existsSync } from "node:fs";
import { mkdir, readdir, readFile, rename, rm, stat } from "node:fs/promises";
import path from "node:path";

/** The environment the SPA reads at build time; the server injects the real values into index.html instead (runtimeConfig.ts). */
const BAKED_ENV = ["VITE_CONVEX_URL", "VITE_CONVEX_SITE_URL", "VITE_CLERK_PUBLISHABLE_KEY", "VITE_LOCAL_AUTH_URL", "VITE_ENGINE_LOGS_URL"] as const;
/** Variables set only while building, whatever the caller's environment (a test runner sets NODE_ENV=test, which would build React's development bundle). */
const BUILD_ENV: Record<string, string> = { NODE_ENV: "production", ...Object.fromEntries(BAKED_ENV.map((name) => [name, ""])) };

/** Folders (relative to the repository) whose files are inputs, and single input files. */
const INPUT_DIRS = ["web", "convex/shared"];
const INPUT_FILES = ["convex/_generated/api.js", "convex/lib/errors.ts", "package-lock.json", "tsconfig.json"];
/** Never inputs: build output and editor / OS litter. */
const SKIP = new Set(["dist", "node_modules", ".DS_Store"]);

/** A lock older than this belongs to a build that died (a build takes seconds). */
const STALE_LOCK_MS = 3 * 60 * 1000;

/** Builds older than this that are not the current one are removed (a running app may still serve one). */
const KEEP_OLD_BUILDS_MS = 60 * 60 * 1000;

export type WebBuild = {
  /** Folder holding index.html and assets/. */
  dir: string;
  hash: string;
  /** False when an earlier build of the same sources was reused. */
  built: boolean;
  ms: number;
};

async function listFiles(dir: string): Promise<string[]> {
  if (!existsSync(dir)) return [];
  const out: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    if (SKIP.has(entry.name)) continue;
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) out.push(...(await listFiles(full)));
    else if (entry.isFile()) out.push(full);
  }
  return out;
}

/** sha256 over every input's path and bytes, in a stable order (16 hex characters). */
export async function webSourceHash(root: string): Promise<string> {
  const files = [
    ...(await Promise.all(INPUT_DIRS.map((dir) => listFiles(path.join(root, dir))))).flat(),
    ...INPUT_FILES.map((file) => path.join(root, file)).filter((file) => existsSync(file)),
  ].sort();
  const hash = createHash("sha256");
  for (const file of files) {
    hash.update(path.relative(root, file).split(path.sep).join("/")).update("\0");
    hash.update(await readFile(file)).update("\0");
  }
  return hash.digest("hex").slice(0, 16);
}

/** Where builds are kept. */
export const buildsDir = (root: string) => path.join(root, ".local", "web");

/** The build of the current sources: reused when it exists, else built now. */
export async function ensureWebBuild(root: string, log: (line: string) => void = () => {}): Promise<WebBuild> {
  const started = Date.now();
  const hash = await webSourceHash(root);
  const dir = path.join(buildsDir(root), hash);
  const done = () => existsSync(path.join(dir, "index.html"));
  if (done()) return { dir, hash, built: false, ms: Date.now() - started };

  const lock = `${dir}.lock`;
  while (!(await takeLock(lock))) {
    if (done()) return { dir, hash, built: false, ms: Date.now() - started };
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  try {
    if (done()) return { dir, hash, built: false, ms: Date.now() - started };
    await buildAs(root, dir, hash, log);
  } finally {
    await rm(lock, { recursive: true, force: true });
  }
  await removeOldBuilds(root, hash);
  const ms = Date.now() - started;
  log(`Built the web app in ${(ms / 1000).toFixed(1)}s.`);
  return { dir, hash, built: true, ms };
}

/** mkdir is atomic: whoever creates the folder holds the lock. A stale one is removed and taken. */
async function takeLock(lock: string): Promise<boolean> {
  await mkdir(path.dirname(lock), { recursive: true });
  try {
    await mkdir(lock);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
    const { mtimeMs } = await stat(lock).catch(() => ({ mtimeMs: Date.now() }));
    if (Date.now() - mtimeMs > STALE_LOCK_MS) await rm(lock, { recursive: true, force: true });
    return false;
  }
}

async function buildAs(root: string, dir: string, hash: string, log: (line: string) => void): Promise<void> {
  log(`Building the web app (sources changed since the last build; ${hash})...`);
  const temporary = `${dir}.tmp-${process.pid}-${Date.now()}`;
  await buildInto(root, temporary);
  try {
    await rename(temporary, dir);
  } catch (error) {
    // Another process finished the same build first: use its copy.
    if (!existsSync(path.join(dir, "index.html"))) throw error;
    await rm(temporary, { recursive: true, force: true });
  }
}

/** `vite build` with web/vite.config.ts into `outDir`, with nothing of this machine's environment baked in. */
async function buildInto(root: string, outDir: string): Promise<void> {
  const saved = Object.keys(BUILD_ENV).map((name) => [name, process.env[name]] as const);
  // The environment wins over .env files: empty values keep .env.local's out of a build the hash does not cover.
  Object.assign(process.env, BUILD_ENV);
  try {
    const { build } = await import("vite");
    await build({
      configFile: path.join(root, "web", "vite.config.ts"),
      logLevel: "warn",
      clearScreen: false,
      build: { outDir, emptyOutDir: true },
    });
  } finally {
    for (const [name, value] of saved) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
  }
}

async function removeOldBuilds(root: string, current: string): Promise<void> {
  const now = Date.now();
  for (const name of await readdir(buildsDir(root)).catch(() => [] as string[])) {
    if (name === current || name.endsWith(".lock")) continue;
    const full = path.join(buildsDir(root), name);
    const { mtimeMs } = await stat(full).catch(() => ({ mtimeMs: now }));
    if (now - mtimeMs > KEEP_OLD_BUILDS_MS) await rm(full, { recursive: true, force: true });
  }
}
