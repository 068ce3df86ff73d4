/**
 * `npm start` (without a real deployment configured): run the local engine.
 *
 *   npm start                  serve on http://localhost:3210 (next free port if taken)
 *   npm start -- --reset       start from empty data (and a new local sign-in secret)
 *   npm start -- --port 4000 --data-dir .local/other --verbose
 *   npm start -- --no-crons    do not run the cron jobs of convex/crons.ts
 *   npm start -- --no-web      serve the API only, not the SPA (tests that spawn the engine)
 *   npm run dev                the same with the SPA through Vite's dev server (hot reload) instead of its production build
 *
 * Under scripts/start.mjs this runs as its child process (with an IPC
 * channel): a push (`npx convex deploy` / `dev`) of code the engine has not
 * loaded makes it send `{ type: "restart", port, sitePort, reason, shape }` and exit
 * with RESTART_EXIT_CODE; start.mjs starts it again on the same ports. When
 * start.mjs goes away (the channel closes), the engine saves and stops.
 */
import { parseArgs } from "node:util";
import { startEngine, type EngineOptions } from "./engine";

/** The exit code that asks scripts/start.mjs to start the engine again (EX_TEMPFAIL). */
export const RESTART_EXIT_CODE = 75;

const { values } = parseArgs({
  args: process.argv.slice(2),
  options: {
    reset: { type: "boolean", default: false },
    port: { type: "string" },
    "site-port": { type: "string" },
    host: { type: "string" },
    "data-dir": { type: "string" },
    "no-seed": { type: "boolean", default: false },
    "no-crons": { type: "boolean", default: false },
    "no-web": { type: "boolean", default: false },
    verbose: { type: "boolean", default: false },
    // `npm run dev`: the SPA through Vite's dev server (hot reload), not its production build.
    dev: { type: "boolean", default: false },
    // Browser tests only: serve POST /local-test/faults (see testFaults.ts).
    "enable-test-faults": { type: "boolean", default: false },
    help: { type: "boolean", default: false },
  },
});

if (values.help) {
  console.log(`Usage: npm start -- [--reset] [--port N] [--site-port N] [--host H] [--data-dir DIR] [--no-seed] [--no-crons] [--no-web] [--verbose] [--dev] [--enable-test-faults]`);
  process.exit(0);
}

const toPort = (text: string | undefined) => {
  if (text === undefined) return undefined;
  const port = Number(text);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`Not a port: ${text}`);
  return port;
};

// The offline model streams in visible steps locally (the deployment default is 0).
process.env["HARNESS_OFFLINE_MODEL_DELAY_MS"] ??= "60";

const supervised = typeof process.send === "function";
let restartReason: { reason: string; shape: string } | null = null;
const restart: Pick<EngineOptions, "restartToLoadPush" | "restartedFor"> = supervised
  ? {
      restartToLoadPush: (reason, shape) => {
        restartReason = { reason, shape };
        // After the current request has dropped its connection; `engine` is assigned by then.
        setImmediate(() => stop("restart to load pushed code"));
      },
      ...(process.env["LOCAL_ENGINE_RESTARTED_FOR"] !== undefined ? { restartedFor: process.env["LOCAL_ENGINE_RESTARTED_FOR"] } : {}),
    }
  : {};

const engine = await startEngine({
  ...restart,
  reset: values.reset,
  port: toPort(values.port ?? process.env["LOCAL_ENGINE_PORT"]),
  sitePort: toPort(values["site-port"]),
  host: values.host ?? process.env["LOCAL_ENGINE_HOST"],
  dataDir: values["data-dir"],
  seed: !values["no-seed"],
  crons: !values["no-crons"],
  web: !values["no-web"],
  verbose: values.verbose,
  webDev: values.dev,
  testFaults: values["enable-test-faults"],
});

console.log(`
  Local engine (convex-test, no account or network needed)${values.reset ? " — started from empty data" : ""}

  Open the app:      ${engine.url}
  Convex URL:        ${engine.url}   (sync WebSocket at ${engine.url.replace(/^http/, "ws")}/api/<version>/sync)
  HTTP routes:       ${engine.siteUrl}   (what a deployment serves on .convex.site)
  Data:              ${engine.dataDir}   (npm start -- --reset to start clean)
  Admin key:         ${engine.adminKeyFile}   (kept across --reset)
  Convex CLI:        export CONVEX_SELF_HOSTED_URL=${engine.url}
                     export CONVEX_SELF_HOSTED_ADMIN_KEY='${engine.adminKey}'
                     then npx convex run <module:function> '{...}', npx convex env list / set NAME value
  Cron jobs:         ${engine.crons === null ? (values["no-crons"] ? "off (--no-crons)" : "none (no convex/crons.ts)") : `${engine.crons.status().length} from convex/crons.ts (--no-crons to turn off)`}${values["enable-test-faults"] ? `\n  Test faults:       ON — ${engine.url}/local-test/faults (for browser tests; never use this for real work)` : ""}

  ${
    supervised
      ? "Changes under convex/ take effect after restarting npm start, or when `npx convex dev` / `deploy`\n  pushes them (the engine restarts itself on the same port; data is kept)."
      : "Changes under convex/ take effect after a restart (data is kept)."
  }
`);

const cliKey = process.env["LOCAL_ENGINE_CLI_ADMIN_KEY"];
if (cliKey !== undefined && cliKey !== engine.adminKey) {
  console.log(
    `  Note: CONVEX_SELF_HOSTED_ADMIN_KEY (environment or .env.local) is not this data folder's admin key, so the Convex CLI will be refused; use the key above.\n`,
  );
}

let stopping = false;
function stop(signal: string) {
  if (stopping) process.exit(1);
  stopping = true;
  console.log(`\n[local-engine] ${signal}: saving data and stopping...`);
  engine.close().then(
    () => {
      if (restartReason !== null && process.send !== undefined) {
        process.send({ type: "restart", port: engine.port, sitePort: engine.sitePort, ...restartReason }, () => process.exit(RESTART_EXIT_CODE));
        return;
      }
      process.exit(0);
    },
    (error: unknown) => {
      console.error("[local-engine] failed to stop cleanly", error);
      process.exit(1);
    },
  );
};
process.on("SIGINT", () => stop("SIGINT"));
process.on("SIGTERM", () => stop("SIGTERM"));
// scripts/start.mjs went away (even by SIGKILL): do not outlive it.
if (supervised) process.on("disconnect", () => stop("npm start exited"));
