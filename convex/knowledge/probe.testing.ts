/**
 * Test-only module (two dots: never deployed, not in `api`): actions that
 * call the knowledge helpers the way the turn runtime does, so tests can
 * drive them through convex-test. Register with
 * `newHarness({ "./knowledgeProbe.ts": () => import("./probe.testing") })`.
 */
import type { NamespaceId } from "@convex-dev/rag";
import { makeFunctionReference } from "convex/server";
import { v } from "convex/values";
import type { Id } from "../_generated/dataModel";
import { internalAction } from "../_generated/server";
import { storeFact, type StoreFactArgs } from "./facts";
import { accountEmbeddingModel, knowledgeRag } from "./rag";
import { namespaceFor, scopeKey, type KnowledgeScope } from "./scopes";
import { retrieveContext, searchKnowledge, type SearchKnowledgeArgs } from "./retrieval";
import { KNOWLEDGE_TOOLS } from "./tools";
import { resolveEmbeddingModel } from "../models/embeddings";

export const probeModules = { "./knowledgeProbe.ts": () => import("./probe.testing") };

export const probe = {
  storeFact: makeFunctionReference<"action", StoreFactArgs, Awaited<ReturnType<typeof storeFact>>>("knowledgeProbe:storeFactAction"),
  search: makeFunctionReference<"action", SearchKnowledgeArgs, Awaited<ReturnType<typeof searchKnowledge>>>("knowledgeProbe:searchAction"),
  retrieve: makeFunctionReference<"action", Parameters<typeof retrieveContext>[1], Awaited<ReturnType<typeof retrieveContext>>>(
    "knowledgeProbe:retrieveAction",
  ),
  tool: makeFunctionReference<
    "action",
    { slug: string; accountId: Id<"accounts">; userId: Id<"userProfiles">; agentId: Id<"agents">; args: Record<string, unknown> },
    { ok: true; result: unknown } | { ok: false; inputError: boolean; message: string }
  >("knowledgeProbe:toolAction"),
  entryCount: makeFunctionReference<"action", { scope: KnowledgeScope }, number>("knowledgeProbe:entryCountAction"),
};

export const storeFactAction = internalAction({
  args: v.any(),
  returns: v.any(),
  handler: async (ctx, args: StoreFactArgs) => await storeFact(ctx, args),
});

export const searchAction = internalAction({
  args: v.any(),
  returns: v.any(),
  handler: async (ctx, args: SearchKnowledgeArgs) => await searchKnowledge(ctx, args),
});

export const retrieveAction = internalAction({
  args: v.any(),
  returns: v.any(),
  handler: async (ctx, args: Parameters<typeof retrieveContext>[1]) => await retrieveContext(ctx, args),
});

export const toolAction = internalAction({
  args: v.any(),
  returns: v.any(),
  handler: async (
    ctx,
    args: { slug: string; accountId: Id<"accounts">; userId: Id<"userProfiles">; agentId: Id<"agents">; args: Record<string, unknown> },
  ) => {
    const tool = KNOWLEDGE_TOOLS.find((candidate) => candidate.slug === args.slug)!;
    try {
      const run = {
        ctx,
        accountId: args.accountId,
        userId: args.userId,
        agentId: args.agentId,
        interactionId: "test-interaction" as Id<"interactions">,
        idempotencyKey: "test-key",
      };
      return { ok: true, result: await tool.execute(run, args.args) };
    } catch (error) {
      return { ok: false, inputError: (error as Error).constructor.name === "ToolInputError", message: (error as Error).message };
    }
  },
});

/** Entries (any status) in a scope's namespace under its current embedding model (the account's; the deployment's for platform). */
export const entryCountAction = internalAction({
  args: v.any(),
  returns: v.number(),
  handler: async (ctx, { scope }: { scope: KnowledgeScope }) => {
    const model = scope.kind === "platform" ? resolveEmbeddingModel() : await accountEmbeddingModel(ctx, scope.accountId);
    const rag = knowledgeRag(model);
    const namespace = await rag.getNamespace(ctx, { namespace: namespaceFor(scopeKey(scope), model.modelId) });
    if (namespace === null) return 0;
    let count = 0;
    for (const status of ["pending", "ready", "replaced"] as const) {
      const page = await rag.list(ctx, { namespaceId: namespace.namespaceId as NamespaceId, status, limit: 1000 });
      count += page.page.length;
    }
    return count;
  },
});
