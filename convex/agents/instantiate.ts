/**
 * Template instantiation, as plain functions taking `ctx` (no function
 * registrations here: account provisioning imports this module, and the
 * function builders import provisioning).
 */
import { pick } from "convex-helpers";
import { v, type Infer } from "convex/values";
import type { Doc, Id } from "../_generated/dataModel";
import type { MutationCtx, QueryCtx } from "../_generated/server";
import { agentTables } from "./schema";
import { fail } from "../lib/errors";
import { sameValue } from "../tools/catalogue";
import { agentBySlug, assignTool, composeDelegation, insertAgent, requireTool, withField } from "./builder";
import { codeTemplate, type AgentTemplate } from "./templateCatalogue";
import { check, slugProblem } from "./validators";
import { recordVersion } from "./versions";

/** A template as stored (agents/schema.ts), without its bookkeeping. */
export const vPublicTemplate = v.object(
  pick(agentTables.agentTemplates.validator.fields, ["slug", "name", "description", "instructions", "capabilityLevel", "accentColor", "tools", "delegations", "views"]),
);
export type PublicTemplate = Infer<typeof vPublicTemplate>;

export function publicTemplate(t: AgentTemplate | Doc<"agentTemplates">): PublicTemplate {
  return {
    slug: t.slug,
    name: t.name,
    description: t.description,
    instructions: t.instructions,
    capabilityLevel: t.capabilityLevel,
    ...(t.accentColor !== undefined ? { accentColor: t.accentColor } : {}),
    tools: t.tools.map((tool) => ({ slug: tool.slug, permission: tool.permission, needsApproval: tool.needsApproval })),
    delegations: t.delegations.map((d) => ({
      templateSlug: d.templateSlug,
      ...(d.allowedToolSlugs !== undefined ? { allowedToolSlugs: d.allowedToolSlugs } : {}),
    })),
    ...(t.views !== undefined ? { views: t.views } : {}),
  };
}

async function templateRow(ctx: QueryCtx, slug: string) {
  return await ctx.db
    .query("agentTemplates")
    .withIndex("by_slug", (q) => q.eq("slug", slug))
    .unique();
}

/** Insert or refresh one template from code. Writes nothing when it is unchanged. */
export async function upsertTemplate(ctx: MutationCtx, template: AgentTemplate): Promise<"inserted" | "updated" | "unchanged"> {
  const wanted = publicTemplate(template);
  const row = await templateRow(ctx, template.slug);
  if (row === null) {
    await ctx.db.insert("agentTemplates", { ...wanted, updatedAt: Date.now() });
    return "inserted";
  }
  if (sameValue(publicTemplate(row), wanted)) return "unchanged";
  await ctx.db.replace("agentTemplates", row._id, { ...wanted, updatedAt: Date.now() });
  return "updated";
}

/** The template `slug`: refreshed from code when code defines it, else the stored one; `not_found` otherwise. */
async function loadTemplate(ctx: MutationCtx, slug: string): Promise<PublicTemplate> {
  const fromCode = codeTemplate(slug);
  if (fromCode) {
    await upsertTemplate(ctx, fromCode);
    return publicTemplate(fromCode);
  }
  const row = await templateRow(ctx, slug);
  if (row === null) fail("not_found", `No template "${slug}".`);
  return publicTemplate(row);
}

type Instantiated = { agent: Doc<"agents">; created: Doc<"agents">[] };

/**
 * The agent a delegation of a template needs: the account's agent with the
 * template's slug made from that template, or a new one.
 */
async function agentForTemplate(
  ctx: MutationCtx,
  account: Doc<"accounts">,
  templateSlug: string,
  editedBy: Id<"userProfiles"> | undefined,
  visiting: Set<string>,
  created: Doc<"agents">[],
): Promise<Doc<"agents">> {
  const existing = await agentBySlug(ctx, account._id, templateSlug);
  if (existing) {
    if (existing.templateSlug !== templateSlug || existing.status === "archived") {
      fail(
        "conflict",
        `This template delegates to a "${templateSlug}" agent, but the slug "${templateSlug}" is taken by ${existing.status === "archived" ? "an archived agent" : `${existing.name}, which was not made from that template`}.`,
      );
    }
    return existing;
  }
  return (await instantiateInto(ctx, account, templateSlug, {}, editedBy, visiting, created)).agent;
}

async function instantiateInto(
  ctx: MutationCtx,
  account: Doc<"accounts">,
  templateSlug: string,
  options: { slug?: string; name?: string },
  editedBy: Id<"userProfiles"> | undefined,
  visiting: Set<string>,
  created: Doc<"agents">[],
): Promise<Instantiated> {
  if (visiting.has(templateSlug)) throw new Error(`Template ${templateSlug} delegates to itself through ${[...visiting].join(", ")}`);
  const template = await loadTemplate(ctx, templateSlug);
  const slug = options.slug ?? template.slug;
  check("slug", slugProblem(slug));
  if (await agentBySlug(ctx, account._id, slug)) {
    fail("conflict", `An agent with the slug "${slug}" already exists in this account; choose another slug.`, { field: "slug" });
  }
  const inner = new Set([...visiting, templateSlug]);
  const delegates: { to: Doc<"agents">; allowedToolSlugs?: string[] }[] = [];
  for (const d of template.delegations) {
    delegates.push({ to: await agentForTemplate(ctx, account, d.templateSlug, editedBy, inner, created), allowedToolSlugs: d.allowedToolSlugs });
  }
  const agent = await insertAgent(ctx, account._id, {
    name: options.name ?? template.name,
    slug,
    description: template.description,
    instructions: template.instructions,
    capabilityLevel: template.capabilityLevel,
    ...(template.accentColor !== undefined ? { accentColor: template.accentColor } : {}),
    templateSlug: template.slug,
    ...(template.views !== undefined ? { views: template.views } : {}),
  });
  for (const [i, t] of template.tools.entries()) {
    const tool = await withField(`tools[${i}]`, () => requireTool(ctx, account._id, t.slug));
    await assignTool(ctx, agent, tool, { permission: t.permission, needsApproval: t.needsApproval }, editedBy, false);
  }
  for (const d of delegates) {
    await composeDelegation(ctx, account, agent, d.to, d.allowedToolSlugs ? { allowedToolSlugs: d.allowedToolSlugs } : {}, editedBy, false);
  }
  await recordVersion(ctx, agent._id, editedBy);
  const fresh = (await ctx.db.get("agents", agent._id))!;
  created.push(fresh);
  return { agent: fresh, created };
}

/**
 * Create an agent from a template, with its tools and delegations. The
 * agents it delegates to are reused when the account already has them
 * (same slug, made from the same template), else created first.
 */
export async function instantiateTemplate(
  ctx: MutationCtx,
  account: Doc<"accounts">,
  templateSlug: string,
  options: { slug?: string; name?: string } = {},
  editedBy?: Id<"userProfiles">,
): Promise<Instantiated> {
  return await instantiateInto(ctx, account, templateSlug, options, editedBy, new Set(), []);
}

