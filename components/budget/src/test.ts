/// <reference types="vite/client" />
/**
 * Register the budget component (and its rate-limiter child) with a
 * convex-test instance:
 *
 * ```ts
 * import budgetTest from "../components/budget/src/test";
 * const t = convexTest({ schema, modules });
 * budgetTest.register(t, "budget");
 * ```
 */
import rateLimiterTest from "@convex-dev/rate-limiter/test";
import type { TestConvex } from "convex-test";
import type { GenericSchema, SchemaDefinition } from "convex/server";
import schema from "./component/schema";

/** The component's modules: single-dot files only (tests and convex.config.ts are not modules). */
export const modules = import.meta.glob(["./component/**/*.ts", "!./component/**/*.*.ts"]);

/**
 * @param t - The test convex instance, e.g. from calling `convexTest`.
 * @param name - The name the app mounts the component under in convex.config.ts.
 */
export function register(t: TestConvex<SchemaDefinition<GenericSchema, boolean>>, name: string = "budget") {
  t.registerComponent(name, schema, modules);
  rateLimiterTest.register(t, `${name}/rateLimiter`);
}

export { schema };
export default { register, schema, modules };
