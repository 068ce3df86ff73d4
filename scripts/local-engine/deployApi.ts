/**
 * The push protocol of `npx convex deploy` / `npx convex dev` (the Convex
 * CLI's `node_modules/convex/src/cli/lib/deploy2.ts`, `components.ts`,
 * `config.ts`), served by the local engine with its admin key:
 *
 *   POST /api/get_config_hashes            -> { config, moduleHashes, nodeDependencies, udfServerVersion }
 *   POST /api/deploy2/evaluate_push         -> { schemaChange }          (the CLI's large-index check)
 *   POST /api/deploy2/start_push            -> StartPushResponse         (modules, schema, analysis)
 *   POST /api/deploy2/wait_for_schema       -> { type: "complete" | "failed", … }
 *   POST /api/deploy2/finish_push           -> FinishPushDiff
 *   POST /api/deploy2/report_push_completed -> {}
 *   GET  /api/v1/get_canonical_urls          -> { convexCloudUrl, convexSiteUrl }   (`npx convex dev`)
 *   GET  /api/stream_function_logs?cursor=N  -> { entries: [], newCursor }  (long poll; logs stay in the engine's terminal)
 *
 * What "accepting" a push means here. A deployment loads the pushed bundles
 * into its isolates. The engine cannot: it runs `convex/` and the components
 * from source through Vite and convex-test (engine.ts), loaded once at
 * start-up. So it accepts a push exactly when the pushed code is the code it
 * runs, and checks everything it can check:
 *   - the pushed app modules and mounted components are the ones it loaded
 *     (same module paths, same component names);
 *   - no source file it loaded has changed on disk since start-up (the CLI
 *     bundles from the same checkout);
 *   - the pushed schema (tables, indexes) is the one it runs, and every
 *     stored document of every app table matches it (wait_for_schema reports
 *     the first one that does not, as a deployment's schema validation does).
 * Anything else is refused with a 400 that says what differs and that
 * restarting `npm start` (data is kept) loads the code. A dry run
 * (`--dry-run`) answers the same checks and changes nothing.
 *
 * The analysis the CLI reads back (for its code generation) is built from the
 * loaded modules: each function's kind, visibility and validators, each
 * component's schema.
 */
import { createHash } from "node:crypto";
import { readFile } from "node:fs/promises";
import type { IncomingMessage, ServerResponse } from "node:http";
import type { Value } from "convex/values";
import type { EngineInternals, FunctionInfo } from "./convexTestInternals";
import type { EnvStore } from "./envStore";
import { findMismatch } from "./argsValidation";
import { MAX_PUSH_BODY_BYTES, readJsonBody, RequestError, sendJson, type FunctionApi } from "./functionApi";
import type { Logger } from "./functions";

/** A source file the engine loaded, as it was at start-up (`name`: relative to the project, for messages). */
export type LoadedFile = { file: string; name: string; sha256: string };

export function sha256(data: Buffer | string): string {
  return createHash("sha256").update(data).digest("hex");
}

type PushedModule = { path: string; environment?: string; source?: string; sourceMap?: string };
type PushedDefinition = {
  definitionPath: string;
  definition?: unknown;
  schema?: { source?: string } | null;
  changedModules?: PushedModule[];
  unchangedModuleHashes?: Array<{ path: string; environment: string; sha256: string }>;
  functions?: PushedModule[];
  dependencies?: string[];
};
type StartPushRequest = {
  dryRun?: boolean;
  functions?: string;
  appDefinition?: PushedDefinition;
  componentDefinitions?: PushedDefinition[];
  nodeDependencies?: unknown[];
};

export type DeployApiDeps = {
  functionApi: FunctionApi;
  internals: EngineInternals;
  env: EnvStore;
  log: Logger;
  /** Files (outside node_modules) the app's modules were loaded from, with their state at start-up. */
  loadedFiles: () => readonly LoadedFile[];
  /** Where clients reach the deployment: its URL and its HTTP routes' origin. */
  urls: () => { cloud: string; site: string };
  /** The `functions` folder of convex.json (default "convex/"). */
  functionsDir: string;
  udfServerVersion: string;
  /**
   * Under `npm start`: restart the engine to load the code on disk (see
   * EngineOptions.restartToLoadPush). `previousReason` is the module /
   * component differences the previous run restarted for; the same ones again,
   * with no source file changed, are refused instead.
   */
  restart?: { now: (reason: string, shape: string) => void; previousReason: string | null };
};

