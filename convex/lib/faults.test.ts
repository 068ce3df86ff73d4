/**
 * The fault seam is inert outside tests. This file deliberately does not load
 * `faults.testing.ts` (each test file runs in its own process), so it sees
 * what a deployment sees: a real turn with a tool call passes every seam,
 * and nothing fails, counts or overrides. Static checks over the sources show
 * that no production module can reach the arming side.
 */
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { afterEach, beforeEach, expect, test, vi } from "vitest";
import { messagesOf, send, settle, userWithThread } from "../chat/testkit.testing";
import { modules, newHarness } from "../test.setup";
import * as seam from "./faults";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");

beforeEach(() => vi.useFakeTimers());
afterEach(() => vi.useRealTimers());

/** Source files under `dir` (relative to the repo root), skipping generated code. */
function sources(dir: string): string[] {
  return readdirSync(path.join(ROOT, dir), { recursive: true, encoding: "utf8" })
    .filter((file) => /\.tsx?$/.test(file) && !file.includes("_generated") && !file.includes("node_modules"))
    .map((file) => path.join(dir, file));
}

const PRODUCTION_DIRS = ["convex", "components", "web/src"];
const isTestCode = (file: string) => /\.(test|testing)\.tsx?$/.test(file);

test("unarmed, a real turn passes the seam untouched: nothing fails, nothing is counted, nothing overridden", async () => {
  const slot = () => (globalThis as { [seam.FAULT_TABLE_SLOT]?: unknown })[seam.FAULT_TABLE_SLOT];
  expect(slot()).toBeUndefined();
  const t = newHarness();
  const { user, thread } = await userWithThread(t);
  await send(user, thread.threadId, "what time is it in Tokyo?");
  await settle(t);
  const reply = (await messagesOf(user, thread.threadId)).at(-1)!;
  expect(reply).toMatchObject({ role: "assistant", status: "success" });
  expect(reply.parts.some((part) => part.type === "tool-current_time")).toBe(true);

  expect(slot()).toBeUndefined();
  for (const point of Object.keys(seam.FAULT_POINTS) as seam.FaultPoint[]) expect(seam.faultAt(point)).toBe(false);
  for (const point of Object.keys(seam.CRASH_POINTS) as seam.CrashPoint[]) expect(() => seam.crashPoint(point)).not.toThrow();
  expect(seam.offlineModelOverride()).toBeUndefined();
  expect(seam.modelPriceOverride("offline")).toBeUndefined();
  expect(slot()).toBeUndefined();
});

test("the seam production imports only reads: it exports no way to arm it", () => {
  expect(Object.keys(seam).sort()).toEqual([
    "CRASH_POINTS",
    "FAULT_POINTS",
    "FAULT_TABLE_SLOT",
    "InjectedCrash",
    "crashPoint",
    "faultAt",
    "modelPriceOverride",
    "offlineModelOverride",
  ]);
});

test("the arming side is no Convex module: the deployment's module list (same rule as Convex's bundler) leaves it out", () => {
  expect(Object.keys(modules)).toContain("./lib/faults.ts");
  expect(Object.keys(modules).filter((key) => key.includes(".testing") || key.includes(".test."))).toEqual([]);
  expect(readFileSync(path.join(ROOT, "convex/_generated/api.d.ts"), "utf8")).not.toMatch(/faults\.testing/);
});

test("only test code imports the arming side, and no production module imports test code", () => {
  const offenders: string[] = [];
  for (const file of PRODUCTION_DIRS.flatMap(sources)) {
    if (isTestCode(file)) continue;
    const text = readFileSync(path.join(ROOT, file), "utf8");
    for (const [, specifier] of text.matchAll(/(?:from|import\(|require\(|ssrLoadModule\()\s*["']([^"']+)["']/g)) {
      if (/\.(test|testing)(\.tsx?)?$/.test(specifier!)) offenders.push(`${file}: imports ${specifier}`);
    }
  }
  expect(offenders).toEqual([]);
});

test("only the seam and its arming side touch the table's slot", () => {
  const touching = PRODUCTION_DIRS.flatMap(sources).filter((file) =>
    /FAULT_TABLE_SLOT|agent-harness\.faultTable/.test(readFileSync(path.join(ROOT, file), "utf8")),
  );
  expect(touching.sort()).toEqual(["convex/lib/faults.test.ts", "convex/lib/faults.testing.ts", "convex/lib/faults.ts"]);
});
