/// <reference types="vite/client" />
/**
 * The test harness: a convex-test instance with every mounted component
 * registered the way `convex/convex.config.ts` mounts it, the real transaction
 * limits on, and identity helpers for each kind of caller.
 */
import agentTest from "@convex-dev/agent/test";
import ragTest from "@convex-dev/rag/test";
import workflowTest from "@convex-dev/workflow/test";
import workpoolTest from "@convex-dev/workpool/test";
import migrationsTest from "@convex-dev/migrations/test";
import { convexTest } from "convex-test";
import { api } from "./_generated/api";
import type { Id } from "./_generated/dataModel";
import budgetTest from "../components/budget/src/test";
import schema from "./schema";
import type { Role } from "./lib/validators";

// Entry points only: files with more than one dot (tests, `*.d.ts`, `*.config.ts`) are not modules.
export const modules = import.meta.glob(["./**/*.ts", "./_generated/*.js", "!./**/*.*.ts"]);

/**
 * A fresh engine. `extraModules` adds modules that exist only in this
 * instance (benchmarks' baselines), keyed like `./bench/bare.ts`.
 */
export function newHarness(extraModules: Record<string, () => Promise<unknown>> = {}) {
  const t = convexTest({ schema, modules: { ...modules, ...extraModules }, transactionLimits: true });
  agentTest.register(t, "agent");
  workflowTest.register(t, "workflow");
  workpoolTest.register(t, "toolPool");
  workpoolTest.register(t, "webhookPool");
  ragTest.register(t, "rag");
  budgetTest.register(t, "budget");
  migrationsTest.register(t, "migrations");
  return t;
}
export type Harness = ReturnType<typeof newHarness>;

let nextUser = 0;

/** A signed-in user with a personal account (no organisation claims). */
export async function asUser(t: Harness, name = `User ${++nextUser}`) {
  const subject = `user_${name.replace(/\W+/g, "_").toLowerCase()}_${nextUser}`;
  const client = t.withIdentity({ subject, tokenIdentifier: `https://clerk.test|${subject}`, name, email: `${subject}@example.test` });
  const viewer = await client.mutation(api.tenancy.viewer.sync, {});
  return { client, viewer, userId: viewer.userId, accountId: viewer.activeAccountId! };
}

/** A member of the organisation `orgId` with `role`, as Clerk's org claims describe them. */
export async function asMember(t: Harness, orgId: string, role: Role, name = `Member ${++nextUser}`) {
  const subject = `member_${name.replace(/\W+/g, "_").toLowerCase()}_${nextUser}`;
  const client = t.withIdentity({
    subject,
    tokenIdentifier: `https://clerk.test|${subject}`,
    name,
    email: `${subject}@example.test`,
    org_id: orgId,
    org_role: `org:${role}`,
    org_slug: orgId.replace(/^org_/, ""),
  });
  const viewer = await client.mutation(api.tenancy.viewer.sync, {});
  return { client, viewer, userId: viewer.userId, accountId: viewer.activeAccountId as Id<"accounts"> };
}

/** A platform admin (flag set directly, as the service bootstrap would). */
export async function asAdmin(t: Harness, name = `Admin ${++nextUser}`) {
  const user = await asUser(t, name);
  await t.run(async (ctx) => ctx.db.patch("userProfiles", user.userId, { isPlatformAdmin: true }));
  return user;
}

/** Run `fn` and return the `ConvexError` code it throws (or "no error"). */
/** A refusal's code, field and message (ConvexError data); `{ code: "no error" }` when the call succeeded. Other errors are rethrown. */
export async function refusal(promise: Promise<unknown>): Promise<{ code: string; field?: string; message?: string }> {
  try {
    await promise;
  } catch (error) {
    const data = (error as { data?: { code: string; field?: string; message: string } }).data;
    if (data === undefined) throw error;
    return { code: data.code, field: data.field, message: data.message };
  }
  return { code: "no error" };
}

export async function codeOf(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
    return "no error";
  } catch (error) {
    const data = (error as { data?: unknown }).data;
    if (typeof data === "object" && data !== null && "code" in data) return String((data as { code: unknown }).code);
    return `uncoded: ${(error as Error).message}`;
  }
}
