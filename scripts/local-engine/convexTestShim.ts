/**
 * Stands in for `convex-test` when the engine loads `convex/test.setup.ts`
 * (engine.ts resolves `convex-test` imports to this file, except this file's
 * own). It is the real `convexTest`, plus a record of the module maps
 * (`import.meta.glob` loaders) given to it and to `registerComponent`, so the
 * engine can load every module of the app and of every component before it
 * serves anything: loading a module later, inside a transaction, would run
 * Vite's timers where Convex forbids them.
 *
 * Only the engine uses this; tests and benchmarks import convex-test itself.
 */
// The package's own file: the bare name `convex-test` is aliased to this shim.
import { convexTest as realConvexTest } from "convex-test/dist/index.js";

export type ModuleLoaders = Record<string, () => Promise<unknown>>;
/** Component path ("" for the app) -> the loaders convex-test was given for it. */
export type RegisteredModules = Map<string, ModuleLoaders>;

const registered = new WeakMap<object, RegisteredModules>();

function isLoaders(value: unknown): value is ModuleLoaders {
  return typeof value === "object" && value !== null && Object.values(value).every((loader) => typeof loader === "function");
}

export function convexTest(...args: unknown[]): unknown {
  const t = (realConvexTest as (...args: unknown[]) => Record<string, unknown>)(...args);
  const modules = new Map<string, ModuleLoaders>();
  // convexTest(schema, modules) or convexTest({ schema, modules, ... })
  const [first, second] = args;
  const rootModules = second ?? (typeof first === "object" && first !== null && !("tables" in first) ? (first as { modules?: unknown }).modules : undefined);
  if (isLoaders(rootModules)) modules.set("", rootModules);
  const registerComponent = t["registerComponent"] as (path: string, schema: unknown, glob: unknown) => void;
  t["registerComponent"] = (path: string, schema: unknown, glob: unknown) => {
    registerComponent(path, schema, glob);
    if (isLoaders(glob)) modules.set(path, glob);
  };
  registered.set(t, modules);
  return t;
}

/** The module maps of an instance created by {@link convexTest}, or undefined for one created elsewhere. */
export function registeredModules(t: object): RegisteredModules | undefined {
  return registered.get(t);
}
