/**
 * A1: every public query, mutation and action refuses a caller with no
 * identity. Walks every module of the app (the same set `api` is generated
 * from), so a new public function without an auth builder fails this test.
 * Keep it for the life of the project.
 */
import type { WorkflowId } from "@convex-dev/workflow";
import { makeFunctionReference } from "convex/server";
import { expect, test } from "vitest";
import { codeOf, modules, newHarness, type Harness } from "./test.setup";

/** Public functions that may be called anonymously, with the reason. */
const EXEMPT: Record<string, string> = {};

type ValidatorJson = {
  type: string;
  value?: unknown;
  tableName?: string;
  fieldType?: ValidatorJson;
  keys?: ValidatorJson;
  values?: { fieldType: ValidatorJson };
};

/** A value that passes `validator`, so the call reaches the auth check. */
async function sample(t: Harness, validator: ValidatorJson): Promise<unknown> {
  switch (validator.type) {
    case "string":
      return "x";
    case "number":
      return 1;
    case "bigint":
      return 1n;
    case "boolean":
      return false;
    case "null":
      return null;
    case "any":
      return null;
    case "bytes":
      return new ArrayBuffer(1);
    case "literal":
      return validator.value;
    case "id":
      return await idFor(t, validator.tableName!);
    case "array":
      return [];
    case "record":
      return {};
    case "union":
      return await sample(t, (validator.value as ValidatorJson[])[0]!);
    case "object": {
      const fields = validator.value as Record<string, { fieldType: ValidatorJson; optional: boolean }>;
      const out: Record<string, unknown> = {};
      for (const [key, field] of Object.entries(fields)) {
        if (!field.optional) out[key] = await sample(t, field.fieldType);
      }
      return out;
    }
    default:
      throw new Error(`No sample for validator type ${validator.type}`);
  }
}

/** Make a real document id for `table` (ids must name an existing table). */
async function idFor(t: Harness, table: string): Promise<string> {
  return await t.run(async (ctx) => {
    const accountId = await ctx.db.insert("accounts", { name: "f", slug: "f", kind: "organization", status: "active", maxDelegationDepth: 3 });
    const userId = await ctx.db.insert("userProfiles", { tokenIdentifier: "f|f", subject: "f", isPlatformAdmin: false, status: "active" });
    const agent = () =>
      ctx.db.insert("agents", { accountId, name: "A", slug: "a", description: "", instructions: "", status: "active", version: 1 });
    const thread = async () =>
      ctx.db.insert("threads", { accountId, userId, agentId: await agent(), agentThreadId: "x", title: "t", status: "active", lastMessageAt: 0 });
    const interaction = async () => {
      const threadId = await thread();
      const threadDoc = (await ctx.db.get("threads", threadId))!;
      return ctx.db.insert("interactions", {
        kind: "turn", accountId, userId, agentId: threadDoc.agentId, agentVersion: 1, threadId, promptMessageId: "m", promptText: "p",
        promptOrder: 0, status: "queued", modelId: "offline", modelLabel: "Offline", createdAt: 0, tokensIn: 0, tokensOut: 0,
        costMicroUsd: 0, llmCalls: 0, stepCount: 0, generation: 0, depth: 0, lineage: [threadDoc.agentId], treeCostMicroUsd: 0,
      });
    };
    const fixtures: Record<string, () => Promise<string>> = {
      accounts: async () => accountId,
      userProfiles: async () => userId,
      agents: agent,
      threads: thread,
      interactions: interaction,
      approvals: async () => {
        const interactionId = await interaction();
        const i = (await ctx.db.get("interactions", interactionId))!;
        return ctx.db.insert("approvals", {
          accountId, threadId: i.threadId!, userId, interactionId, workflowId: "w" as WorkflowId, toolCallId: "c", toolSlug: "save_note", args: "{}", status: "pending",
        });
      },
      jobs: async () =>
        ctx.db.insert("jobs", {
          accountId, userId, type: "summarize", state: "pending", source: "api", createdAt: 0, runAt: 0, attempts: 0, timeoutMs: 60_000,
          hasUsefulOutput: false, generation: 0, stepCount: 0, stepsDone: 0,
        }),
      tasks: async () =>
        ctx.db.insert("tasks", { accountId, title: "t", description: "", status: "todo", order: 1, createdBy: { kind: "user", userId }, updatedAt: 0 }),
      _storage: async () => ctx.storage.store(new Blob(["x"], { type: "text/plain" })),
      teams: async () => ctx.db.insert("teams", { accountId, name: "T", status: "active", createdBy: userId }),
      knowledgeDocuments: async () =>
        ctx.db.insert("knowledgeDocuments", {
          accountId, scope: "account", scopeKey: `account:${accountId}`, title: "d", format: "text", source: "text", contentHash: "h",
          bytes: 1, category: "general", locale: "und", status: "ready", modelId: "offline-hash-256", createdBy: userId, updatedAt: 0,
        }),
    };
    const make = fixtures[table];
    if (!make) throw new Error(`security.test.ts: add a fixture for table ${table}`);
    return await make();
  });
}

