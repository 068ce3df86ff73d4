// @vitest-environment node
/**
 * The import rules of `npm run lint` (.dependency-cruiser.cjs) on a small
 * made-up convex/ tree: each rule refuses what it is for and lets the
 * allowed direction through, so a rule that stops matching fails here.
 */
import { mkdtempSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { cruise, type ICruiseResult, type IConfiguration } from "dependency-cruiser";
import { afterAll, beforeAll, expect, test } from "vitest";

const config = createRequire(import.meta.url)("../../.dependency-cruiser.cjs") as IConfiguration;

/** Module path → the modules it imports (relative to the tree's root). */
const TREE: Record<string, string[]> = {
  // allowed: downward and within a layer
  "convex/chat/send.ts": ["convex/lib/errors.ts", "convex/ops/paused.ts", "convex/tools/registry.ts"],
  "convex/tools/registry.ts": ["convex/knowledge/tools.ts", "convex/tasks/tools.ts", "convex/tools/types.ts"],
  "convex/knowledge/tools.ts": ["convex/tools/types.ts"],
  "convex/httpApi/routes.ts": ["convex/chat/send.ts"],
  // what an account's lifecycle sets off is decided above the layers it calls (tenancy/events.ts)
  "convex/accountLifecycle/reactions.ts": ["convex/agents/defaults.ts", "convex/conversations/general.ts", "convex/tenancy/events.ts"],
  "convex/tenancy/events.ts": [],
  "convex/agents/defaults.ts": [],
  "convex/conversations/general.ts": [],
  // refused: upward
  "convex/lib/errors.ts": [],
  "convex/lib/upward.ts": ["convex/chat/send.ts"],
  "convex/ops/paused.ts": [],
  "convex/ops/pause.ts": ["convex/jobs/platform.ts"],
  "convex/jobs/platform.ts": [],
  "convex/audit/write.ts": ["convex/inspector/staff.ts"],
  "convex/tenancy/identity.ts": ["convex/agents/defaults.ts"],
  "convex/inspector/staff.ts": [],
  // refused: a tool contributor importing the registry (also a circle)
  "convex/tasks/tools.ts": ["convex/tools/registry.ts", "convex/tools/types.ts"],
  "convex/tools/types.ts": [],
  // refused: a circle inside one layer
  "convex/chat/a.ts": ["convex/chat/b.ts"],
  "convex/chat/b.ts": ["convex/chat/a.ts"],
  // tests may import anything
  "convex/lib/errors.test.ts": ["convex/httpApi/routes.ts"],
};

let root = "";
let result: ICruiseResult;

function relative(from: string, to: string): string {
  const up = from.split("/").length - 1;
  return `${"../".repeat(up)}${to}`.replace(/\.ts$/, "");
}

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), "layers-"));
  for (const [file, imports] of Object.entries(TREE)) {
    mkdirSync(join(root, dirname(file)), { recursive: true });
    const lines = imports.map((target, i) => `import * as m${i} from "./${relative(file, target)}";\nvoid m${i};`);
    writeFileSync(join(root, file), `${lines.join("\n")}\nexport const here = ${JSON.stringify(file)};\n`);
  }
  const { tsConfig: _tsConfig, ...options } = config.options ?? {};
  const output = await cruise(["convex"], { ...options, baseDir: root, validate: true, ruleSet: { forbidden: config.forbidden } });
  result = output.output as ICruiseResult;
}, 60_000);

afterAll(() => rmSync(root, { recursive: true, force: true }));

function violations(): string[] {
  return result.summary.violations.map((v) => `${v.rule.name}: ${v.from} -> ${v.to}`).sort();
}

test("an import from a lower layer to a higher one is refused, naming both layers", () => {
  expect(violations()).toEqual(
    expect.arrayContaining([
      "layer-base-not-runtime: convex/lib/upward.ts -> convex/chat/send.ts",
      "layer-platform-not-runtime: convex/ops/pause.ts -> convex/jobs/platform.ts",
      "layer-platform-not-surfaces: convex/audit/write.ts -> convex/inspector/staff.ts",
      "layer-accounts-not-agents: convex/tenancy/identity.ts -> convex/agents/defaults.ts",
    ]),
  );
});

test("a tool contributor may not import the registry that lists it", () => {
  expect(violations()).toContain("tools-contributed-not-registry: convex/tasks/tools.ts -> convex/tools/registry.ts");
});

test("circles in convex/ are refused, also within one layer", () => {
  const circular = violations().filter((line) => line.startsWith("no-circular-convex:"));
  expect(circular).toEqual(
    expect.arrayContaining([
      "no-circular-convex: convex/chat/a.ts -> convex/chat/b.ts",
      "no-circular-convex: convex/tasks/tools.ts -> convex/tools/registry.ts",
    ]),
  );
});

test("downward imports, imports within a layer and test imports pass", () => {
  const allowedFrom = [
    "convex/chat/send.ts",
    "convex/knowledge/tools.ts",
    "convex/httpApi/routes.ts",
    "convex/accountLifecycle/reactions.ts",
    "convex/lib/errors.test.ts",
  ];
  expect(violations().filter((line) => allowedFrom.some((file) => line.includes(`: ${file} ->`)))).toEqual([]);
  // The registry importing a contributor is the allowed direction; it is flagged only as part of the tasks circle.
  expect(violations().filter((line) => line.includes(": convex/tools/registry.ts -> convex/knowledge/"))).toEqual([]);
});

test("the lint baseline lists no known exception: every layer rule holds without one", () => {
  const known = JSON.parse(readFileSync(new URL("../../.dependency-cruiser-known-violations.json", import.meta.url), "utf8")) as { from: string; to: string }[];
  expect(known.map(({ from, to }) => `${from} -> ${to}`)).toEqual([]);
});
