/**
 * Calling a function on behalf of a client, the same way for every
 * transport (the sync WebSocket, the HTTP function API, the CLI), with a
 * deployment's rules:
 *
 * - A user (or nobody) may call the app's public functions. Internal
 *   functions, component functions and unknown names answer
 *   "Could not find public function for '…'".
 * - An admin (the admin key, adminKey.ts) may call any function of the app or
 *   of a mounted component, and the `_system/cli/*` queries the Convex CLI
 *   uses (environment variables, the function list, the deployment URL).
 *   An admin may act as a user (`identity`).
 * - Arguments are checked against the function's validator first; a mismatch
 *   answers the deployment's `ArgumentValidationError` text (argsValidation.ts),
 *   never a redacted server error.
 * - Failures keep `ConvexError` data (`errorData`); anything else becomes
 *   "[Request ID: …] Server Error" with the full error in the engine's log
 *   (errors.ts).
 */
import { makeFunctionReference, type UserIdentity } from "convex/server";
import type { Value } from "convex/values";
import { argumentValidationError } from "./argsValidation";
import type { EngineInternals, FunctionInfo, PathRunner } from "./convexTestInternals";
import type { EnvStore } from "./envStore";
import { describeFailure, type Failure } from "./errors";

export type FunctionKind = "query" | "mutation" | "action";

/** Who is calling. */
export type Caller = { admin: boolean; identity: UserIdentity | null };

export const ANONYMOUS: Caller = { admin: false, identity: null };

/** The parts of a convex-test accessor calls go through. */
export interface FunctionRunner extends PathRunner {
  query(ref: unknown, args: Record<string, Value>): Promise<unknown>;
  mutation(ref: unknown, args: Record<string, Value>): Promise<unknown>;
  action(ref: unknown, args: Record<string, Value>): Promise<unknown>;
  withIdentity(identity: Partial<UserIdentity>): FunctionRunner;
}

export type Logger = {
  info(message: string): void;
  error(message: string, error?: unknown): void;
  verbose(message: string): void;
};

export type CallResult = { ok: true; value: Value; kind: FunctionKind } | { ok: false; failure: Failure };

const KIND_NAMES: Record<FunctionKind, string> = { query: "Query", mutation: "Mutation", action: "Action" };

/** "mod.js:fn" and "mod" forms, as clients canonicalise them. */
export function canonicalUdfPath(udfPath: string): string {
  const pieces = udfPath.split(":");
  let moduleName = pieces.length === 1 ? pieces[0]! : pieces.slice(0, -1).join(":");
  const functionName = pieces.length === 1 ? "default" : pieces[pieces.length - 1]!;
  if (moduleName.endsWith(".js")) moduleName = moduleName.slice(0, -3);
  return `${moduleName}:${functionName}`;
}

const plainFailure = (errorMessage: string): Failure => ({ errorMessage, fingerprint: `plain:${errorMessage}` });

/** The `_system/cli/*` queries the Convex CLI runs over the sync protocol with an admin key. */
export type SystemQueries = Record<string, (args: Record<string, Value>) => Promise<Value> | Value>;

export function cliSystemQueries(deps: { internals: EngineInternals; env: EnvStore; url: () => string }): SystemQueries {
  return {
    // `npx convex env list` / `env get NAME`
    "_system/cli/queryEnvironmentVariables:default": () => deps.env.list(),
    "_system/cli/queryEnvironmentVariables:get": (args) => deps.env.get(String(args["name"])),
    // `npx convex function-spec`, and `npx convex run` listing functions when a name is wrong
    "_system/cli/modules:apiSpec": async () => (await deps.internals.listFunctions("")).map(apiSpecEntry),
    "_system/cli/convexUrl:cloudUrl": () => deps.url(),
  };
}

function apiSpecEntry(fn: FunctionInfo): Value {
  const [modulePath, name] = fn.udfPath.split(":") as [string, string];
  return {
    identifier: `${modulePath}.js:${name}`,
    functionType: KIND_NAMES[fn.kind],
    visibility: { kind: fn.visibility },
    args: (fn.args ?? { type: "any" }) as unknown as Value,
    returns: (fn.returns ?? { type: "any" }) as unknown as Value,
  };
}

