/**
 * Knowledge tools the model can call (add them to `BUILTIN_TOOLS`):
 *
 * | tool             | trust | what it does                                              |
 * |------------------|-------|-----------------------------------------------------------|
 * | memory_store     | write | upsert a fact in the user's (default) or the agent's scope |
 * | memory_search    | read  | facts of the user and the agent                            |
 * | knowledge_search | read  | everything the turn may see: platform, account, user, agent |
 *
 * `memory_store` is idempotent: a fact is keyed by scope, subject and
 * predicate, so a retried call (or the same fact twice) is one entry.
 */
import { isHarnessError } from "../lib/errors";
import type { ToolDefinition, ToolRunContext } from "../tools/types";
import { ToolInputError } from "../tools/toolInputError";
import { parseFact, storeFact, type FactScope } from "./facts";
import { searchKnowledge, type SearchKnowledgeArgs } from "./retrieval";

function optionalString(args: Record<string, unknown>, name: string): string | undefined {
  const value = args[name];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== "string") throw new ToolInputError(`“${name}” must be a string.`);
  return value.trim() === "" ? undefined : value;
}

/** Our own refusals (bad_request...) are the model's input errors, not failures to retry. */
async function asToolInput<T>(work: Promise<T>): Promise<T> {
  try {
    return await work;
  } catch (error) {
    if (isHarnessError(error) && error.data.code === "bad_request") throw new ToolInputError(error.data.message);
    throw error;
  }
}

export const memoryStore: ToolDefinition = {
  slug: "memory_store",
  description:
    "Remember a fact for later conversations, e.g. “my favourite colour is green”. Storing the same fact again changes nothing; " +
    "a new value for the same subject and predicate replaces the old one.",
  trustLevel: "write",
  idempotent: true,
  parameters: {
    type: "object",
    properties: {
      value: {
        type: "string",
        description: "The fact as a sentence (“my favourite colour is green”), or just its value when subject and predicate are given",
      },
      subject: { type: "string", description: "What the fact is about, e.g. “my favourite colour”" },
      predicate: { type: "string", description: "How the subject relates to the value, e.g. “is”" },
      category: { type: "string", description: "A label such as preference, contact, project (default general)" },
      confidence: { type: "number", minimum: 0, maximum: 1, description: "How sure you are, 0 to 1 (default 1)" },
      scope: {
        type: "string",
        enum: ["user", "agent"],
        description: "user (default): remembered for this user only; agent: shared by everyone who uses this agent",
      },
    },
    required: ["value"],
    additionalProperties: false,
  },
  execute: async (run: ToolRunContext, args) => {
    const value = optionalString(args, "value");
    if (value === undefined) throw new ToolInputError("“value” is required: the fact to remember.");
    const scopeArg = args.scope ?? "user";
    if (scopeArg !== "user" && scopeArg !== "agent") throw new ToolInputError("“scope” must be user or agent.");
    const confidence = args.confidence;
    if (confidence !== undefined && typeof confidence !== "number") throw new ToolInputError("“confidence” must be a number from 0 to 1.");
    const subject = optionalString(args, "subject");
    const predicate = optionalString(args, "predicate");
    const category = optionalString(args, "category");
    const parts = subject !== undefined ? { subject, predicate: predicate ?? "", value } : parseFact(value);
    const stored = await asToolInput(
      storeFact(run.ctx, {
        accountId: run.accountId,
        userId: run.userId,
        agentId: run.agentId,
        scope: scopeArg satisfies FactScope,
        ...parts,
        ...(category !== undefined ? { category } : {}),
        ...(confidence !== undefined ? { confidence } : {}),
      }),
    );
    return { stored: true, status: stored.status, fact: stored.text, scope: stored.scope, entryId: stored.entryId };
  },
};

const searchParameters: ToolDefinition["parameters"] = {
  type: "object",
  properties: {
    query: { type: "string", description: "What to look for" },
    limit: { type: "integer", minimum: 1, maximum: 10, description: "How many results (default 5)" },
  },
  required: ["query"],
  additionalProperties: false,
};

async function runSearch(run: ToolRunContext, args: Record<string, unknown>, options: Pick<SearchKnowledgeArgs, "scopes" | "source">) {
  const query = optionalString(args, "query");
  if (query === undefined) throw new ToolInputError("“query” is required.");
  const limit = typeof args.limit === "number" && Number.isFinite(args.limit) ? Math.max(1, Math.min(10, Math.floor(args.limit))) : 5;
  const hits = await asToolInput(
    searchKnowledge(run.ctx, { accountId: run.accountId, userId: run.userId, agentId: run.agentId, query, limit, ...options }),
  );
  return {
    query,
    results: hits.map((hit) => ({
      text: hit.text,
      title: hit.title,
      scope: hit.scope,
      source: hit.source,
      score: Math.round(hit.score * 1000) / 1000,
      // Lets the chat link an answer's [n] to the document it came from.
      ...(hit.documentId !== undefined ? { documentId: hit.documentId } : {}),
    })),
  };
}

export const memorySearch: ToolDefinition = {
  slug: "memory_search",
  description: "Search the facts remembered for this user and by this agent.",
  trustLevel: "read",
  idempotent: true,
  parameters: searchParameters,
  execute: async (run, args) => await runSearch(run, args, { scopes: ["user", "agent"], source: "memory" }),
};

export const knowledgeSearch: ToolDefinition = {
  slug: "knowledge_search",
  description: "Search the knowledge base: documents and facts of the platform, this account, this user and this agent.",
  trustLevel: "read",
  idempotent: true,
  parameters: searchParameters,
  execute: async (run, args) => await runSearch(run, args, {}),
};

export const KNOWLEDGE_TOOLS: readonly ToolDefinition[] = [memoryStore, memorySearch, knowledgeSearch];