type Registered = {
  isQuery?: boolean;
  isMutation?: boolean;
  isAction?: boolean;
  isPublic?: boolean;
  exportArgs?: () => string;
};

async function publicFunctions() {
  const found: { path: string; kind: "query" | "mutation" | "action"; fn: Registered }[] = [];
  for (const [file, load] of Object.entries(modules)) {
    if (file.startsWith("./_generated/") || file === "./schema.ts" || file.endsWith(".config.ts")) continue;
    const mod = (await load()) as Record<string, Registered>;
    const modulePath = file.replace(/^\.\//, "").replace(/\.ts$/, "");
    for (const [name, fn] of Object.entries(mod)) {
      if (typeof fn !== "function" && typeof fn !== "object") continue;
      if (!fn?.isPublic) continue;
      const kind = fn.isQuery ? "query" : fn.isMutation ? "mutation" : fn.isAction ? "action" : null;
      if (kind) found.push({ path: `${modulePath}:${name}`, kind, fn });
    }
  }
  return found;
}

test("every public function refuses an anonymous caller with `unauthenticated`", async () => {
  const functions = await publicFunctions();
  expect(functions.length).toBeGreaterThan(5);
  const failures: string[] = [];
  for (const { path, kind, fn } of functions) {
    if (EXEMPT[path]) continue;
    const t = newHarness();
    const args = (await sample(t, JSON.parse(fn.exportArgs!()) as ValidatorJson)) as Record<string, unknown>;
    const call =
      kind === "query"
        ? t.query(makeFunctionReference<"query">(path), args)
        : kind === "mutation"
          ? t.mutation(makeFunctionReference<"mutation">(path), args)
          : t.action(makeFunctionReference<"action">(path), args);
    const code = await codeOf(call);
    if (code !== "unauthenticated") failures.push(`${path} (${kind}) → ${code}`);
  }
  expect(failures).toEqual([]);
});

test("service functions fail closed: wrong secret, and no secret configured", async () => {
  const t = newHarness();
  const { api } = await import("./_generated/api");
  const args = { tokenIdentifier: "x", isPlatformAdmin: true };
  // Unset: refused even with an empty or guessed secret.
  delete process.env.HARNESS_SERVICE_SECRET;
  expect(await codeOf(t.mutation(api.admin.platform.setPlatformAdmin, { ...args, serviceSecret: "" }))).toBe("unauthenticated");
  expect(await codeOf(t.mutation(api.admin.platform.setPlatformAdmin, { ...args, serviceSecret: "guess" }))).toBe("unauthenticated");
  process.env.HARNESS_SERVICE_SECRET = "s3cret-value";
  try {
    expect(await codeOf(t.mutation(api.admin.platform.setPlatformAdmin, { ...args, serviceSecret: "s3cret-valuf" }))).toBe(
      "unauthenticated",
    );
    // The right secret gets through to the handler (which then finds no such user).
    expect(await codeOf(t.mutation(api.admin.platform.setPlatformAdmin, { ...args, serviceSecret: "s3cret-value" }))).toBe(
      "not_found",
    );
  } finally {
    delete process.env.HARNESS_SERVICE_SECRET;
  }
});
