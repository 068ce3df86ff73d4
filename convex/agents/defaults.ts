import type { Id } from "../_generated/dataModel";
import type { MutationCtx } from "../_generated/server";
import { upsertBuiltinTools } from "../tools/catalogue";
import { agentBySlug } from "./builder";
import { DEFAULT_TEMPLATE_SLUG } from "./templateCatalogue";
import { instantiateTemplate } from "./instantiate";

/**
 * Every new account starts with the Assistant template: an Assistant that
 * tells the time (read, runs freely), saves notes (write, asks first) and
 * delegates to a Researcher and a Writer (created with it). Safe to call
 * again: an account that already has an `assistant` agent is left alone.
 * Also refreshes the platform catalogue rows it relies on (built-in tools,
 * templates), writing only what changed.
 */
export async function installDefaultAgents(ctx: MutationCtx, accountId: Id<"accounts">): Promise<void> {
  if (await agentBySlug(ctx, accountId, DEFAULT_TEMPLATE_SLUG)) return;
  const account = await ctx.db.get("accounts", accountId);
  if (account === null) throw new Error(`Account ${accountId} not found`);
  await upsertBuiltinTools(ctx);
  await instantiateTemplate(ctx, account, DEFAULT_TEMPLATE_SLUG);
}