export class FunctionCalls {
  constructor(
    private readonly deps: {
      runner: FunctionRunner;
      internals: EngineInternals;
      log: Logger;
      system: SystemQueries;
    },
  ) {}

  /** The accessor a caller's functions run through (with its identity). */
  runnerFor(caller: Caller): FunctionRunner {
    return caller.identity === null ? this.deps.runner : this.deps.runner.withIdentity(caller.identity);
  }

  /**
   * Resolve and run `udfPath` (of `componentPath`, "" = the app) as `kind`
   * ("any" = whatever it is, as `npx convex run` and `/api/run` call).
   * `previous` is the last failure of the same subscription: an identical
   * failure is returned as is and not logged again.
   */
  async call(
    caller: Caller,
    kind: FunctionKind | "any",
    rawUdfPath: string,
    componentPath: string,
    args: Record<string, Value>,
    previous?: Failure,
  ): Promise<CallResult> {
    const udfPath = canonicalUdfPath(rawUdfPath);
    const notFound = () =>
      plainFailure(
        caller.admin
          ? `Could not find function for '${udfPath}'${componentPath === "" ? "" : ` in component '${componentPath}'`}. Did you forget to run \`npx convex dev\` or \`npx convex deploy\`?`
          : `Could not find public function for '${udfPath}'. Did you forget to run \`npx convex dev\` or \`npx convex deploy\`?`,
      );
    if (componentPath !== "" && !caller.admin) return { ok: false, failure: plainFailure(`Only admin auth is allowed to run functions on non-root components (${componentPath}).`) };

    if (udfPath.startsWith("_system/")) {
      const system = caller.admin && componentPath === "" ? this.deps.system[udfPath] : undefined;
      if (system === undefined) return { ok: false, failure: notFound() };
      if (kind !== "query" && kind !== "any") return { ok: false, failure: plainFailure(`Trying to execute ${udfPath} as ${KIND_NAMES[kind]}, but it is defined as Query.`) };
      try {
        return { ok: true, value: await system(args), kind: "query" };
      } catch (error) {
        return { ok: false, failure: describeFailure(error, { kind: "query", udfPath }, this.deps.log.error, previous) };
      }
    }

    const fn = await this.deps.internals.functionInfo(componentPath, udfPath);
    if (fn === null || (fn.visibility !== "public" && !caller.admin)) return { ok: false, failure: notFound() };
    if (kind !== "any" && fn.kind !== kind) {
      return { ok: false, failure: plainFailure(`Trying to execute ${udfPath} as ${KIND_NAMES[kind]}, but it is defined as ${KIND_NAMES[fn.kind]}.`) };
    }
    const invalid = argumentValidationError(fn.args, args);
    if (invalid !== null) {
      this.deps.log.verbose(`${fn.kind} ${udfPath}: ${invalid.message}`);
      return { ok: false, failure: { errorMessage: invalid.message, fingerprint: `args:${invalid.message}` } };
    }
    const runner = this.runnerFor(caller);
    try {
      let value: unknown;
      if (componentPath === "") {
        const ref = makeFunctionReference(udfPath);
        value = fn.kind === "query" ? await runner.query(ref, args) : fn.kind === "mutation" ? await runner.mutation(ref, args) : await runner.action(ref, args);
      } else {
        const path = { componentPath, udfPath };
        value =
          fn.kind === "query" ? await runner.queryFromPath(path, args) : fn.kind === "mutation" ? await runner.mutationFromPath(path, args) : await runner.actionFromPath(path, args);
      }
      return { ok: true, value: (value ?? null) as Value, kind: fn.kind };
    } catch (error) {
      return { ok: false, failure: describeFailure(error, { kind: fn.kind, udfPath: componentPath === "" ? udfPath : `${componentPath}:${udfPath}` }, this.deps.log.error, previous) };
    }
  }
}