/** `chat/turn.js` -> `chat/turn`; shared chunks (`_deps/…`) and non-modules are dropped. */
function modulePathOf(pushedPath: string): string | null {
  if (pushedPath.startsWith("_deps/") || pushedPath.startsWith("_generated/")) return null;
  const stripped = pushedPath.replace(/\.(js|ts|mjs|cjs|jsx|tsx)$/, "");
  return stripped === pushedPath ? null : stripped;
}

/** The module paths a pushed definition carries (changed + unchanged). */
function pushedModulePaths(definition: PushedDefinition | undefined): Set<string> {
  const paths = new Set<string>();
  const all = [...(definition?.changedModules ?? []), ...(definition?.functions ?? []), ...(definition?.unchangedModuleHashes ?? [])];
  for (const module of all) {
    const path = modulePathOf(module.path);
    if (path !== null) paths.add(path);
  }
  return paths;
}

/**
 * Module paths both sides count as function modules: the CLI's entry-point
 * rules (node_modules/convex/src/bundler/index.ts `entryPoints`) leave out
 * every `schema.ts` (pushed separately), `_generated/`, `_deps/` and files
 * with more than one dot, which the engine's module list already omits.
 */
function comparableModules(paths: Iterable<string>): Set<string> {
  // `auth.config` is pushed too; the engine signs users in itself (localAuth.ts) and does not load it.
  return new Set([...paths].filter((path) => !path.startsWith("_generated") && !path.startsWith("_deps/") && path.split("/").pop() !== "schema" && path !== "auth.config"));
}

function difference(a: Set<string>, b: Set<string>): string[] {
  return [...a].filter((item) => !b.has(item)).sort();
}

/** A definition as `defineApp()` / `defineComponent()` build it at run time (convex/server/components). */
type EvaluatedDefinition = {
  _name?: string;
  _childComponents?: Array<[string, { componentDefinitionPath?: string }, ...unknown[]]>;
  /** The metadata a deployment's analysis reports (`definitionType`, `childComponents`, `httpMounts`, `exports`). */
  export?: () => Record<string, unknown>;
};

/**
 * Evaluate a pushed `convex.config.js` bundle. It is self-contained (the
 * `convex` package is bundled in) but for its child definitions, imported
 * from `./_componentDeps/<base64url of their definition path>`, which a
 * deployment supplies: those imports become the `{ componentDefinitionPath,
 * defaultName }` objects `use()` expects.
 */
