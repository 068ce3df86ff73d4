/**
 * MCP tools in a turn: what the model call offers (llm.ts `callContext`),
 * what the tool step checks (toolSteps.ts `prepare`, `beginCall`) and how it
 * runs one (toolSteps.ts `execute`). A tool of kind "mcp" is a `tools` row
 * (`mcp_<server>_<tool>`) pointing at its server and its name there; its
 * assignment caps it like any tool (permission ≥ trust level, approval).
 *
 * A call is one short MCP session from the tool step's action (client.ts):
 *   - a result is the tool's result (structured content, or the text);
 *   - an `isError` result reaches the model as a tool error, not retried;
 *   - a server that cannot be reached (refused, unknown host, timed out, 5xx)
 *     throws, so the step is retried with backoff; when the retries are spent
 *     the model gets the failure in words and the turn goes on;
 *   - once the request may have reached the tool, a tool that is not
 *     idempotent (by its annotations) is not repeated: its unknown outcome is
 *     the model's tool error;
 *   - a refusal (HTTP 4xx, a JSON-RPC error) is a tool error, not retried.
 */
import { v } from "convex/values";
import { internal } from "../_generated/api";
import type { Doc, Id } from "../_generated/dataModel";
import { internalQuery, type ActionCtx, type QueryCtx } from "../_generated/server";
import { delegateMayCall } from "../agents/runtime";
import { env } from "../lib/env";
import type { ToolDefinition } from "../tools/types";
import { ToolInputError } from "../tools/toolInputError";
import { permits, type Permission } from "../tools/validators";
import { callServerTool, McpFailure } from "./client";
import { privateUrlRefusal, requestHeaders, resultText, resultValue } from "./rules";
import { vMcpTarget, type McpTarget } from "./validators";

/** A tool result the server marked `isError`: reported to the model as a tool error, not retried. */
export class McpToolError extends ToolInputError {
  constructor(message: string) {
    super(message);
    this.name = "McpToolError";
  }
}

/** What the turn needs to know of an MCP tool. */
export type McpToolFacts = {
  slug: string;
  description: string;
  trustLevel: Permission;
  parameters: Record<string, unknown>;
  idempotent: boolean;
};

async function mcpRow(ctx: QueryCtx, accountId: Id<"accounts">, slug: string): Promise<Doc<"tools"> | null> {
  const row = await ctx.db
    .query("tools")
    .withIndex("by_accountId_slug", (q) => q.eq("accountId", accountId).eq("slug", slug))
    .unique();
  return row !== null && row.kind === "mcp" && row.mcp !== undefined ? row : null;
}

/**
 * The account's active MCP tool `slug`, or null (no such tool, not kind
 * "mcp", disabled, or its server was removed). `prepare` checks it like a
 * built-in: the assignment's permission against `trustLevel`, the
 * arguments against `parameters`.
 */
export async function mcpToolFor(ctx: QueryCtx, accountId: Id<"accounts">, slug: string): Promise<McpToolFacts | null> {
  const row = await mcpRow(ctx, accountId, slug);
  if (row === null || row.status !== "active") return null;
  const server = await ctx.db.get("mcpServers", row.mcp!.serverId);
  if (server === null || server.accountId !== accountId) return null;
  return {
    slug: row.slug,
    description: row.description,
    trustLevel: row.trustLevel,
    parameters: row.parameters as Record<string, unknown>,
    idempotent: row.mcp!.idempotent,
  };
}

/** The MCP tool an assignment offers the model, or null (not an MCP tool, unusable, or beyond the permission or the delegation's limits). */
export async function mcpOfferedTool(
  ctx: QueryCtx,
  accountId: Id<"accounts">,
  assignment: Pick<Doc<"toolAssignments">, "toolSlug" | "permission">,
  limits: Parameters<typeof delegateMayCall>[0] | undefined,
): Promise<{ slug: string; description: string; parameters: ToolDefinition["parameters"] } | null> {
  const tool = await mcpToolFor(ctx, accountId, assignment.toolSlug);
  if (tool === null || !permits(assignment.permission, tool.trustLevel)) return null;
  if (limits && !delegateMayCall(limits, tool.slug, tool.trustLevel)) return null;
  return { slug: tool.slug, description: tool.description, parameters: tool.parameters };
}

