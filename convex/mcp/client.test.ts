/**
 * The MCP client (client.ts) runs in Convex's default runtime, which — like
 * Cloudflare Workers — refuses to compile code from strings (`eval`,
 * `new Function`). The SDK's default validator of tool output schemas (Ajv)
 * does exactly that; client.ts gives it the `@cfworker/json-schema` one.
 * Proved here the blunt way: list and call server-everything's tools (one
 * with an output schema) from a Node process started with
 * `--disallow-code-generation-from-strings`. (That the module also bundles
 * for the default runtime, with no Node built-ins, is what
 * `npx convex deploy --dry-run` checks: it bundles every module for the
 * browser platform first.)
 */
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterEach, expect, test } from "vitest";
import { startEverything, type EverythingServer } from "./everything.testing";

let everything: EverythingServer | undefined;
afterEach(async () => {
  await everything?.stop();
  everything = undefined;
});

const REPO = fileURLToPath(new URL("../../", import.meta.url));
const CLIENT = fileURLToPath(new URL("./client.ts", import.meta.url));

async function run(args: string[], cwd: string): Promise<{ code: number | null; out: string }> {
  return await new Promise((resolve) => {
    const child = spawn(process.execPath, args, { cwd, stdio: ["ignore", "pipe", "pipe"], env: { PATH: process.env.PATH ?? "" } });
    let out = "";
    child.stdout.on("data", (chunk: Buffer) => (out += chunk.toString("utf8")));
    child.stderr.on("data", (chunk: Buffer) => (out += chunk.toString("utf8")));
    child.once("exit", (code) => resolve({ code, out }));
  });
}

test("the MCP client lists and calls tools with code generation from strings disallowed, as in Convex's default runtime", { timeout: 60_000 }, async () => {
  everything = await startEverything();
  const dir = mkdtempSync(join(tmpdir(), "mcp-no-eval-"));
  try {
    const probe = join(dir, "probe.mts");
    writeFileSync(
      probe,
      [
        `import { callServerTool, listServerTools } from ${JSON.stringify(CLIENT)};`,
        `const reach = { url: ${JSON.stringify(everything.url)}, headers: {}, timeoutMs: 10_000, secrets: [] };`,
        `let evalBlocked = false;`,
        `try { new Function("return 1"); } catch { evalBlocked = true; }`,
        `const listing = await listServerTools(reach);`,
        // get-structured-content declares an output schema: the client validates its structured result.
        `const result = await callServerTool(reach, "get-structured-content", { location: "Chicago" }, "probe-1");`,
        `console.log(JSON.stringify({ evalBlocked, tools: listing.tools.length, result }));`,
      ].join("\n"),
    );
    const { code, out } = await run(["--disallow-code-generation-from-strings", "--import", "tsx", probe], REPO);
    expect(code, out).toBe(0);
    const line = out.trim().split("\n").at(-1)!;
    expect(JSON.parse(line)).toEqual({
      evalBlocked: true,
      tools: 13,
      result: {
        isError: false,
        content: [{ type: "text", text: JSON.stringify({ temperature: 36, conditions: "Light rain / drizzle", humidity: 82 }) }],
        structuredContent: { temperature: 36, conditions: "Light rain / drizzle", humidity: 82 },
      },
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