function evaluateDefinition(source: string, child: (definitionPath: string) => { componentDefinitionPath: string; defaultName: string }): EvaluatedDefinition {
  let code = source.replace(/import\s*([A-Za-z_$][\w$]*)\s*from\s*"\.\/_componentDeps\/([A-Za-z0-9_-]+)"\s*;?/g, (_, name: string, encoded: string) => {
    return `const ${name} = __child(${JSON.stringify(Buffer.from(encoded, "base64url").toString("utf8"))});`;
  });
  code = code.replace(/export\s*\{\s*([A-Za-z_$][\w$]*)\s+as\s+default\s*\}\s*;?/, "return $1;");
  if (/(^|[;}\s])(import\s*[\w${},\s*]*from\s*"|export\s*[{*])/.test(code)) throw new Error("unexpected module syntax in convex.config.js");
  // The developer's own config bundle, pushed with the admin key: the same trust as the code the engine runs.
  return new Function("__child", `"use strict";\n${code}`)(child) as EvaluatedDefinition;
}

/** The pushed component tree: each definition evaluated, and each mount (`workflow/workpool`) with the definition it instantiates. */
type PushedTree = { app: EvaluatedDefinition; definitions: Map<string, EvaluatedDefinition>; mounts: Map<string, string> };

function readPushedTree(body: StartPushRequest): PushedTree | null {
  const sources = new Map<string, string>();
  for (const definition of body.componentDefinitions ?? []) {
    const source = (definition.definition as { source?: unknown } | undefined)?.source;
    if (typeof source === "string") sources.set(definition.definitionPath, source);
  }
  const definitions = new Map<string, EvaluatedDefinition>();
  const load = (definitionPath: string): EvaluatedDefinition => {
    let definition = definitions.get(definitionPath);
    if (definition === undefined) {
      const source = sources.get(definitionPath);
      if (source === undefined) throw new Error(`no definition pushed for ${definitionPath}`);
      definition = evaluateDefinition(source, childOf);
      definitions.set(definitionPath, definition);
    }
    return definition;
  };
  const childOf = (definitionPath: string) => ({ componentDefinitionPath: definitionPath, defaultName: load(definitionPath)._name ?? definitionPath.split("/").pop()! });
  const appSource = (body.appDefinition?.definition as { source?: unknown } | undefined)?.source;
  if (typeof appSource !== "string") return null;
  const app = evaluateDefinition(appSource, childOf);
  const mounts = new Map<string, string>();
  const walk = (definition: EvaluatedDefinition, prefix: string) => {
    for (const [name, child] of definition._childComponents ?? []) {
      const path = prefix === "" ? name : `${prefix}/${name}`;
      if (child.componentDefinitionPath === undefined) continue;
      mounts.set(path, child.componentDefinitionPath);
      walk(load(child.componentDefinitionPath), path);
    }
  };
  walk(app, "");
  return { app, definitions, mounts };
}

/** The `app` of a StartPushResponse: the checked component tree (what `npx convex dev` codegen walks). */
function checkedComponent(tree: PushedTree, definitionPath: string, componentPath: string): Record<string, unknown> {
  const childComponents: Record<string, unknown> = {};
  for (const [mount, childDefinition] of tree.mounts) {
    const parent = mount.includes("/") ? mount.slice(0, mount.lastIndexOf("/")) : "";
    if (parent !== componentPath) continue;
    childComponents[mount.slice(parent === "" ? 0 : parent.length + 1)] = checkedComponent(tree, childDefinition, mount);
  }
  return { definitionPath, componentPath, args: {}, childComponents, httpRoutes: { httpModuleRoutes: null, mounts: [] }, exports: {} };
}

const KIND_NAMES = { query: "Query", mutation: "Mutation", action: "Action" } as const;

/** The request's connection was dropped on purpose (the engine is restarting); nothing is to be sent. */
class AbandonedRequest extends Error {}

/** How long a `stream_function_logs` poll waits before answering that there is nothing (a deployment long-polls too). */
const LOG_POLL_MS = 25_000;

function analyzedFunction(fn: FunctionInfo) {
  return {
    name: fn.udfPath.split(":")[1]!,
    pos: null,
    udfType: KIND_NAMES[fn.kind],
    visibility: { kind: fn.visibility },
    args: fn.args === null ? null : JSON.stringify(fn.args),
    returns: fn.returns === null ? null : JSON.stringify(fn.returns),
  };
}

export class DeployApi {
  /** Component paths of the last accepted push's schema check, for wait_for_schema. */
  private lastCheck: { ok: true } | { ok: false; error: string; componentPath: string; tableName: string | null } = { ok: true };

  private restarting = false;

  constructor(private readonly deps: DeployApiDeps) {}

  async handle(req: IncomingMessage, res: ServerResponse, url: URL): Promise<boolean> {
    const routes: Record<string, () => Promise<unknown>> = {
      "/api/get_config_hashes": async () => {
        await readJsonBody(req);
        return this.configHashes();
      },
      "/api/deploy2/evaluate_push": async () => ({ schemaChange: (await this.checkPush(req)).schemaChange }),
      "/api/deploy2/start_push": async () => (await this.checkPush(req)).response,
      "/api/deploy2/wait_for_schema": async () => {
        await readJsonBody(req);
        const check = this.lastCheck;
        return check.ok ? { type: "complete" } : { type: "failed", error: check.error, componentPath: check.componentPath, tableName: check.tableName };
      },
      "/api/deploy2/finish_push": async () => {
        const body = await readJsonBody(req, MAX_PUSH_BODY_BYTES);
        const dryRun = body["dryRun"] === true;
        this.deps.log.info(`${dryRun ? "Dry-run push checked" : "Push accepted"}: the pushed code is the code this engine runs.`);
        return this.finishDiff();
      },
      "/api/deploy2/report_push_completed": async () => {
        await readJsonBody(req, MAX_PUSH_BODY_BYTES);
        return {};
      },
    };
    if (url.pathname === "/api/stream_function_logs") {
      // `npx convex dev` and `npx convex logs` long-poll this. Functions' console output goes to the
      // engine's terminal instead, so the poll ends with no entries after a while (or at shutdown).
      if (req.method !== "GET") throw new RequestError(405, "MethodNotAllowed", `Use GET for ${url.pathname}.`);
      this.deps.functionApi.requireAdmin(req);
      const cursor = Number(url.searchParams.get("cursor") ?? "0");
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, LOG_POLL_MS);
        timer.unref();
        res.once("close", () => {
          clearTimeout(timer);
          resolve();
        });
      });
      if (!res.destroyed) sendJson(res, 200, { entries: [], newCursor: Number.isFinite(cursor) ? cursor : 0 });
      return true;
    }
    if (url.pathname === "/api/v1/get_canonical_urls") {
      // `npx convex dev` / `deploy --cmd` ask where clients reach the deployment (and write it to .env.local).
      if (req.method !== "GET") throw new RequestError(405, "MethodNotAllowed", `Use GET for ${url.pathname}.`);
      this.deps.functionApi.requireAdmin(req);
      sendJson(res, 200, { convexCloudUrl: this.deps.urls().cloud, convexSiteUrl: this.deps.urls().site });
      return true;
    }
    const handler = routes[url.pathname];
    if (handler === undefined) return false;
    if (req.method !== "POST") throw new RequestError(405, "MethodNotAllowed", `Use POST for ${url.pathname}.`);
    this.deps.functionApi.requireAdmin(req);
    try {
      sendJson(res, 200, await handler());
    } catch (error) {
      if (error instanceof AbandonedRequest) return true;
      throw error;
    }
    return true;
  }

  /** What the CLI diffs its bundles against: the module list of the app as loaded (hashes never match, so every module is sent). */
  private configHashes() {
    return {
      config: { functions: this.deps.functionsDir, authInfo: [] },
      moduleHashes: [],
      nodeDependencies: [],
      udfServerVersion: this.deps.udfServerVersion,
    };
  }

  /** Check a pushed request against what the engine runs; throws a 400 naming every difference. */
  private async checkPush(req: IncomingMessage) {
    const body = (await readJsonBody(req, MAX_PUSH_BODY_BYTES)) as StartPushRequest;
    // Differences in what the push is made of (modules, components), and source files changed since start-up.
    const problems: string[] = [];

    // 1. The app's modules.
    const pushedApp = comparableModules(pushedModulePaths(body.appDefinition));
    const loadedApp = comparableModules(this.deps.internals.modulesOf(""));
    const added = difference(pushedApp, loadedApp);
    const removed = difference(loadedApp, pushedApp);
    if (added.length > 0) problems.push(`modules pushed that this engine has not loaded: ${added.join(", ")}`);
    if (removed.length > 0) problems.push(`modules this engine runs that the push no longer has: ${removed.join(", ")}`);

    // 2. The mounted components: the pushed convex.config.js tree against what the engine mounted (convex/test.setup.ts).
    const mounted = new Set(this.deps.internals.componentPaths().filter((path) => path !== ""));
    let tree: PushedTree | null = null;
    try {
      tree = readPushedTree(body);
    } catch (error) {
      this.deps.log.info(`Could not read the pushed component tree (${(error as Error).message}); its components were not compared.`);
    }
    if (tree !== null) {
      const pushedMounts = new Set(tree.mounts.keys());
      const notMounted = difference(pushedMounts, mounted);
      const notPushed = difference(mounted, pushedMounts);
      if (notMounted.length > 0) problems.push(`components the push mounts that this engine does not (register them in convex/test.setup.ts): ${notMounted.join(", ")}`);
      if (notPushed.length > 0) problems.push(`components this engine mounts that the push does not: ${notPushed.join(", ")}`);
    }

    // 3. Source files changed since the engine loaded them.
    const changed: string[] = [];
    for (const loaded of this.deps.loadedFiles()) {
      try {
        if (sha256(await readFile(loaded.file)) !== loaded.sha256) changed.push(loaded.name);
      } catch {
        changed.push(`${loaded.name} (deleted)`);
      }
    }
    const shape = problems.join("; ");
    if (changed.length > 0) {
      const shown = changed.slice(0, 10);
      problems.push(`source changed since the engine started: ${shown.join(", ")}${changed.length > 10 ? ` and ${changed.length - 10} more` : ""}`);
    }

    const dryRun = body.dryRun === true;
    const restart = this.deps.restart;
    const reason = problems.join("; ");
    // Only a restart loads code, and a dry run must not change what runs. A changed source file is always cured by
    // a restart; modules or components that still differ after a restart for them are reported instead (no loop).
    const curable = changed.length > 0 || shape !== restart?.previousReason;
    if (problems.length > 0 && restart !== undefined && !dryRun && curable && !this.restarting) {
      this.restarting = true;
      this.deps.log.info(`Push of code this engine has not loaded (${reason}): restarting on the same ports to load it (data is kept).`);
      // No answer: the CLI retries a request whose connection dropped, and its retry reaches the restarted engine.
      req.socket.destroy();
      restart.now(reason, shape);
      throw new AbandonedRequest();
    }
    if (problems.length > 0) {
      throw new RequestError(
        400,
        "LocalEngineRestartRequired",
        `The local engine runs the code it loaded when it started and cannot load pushed bundles; this push differs from it:\n  - ${problems.join("\n  - ")}\n` +
          `Restart \`npm start\` (data is kept) to load the code, then push again.`,
      );
    }

    // 4. The stored documents against the schema the engine runs.
    this.lastCheck = await this.validateDocuments();
    const schemaChange = { allocatedComponentIds: null, schemaIds: null, indexDiffs: {} };
    const appPath = body.appDefinition?.definitionPath ?? "";
    const analysis: Record<string, unknown> = {};
    analysis[appPath] = await this.analysis("", appPath, tree?.app);
    if (tree !== null) {
      // One analysis per definition, from one of its mounts (every mount of a definition runs the same modules).
      for (const [definitionPath, definition] of tree.definitions) {
        const mount = [...tree.mounts].find(([, path]) => path === definitionPath)?.[0];
        if (mount !== undefined) analysis[definitionPath] = await this.analysis(mount, definitionPath, definition);
      }
    }
    const envVars: Record<string, string> = {};
    for (const { name, value } of this.deps.env.list()) envVars[name] = value;
    const response = {
      environmentVariables: envVars,
      externalDepsId: null,
      componentDefinitionPackages: {},
      appAuth: [],
      analysis,
      app: tree === null ? checkedComponent({ app: {}, definitions: new Map(), mounts: new Map() }, appPath, "") : checkedComponent(tree, appPath, ""),
      schemaChange,
    };
    return { response, schemaChange };
  }

  /** A definition's analysis: its metadata (as `export()` gives it) and the functions of its modules, as the engine loaded them. */
  private async analysis(componentPath: string, definitionPath: string, definition: EvaluatedDefinition | undefined) {
    const functions: Record<string, { functions: unknown[]; httpRoutes: null; cronSpecs: null; sourceMapped: { functions: unknown[] } }> = {};
    for (const fn of await this.deps.internals.listFunctions(componentPath)) {
      const module = `${fn.udfPath.split(":")[0]!}.js`;
      const entry = (functions[module] ??= { functions: [], httpRoutes: null, cronSpecs: null, sourceMapped: { functions: [] } });
      entry.functions.push(analyzedFunction(fn));
      entry.sourceMapped.functions.push(analyzedFunction(fn));
    }
    const metadata = definition?.export?.() ?? { definitionType: { type: "app" }, childComponents: [], httpMounts: {}, exports: { type: "branch", branch: [] } };
    return {
      definition: { ...metadata, path: definitionPath },
      schema: null,
      functions,
      udfConfig: { serverVersion: this.deps.udfServerVersion, importPhaseRngSeed: null, importPhaseUnixTimestamp: null },
    };
  }

  /** Every stored document of every component against its schema's document validators (as a deployment validates on push). */
  private async validateDocuments(): Promise<{ ok: true } | { ok: false; error: string; componentPath: string; tableName: string | null }> {
    for (const componentPath of this.deps.internals.componentPaths()) {
      const tables = this.deps.internals.schemaTables(componentPath);
      if (tables === null) continue;
      for (const { table, document } of this.deps.internals.documents(componentPath)) {
        // Tables outside the schema (system tables among them) are not validated, as convex-test does not validate their writes.
        const validator = tables.get(table);
        if (validator === undefined) continue;
        const { _id, _creationTime, ...fields } = document as Record<string, Value>;
        const failure = findMismatch(validator, fields);
        if (failure !== null) {
          return {
            ok: false,
            componentPath,
            tableName: table,
            error: `Document with ID "${String(_id)}" in table "${table}" does not match the schema: ${failure.message}`,
          };
        }
        void _creationTime;
      }
    }
    return { ok: true };
  }

  private finishDiff() {
    const componentDiffs: Record<string, unknown> = {};
    for (const componentPath of this.deps.internals.componentPaths()) {
      componentDiffs[componentPath] = {
        diffType: { type: "modify" },
        moduleDiff: { added: [], removed: [] },
        udfConfigDiff: null,
        cronDiff: { added: [], updated: [], deleted: [] },
        indexDiff: { added_indexes: [], removed_indexes: [] },
        schemaDiff: null,
      };
    }
    return { authDiff: { added: [], removed: [] }, definitionDiffs: {}, componentDiffs };
  }
}
