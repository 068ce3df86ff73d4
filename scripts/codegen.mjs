#!/usr/bin/env node
// Offline code generation for `convex/_generated` and `components/*/_generated`.
//
// Why: `npx convex codegen` needs a deployment to analyse the app; without one
// (`--system-udfs`) it leaves out the `components` export. Everything it would
// write is mechanical, so we reuse the Convex CLI's own templates (shipped in
// `convex/dist/esm/cli/codegen_templates`) and fill in the analysis-dependent
// parts ourselves:
//   - the list of modules (same entry-point rules as the CLI's bundler),
//   - the mounted child components, read from each `convex.config.ts`,
//   - for our own components, a `component.ts` whose `ComponentApi` is a
//     mapped type over the component's public functions.
//
// Usage: `node scripts/codegen.mjs` writes; `--check` fails (exit 1) when the
// committed files differ from what would be generated.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { createHash } from "node:crypto";
import { pathToFileURL, fileURLToPath } from "node:url";
import prettier from "prettier";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const templates = path.join(root, "node_modules/convex/dist/esm/cli/codegen_templates");
const load = (file) => import(pathToFileURL(path.join(templates, file)).href);

/**
 * `dataModel.js` imports the CLI's component-directory helpers (and through
 * them its bundler) only for the deployment-analysed variants we don't use.
 * Load a copy with that import stubbed and the other imports made absolute.
 */
async function loadWithoutAnalysis(file) {
  const text = fs.readFileSync(path.join(templates, file), "utf8");
  // Only the module's own import statements (before its first template string) are rewritten.
  const cut = text.indexOf("`");
  const imports = text
    .slice(0, cut)
    .replace(/import\s*\{[^}]*\}\s*from\s*"\.\.\/lib\/[^"]+";/g, "const toComponentDefinitionPath = () => { throw new Error('needs a deployment'); };")
    .replace(/from\s*"(\.{1,2}\/[^"]+)"/g, (_, rel) => `from "${pathToFileURL(path.join(templates, rel)).href}"`);
  const source = imports + text.slice(cut);
  const copy = path.join(os.tmpdir(), `convex-codegen-${process.pid}-${file}`);
  fs.writeFileSync(copy, source);
  try {
    return await import(pathToFileURL(copy).href);
  } finally {
    fs.rmSync(copy, { force: true });
  }
}

const { header, apiComment, compareModulePaths } = await load("common.js");
const { importPath, moduleIdentifier, apiCodegen } = await load("api.js");
const { serverCodegen } = await load("server.js");
const { componentServerTS } = await load("component_server.js");
const { dynamicDataModelDTS, dynamicDataModelTS, noSchemaDataModelDTS, noSchemaDataModelTS } =
  await loadWithoutAnalysis("dataModel.js");
// The CLI's `componentApiJs()` lives in a module that pulls in its bundler, so
// its (tiny) text is reproduced here.
const componentApiJs = () => `${header("Generated `api` utility.")}
import { anyApi, componentsGeneric } from "convex/server";

${apiComment("api", undefined)}
export const api = anyApi;
export const internal = anyApi;
export const components = componentsGeneric();
`;

const ENTRY_POINT_EXTENSIONS = [".js", ".mjs", ".cjs", ".ts", ".tsx", ".mts", ".cts", ".jsx"];

