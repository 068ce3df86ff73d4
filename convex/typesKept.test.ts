/**
 * Types kept (#21): no function gives up its return type with
 * `returns: v.any()`, and no workflow or event id is forced through with
 * `as never`, `as WorkflowId` or `as EventId` — ids come typed from the
 * workflow component and are stored and passed with `vWorkflowId` /
 * `vEventId()`. Scans the source of every deployed module (tests, test-only
 * `*.testing.ts` and `_generated` excluded).
 */
import { readdirSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { expect, test } from "vitest";

const CONVEX_DIR = fileURLToPath(new URL(".", import.meta.url));

/** What is not allowed, each with the reason shown when it is found. */
const RULES: { pattern: RegExp; why: string }[] = [
  { pattern: /returns:\s*v\.any\(\)/g, why: "`returns: v.any()`: give the function a real return validator" },
  { pattern: /workflowId!?\s+as\s+never\b/gi, why: "`as never` on a workflow id: type it `WorkflowId` / validate it with `vWorkflowId`" },
  { pattern: /\bas\s+WorkflowId\b/g, why: "a cast to `WorkflowId`: take the id typed from the workflow or validate it with `vWorkflowId`" },
  { pattern: /\bas\s+EventId\b/g, why: "a cast to `EventId`: take the id from `workflow.createEvent` or validate it with `vEventId()`" },
];

function deployedModules(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return entry.name === "_generated" ? [] : deployedModules(path);
    const isSource = entry.name.endsWith(".ts") && !entry.name.endsWith(".d.ts");
    const testOnly = /\.(test|testing)\.ts$/.test(entry.name);
    return isSource && !testOnly ? [path] : [];
  });
}

/** `file:line  reason` for each place `source` breaks a rule. */
function findings(file: string, source: string): string[] {
  return RULES.flatMap(({ pattern, why }) =>
    [...source.matchAll(pattern)].map((match) => {
      const line = source.slice(0, match.index).split("\n").length;
      return `${file}:${line}  ${why}`;
    }),
  );
}

test("the scan catches what it is meant to catch (so a clean result means something)", () => {
  expect(findings("a.ts", "export const f = query({\n  args: {},\n  returns: v.any(),\n")).toEqual(["a.ts:3  " + RULES[0]!.why]);
  expect(findings("b.ts", "await workflow.cancel(ctx, run.workflowId as never);")).toHaveLength(1);
  expect(findings("c.ts", "workflowId: job.workflowId! as never,")).toHaveLength(1);
  expect(findings("d.ts", "await workflow.status(ctx, id as WorkflowId);")).toHaveLength(1);
  expect(findings("d2.ts", "await workflow.sendEvent(ctx, { id: row.eventId as EventId<string> });")).toHaveLength(1);
  // Allowed: arbitrary JSON in an argument, a typed id, the Agent config cast.
  expect(findings("e.ts", "args: { manifest: v.any() },\nworkflowId: vWorkflowId,\nnew Agent(components.agent, config as never);")).toEqual([]);
});

test("no deployed module returns v.any() or casts a workflow id", () => {
  const files = deployedModules(CONVEX_DIR);
  expect(files.length).toBeGreaterThan(100);
  const found = files.flatMap((path) => findings(relative(CONVEX_DIR, path), readFileSync(path, "utf8")));
  expect(found).toEqual([]);
});
