/**
 * The local engine: the app's `convex/` functions and every component on one
 * convex-test instance, served to the real Convex clients.
 *
 * One HTTP server (default port 3210, like a local Convex backend's API port):
 *   - `ws://…/api/<client version>/sync`  Convex's sync protocol (syncServer.ts)
 *   - `POST /api/query|mutation|action|function|run/…`, `/api/update_environment_variables`
 *     Convex's HTTP function API and the admin endpoints the Convex CLI uses
 *     (functionApi.ts), with the admin key of adminKey.ts and the environment of envStore.ts
 *   - `POST /api/get_config_hashes`, `/api/deploy2/*`  the push of `npx convex deploy` (deployApi.ts)
 *   - `POST /local-auth/token`, `GET /local-auth/users`  local sign-in (localAuth.ts)
 *   - `/local-test/faults`  test-only fault injection (testFaults.ts), 404 unless `testFaults`
 *   - `GET /_engine/logs?root=<interactionId>[&format=json]`  the kept function log lines of
 *     one run tree (functionLogs.ts); local development only, like everything here (binds localhost)
 *   - everything else: the SPA (`web/`), its production build (scripts/web/: built when
 *     its sources changed) or, with `webDev`, Vite's dev middleware (hot reload);
 *     a placeholder page until `web/index.html` exists.
 * A second one (default 3211, like a deployment's `.convex.site` origin) serves
 * the app's HTTP routes (`convex/http.ts`, when it exists) through `t.fetch`.
 * The app's cron jobs (`convex/crons.ts`) run on timers (crons.ts) unless `crons: false`.
 *
 * The app is loaded through Vite's SSR loader because `convex/test.setup.ts`
 * (and the components' test helpers) use `import.meta.glob`.
 *
 * Production code never imports this folder.
 */
