/**
 * Import rules checked by `npm run lint` (dependency-cruiser). One rule per
 * boundary, each with the folder it guards in `from.path`; rules for convex/
 * (layers) go beside these.
 *
 * Type-only imports count (tsPreCompilationDeps): a circle through a type is
 * still a circle for whoever reads the code, and the next change may make it
 * a value.
 */
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
  ],
  options: {
    tsConfig: { fileName: "tsconfig.json" },
    tsPreCompilationDeps: true,
    doNotFollow: { path: "node_modules" },
    exclude: { path: "(^|/)node_modules/" },
  },
};
