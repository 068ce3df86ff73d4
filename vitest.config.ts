import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    // convex-test runs functions in the edge-runtime-like environment it expects.
    environment: "edge-runtime",
    include: ["convex/**/*.test.ts", "components/**/*.test.ts", "scripts/**/*.test.ts"],
    server: { deps: { inline: ["convex-test"] } },
    testTimeout: 30_000,
    // Workflow/workpool log every step; show logs only for failing tests.
    silent: "passed-only",
  },
});
