import { defineConfig } from "vitest/config";

/** `npm run bench`: runs the benchmark scripts, which print their figures. */
export default defineConfig({
  test: {
    root: new URL("../..", import.meta.url).pathname,
    environment: "edge-runtime",
    include: ["scripts/bench/**/*.run.ts"],
    server: { deps: { inline: ["convex-test"] } },
    testTimeout: 600_000,
    fileParallelism: false,
  },
});
