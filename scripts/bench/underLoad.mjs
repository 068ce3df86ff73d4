#!/usr/bin/env node
/**
 * `npm run bench`, N times in a row (default 10), while another CPU-heavy
 * process runs: a busy loop in a second Node process, started first and
 * killed at the end (also on Ctrl-C). Prints one line per run (exit code,
 * time, the load average, the fan-out ratio, the checks that failed) and a
 * summary; exits 1 when any run failed. Each run's whole output is kept in
 * `.local/bench-under-load/run<i>.log`.
 *
 *   npm run bench:loaded            # 10 runs
 *   npm run bench:loaded -- 3       # 3 runs
 */
import { spawn } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import { loadavg } from "node:os";
import { join } from "node:path";

const runs = Number(process.argv[2] ?? 10);
if (!Number.isInteger(runs) || runs < 1) {
  console.error(`usage: node scripts/bench/underLoad.mjs [runs ≥ 1], got ${process.argv[2]}`);
  process.exit(2);
}
const logDir = join(".local", "bench-under-load");
mkdirSync(logDir, { recursive: true });

const hog = spawn(process.execPath, ["-e", "for(;;){}"], { stdio: "ignore" });
const stopHog = () => hog.exitCode === null && hog.kill("SIGKILL");
process.on("exit", stopHog);
process.on("SIGINT", () => process.exit(130));
process.on("SIGTERM", () => process.exit(143));

const plain = (text) => text.replace(/\x1b\[[0-9;]*m/g, "");

function benchOnce() {
  return new Promise((resolve) => {
    const child = spawn("npx", ["vitest", "run", "--config", "scripts/bench/vitest.config.ts", "--silent=false"], { stdio: ["ignore", "pipe", "pipe"] });
    let output = "";
    child.stdout.on("data", (chunk) => (output += chunk));
    child.stderr.on("data", (chunk) => (output += chunk));
    child.on("close", (code) => resolve({ code: code ?? 1, output: plain(output) }));
  });
}

const results = [];
for (let i = 1; i <= runs; i++) {
  const started = Date.now();
  const { code, output } = await benchOnce();
  writeFileSync(join(logDir, `run${i}.log`), output);
  const seconds = Math.round((Date.now() - started) / 1000);
  const fanout = output.match(/parent wall time ([0-9.]+×) one delegation, the median of \d+ rounds \(([^)]*)\)/);
  const failed = [...output.matchAll(/^FAIL\s+(.*)$/gm)].map((m) => m[1].slice(0, 200));
  results.push(code === 0);
  console.log(
    [
      `run ${i}/${runs}`,
      code === 0 ? "passed" : `FAILED (exit ${code})`,
      `${seconds} s`,
      `load ${loadavg()[0].toFixed(1)}`,
      fanout ? `fan-out 8 vs 1: ${fanout[1]} (rounds ${fanout[2]})` : "fan-out: no figure",
      ...(failed.length > 0 ? [`failed: ${failed.join("; ")}`] : []),
    ].join(" | "),
  );
}
const passed = results.filter(Boolean).length;
console.log(`\nnpm run bench with a CPU hog running: ${passed} of ${runs} passed (logs in ${logDir}/)`);
process.exit(passed === runs ? 0 : 1);
