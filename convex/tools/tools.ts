/**
 * The tool registry as an account sees it: platform built-ins, its agent
 * tools (one per agent that can be delegated to, made by composition) and
 * external HTTP tools it registered by manifest. Everyone in the account can
 * read it; admins register, disable and enable tools. Built-ins belong to
 * the platform and cannot be changed from an account.
 */
import { v } from "convex/values";
import { internalMutation, type MutationCtx } from "../_generated/server";
import { auditChange, spaActor, type ChangeActor } from "../audit/changes";
import { fail } from "../lib/errors";
import { accountMutation, accountQuery } from "../lib/functions";
import type { Id } from "../_generated/dataModel";
import {
  findAccountTool,
  infoOf,
  listAccountTools,
  MAX_ACCOUNT_TOOLS,
  publicTool,
  upsertBuiltinTools,
  vPublicTool,
} from "./catalogue";
import { parseHttpToolManifest } from "./httpManifest";
import { vToolKind } from "./validators";

/** Every tool the account can assign, built-ins first. */
export const list = accountQuery({
  args: { kind: v.optional(vToolKind), includeDisabled: v.optional(v.boolean()) },
  returns: v.array(vPublicTool),
  handler: async (ctx, { accountId, kind, includeDisabled }) => {
    const tools = await listAccountTools(ctx, accountId);
    return tools
      .filter((t) => (kind === undefined || t.kind === kind) && (includeDisabled === true || t.status === "active"))
      .map(publicTool);
  },
});

export const get = accountQuery({
  args: { slug: v.string() },
  returns: vPublicTool,
  handler: async (ctx, { accountId, slug }) => {
    const tool = await findAccountTool(ctx, accountId, slug);
    if (tool === null) fail("not_found", `No tool "${slug}" in this account.`);
    return publicTool(tool);
  },
});

/**
 * Register an external HTTP tool from its manifest (JSON text or object; see
 * httpManifest.ts). Calls to it are executed by convex/tools/http.
 */
export const register = accountMutation({
  minRole: "admin",
  // A manifest is free-form JSON, validated field by field (text keeps "$" keys out of argument validation).
  args: { manifest: v.any() },
  returns: vPublicTool,
  handler: async (ctx, { accountId, manifest }) => {
    const tool = await registerHttpTool(ctx, accountId, manifest);
    await auditChange(ctx, spaActor(ctx), { accountId, action: "tool.register", targetKind: "tool", targetId: tool.toolId ?? tool.slug, before: null, after: tool });
    return tool;
  },
});

/** `register`'s logic, shared with the HTTP API (`POST /v1/capabilities`). */
export async function registerHttpTool(ctx: MutationCtx, accountId: Id<"accounts">, manifest: unknown) {
  const parsed = parseHttpToolManifest(manifest);
  if (await findAccountTool(ctx, accountId, parsed.slug)) fail("conflict", `A tool with the slug "${parsed.slug}" already exists.`, { field: "slug" });
  const count = await ctx.db
    .query("tools")
    .withIndex("by_accountId_slug", (q) => q.eq("accountId", accountId))
    .take(MAX_ACCOUNT_TOOLS);
  if (count.length >= MAX_ACCOUNT_TOOLS) fail("conflict", `An account can have at most ${MAX_ACCOUNT_TOOLS} tools.`);
  const toolId = await ctx.db.insert("tools", {
    accountId,
    slug: parsed.slug,
    kind: "http",
    name: parsed.name,
    description: parsed.description,
    parameters: parsed.parameters,
    trustLevel: parsed.trustLevel,
    status: "active",
    http: parsed.http,
    updatedAt: Date.now(),
  });
  return publicTool(infoOf((await ctx.db.get("tools", toolId))!));
}

async function setStatus(ctx: MutationCtx, actor: ChangeActor, accountId: Id<"accounts">, slug: string, status: "active" | "disabled") {
  const tool = await ctx.db
    .query("tools")
    .withIndex("by_accountId_slug", (q) => q.eq("accountId", accountId).eq("slug", slug))
    .unique();
  if (tool === null) {
    if (await findAccountTool(ctx, accountId, slug)) fail("forbidden", `${slug} is a platform built-in; accounts cannot change it.`);
    fail("not_found", `No tool "${slug}" in this account.`);
  }
  if (status === "active" && tool.kind === "agent" && tool.agentId) {
    const agent = await ctx.db.get("agents", tool.agentId);
    if (agent === null || agent.status === "archived") fail("conflict", `${slug} delegates to an archived agent.`);
  }
  if (tool.status !== status) await ctx.db.patch("tools", tool._id, { status, updatedAt: Date.now() });
  const after = (await ctx.db.get("tools", tool._id))!;
  const action = status === "active" ? "tool.enable" : "tool.disable";
  await auditChange(ctx, actor, { accountId, action, targetKind: "tool", targetId: tool._id, before: tool, after });
  return publicTool(infoOf(after));
}

/** Disable an account tool: agents keep their assignments but cannot call it until it is enabled again. */
export const disable = accountMutation({
  minRole: "admin",
  args: { slug: v.string() },
  returns: vPublicTool,
  handler: async (ctx, { accountId, slug }) => await setStatus(ctx, spaActor(ctx), accountId, slug, "disabled"),
});

export const enable = accountMutation({
  minRole: "admin",
  args: { slug: v.string() },
  returns: vPublicTool,
  handler: async (ctx, { accountId, slug }) => await setStatus(ctx, spaActor(ctx), accountId, slug, "active"),
});

/** Mirror the code's built-in tools into the table. Idempotent; run on deploy (and by account provisioning). */
export const seedBuiltins = internalMutation({
  args: {},
  returns: v.object({ inserted: v.number(), updated: v.number(), unchanged: v.number() }),
  handler: async (ctx) => await upsertBuiltinTools(ctx),
});
