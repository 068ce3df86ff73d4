// Types for the `@convex-dev/*/test` helpers. Those entry points ship as
// TypeScript sources that don't compile under our stricter settings
// (noUncheckedIndexedAccess), so tsconfig `paths` points their types here.
// At run time vitest loads the real modules.
import type { TestConvex } from "convex-test";
import type { GenericSchema, SchemaDefinition } from "convex/server";

export function register(t: TestConvex<SchemaDefinition<GenericSchema, boolean>>, name?: string): void;
declare const helper: { register: typeof register };
export default helper;
