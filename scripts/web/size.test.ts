// @vitest-environment node
/**
 * `npm run size`: the first page's JavaScript budget on the real build, and
 * the counting itself on a build made up for the purpose.
 */
import { randomBytes } from "node:crypto";
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { ensureWebBuild } from "./build";
import { FIRST_PAGE_BUDGET, formatReport, sizeReport, type SizeReport } from "./size";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");

describe("the real build", () => {
  let dir: string;
  let report: SizeReport;
  beforeAll(async () => {
    dir = (await ensureWebBuild(ROOT)).dir;
    report = sizeReport(dir);
  }, 120_000);

  test("the first page (sign-in, then chat) is within its budget", () => {
    const { text, budgetOk } = formatReport(report);
    expect(report.notSplit).toEqual([]);
    expect(report.firstPage.files.length, text).toBeLessThanOrEqual(FIRST_PAGE_BUDGET.files);
    expect(report.firstPage.gzipBytes / 1024, text).toBeLessThanOrEqual(FIRST_PAGE_BUDGET.gzipKb);
    expect(budgetOk).toBe(true);
  });

  test("the heavy pieces are not on the first page, and each loads with its page", async () => {
    // The source maps name the modules in each file.
    const heavy = /node_modules\/(recharts|@xyflow|@dagrejs|highlight\.js|rehype-highlight|@clerk)\//;
    for (const { file } of report.firstPage.files.filter((f) => !path.basename(f.file).startsWith("rolldown-runtime-"))) {
      const { sources } = JSON.parse(await readFile(path.join(dir, `${file}.map`), "utf8")) as { sources: string[] };
      expect(sources.filter((source) => heavy.test(source)), file).toEqual([]);
    }
    const lazy = new Map(report.lazy.map((group) => [group.name, group]));
    for (const page of ["src/usage/UsagePage.tsx", "src/agents/DelegationsPage.tsx", "src/settings/SettingsPage.tsx", "src/runs/RunPage.tsx", "src/agents/routes.tsx"]) {
      expect(lazy.get(page)?.gzipBytes ?? 0, page).toBeGreaterThan(0);
    }
    expect([...lazy.keys()].some((name) => name.includes("rehype-highlight"))).toBe(true);
  });
});

describe("counting", () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), "harness-size-"));
    await mkdir(path.join(dir, ".vite"));
    await mkdir(path.join(dir, "assets"));
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  /** Files of random (incompressible) bytes, so their gzip size is about their size. */
  async function fakeBuild(files: Record<string, number>, manifest: object) {
    for (const [name, bytes] of Object.entries(files)) await writeFile(path.join(dir, name), randomBytes(bytes));
    await writeFile(path.join(dir, ".vite", "manifest.json"), JSON.stringify(manifest));
  }

  test("the entry, the first-page routes and their static imports; a route only what it adds", async () => {
    await fakeBuild(
      { "assets/index.js": 10_000, "assets/shared.js": 20_000, "assets/Chat.js": 5_000, "assets/SignIn.js": 1_000, "assets/Usage.js": 40_000, "assets/charts.js": 90_000 },
      {
        "index.html": { file: "assets/index.js", isEntry: true, imports: ["_shared.js"], dynamicImports: ["src/chat/ChatPage.tsx", "src/auth/SignInPage.tsx", "src/usage/UsagePage.tsx"] },
        "_shared.js": { file: "assets/shared.js" },
        "_charts.js": { file: "assets/charts.js" },
        "src/chat/ChatPage.tsx": { file: "assets/Chat.js", isDynamicEntry: true, imports: ["_shared.js"] },
        "src/auth/SignInPage.tsx": { file: "assets/SignIn.js", isDynamicEntry: true },
        "src/usage/UsagePage.tsx": { file: "assets/Usage.js", isDynamicEntry: true, imports: ["_shared.js", "_charts.js"] },
      },
    );
    const report = sizeReport(dir);
    expect(report.firstPage.files.map((f) => f.file).sort()).toEqual(["assets/Chat.js", "assets/SignIn.js", "assets/index.js", "assets/shared.js"]);
    expect(report.firstPage.gzipBytes).toBeGreaterThan(36_000);
    expect(report.lazy.map((g) => [g.name, g.files.map((f) => f.file).sort()])).toEqual([["src/usage/UsagePage.tsx", ["assets/Usage.js", "assets/charts.js"]]]);
    expect(formatReport(report).budgetOk).toBe(true);
  });

  test("over budget by size, or by file count, fails the check", async () => {
    await fakeBuild(
      { "assets/index.js": 10_000, "assets/Chat.js": (FIRST_PAGE_BUDGET.gzipKb + 10) * 1024, "assets/SignIn.js": 100 },
      {
        "index.html": { file: "assets/index.js", isEntry: true },
        "src/chat/ChatPage.tsx": { file: "assets/Chat.js", isDynamicEntry: true },
        "src/auth/SignInPage.tsx": { file: "assets/SignIn.js", isDynamicEntry: true },
      },
    );
    const tooBig = formatReport(sizeReport(dir));
    expect(tooBig.budgetOk).toBe(false);
    expect(tooBig.text).toContain("OVER");

    const many = Array.from({ length: FIRST_PAGE_BUDGET.files }, (_, i) => `_part${i}.js`);
    await fakeBuild(
      { "assets/index.js": 100, "assets/Chat.js": 100, "assets/SignIn.js": 100, ...Object.fromEntries(many.map((key) => [`assets/${key.slice(1)}`, 100])) },
      {
        "index.html": { file: "assets/index.js", isEntry: true, imports: many },
        ...Object.fromEntries(many.map((key) => [key, { file: `assets/${key.slice(1)}` }])),
        "src/chat/ChatPage.tsx": { file: "assets/Chat.js", isDynamicEntry: true },
        "src/auth/SignInPage.tsx": { file: "assets/SignIn.js", isDynamicEntry: true },
      },
    );
    const tooMany = sizeReport(dir);
    expect(tooMany.firstPage.files.length).toBe(FIRST_PAGE_BUDGET.files + 3);
    expect(formatReport(tooMany).budgetOk).toBe(false);
  });

  test("a first-page route that is not a chunk of its own is named", async () => {
    await fakeBuild({ "assets/index.js": 100 }, { "index.html": { file: "assets/index.js", isEntry: true } });
    expect(sizeReport(dir).notSplit).toEqual(["src/auth/SignInPage.tsx", "src/chat/ChatPage.tsx"]);
  });
});