/** Module paths (relative, sorted) the Convex bundler would treat as entry points. */
function entryPoints(dir) {
  const found = [];
  const walk = (current) => {
    for (const entry of fs.readdirSync(current, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
      const full = path.join(current, entry.name);
      if (entry.isDirectory()) {
        // Nested component definitions are not part of this component's modules.
        if (fs.existsSync(path.join(full, "convex.config.ts"))) continue;
        walk(full);
        continue;
      }
      const rel = path.relative(dir, full);
      const base = entry.name;
      if (!ENTRY_POINT_EXTENSIONS.some((ext) => rel.endsWith(ext))) continue;
      if (rel.startsWith("_generated" + path.sep)) continue;
      if (base.startsWith(".") || base.startsWith("#")) continue;
      if (base === "schema.ts" || base === "schema.js") continue;
      if ((base.match(/\./g) || []).length > 1) continue;
      if (rel.includes(" ")) continue;
      found.push(rel.split(path.sep).join("/"));
    }
  };
  walk(dir);
  return found.sort(compareModulePaths);
}

/**
 * Child components mounted by a `convex.config.ts`, in `use()` order:
 * `import x from "<spec>/convex.config"` + `<app>.use(x, { name: "n" })`.
 */
function childComponents(dir) {
  const source = fs.readFileSync(path.join(dir, "convex.config.ts"), "utf8");
  const imports = new Map();
  for (const m of source.matchAll(/import\s+(\w+)\s+from\s+["']([^"']+)["']/g)) {
    imports.set(m[1], m[2]);
  }
  const children = [];
  for (const m of source.matchAll(/\.use\(\s*(\w+)\s*(?:,\s*\{\s*name:\s*["']([^"']+)["']\s*,?\s*\})?\s*\)/g)) {
    const spec = imports.get(m[1]);
    if (!spec) throw new Error(`${dir}/convex.config.ts: cannot find the import of ${m[1]}`);
    const packageSpec = spec.replace(/\/convex\.config(\.js|\.ts)?$/, "");
    const name = m[2] ?? m[1];
    // Packages are imported by name; local components by a path relative to
    // the generated file (one level below the component's own folder).
    const importFrom = packageSpec.startsWith(".") ? path.posix.join("..", packageSpec) : packageSpec;
    children.push({ name, importFrom });
  }
  return children;
}

function componentsBlock(children, declaration) {
  const lines = children.map(
    (c) => `  "${c.name}": import("${c.importFrom}/_generated/component.js").ComponentApi<"${c.name}">,`,
  );
  return `\n${declaration} {\n${lines.join("\n")}\n};\n`;
}

const hasSchema = (dir) => fs.existsSync(path.join(dir, "schema.ts")) || fs.existsSync(path.join(dir, "schema.js"));
const format = (text) => prettier.format(text, { parser: "typescript" });

/** The root app: `.d.ts` + `.js` files, as the CLI writes for JavaScript-style codegen. */
async function generateApp(dir) {
  const modules = entryPoints(dir);
  const children = childComponents(dir);
  const server = serverCodegen({ useTypeScript: false, envVars: undefined });
  const api = apiCodegen(modules, { useTypeScript: false });
  return {
    "dataModel.d.ts": await format(hasSchema(dir) ? dynamicDataModelDTS() : noSchemaDataModelDTS()),
    "server.js": await format(server.JS),
    "server.d.ts": await format(server.DTS),
    "api.js": await format(componentApiJs()),
    "api.d.ts": await format(api.DTS + componentsBlock(children, "export declare const components:")),
  };
}

/** One of our own components: `.ts` files, plus `component.ts` for its parent. */
async function generateComponent(dir) {
  const modules = entryPoints(dir);
  const children = childComponents(dir);
  const imports = modules
    .map((m) => `import type * as ${moduleIdentifier(m)} from "../${importPath(m)}.js";`)
    .join("\n");
  const moduleMap = modules.map((m) => `  "${importPath(m)}": typeof ${moduleIdentifier(m)},`).join("\n");
  const api = `${header("Generated `api` utility.")}
${imports}

import type { ApiFromModules, FilterApi, FunctionReference } from "convex/server";
import { anyApi, componentsGeneric } from "convex/server";

const fullApi: ApiFromModules<{
${moduleMap}
}> = anyApi as any;

${apiComment("api", "public")}
export const api: FilterApi<typeof fullApi, FunctionReference<any, "public">> = anyApi as any;

${apiComment("internal", "internal")}
export const internal: FilterApi<typeof fullApi, FunctionReference<any, "internal">> = anyApi as any;
${componentsBlock(children, "export const components = componentsGeneric() as unknown as")}`;

  // What the parent sees: each public function becomes an internal reference
  // scoped to the component's mount name, with the same args and return type.
  const component = `${header("Generated `ComponentApi` utility.")}
import type { FunctionReference } from "convex/server";
import type { api } from "./api.js";

type Exposed<T, Name extends string | undefined> =
  T extends FunctionReference<infer Type, "public", infer Args, infer Returns>
    ? FunctionReference<Type, "internal", Args, Returns, Name>
    : { [K in keyof T]: Exposed<T[K], Name> };

/**
 * A utility for referencing a Convex component's exposed API.
 *
 * Useful when expecting a parameter like \`components.myComponent\`.
 */
export type ComponentApi<Name extends string | undefined = string | undefined> = Exposed<typeof api, Name>;
`;
  return {
    "dataModel.ts": await format(hasSchema(dir) ? dynamicDataModelTS() : noSchemaDataModelTS()),
    "server.ts": await format(componentServerTS(false, undefined)),
    "api.ts": await format(api),
    "component.ts": await format(component),
  };
}

/** Our own components: every folder under components/ holding a convex.config.ts. */
function localComponentDirs() {
  const found = [];
  const walk = (dir) => {
    if (fs.existsSync(path.join(dir, "convex.config.ts"))) {
      found.push(dir);
      return;
    }
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
      if (entry.isDirectory() && entry.name !== "node_modules" && !entry.name.startsWith(".")) walk(path.join(dir, entry.name));
    }
  };
  const base = path.join(root, "components");
  if (fs.existsSync(base)) walk(base);
  return found.sort();
}

const digest = (text) => createHash("sha256").update(text).digest("hex");

async function main() {
  const check = process.argv.includes("--check");
  const targets = [
    { dir: path.join(root, "convex"), files: await generateApp(path.join(root, "convex")) },
    ...(await Promise.all(localComponentDirs().map(async (dir) => ({ dir, files: await generateComponent(dir) })))),
  ];
  const stale = [];
  for (const { dir, files } of targets) {
    const outDir = path.join(dir, "_generated");
    fs.mkdirSync(outDir, { recursive: true });
    const existing = new Set(fs.readdirSync(outDir));
    for (const [name, text] of Object.entries(files)) {
      const file = path.join(outDir, name);
      const before = existing.has(name) ? fs.readFileSync(file, "utf8") : null;
      existing.delete(name);
      if (before !== null && digest(before) === digest(text)) continue;
      stale.push(path.relative(root, file));
      if (!check) fs.writeFileSync(file, text);
    }
    for (const leftover of existing) {
      stale.push(path.relative(root, path.join(outDir, leftover)));
      if (!check) fs.rmSync(path.join(outDir, leftover), { recursive: true });
    }
  }
  if (check && stale.length > 0) {
    console.error("Generated code is stale; run `npm run codegen` and commit:\n  " + stale.join("\n  "));
    process.exit(1);
  }
  console.log(check ? "codegen: up to date" : `codegen: ${stale.length} file(s) written`);
}

await main();
