/**
 * Vite config of the SPA. Used three ways:
 *   - by the local engine (scripts/local-engine), which mounts Vite as middleware on its own port
 *     and sets VITE_CONVEX_URL / VITE_LOCAL_AUTH_URL to itself;
 *   - standalone dev against a real deployment: `npx vite web` (npm start does this when one is configured);
 *   - production build: `npx vite build --config web/vite.config.ts` → web/dist (npm start builds into
 *     .local/web/<hash>/ when the sources changed and serves that: scripts/web/).
 * Builds write hashed assets, their .gz / .br copies (precompress() below) and source maps that
 * no file references ("hidden": there for debugging, never downloaded by a browser), and
 * .vite/manifest.json, from which `npm run size` reads what each route loads (scripts/web/size.ts).
 */
import { readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { brotliCompress, constants, gzip } from "node:zlib";
import react from "@vitejs/plugin-react";
import { defineConfig, type Plugin } from "vite";

/** Libraries that must not join the shared chunk (see codeSplitting below). */
const ONLY_WHERE_NEEDED = /node_modules[\\/](@clerk|recharts|@xyflow|@dagrejs|d3-[\w-]+|victory-vendor)[\\/]/;

const webRoot = path.dirname(fileURLToPath(import.meta.url));
const repoRoot = path.resolve(webRoot, "..");

export default defineConfig({
  root: webRoot,
  // .env / .env.local live at the repository root (beside the Convex CLI's); the environment wins.
  envDir: repoRoot,
  plugins: [react(), precompress()],
  // The SPA imports convex/_generated/api and convex/lib/errors from outside web/.
  server: { fs: { allow: [repoRoot] } },
  build: {
    outDir: path.join(webRoot, "dist"),
    emptyOutDir: true,
    sourcemap: "hidden",
    manifest: true,
    rolldownOptions: {
      output: {
        // Code used by more than one page goes into one shared file instead of a dozen tiny ones (the first
        // page's file count is budgeted: scripts/web/size.ts). The heavy libraries of pages people open
        // less often stay out of it, in chunks of their own: Clerk, the charts, the graph and their d3 parts.
        codeSplitting: { groups: [{ name: "shared", minShareCount: 2, test: (id) => !ONLY_WHERE_NEEDED.test(id) }] },
      },
    },
  },
});

/**
 * Beside every text asset of the build, its gzip and brotli copies (`x.js.gz`, `x.js.br`), so a
 * static server (the local engine's, scripts/web/serve.ts, or a CDN that honours them) sends
 * compressed bytes without compressing on each request.
 */
const COMPRESSIBLE = /\.(js|mjs|css|html|svg|json|txt)$/;
/** Below this, compression saves less than the extra request headers cost. */
const MIN_BYTES = 1024;

const gzipAsync = promisify(gzip);
const brotliAsync = promisify(brotliCompress);

function precompress(): Plugin {
  return {
    name: "harness:precompress",
    apply: "build",
    async writeBundle(options, bundle) {
      const outDir = options.dir ?? "dist";
      const names = [...Object.keys(bundle), "index.html"].filter((name, i, all) => COMPRESSIBLE.test(name) && all.indexOf(name) === i);
      await Promise.all(
        names.map(async (name) => {
          const file = path.join(outDir, name);
          const bytes = await readFile(file).catch(() => null);
          if (bytes === null || bytes.length < MIN_BYTES) return;
          const [gz, br] = await Promise.all([
            gzipAsync(bytes, { level: 9 }),
            brotliAsync(bytes, { params: { [constants.BROTLI_PARAM_QUALITY]: 11, [constants.BROTLI_PARAM_SIZE_HINT]: bytes.length } }),
          ]);
          await Promise.all([writeFile(`${file}.gz`, gz), writeFile(`${file}.br`, br)]);
        }),
      );
    },
  };
}
