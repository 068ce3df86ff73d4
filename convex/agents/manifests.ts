/**
 * Export an agent as a JSON manifest (any member), import one as a new agent
 * (admins). Import checks everything before writing: a bad field is
 * `bad_request` naming it, in its message ("tools[2].permission must be read,
 * write or admin") and as its `field` (the path in the manifest), a taken
 * slug is `conflict` (field `slug`), and nothing is written on any error.
 */
import { v } from "convex/values";
import type { Doc, Id } from "../_generated/dataModel";
import { auditChange, spaActor, type ChangeActor } from "../audit/changes";
import type { MutationCtx } from "../_generated/server";
import { accountMutation, accountQuery } from "../lib/functions";
import { connectionNames } from "../models/connectionStore";
import { DELEGATE_PREFIX, findAccountTool, type ToolInfo } from "../tools/catalogue";
import { publicAgent, vPublicAgent } from "./agents";
import {
  agentBySlug,
  assertCanCreate,
  assertPermission,
  assignTool,
  accountModelId,
  composeDelegation,
  insertAgent,
  loadAgent,
  withField,
} from "./builder";
import { MANIFEST_REFUSAL, MANIFEST_VERSION, parseAgentManifest, refuseManifest, vAgentManifest, type AgentManifest, type ParsedManifest } from "./manifestFormat";
import { assignmentsOf, capabilityOf, recordVersion } from "./versions";
import { manifestView } from "./views";

export const exportManifest = accountQuery({
  args: { agentId: v.id("agents") },
  returns: vAgentManifest,
  handler: async (ctx, { accountId, agentId }): Promise<AgentManifest> => {
    const agent = await loadAgent(ctx, accountId, agentId);
    const assignments = await assignmentsOf(ctx, agentId);
    return {
      version: MANIFEST_VERSION,
      kind: "agent",
      name: agent.name,
      slug: agent.slug,
      description: agent.description,
      execution: agent.external
        ? {
            type: "external",
            model: agent.modelId ?? null,
            instructions: agent.instructions,
            endpoint_url: agent.external.endpointUrl,
            ...(agent.external.timeoutSeconds !== undefined ? { timeout_seconds: agent.external.timeoutSeconds } : {}),
          }
        : { model: agent.modelId ?? null, instructions: agent.instructions },
      capability_level: capabilityOf(agent),
      tools: assignments.map((a) => ({
        slug: a.toolSlug,
        permission: a.permission,
        needs_approval: a.needsApproval,
        ...(a.restrictions?.allowedToolSlugs ? { allowed_tools: a.restrictions.allowedToolSlugs } : {}),
      })),
      channels: agent.channels ?? [],
      ...(agent.views !== undefined ? { views: agent.views.map(manifestView) } : {}),
      metadata: {
        ...(agent.accentColor ? { accent_color: agent.accentColor } : {}),
        ...(agent.templateSlug ? { template_slug: agent.templateSlug } : {}),
        agent_version: agent.version,
      },
    };
  },
});

type PlannedTool =
  | { kind: "tool"; index: number; tool: ToolInfo; entry: ParsedManifest["tools"][number] }
  | { kind: "delegation"; index: number; to: Doc<"agents">; entry: ParsedManifest["tools"][number] };

/** Resolve and check every tool entry against the account before anything is written. */
async function planTools(
  ctx: MutationCtx,
  accountId: Doc<"accounts">["_id"],
  manifest: ParsedManifest,
  capabilityHolder: Pick<Doc<"agents">, "name" | "capabilityLevel">,
) {
  const planned: PlannedTool[] = [];
  for (const [index, entry] of manifest.tools.entries()) {
    const at = `tools[${index}]`;
    const permissionChecked = (tool: ToolInfo) =>
      withField(`${at}.permission`, () => assertPermission(capabilityHolder, tool, entry.permission), `${MANIFEST_REFUSAL}: ${at}.permission`);
    const tool = await findAccountTool(ctx, accountId, entry.slug);
    // A delegation to an agent nobody delegates to yet: its agent tool is made on import.
    const target =
      tool?.kind === "agent" && tool.agentId
        ? await ctx.db.get("agents", tool.agentId)
        : tool === null && entry.slug.startsWith(DELEGATE_PREFIX)
          ? await agentBySlug(ctx, accountId, entry.slug.slice(DELEGATE_PREFIX.length))
          : null;
    if (tool === null && target === null) refuseManifest(`${at}.slug: no tool "${entry.slug}" in this account`, `${at}.slug`);
    if (tool !== null && tool.status !== "active") refuseManifest(`${at}.slug: the tool ${entry.slug} is disabled`, `${at}.slug`);
    if (target !== null) {
      if (target.status === "archived") refuseManifest(`${at}.slug: ${entry.slug} delegates to an archived agent`, `${at}.slug`);
      await permissionChecked(agentToolInfo(entry.slug));
      if (entry.allowedTools !== undefined) {
        const has = new Set((await assignmentsOf(ctx, target._id)).map((a) => a.toolSlug));
        entry.allowedTools.forEach((slug, i) => {
          if (!has.has(slug)) refuseManifest(`${at}.allowed_tools[${i}]: ${target.name} has no tool "${slug}"`, `${at}.allowed_tools[${i}]`);
        });
      }
      planned.push({ kind: "delegation", index, to: target, entry });
    } else {
      if (entry.allowedTools !== undefined) refuseManifest(`${at}.allowed_tools applies only to delegations (agent tools)`, `${at}.allowed_tools`);
      await permissionChecked(tool!);
      planned.push({ kind: "tool", index, tool: tool!, entry });
    }
  }
  return planned;
}

