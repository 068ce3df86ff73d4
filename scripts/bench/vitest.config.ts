import { defineConfig } from "vitest/config";

/**
 * Run-log lines the benchmarks don't print: the harness's structured JSON
 * logs (`{"interactionId":…}`, the workpool's `{"component":…}` reports) and
 * component chatter. What is left is the figures and the checks.
 */
function isRunLog(line: string): boolean {
  const text = line.trim();
  return text.startsWith("{\"") || text.startsWith("[monitor]") || text.startsWith("[recovery]") || text.startsWith("No compatible namespace found");
}

/** `npm run bench`: runs the benchmark scripts, which print their figures. */
export default defineConfig({
  test: {
    root: new URL("../..", import.meta.url).pathname,
    environment: "edge-runtime",
    include: ["scripts/bench/**/*.run.ts"],
    server: { deps: { inline: ["convex-test"] } },
    testTimeout: 600_000,
    fileParallelism: false,
    onConsoleLog: (log) => (isRunLog(log) ? false : undefined),
  },
});
