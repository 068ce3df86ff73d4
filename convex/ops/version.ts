/**
 * The harness version `GET /health` and `/metrics` report: package.json's
 * `version`, written here because Convex's deploy-time typecheck
 * (convex/tsconfig.json) does not import JSON. `ops/version.test.ts` fails
 * when the two differ, so a release bumps both.
 */
export const HARNESS_VERSION = "0.1.0";
