/**
 * Import rules checked by `npm run lint` (dependency-cruiser). One rule per
 * boundary, each with the folder it guards in `from.path`.
 *
 * Type-only imports count (tsPreCompilationDeps): a circle through a type is
 * still a circle for whoever reads the code, and the next change may make it
 * a value.
 *
 * convex/ is in layers (README, "Layers of convex/"): a module may import
 * its own layer and the layers below it, never one above. Test files
 * (`*.test.ts`, `*.testing.ts`, `test.setup.ts`) may import anything. Links that broke a layer when the rules
 * came in are listed in .dependency-cruiser-known-violations.json (written
 * by `npx depcruise-baseline web/src convex --config .dependency-cruiser.cjs`)
 * and ignored, so no new one can land; remove entries as they are fixed.
 */

/** Tests sit beside the code and may reach any layer. */
const TESTS = "(\\.test\\.tsx?|\\.testing\\.ts|/test\\.setup\\.ts)$";

/**
 * The layers of convex/, lowest first. A file belongs to the first layer
 * whose `path` matches and whose `pathNot` does not; `surfaces` is the rest.
 */
const LAYERS = [
  {
    name: "base",
    why: "helpers with no domain in them: errors, env, the function builders and the caller lookups they make, workflow and workpool instances",
    path: ["^convex/lib/"],
  },
  {
    name: "platform",
    why: "what every domain writes to or obeys: models, the audit write, the pause / hold / maintenance switches and metrics, the tool types",
    path: [
      "^convex/models/",
      "^convex/audit/(write|schema|diff|changes|csv)\\.ts$",
      "^convex/ops/(paused|pause|hold|maintenance|audit|metrics|seriesParts|exemplars|flags|runLog|schema)\\.ts$",
      "^convex/tools/(types|validators|toolInputError)\\.ts$",
      "^convex/runs/(validators|status|records)\\.ts$",
    ],
  },
  {
    name: "accounts",
    why: "who is who: users, accounts, memberships, teams",
    path: ["^convex/(tenancy|teams)/"],
  },
  {
    name: "domains",
    why: "knowledge, usage, outbound webhooks, and the tools a domain contributes below the registry (jobs/tool.ts)",
    path: ["^convex/(knowledge|usage|outbound)/", "^convex/jobs/(tool|types)\\.ts$"],
  },
  {
    name: "agents",
    why: "agents and what they can do: the tool registry composed from the domains' tools, the catalogue, MCP, tasks, an HTTP tool's settings",
    path: ["^convex/(agents|tools|mcp|tasks)/"],
    pathNot: ["^convex/tools/(types|validators|toolInputError)\\.ts$", "^convex/tools/http/(?!settings\\.ts$)"],
  },
  {
    name: "runs",
    why: "the run kernel: one run record and one step ledger under every chat turn, delegation and job",
    path: ["^convex/runs/"],
    pathNot: ["^convex/runs/(validators|status|records)\\.ts$"],
  },
  {
    name: "runtime",
    why: "runs: chat turns, delegations, shared conversations, jobs, external HTTP tool calls, and the one cancel / resume / restart of any run (control/)",
    path: ["^convex/(chat|conversations|control)/", "^convex/jobs/", "^convex/tools/http/"],
    pathNot: ["^convex/jobs/(tool|types)\\.ts$", "^convex/tools/http/settings\\.ts$"],
  },
];

const SURFACES = {
  name: "surfaces",
  why: "what the outside calls: http.ts, crons.ts, schema.ts, httpApi, inspector, admin, channels, clerk, feedback, ops routes and CLI, the audit log's readers; and what an account's lifecycle sets off (accountLifecycle/)",
  path: ["^convex/"],
  pathNot: [...LAYERS.flatMap((layer) => layer.path), "^convex/_generated/"],
};

/** One rule per (lower, higher) pair, so each violation names both layers. */
function layerRules() {
  const all = [...LAYERS, SURFACES];
  const rules = [];
  for (const [i, lower] of all.entries()) {
    for (const higher of all.slice(i + 1)) {
      rules.push({
        name: `layer-${lower.name}-not-${higher.name}`,
        comment: `${lower.name} (${lower.why}) must not import ${higher.name} (${higher.why}). Move the shared piece down, or let the higher layer call the lower.`,
        severity: "error",
        from: { path: lower.path, pathNot: [...(lower.pathNot ?? []), TESTS] },
        to: { path: higher.path, pathNot: [...(higher.pathNot ?? []), TESTS] },
      });
    }
  }
  return rules;
}

/** @type {import("dependency-cruiser").IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: "no-circular",
      comment: "No import circles in the SPA: shared types and helpers go in a module both sides import (e.g. web/src/agents/types.ts).",
      severity: "error",
      from: { path: "^web/src/" },
      to: { circular: true },
    },
    {
      name: "no-circular-convex",
      comment: "No import circles in convex/: a piece both sides need goes in a leaf module both import (e.g. tools/types.ts, ops/paused.ts, chat/turnWorkflow.ts). Test modules are exempt: one may register itself with convex-test (knowledge/probe.testing.ts).",
      severity: "error",
      from: { path: "^convex/", pathNot: TESTS },
      to: { circular: true },
    },
    {
      name: "tools-contributed-not-registry",
      comment: "A domain's tools import only the leaf tools/types.ts; the registry (tools/registry.ts) imports them, never the other way round.",
      severity: "error",
      from: { path: ["^convex/(knowledge|tasks)/tools\\.ts$", "^convex/jobs/tool\\.ts$", "^convex/tools/(builtins|web)/"] },
      to: { path: "^convex/tools/registry\\.ts$" },
    },
    ...layerRules(),
  ],
  options: {
    tsConfig: { fileName: "tsconfig.json" },
    tsPreCompilationDeps: true,
    doNotFollow: { path: "node_modules" },
    exclude: { path: ["(^|/)node_modules/", "^convex/_generated/"] },
  },
};