/**
 * Where a call of MCP tool `slug` goes, with the server's secrets: for the
 * tool step's action only. `unavailable`: why it cannot be called now.
 */
export const callTarget = internalQuery({
  args: { accountId: v.id("accounts"), slug: v.string() },
  returns: v.union(
    v.object({ ok: v.literal(true), target: vMcpTarget, toolName: v.string(), idempotent: v.boolean() }),
    v.object({ ok: v.literal(false), unavailable: v.string() }),
  ),
  handler: async (ctx, { accountId, slug }) => {
    const row = await mcpRow(ctx, accountId, slug);
    if (row === null) return { ok: false as const, unavailable: `The tool "${slug}" is not an MCP tool of this account.` };
    if (row.status !== "active") return { ok: false as const, unavailable: `The tool "${slug}" is disabled.` };
    const server = await ctx.db.get("mcpServers", row.mcp!.serverId);
    if (server === null || server.accountId !== accountId) return { ok: false as const, unavailable: `The MCP server of "${slug}" was removed.` };
    // The deployment's rule may have changed since the server was registered.
    const refusal = env.webhookAllowPrivateUrls() ? null : privateUrlRefusal(server.url);
    if (refusal !== null) return { ok: false as const, unavailable: refusal };
    return { ok: true as const, target: await targetOf(ctx, server), toolName: row.mcp!.toolName, idempotent: row.mcp!.idempotent };
  },
});

/** A server with its secrets, as an action reaches it. */
export async function targetOf(ctx: QueryCtx, server: Doc<"mcpServers">): Promise<McpTarget> {
  const secrets = await ctx.db
    .query("mcpServerSecrets")
    .withIndex("by_serverId", (q) => q.eq("serverId", server._id))
    .unique();
  const headers = secrets?.headers ?? [];
  return {
    serverId: server._id,
    name: server.name,
    url: server.url,
    headers: requestHeaders(secrets?.bearerToken, headers),
    timeoutMs: server.timeoutSeconds * 1000,
    secrets: [...(secrets?.bearerToken !== undefined ? [secrets.bearerToken] : []), ...headers.map((h) => h.value)],
  };
}

function log(event: string, fields: Record<string, unknown>) {
  console.log(JSON.stringify({ event, ...fields }));
}

/**
 * The tool step's definition of MCP tool `slug` (toolSteps.ts `execute`):
 * its `execute` calls the server. A tool that is no longer callable (removed,
 * disabled, its server gone or now refused) is a tool error, not retried.
 */
export async function mcpToolDefinition(ctx: ActionCtx, accountId: Id<"accounts">, slug: string): Promise<ToolDefinition> {
  const found: { ok: true; target: McpTarget; toolName: string; idempotent: boolean } | { ok: false; unavailable: string } = await ctx.runQuery(
    internal.mcp.runtime.callTarget,
    { accountId, slug },
  );
  return {
    slug,
    description: "",
    trustLevel: "write",
    parameters: { type: "object" },
    idempotent: found.ok && found.idempotent,
    execute: async (run, args) => {
      if (!found.ok) throw new ToolInputError(found.unavailable);
      const started = Date.now();
      const where = { interactionId: run.interactionId, server: found.target.serverId, tool: found.toolName };
      try {
        const result = await callServerTool(found.target, found.toolName, args, run.idempotencyKey);
        log("mcp_tool_call", { ...where, ok: !result.isError, isError: result.isError, latencyMs: Date.now() - started });
        if (result.isError) throw new McpToolError(resultText(result.content) || `${found.toolName} reported an error without a message.`);
        return resultValue(result);
      } catch (error) {
        if (!(error instanceof McpFailure)) throw error;
        log("mcp_tool_call", { ...where, ok: false, phase: error.phase, kind: error.kind, error: error.message, latencyMs: Date.now() - started });
        if (error.kind === "refused") throw new ToolInputError(error.message);
        if (error.phase === "request" && !found.idempotent) {
          // The request may have reached the tool: repeating a non-idempotent call could do its effect twice.
          throw new ToolInputError(`${error.message} The outcome of this call is unknown, so it was not repeated.`);
        }
        throw new Error(error.message); // unreachable: the step is retried, then the model is told
      }
    },
  };
}
