// @vitest-environment node
/**
 * The import-circle rule of `npm run lint` (.dependency-cruiser.cjs), run as
 * lint runs it (lint itself checks web/src): it fails on a circle made through
 * a type, the kind AgentPage and its sections used to have.
 */
import { spawnSync } from "node:child_process";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { expect, test } from "vitest";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const CONFIG = path.join(ROOT, ".dependency-cruiser.cjs");

function depcruise(cwd: string) {
  const result = spawnSync(process.execPath, [path.join(ROOT, "node_modules", "dependency-cruiser", "bin", "dependency-cruise.mjs"), "web/src", "--config", CONFIG], {
    cwd,
    encoding: "utf8",
  });
  return { status: result.status, output: `${result.stdout}${result.stderr}` };
}

test("a circle through a type import fails, naming the files", async () => {
  const dir = await mkdtemp(path.join(tmpdir(), "harness-circles-"));
  try {
    await mkdir(path.join(dir, "web", "src"), { recursive: true });
    await writeFile(path.join(dir, "tsconfig.json"), JSON.stringify({ compilerOptions: { module: "ESNext", moduleResolution: "Bundler", jsx: "react-jsx" } }));
    await writeFile(path.join(dir, "web", "src", "Page.tsx"), 'import { Section } from "./Section";\nexport type Detail = { id: string };\nexport const Page = () => Section;\n');
    await writeFile(path.join(dir, "web", "src", "Section.tsx"), 'import type { Detail } from "./Page";\nexport const Section = (d: Detail) => d.id;\n');
    const { status, output } = depcruise(dir);
    expect(status).not.toBe(0);
    expect(output).toMatch(/no-circular: web\/src\/Page\.tsx/);
    expect(output).toContain("web/src/Section.tsx");
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}, 120_000);
