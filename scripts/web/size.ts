/**
 * What the SPA's production build makes a browser download, from the build's
 * manifest (`.vite/manifest.json`): the JavaScript of the first page (the
 * entry index.html loads with its static imports, plus the sign-in and chat
 * routes with theirs: what a person signing in and landing in chat fetches)
 * and each lazily loaded route or piece with what it adds. Sizes are gzip
 * (level 9, as the build's .gz copies).
 */
import { readFileSync } from "node:fs";
import path from "node:path";
import { gzipSync } from "node:zlib";

/** The first page's budget (issue #22). */
export const FIRST_PAGE_BUDGET = { files: 15, gzipKb: 350 };

/** The lazily loaded modules a person signing in and opening chat loads (web/src/routes.tsx). */
export const FIRST_PAGE_ROUTES = ["src/auth/SignInPage.tsx", "src/chat/ChatPage.tsx"];

type ManifestChunk = { file: string; src?: string; name?: string; isEntry?: boolean; isDynamicEntry?: boolean; imports?: string[]; dynamicImports?: string[]; css?: string[] };
type Manifest = Record<string, ManifestChunk>;

export type JsFile = { file: string; bytes: number; gzipBytes: number };
export type ChunkGroup = { name: string; files: JsFile[]; gzipBytes: number };
export type SizeReport = {
  firstPage: ChunkGroup;
  /** First-page routes that are not chunks of their own (bundled into the entry). */
  notSplit: string[];
  /** Every lazily loaded module (routes, heavy pieces): the files it adds beyond the first page. */
  lazy: ChunkGroup[];
  /** Every JavaScript file of the build. */
  total: ChunkGroup;
};

export function readManifest(buildDir: string): Manifest {
  return JSON.parse(readFileSync(path.join(buildDir, ".vite", "manifest.json"), "utf8")) as Manifest;
}

/** `key` and everything it imports statically (what loading it fetches), as manifest keys. */
function staticClosure(manifest: Manifest, key: string, into = new Set<string>()): Set<string> {
  if (into.has(key) || manifest[key] === undefined) return into;
  into.add(key);
  for (const imported of manifest[key].imports ?? []) staticClosure(manifest, imported, into);
  return into;
}

export function sizeReport(buildDir: string, firstPageRoutes: string[] = FIRST_PAGE_ROUTES): SizeReport {
  const manifest = readManifest(buildDir);
  const sizes = new Map<string, JsFile>();
  const fileOf = (key: string): JsFile => {
    const file = manifest[key]!.file;
    let size = sizes.get(file);
    if (size === undefined) {
      const bytes = readFileSync(path.join(buildDir, file));
      size = { file, bytes: bytes.length, gzipBytes: gzipSync(bytes, { level: 9 }).length };
      sizes.set(file, size);
    }
    return size;
  };
  const group = (name: string, keys: Iterable<string>): ChunkGroup => {
    const files = [...new Set([...keys].map(fileOf))].filter((f) => f.file.endsWith(".js")).sort((a, b) => b.gzipBytes - a.gzipBytes);
    return { name, files, gzipBytes: files.reduce((sum, f) => sum + f.gzipBytes, 0) };
  };

  const entries = Object.keys(manifest).filter((key) => manifest[key]!.isEntry);
  const missing = firstPageRoutes.filter((route) => manifest[route] === undefined);
  if (entries.length !== 1) throw new Error(`Expected one entry in the build's manifest, found ${entries.length}.`);
  const firstKeys = new Set<string>();
  for (const key of [...entries, ...firstPageRoutes]) staticClosure(manifest, key, firstKeys);

  const lazy = Object.keys(manifest)
    .filter((key) => manifest[key]!.isDynamicEntry && !firstKeys.has(key))
    .map((key) => group(key, [...staticClosure(manifest, key)].filter((k) => !firstKeys.has(k))))
    .sort((a, b) => a.name.localeCompare(b.name));
  return { firstPage: group("first page", firstKeys), notSplit: missing, lazy, total: group("all", Object.keys(manifest)) };
}

export const kb = (bytes: number) => (bytes / 1024).toFixed(1);

/** The report as `npm run size` prints it; `budgetOk` false when the first page is over budget. */
export function formatReport(report: SizeReport): { text: string; budgetOk: boolean } {
  const { firstPage } = report;
  const budgetOk = firstPage.files.length <= FIRST_PAGE_BUDGET.files && firstPage.gzipBytes / 1024 <= FIRST_PAGE_BUDGET.gzipKb;
  const lines = [
    `First page (sign-in, then chat): ${firstPage.files.length} JS files, ${kb(firstPage.gzipBytes)} KB gzip ` +
      `(budget ${FIRST_PAGE_BUDGET.files} files, ${FIRST_PAGE_BUDGET.gzipKb} KB: ${budgetOk ? "ok" : "OVER"})`,
    ...firstPage.files.map((f) => `  ${kb(f.gzipBytes).padStart(7)} KB  ${f.file}`),
    ...(report.notSplit.length > 0 ? [`  (not chunks of their own, inside the entry: ${report.notSplit.join(", ")})`] : []),
    "",
    "Loaded when needed (what each adds beyond the first page):",
    ...report.lazy.map((g) => `  ${kb(g.gzipBytes).padStart(7)} KB  ${g.name} (${g.files.length} file${g.files.length === 1 ? "" : "s"}: ${g.files.map((f) => path.basename(f.file)).join(", ")})`),
    "",
    `All JavaScript: ${report.total.files.length} files, ${kb(report.total.gzipBytes)} KB gzip`,
  ];
  return { text: lines.join("\n"), budgetOk };
}