import { existsSync, readFileSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { createServer as createHttpServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import path from "node:path";
import { Readable } from "node:stream";
import { fileURLToPath } from "node:url";
import { version as convexVersion } from "convex";
import { makeFunctionReference, type UserIdentity } from "convex/server";
import type { Value } from "convex/values";
import { createServer as createViteServer, type Plugin, type ViteDevServer } from "vite";
import { WebSocketServer } from "ws";
import type { Harness as AppHarness } from "../../convex/test.setup";
import { AdminKey } from "./adminKey";
import { attachInternals, watchRunningFunction, type EngineInternals, type PathRunner, type RawAccessor, type StorageClass } from "./convexTestInternals";
import type { RegisteredModules } from "./convexTestShim";
import { CronScheduler, readCronJobs, type CronClock } from "./crons";
import { DeployApi, sha256, type LoadedFile } from "./deployApi";
import { openDurability, type Durability } from "./durability";
import { EnvStore } from "./envStore";
import { newRequestId } from "./errors";
import { FunctionApi, RequestError, sendJson as sendApiJson } from "./functionApi";
import { captureFunctionLogs, DEFAULT_CAPACITY, LogRing, parseRoot, renderLogPage } from "./functionLogs";
import { cliSystemQueries, FunctionCalls } from "./functions";
import { LocalAuth, parseUserInput } from "./localAuth";
import { applyModelFaults, currentModelFaults, FaultRequestError, parseFaultRequest, type OfflineModelHooks } from "./testFaults";
import { dataFiles, resetData } from "./persistence";
import { SyncServer, type Logger } from "./syncServer";
import { ensureWebBuild } from "../web/build";
import { builtWebHandler, type BuiltWebHandler } from "../web/serve";

export const SEED_FUNCTION = "seed:localDemo";
/** Run over a stored database at start, as `npx convex run migrations:runAll` after a deploy (convex/migrations.ts). */
export const MIGRATIONS_FUNCTION = "migrations:runAll";

export type EngineOptions = {
  /** Project root (holds convex/, web/). Default: this repository. */
  root?: string;
  /** Port of the API + SPA server; 0 picks a free one. Default 3210 (the next free one if taken). */
  port?: number;
  /** Port of the HTTP-routes server; 0 picks a free one. Default: port + 1. */
  sitePort?: number;
  /** Interface to listen on. Default 127.0.0.1 (this machine only). */
  host?: string;
  /** Data folder. Default `<root>/.local/engine`. */
  dataDir?: string;
  /** Start from empty data (and a new sign-in secret). */
  reset?: boolean;
  /** Keep the data in `<dataDir>/engine.sqlite`, every commit written before it is acknowledged (default true; false: in memory only, nothing read or written). */
  persist?: boolean;
  /** Call `seed:localDemo` when the data is empty (default true). */
  seed?: boolean;
  /** Serve the SPA (default true) from `webRoot` (default `<root>/web`). */
  web?: boolean;
  webRoot?: string;
  /** Serve the SPA through Vite's dev server (hot reload, `npm run dev`) instead of its production build. */
  webDev?: boolean;
  /** A commit could not be written to disk. Default: log it and end the process (acknowledging unsaved commits would lose them silently). */
  onStorageFailure?: (error: unknown) => void;
  verbose?: boolean;
  /** Where log lines go (default: console). */
  logger?: Logger;
  /**
   * Log uncaught exceptions and unhandled rejections (with a request id)
   * instead of letting them end the process, while the engine runs (default true).
   */
  guardProcess?: boolean;
  /**
   * Serve `POST /local-test/faults` (browser tests make the offline model fail).
   * Off unless asked for (`npm start -- --enable-test-faults`); when off, every
   * `/local-test/*` path answers 404.
   */
  testFaults?: boolean;
  /** How many function log lines the log view keeps (default 5,000; older ones are dropped). */
  logLines?: number;
  /** Run the app's cron jobs (`convex/crons.ts`) on timers (default true; `npm start -- --no-crons` turns them off). */
  crons?: boolean;
  /** Tests only: the clock the cron timers use (default: the system clock). */
  cronClock?: CronClock;
  /**
   * Set when a supervisor can restart the engine (`npm start`, scripts/start.mjs):
   * a push (`npx convex deploy` / `dev`) of code the engine has not loaded then
   * restarts it on the same ports to load that code, instead of being refused.
   * Called once (`reason`: every difference, for people; `shape`: the module
   * and component differences only); the engine is expected to close and be
   * started again, given `shape` back as `restartedFor`.
   */
  restartToLoadPush?: (reason: string, shape: string) => void;
  /** The module / component differences the previous run restarted for: the same ones again, with no source changed, are refused, not restarted for. */
  restartedFor?: string;
};

export type Engine = {
  /** Deployment URL for clients (`new ConvexReactClient(url)`). */
  url: string;
  /** Origin of the HTTP routes (a deployment's `.convex.site`). */
  siteUrl: string;
  /** The deployment's admin key (`CONVEX_SELF_HOSTED_ADMIN_KEY` for the Convex CLI), also in `<dataDir>/admin_key.txt`. */
  adminKey: string;
  /** Where the admin key is kept. */
  adminKeyFile: string;
  port: number;
  sitePort: number;
  dataDir: string;
  /** The convex-test instance (for tests and tools). */
  t: AppHarness;
  internals: EngineInternals;
  sync: SyncServer;
  /** The app's cron jobs (null when turned off); tests run one with `crons.runNow(name)`. */
  crons: CronScheduler | null;
  /** With `testFaults` only: the offline model's test options from the fault seam, as the app's functions see them (benchmarks set its `latencyMs`). */
  modelHooks: OfflineModelHooks | null;
  /** Commits written to disk and the time spent writing them (zeros when `persist` is false). */
  storageStats(): { commits: number; writeMs: number };
  /** Every commit is on disk when it is acknowledged; this folds SQLite's WAL into the main file. */
  flush(): Promise<void>;
  /** Stop serving and close the data file. */
  close(): Promise<void>;
};

interface Harness extends PathRunner, RawAccessor {
  query(ref: unknown, args: Record<string, Value>): Promise<unknown>;
  mutation(ref: unknown, args: Record<string, Value>): Promise<unknown>;
  action(ref: unknown, args: Record<string, Value>): Promise<unknown>;
  fetch(path: string, init?: RequestInit): Promise<Response>;
  withIdentity(identity: Partial<UserIdentity>): Harness;
  withRequestMetadata(metadata: { ip?: string; userAgent?: string }): Harness;
}

const here = path.dirname(fileURLToPath(import.meta.url));
const defaultRoot = path.resolve(here, "../..");
const SHIM_FILE = path.join(here, "convexTestShim.ts");
const ASYNC_CONTEXT_FILE = path.join(here, "asyncContext.ts");

/**
 * convex-test is loaded through the engine's Vite loader (not as an external
 * package) so that its `node:async_hooks` can be asyncContext.ts: its six
 * `AsyncLocalStorage`s (and the engine's) share one of Node's, which every
 * promise pays for once instead of eight times (asyncContext.ts says why).
 */
function convexTestOnSharedContext(): Plugin & { rewritten: () => boolean } {
  let rewritten = false;
  return {
    name: "local-engine:convex-test-async-context",
    enforce: "pre",
    rewritten: () => rewritten,
    // A transform, not resolveId: Vite resolves Node built-ins without asking plugins.
    transform(code, id) {
      if (!id.includes("/node_modules/convex-test/")) return null;
      const replaced = code.replace(/\bfrom\s+["'](?:node:)?async_hooks["']/g, () => `from ${JSON.stringify(ASYNC_CONTEXT_FILE)}`);
      if (replaced === code) return null;
      rewritten = true;
      return { code: replaced, map: null };
    },
  };
}

function consoleLogger(verbose: boolean): Logger {
  return {
    info: (message) => console.log(`[local-engine] ${message}`),
    error: (message, error) => (error === undefined ? console.error(`[local-engine] ${message}`) : console.error(`[local-engine] ${message}`, error)),
    verbose: (message) => {
      if (verbose) console.log(`[local-engine] ${message}`);
    },
  };
}

async function listen(server: Server, port: number, host: string, fallback: boolean): Promise<number> {
  for (let attempt = 0; ; attempt++) {
    const candidate = port === 0 ? 0 : port + attempt * 2;
    try {
      await new Promise<void>((resolve, reject) => {
        const onError = (error: Error) => reject(error);
        server.once("error", onError);
        server.listen(candidate, host, () => {
          server.off("error", onError);
          resolve();
        });
      });
      return (server.address() as AddressInfo).port;
    } catch (error) {
      if (!fallback || port === 0 || attempt >= 10 || (error as NodeJS.ErrnoException).code !== "EADDRINUSE") throw error;
    }
  }
}

async function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > limit) throw Object.assign(new Error("Request body too large"), { status: 413 });
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

function sendJson(res: ServerResponse, status: number, body: unknown) {
  res.writeHead(status, { "content-type": "application/json; charset=utf-8", "cache-control": "no-store" });
  res.end(JSON.stringify(body));
}

function placeholderPage(engineUrl: string, siteUrl: string): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Local engine</title></head>
<body style="font-family: system-ui, sans-serif; max-width: 40rem; margin: 3rem auto; line-height: 1.5">
<h1>The SPA is not built yet</h1>
<p>The local engine is running, but <code>web/index.html</code> does not exist yet. Once it does, this page serves the app (no restart needed).</p>
<ul>
<li>Convex deployment URL: <code>${engineUrl}</code> (sync WebSocket at <code>${engineUrl.replace(/^http/, "ws")}/api/&lt;version&gt;/sync</code>)</li>
<li>HTTP routes (<code>convex/http.ts</code>): <code>${siteUrl}</code></li>
<li>Local sign-in: <code>POST ${engineUrl}/local-auth/token</code>, users: <code>GET ${engineUrl}/local-auth/users</code></li>
</ul></body></html>`;
}

export async function startEngine(options: EngineOptions = {}): Promise<Engine> {
  const started = Date.now();
  const root = options.root ?? defaultRoot;
  const log = options.logger ?? consoleLogger(options.verbose ?? false);
  const host = options.host ?? "127.0.0.1";
  const files = dataFiles(path.resolve(options.dataDir ?? path.join(root, ".local", "engine")));
  const persist = options.persist ?? true;
  if (options.reset) await resetData(files);
  // The deployment's environment first: functions (and auth.config.ts) read process.env from the start.
  const env = await EnvStore.open(files.env);
  const adminKey = await AdminKey.open(files.adminKey);

  // --- the app on convex-test, loaded through Vite (import.meta.glob) ------
  const sharedContext = convexTestOnSharedContext();
  const appLoader = await createViteServer({
    root,
    configFile: false,
    envDir: false,
    logLevel: "warn",
    clearScreen: false,
    appType: "custom",
    server: { middlewareMode: true, hmr: false, ws: false, watch: null },
    optimizeDeps: { noDiscovery: true, include: [] },
    // test.setup.ts's `convex-test` is the shim, which records the module maps
    // (convexTestShim.ts). An alias, because Vite resolves externalised bare
    // imports of SSR modules without consulting plugins.
    resolve: { alias: [{ find: /^convex-test$/, replacement: SHIM_FILE }] },
    ssr: { noExternal: ["convex-test"] },
    plugins: [sharedContext],
  });
  let setup: { newHarness?: () => unknown };
  let shim: { registeredModules?: (t: object) => RegisteredModules | undefined };
  let contextStorage: StorageClass;
  try {
    setup = (await appLoader.ssrLoadModule("/convex/test.setup.ts")) as typeof setup;
    shim = (await appLoader.ssrLoadModule(SHIM_FILE)) as typeof shim;
    // The instance convex-test was given (same loader, same module): the engine's own storages join it.
    contextStorage = ((await appLoader.ssrLoadModule(ASYNC_CONTEXT_FILE)) as { AsyncLocalStorage: StorageClass }).AsyncLocalStorage;
    if (!sharedContext.rewritten()) throw new Error("convex-test was not loaded through the engine's loader with asyncContext.ts for node:async_hooks (engine.ts, convexTestOnSharedContext).");
  } catch (error) {
    await appLoader.close();
    throw error;
  }
  if (typeof setup.newHarness !== "function") throw new Error("convex/test.setup.ts does not export newHarness()");
  const t = setup.newHarness() as Harness;
  const internals = await attachInternals(t, contextStorage);

  // Every module of the app and of each component, loaded before anything runs
  // (never lazily inside a transaction, where Vite's loader timers would throw).
  const moduleMaps = shim.registeredModules?.(t);
  if (moduleMaps === undefined || !moduleMaps.has("")) {
    log.info("convex/test.setup.ts did not create its instance through convex-test's convexTest(); modules load on first use.");
  } else {
    const preloadStarted = Date.now();
    const preloaded = await internals.preloadModules(moduleMaps, (message, error) => log.error(message, error));
    log.verbose(
      `Loaded ${preloaded.loaded} modules of the app and ${preloaded.components - 1} components in ${Date.now() - preloadStarted} ms` +
        (preloaded.failed > 0 ? ` (${preloaded.failed} failed)` : "") +
        ".",
    );
  }

  // The source files the app was loaded from (not packages), as they are now: a push is accepted only while they are unchanged (deployApi.ts).
  const loadedFiles: LoadedFile[] = [];
  for (const file of new Set([...appLoader.moduleGraph.idToModuleMap.values()].map((node) => node.file))) {
    if (file === null || file.includes("/node_modules/") || !path.isAbsolute(file)) continue;
    try {
      loadedFiles.push({ file, name: path.relative(root, file), sha256: sha256(await readFile(file)) });
    } catch {
      // A virtual module: nothing on disk to watch.
    }
  }

  // --- persistence (durability.ts): load, then every commit on disk before it is acknowledged ---
  let durability: Durability | null = null;
  try {
    durability = persist
      ? await openDurability({
          files,
          internals,
          log,
          onFailure:
            options.onStorageFailure ??
            ((error) => {
              log.error(`Could not write a commit to ${files.database}; stopping so that no unsaved commit is acknowledged.`, error);
              process.exit(1);
            }),
        })
      : null;
  } catch (error) {
    await appLoader.close();
    throw error;
  }
  // Function log lines are printed as before and also kept for the log view (/_engine/logs).
  const functionLogs = new LogRing(options.logLines ?? DEFAULT_CAPACITY);
  const runningFunction = watchRunningFunction(contextStorage);
  const stopLogCapture = captureFunctionLogs(functionLogs, runningFunction.current);

  const restoredDocuments = durability?.restoredDocuments ?? 0;
  if (restoredDocuments > 0) {
    const { rearmed, failed } = await internals.rearmScheduledFunctions((message, error) => log.error(message, error));
    if (rearmed + failed > 0) log.info(`Scheduled functions: ${rearmed} re-armed, ${failed} interrupted ones marked failed.`);
    // Data written by an older version is brought up to date in the background; a finished migration is a no-op.
    if (await internals.hasInternalMutation(MIGRATIONS_FUNCTION)) {
      await t.mutation(makeFunctionReference<"mutation">(MIGRATIONS_FUNCTION), {});
      log.verbose(`Data migrations started (${MIGRATIONS_FUNCTION}).`);
    }
  }

  // --- seed ---------------------------------------------------------------
  if ((options.seed ?? true) && internals.isEmpty()) {
    if (await internals.hasInternalMutation(SEED_FUNCTION)) {
      await t.mutation(makeFunctionReference<"mutation">(SEED_FUNCTION), {});
      log.info(`Seeded the empty database (${SEED_FUNCTION}).`);
    } else {
      log.verbose(`No seed hook (${SEED_FUNCTION}); starting empty.`);
    }
  }

  // Test mode only: loading the seam's arming side installs the fault table the app's own modules read (same process).
  const modelHooks =
    options.testFaults === true
      ? ((await appLoader.ssrLoadModule("/convex/lib/faults.testing.ts")) as { offlineModel: OfflineModelHooks }).offlineModel
      : null;
  if (modelHooks !== null) log.info("Test faults enabled: POST /local-test/faults can make the offline model fail.");

  const auth = await LocalAuth.open(files);
  const urls = { engine: "", site: "" };
  const calls = new FunctionCalls({ runner: t, internals, log, system: cliSystemQueries({ internals, env, url: () => urls.engine }) });
  const sync = new SyncServer({ calls, internals, auth, adminKey, log });
  const functionApi = new FunctionApi({ calls, internals, auth, adminKey, env, log });
  const deployApi = new DeployApi({
    functionApi,
    internals,
    env,
    log,
    loadedFiles: () => loadedFiles,
    urls: () => ({ cloud: urls.engine, site: urls.site }),
    functionsDir: functionsDirOf(root),
    udfServerVersion: convexVersion,
    ...(options.restartToLoadPush !== undefined ? { restart: { now: options.restartToLoadPush, previousReason: options.restartedFor ?? null } } : {}),
  });

  // --- HTTP routes (the deployment's .convex.site origin) -----------------
  const siteServer = createHttpServer((req, res) => {
    void (async () => {
      if (!(await internals.hasHttpRouter())) {
        res.writeHead(404, { "content-type": "text/plain; charset=utf-8" });
        res.end("This app has no HTTP routes yet (convex/http.ts).");
        return;
      }
      const method = req.method ?? "GET";
      const body = method === "GET" || method === "HEAD" ? undefined : await readBody(req, 20 * 1024 * 1024);
      const headers = new Headers();
      for (const [name, value] of Object.entries(req.headers)) {
        if (value === undefined || name === "host" || name === "connection") continue;
        headers.set(name, Array.isArray(value) ? value.join(", ") : value);
      }
      const bearer = /^Bearer\s+(.+)$/i.exec(req.headers.authorization ?? "")?.[1];
      const verified = bearer === undefined ? null : auth.verify(bearer);
      // The connection's address, as a deployment gives it to `ctx.meta.getRequestMetadata()` (API-key throttling uses it).
      const address = (req.socket.remoteAddress ?? "").replace(/^::ffff:/, "");
      const base: Harness = address === "" ? t : t.withRequestMetadata({ ip: address, ...(req.headers["user-agent"] ? { userAgent: req.headers["user-agent"] } : {}) });
      const runner: Harness = verified?.ok === true ? base.withIdentity(verified.identity) : base;
      const response = await runner.fetch(req.url ?? "/", { method, headers, ...(body !== undefined ? { body: new Uint8Array(body) } : {}) });
      const outHeaders: Record<string, string> = {};
      response.headers.forEach((value, name) => (outHeaders[name] = value));
      res.writeHead(response.status, response.statusText, outHeaders);
      if (response.body === null || method === "HEAD") res.end();
      else Readable.fromWeb(response.body as import("node:stream/web").ReadableStream).pipe(res);
    })().catch((error: unknown) => {
      const requestId = newRequestId();
      log.error(`[Request ID: ${requestId}] HTTP ${req.method} ${req.url} failed:`, error);
      if (!res.headersSent) res.writeHead(500, { "content-type": "text/plain; charset=utf-8" });
      res.end(`[Request ID: ${requestId}] Server Error`);
    });
  });

  // --- API + SPA server ----------------------------------------------------
  let web: ViteDevServer | null = null;
  let webStarting: Promise<ViteDevServer> | null = null;
  let builtWeb: BuiltWebHandler | null = null;
  const webRoot = options.webRoot ?? path.join(root, "web");
  const wantWeb = options.web ?? true;

  const apiServer = createHttpServer((req, res) => {
    void (async () => {
      const url = new URL(req.url ?? "/", "http://local");
      if (url.pathname === "/local-auth/token") {
        if (req.method !== "POST") return sendJson(res, 405, { error: "Use POST." });
        // JSON only: a cross-site form cannot post it without a CORS preflight, which we never allow.
        if (!(req.headers["content-type"] ?? "").startsWith("application/json")) return sendJson(res, 415, { error: "Send application/json." });
        let input;
        try {
          input = parseUserInput(JSON.parse((await readBody(req, 16 * 1024)).toString("utf8")));
        } catch (error) {
          return sendJson(res, 400, { error: (error as Error).message });
        }
        const issued = await auth.issue(input);
        return sendJson(res, 200, issued);
      }
      if (url.pathname === "/local-auth/users") {
        if (req.method !== "GET") return sendJson(res, 405, { error: "Use GET." });
        return sendJson(res, 200, { users: auth.listUsers() });
      }
      if (url.pathname.startsWith("/local-test/")) {
        if (modelHooks === null || url.pathname !== "/local-test/faults") return sendJson(res, 404, { error: "Not found" });
        if (req.method === "GET") return sendJson(res, 200, { model: currentModelFaults(modelHooks) });
        if (req.method !== "POST") return sendJson(res, 405, { error: "Use GET or POST." });
        if (!(req.headers["content-type"] ?? "").startsWith("application/json")) return sendJson(res, 415, { error: "Send application/json." });
        try {
          const { model } = parseFaultRequest(JSON.parse((await readBody(req, 16 * 1024)).toString("utf8")));
          applyModelFaults(modelHooks, model);
          log.info(`Test faults: offline model ${model === null ? "cleared" : JSON.stringify(model)}.`);
          return sendJson(res, 200, { model: currentModelFaults(modelHooks) });
        } catch (error) {
          if (error instanceof FaultRequestError || error instanceof SyntaxError) return sendJson(res, 400, { error: error.message });
          throw error;
        }
      }
      if (url.pathname === "/_engine/logs") {
        if (req.method !== "GET") return sendJson(res, 405, { error: "Use GET." });
        const parsed = parseRoot(url.searchParams.get("root"));
        if ("error" in parsed) return sendJson(res, 400, { error: parsed.error });
        const lines = functionLogs.ofTree(parsed.root);
        if (url.searchParams.get("format") === "json") {
          return sendJson(res, 200, { root: parsed.root, capacity: functionLogs.capacity, total: functionLogs.total, lines });
        }
        res.writeHead(200, { "content-type": "text/html; charset=utf-8", "cache-control": "no-store", "content-security-policy": "default-src 'none'; style-src 'unsafe-inline'" });
        return res.end(renderLogPage(parsed.root, lines, functionLogs));
      }
      if (url.pathname.startsWith("/api/")) {
        try {
          if ((await functionApi.handle(req, res, url)) || (await deployApi.handle(req, res, url))) return;
        } catch (error) {
          if (!(error instanceof RequestError)) throw error;
          return sendApiJson(res, error.status, { code: error.code, message: error.message });
        }
        log.verbose(`404 for ${req.method ?? "GET"} ${url.pathname} (not an endpoint the local engine serves)`);
        return sendJson(res, 404, { code: "NotFound", message: `The local engine does not serve ${req.method ?? "GET"} ${url.pathname}.` });
      }
      if (builtWeb !== null) return builtWeb(req, res);
      if (wantWeb && existsSync(path.join(webRoot, "index.html"))) {
        web ??= await (webStarting ??= startWeb());
        web.middlewares(req, res, (error?: unknown) => {
          if (error === undefined) return sendJson(res, 404, { error: "Not found" });
          // A Vite transform error (the SPA's own code): show it, as Vite's dev server would.
          res.writeHead(500, { "content-type": "text/plain; charset=utf-8" });
          res.end(error instanceof Error ? error.message : String(error));
        });
        return;
      }
      res.writeHead(200, { "content-type": "text/html; charset=utf-8" });
      res.end(placeholderPage(urls.engine, urls.site));
    })().catch((error: unknown) => {
      const requestId = newRequestId();
      log.error(`[Request ID: ${requestId}] HTTP ${req.method} ${req.url} failed`, error);
      const message = `[Request ID: ${requestId}] Server Error`;
      // Under /api/ the envelope a deployment uses; elsewhere (local sign-in, test faults) the engine's own.
      if (!res.headersSent) sendJson(res, 500, (req.url ?? "").startsWith("/api/") ? { code: "InternalServerError", message } : { error: message });
      else res.end();
    });
  });

  const wss = new WebSocketServer({ noServer: true });
  apiServer.on("upgrade", (req, socket, head) => {
    const { pathname } = new URL(req.url ?? "/", "http://local");
    if (/^\/api\/[^/]+\/sync$/.test(pathname)) {
      wss.handleUpgrade(req, socket, head, (ws) => sync.accept(ws));
      return;
    }
    // Vite's HMR socket (same server) handles its own upgrades.
    if (web !== null && String(req.headers["sec-websocket-protocol"] ?? "").includes("vite-hmr")) return;
    socket.destroy();
  });

  const requestedPort = options.port ?? 3210;
  const port = await listen(apiServer, requestedPort, host, options.port === undefined);
  const sitePort = await listen(siteServer, options.sitePort ?? (requestedPort === 0 ? 0 : port + 1), host, options.sitePort === undefined);
  const displayHost = host === "127.0.0.1" || host === "0.0.0.0" || host === "::" ? "localhost" : host;
  urls.engine = `http://${displayHost}:${port}`;
  urls.site = `http://${displayHost}:${sitePort}`;
  // A deployment's functions read their own HTTP address here (e.g. the Telegram webhook they register).
  process.env["CONVEX_SITE_URL"] ??= urls.site;

  async function startWeb(): Promise<ViteDevServer> {
    // What the SPA reads through import.meta.env (process.env wins over .env files).
    process.env["VITE_CONVEX_URL"] = urls.engine;
    process.env["VITE_CONVEX_SITE_URL"] = urls.site;
    process.env["VITE_LOCAL_AUTH_URL"] = `${urls.engine}/local-auth`;
    process.env["VITE_ENGINE_LOGS_URL"] = `${urls.engine}/_engine/logs`;
    // The engine cannot verify Clerk tokens (no network): force local sign-in even if .env.local has a Clerk key.
    process.env["VITE_CLERK_PUBLISHABLE_KEY"] = "";
    const hasConfig = ["vite.config.ts", "vite.config.mts", "vite.config.js", "vite.config.mjs"].some((f) => existsSync(path.join(webRoot, f)));
    const react = hasConfig ? null : (await import("@vitejs/plugin-react")).default;
    const server = await createViteServer({
      root: webRoot,
      clearScreen: false,
      appType: "spa",
      server: { middlewareMode: true, ws: { server: apiServer } },
      ...(react === null ? {} : { configFile: false, plugins: [react()] }),
    });
    log.verbose(`Serving the SPA from ${webRoot}${hasConfig ? " (its vite.config)" : ""}.`);
    return server;
  }
  if (wantWeb && existsSync(path.join(webRoot, "index.html"))) {
    if (options.webDev === true || options.webRoot !== undefined) web = await (webStarting = startWeb());
    else {
      try {
        builtWeb = await startBuiltWeb();
      } catch (error) {
        // A source file that does not compile must not keep the engine (and its API) from starting.
        log.error("The web app did not build; serving it through Vite's dev server instead, which shows the error in the page:", error);
        web = await (webStarting = startWeb());
      }
    }
  }

  /** The production build of web/ (built now if its sources changed), with the same settings startWeb gives Vite. */
  async function startBuiltWeb(): Promise<BuiltWebHandler> {
    const build = await ensureWebBuild(root, (line) => log.info(line));
    log.verbose(`Serving the SPA's production build ${build.dir}${build.built ? "" : " (reused)"}.`);
    return builtWebHandler(build.dir, {
      VITE_CONVEX_URL: urls.engine,
      VITE_CONVEX_SITE_URL: urls.site,
      VITE_LOCAL_AUTH_URL: `${urls.engine}/local-auth`,
      VITE_ENGINE_LOGS_URL: `${urls.engine}/_engine/logs`,
      VITE_CLERK_PUBLISHABLE_KEY: "",
    });
  }

  const crons = options.crons === false ? null : await startCrons(t, internals, log, options.cronClock);
  if (options.crons === false) log.info("Crons are off (--no-crons).");

  // From here on, whatever goes wrong outside a request (a library's timer, a
  // stray promise) is logged under a request id; the engine keeps serving.
  const onUncaught = (error: unknown) => {
    // The terminal or pipe we log to has gone (`npm start | head`): logging this would fail the same way, over and over.
    const code = (error as NodeJS.ErrnoException | null)?.code;
    if (code === "EPIPE" || code === "ERR_STREAM_DESTROYED") return;
    log.error(`[Request ID: ${newRequestId()}] Uncaught error (the engine keeps running):`, error);
  };
  if (options.guardProcess ?? true) {
    process.on("uncaughtException", onUncaught);
    process.on("unhandledRejection", onUncaught);
  }

  log.info(
    `Ready in ${((Date.now() - started) / 1000).toFixed(1)}s (${restoredDocuments > 0 ? `restored ${restoredDocuments} documents` : "empty data"}).`,
  );

  return {
    url: urls.engine,
    siteUrl: urls.site,
    adminKey: adminKey.key,
    adminKeyFile: files.adminKey,
    port,
    sitePort,
    dataDir: files.dir,
    t: t as unknown as AppHarness,
    internals,
    sync,
    crons,
    modelHooks,
    storageStats: () => durability?.stats() ?? { commits: 0, writeMs: 0 },
    flush: async () => durability?.checkpoint(),
    close: async () => {
      await crons?.stop();
      await sync.close();
      wss.close();
      const closed = (server: Server) =>
        new Promise<void>((resolve) => {
          server.close(() => resolve());
          server.closeAllConnections();
        });
      await Promise.all([closed(apiServer), closed(siteServer)]);
      internals.dispose();
      durability?.close();
      await Promise.all([appLoader.close(), web?.close()]);
      process.off("uncaughtException", onUncaught);
      process.off("unhandledRejection", onUncaught);
      stopLogCapture();
      runningFunction.stop();
    },
  };
}

/** The `functions` folder convex.json names (what the Convex CLI bundles), default "convex/". */
function functionsDirOf(root: string): string {
  try {
    const config = JSON.parse(readFileSync(path.join(root, "convex.json"), "utf8")) as { functions?: unknown };
    return typeof config.functions === "string" ? config.functions : "convex/";
  } catch {
    return "convex/";
  }
}

/**
 * The app's cron jobs, read from `convex/crons.ts` through convex-test's
 * module loader (the module instances every function runs from) and armed.
 * Each runs as the function it names, with no identity, like a scheduled function.
 */
async function startCrons(t: Harness, internals: EngineInternals, log: Logger, clock: CronClock | undefined): Promise<CronScheduler | null> {
  const module = await internals.appModule("crons");
  if (module === null) {
    log.verbose("No convex/crons.ts: no cron jobs.");
    return null;
  }
  const { jobs, problems } = await readCronJobs(module, (functionName) => internals.functionKind(functionName));
  for (const problem of problems) log.error(problem);
  const scheduler = new CronScheduler({
    jobs,
    run: (job) => {
      const ref = makeFunctionReference(job.functionName);
      return job.kind === "mutation" ? t.mutation(ref, job.args) : t.action(ref, job.args);
    },
    log,
    ...(clock !== undefined ? { clock } : {}),
  });
  scheduler.start();
  if (jobs.length > 0) {
    log.info(`Crons: ${scheduler.status().map((job) => `"${job.name}" (${job.schedule})`).join(", ")}; --no-crons turns them off.`);
  }
  return scheduler;
}
