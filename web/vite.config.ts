/**
 * Vite config of the SPA. Used three ways:
 *   - by the local engine (scripts/local-engine), which mounts Vite as middleware on its own port
 *     and sets VITE_CONVEX_URL / VITE_LOCAL_AUTH_URL to itself;
 *   - standalone dev against a real deployment: `npx vite web` (npm start does this when one is configured);
 *   - production build: `npx vite build --config web/vite.config.ts` → web/dist.
 */
import path from "node:path";
import { fileURLToPath } from "node:url";
import react from "@vitejs/plugin-react";
import { defineConfig } from "vite";

const webRoot = path.dirname(fileURLToPath(import.meta.url));
const repoRoot = path.resolve(webRoot, "..");

export default defineConfig({
  root: webRoot,
  // .env / .env.local live at the repository root (beside the Convex CLI's); the environment wins.
  envDir: repoRoot,
  plugins: [react()],
  // The SPA imports convex/_generated/api and convex/lib/errors from outside web/.
  server: { fs: { allow: [repoRoot] } },
  build: { outDir: path.join(webRoot, "dist"), emptyOutDir: true, sourcemap: true },
});
