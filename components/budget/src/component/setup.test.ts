/// <reference types="vite/client" />
/**
 * The component alone in convex-test: its tables at the root, its children
 * mounted as `rateLimiter`, the real transaction limits on.
 */
import rateLimiterTest from "@convex-dev/rate-limiter/test";
import { convexTest } from "convex-test";
import { expect, test } from "vitest";
import schema from "./schema";

export const modules = import.meta.glob(["./**/*.ts", "!./**/*.*.ts"]);

export function initConvexTest() {
  const t = convexTest({ schema, modules, transactionLimits: true });
  rateLimiterTest.register(t, "rateLimiter");
  return t;
}
export type Tester = ReturnType<typeof initConvexTest>;

test("setup", () => {
  expect(Object.keys(modules)).toContain("./ledger.ts");
});