/** The trust level every agent tool has (read), for the permission check of an agent tool not made yet. */
function agentToolInfo(slug: string): ToolInfo {
  return { toolId: null, accountId: null, slug, kind: "agent", name: slug, description: "", parameters: {}, trustLevel: "read", status: "active" };
}

export const importManifest = accountMutation({
  minRole: "admin",
  // JSON text or an object, checked field by field (text keeps unusual keys out of argument validation).
  args: { manifest: v.any() },
  returns: vPublicAgent,
  handler: async (ctx, { manifest }) => {
    const imported = await importAgentManifest(ctx, ctx.account, ctx.user._id, manifest);
    await auditImport(ctx, spaActor(ctx), imported.agentId);
    return imported;
  },
});

/** The audit entry of an imported agent (its definition as created). */
export async function auditImport(ctx: MutationCtx, actor: ChangeActor, agentId: Id<"agents">): Promise<void> {
  const agent = (await ctx.db.get("agents", agentId))!;
  await auditChange(ctx, actor, { accountId: agent.accountId, action: "agent.import", targetKind: "agent", targetId: agentId, before: null, after: agent });
}

/** `importManifest`'s logic, shared with the HTTP API (`POST /v1/capabilities`); `userId` is who imports. */
export async function importAgentManifest(
  ctx: MutationCtx,
  account: Doc<"accounts">,
  userId: Doc<"userProfiles">["_id"],
  manifest: unknown,
) {
  const accountId = account._id;
  const parsed = parseAgentManifest(manifest);
  const model = await accountModelId(ctx, accountId, parsed.model, "execution.model", `${MANIFEST_REFUSAL}: execution.model`);
  await assertCanCreate(ctx, accountId, parsed.slug);
  // Every tool is checked (against the manifest's capability level) before anything is written.
  const planned = await planTools(ctx, accountId, parsed, { name: parsed.name, capabilityLevel: parsed.capabilityLevel });

  const agent = await insertAgent(ctx, accountId, {
    name: parsed.name,
    slug: parsed.slug,
    description: parsed.description,
    instructions: parsed.instructions,
    ...(model !== undefined ? { modelId: model } : {}),
    capabilityLevel: parsed.capabilityLevel,
    ...(parsed.accentColor !== undefined ? { accentColor: parsed.accentColor } : {}),
    ...(parsed.external !== undefined ? { external: parsed.external } : {}),
    ...(parsed.views !== undefined ? { views: parsed.views } : {}),
    ...(parsed.channels !== undefined ? { channels: parsed.channels } : {}),
  });
  for (const item of planned) {
    const at = `tools[${item.index}]`;
    const label = `${MANIFEST_REFUSAL}: ${at}`;
    const options = { permission: item.entry.permission, ...(item.entry.needsApproval !== undefined ? { needsApproval: item.entry.needsApproval } : {}) };
    if (item.kind === "tool") {
      await withField(at, () => assignTool(ctx, agent, item.tool, options, userId, false), label);
    } else {
      const allowed = item.entry.allowedTools !== undefined ? { allowedToolSlugs: item.entry.allowedTools } : {};
      await withField(at, () => composeDelegation(ctx, account, agent, item.to, { ...options, ...allowed }, userId, false), label);
    }
  }
  await recordVersion(ctx, agent._id, userId);
  return publicAgent((await ctx.db.get("agents", agent._id))!, await connectionNames(ctx, accountId));
}
