/**
 * The template catalogue: every member can list it; admins instantiate
 * templates into agents. The catalogue is seeded from code
 * (templateCatalogue.ts) by the idempotent `seed`, and each template is
 * refreshed from code when it is instantiated.
 */
import { v } from "convex/values";
import { internalMutation } from "../_generated/server";
import { auditChange, spaActor } from "../audit/changes";
import { accountMutation, accountQuery } from "../lib/functions";
import { instantiateTemplate, publicTemplate, upsertTemplate, vPublicTemplate } from "./instantiate";
import { PLATFORM_TEMPLATES } from "./templateCatalogue";

/** The platform's templates. */
export const list = accountQuery({
  args: {},
  returns: v.array(vPublicTemplate),
  handler: async (ctx) => {
    const rows = await ctx.db.query("agentTemplates").withIndex("by_slug").take(100);
    const templates = rows.map(publicTemplate);
    // Before the seed ran, the code's catalogue is the catalogue.
    for (const t of PLATFORM_TEMPLATES) if (!templates.some((r) => r.slug === t.slug)) templates.push(publicTemplate(t));
    return templates.sort((a, b) => a.slug.localeCompare(b.slug));
  },
});

const vCreatedAgent = v.object({ agentId: v.id("agents"), slug: v.string(), name: v.string() });

/** Create an agent (and the agents it delegates to, when missing) from a template. */
export const instantiate = accountMutation({
  minRole: "admin",
  args: {
    templateSlug: v.string(),
    /** Default: the template's slug. */
    slug: v.optional(v.string()),
    /** Default: the template's name. */
    name: v.optional(v.string()),
  },
  returns: v.object({ agentId: v.id("agents"), created: v.array(vCreatedAgent) }),
  handler: async (ctx, { templateSlug, slug, name }) => {
    const { agent, created } = await instantiateTemplate(
      ctx,
      ctx.account,
      templateSlug,
      { ...(slug !== undefined ? { slug } : {}), ...(name !== undefined ? { name } : {}) },
      ctx.user._id,
    );
    for (const made of created) {
      await auditChange(ctx, spaActor(ctx), { accountId: ctx.account._id, action: "agent.create", targetKind: "agent", targetId: made._id, before: null, after: made, reason: `from the template ${templateSlug}` });
    }
    return { agentId: agent._id, created: created.map((a) => ({ agentId: a._id, slug: a.slug, name: a.name })) };
  },
});

/** Mirror the code's templates into the catalogue (upsert by slug). Idempotent; run on deploy. */
export const seed = internalMutation({
  args: {},
  returns: v.object({ inserted: v.number(), updated: v.number(), unchanged: v.number() }),
  handler: async (ctx) => {
    const counts = { inserted: 0, updated: 0, unchanged: 0 };
    for (const template of PLATFORM_TEMPLATES) counts[await upsertTemplate(ctx, template)]++;
    return counts;
  },
});
