/**
 * "What the agent knows about me": every fact held about the caller (and,
 * for account admins, the account's and each agent's facts), where each came
 * from (the conversation message it was read from, or added by hand), what
 * changed (superseded, corrected, deleted), with correcting and deleting —
 * both immediate for retrieval and audited (browse.forgetFact) — and the
 * user's locale, which turns' system prompts carry as a directive.
 */
import { v } from "convex/values";
import { internal } from "../_generated/api";
import type { Id } from "../_generated/dataModel";
import { internalQuery, type QueryCtx } from "../_generated/server";
import { fail } from "../lib/errors";
import { accountAction, accountMutation, accountQuery } from "../lib/functions";
import { roleAtLeast } from "../lib/validators";
import { callerOf, readableScope } from "./access";
import { BROWSE_LIMITS, scopeFacts, storeWrittenFact, vFact } from "./browse";
import { parseFact } from "./facts";
import { vScopeArg } from "./validators";

const MAX_HISTORY = 20;
const vHistory = v.object({
  text: v.string(),
  change: v.union(v.literal("superseded"), v.literal("corrected"), v.literal("deleted")),
  replacedBy: v.optional(v.string()),
  messageId: v.optional(v.string()),
  at: v.number(),
});
const vFactGroup = v.object({ scope: vScopeArg, label: v.string(), facts: v.array(vFact), truncated: v.boolean(), history: v.array(vHistory) });

async function historyOf(ctx: QueryCtx, key: string) {
  // Newest changes of the scope, across its facts (the index is scope, fact, time: read the scope's range and sort).
  const rows = await ctx.db
    .query("knowledgeFactHistory")
    .withIndex("by_scopeKey_factKey_at", (q) => q.eq("scopeKey", key))
    .take(200);
  return rows
    .sort((a, b) => b.at - a.at)
    .slice(0, MAX_HISTORY)
    .map((row) => ({
      text: row.text,
      change: row.change,
      ...(row.replacedBy !== undefined ? { replacedBy: row.replacedBy } : {}),
      ...(row.messageId !== undefined ? { messageId: row.messageId } : {}),
      at: row.at,
    }));
}

/** The caller's facts; for admins also the account's and each agent's. */
export const overview = accountQuery({
  args: {},
  returns: v.object({ groups: v.array(vFactGroup), locale: v.union(v.string(), v.null()) }),
  handler: async (ctx, { accountId }) => {
    const caller = callerOf(ctx);
    const scopes: { scope: typeof vScopeArg.type; label: string }[] = [{ scope: { kind: "user" }, label: "About you" }];
    if (roleAtLeast(caller.role, "admin")) {
      scopes.push({ scope: { kind: "account" }, label: `About ${ctx.account.name}` });
      const agents = await ctx.db
        .query("agents")
        .withIndex("by_accountId_slug", (q) => q.eq("accountId", accountId))
        .take(BROWSE_LIMITS.agents);
      for (const agent of agents) if (agent.status !== "archived") scopes.push({ scope: { kind: "agent", agentId: agent._id }, label: `Agent ${agent.name}` });
    }
    const groups = [];
    for (const { scope, label } of scopes) {
      const resolved = await readableScope(ctx, caller, accountId, scope);
      const { facts, truncated } = await scopeFacts(ctx, accountId, resolved);
      const history = await historyOf(ctx, resolved.scopeKey);
      // Agents without facts or history are left out: an admin sees what is known, not a list of empty agents.
      if (scope.kind === "agent" && facts.length === 0 && history.length === 0) continue;
      groups.push({ scope, label, facts, truncated, history });
    }
    return { groups, locale: await localeOfUser(ctx, accountId, caller.userId) };
  },
});

/**
 * Correct a fact (a scope you may write): the old one is forgotten (recorded
 * as corrected, audited) and the corrected text remembered in its place.
 */
export const correctFact = accountAction({
  args: { scope: vScopeArg, entryId: v.string(), text: v.string() },
  returns: v.object({ entryId: v.string(), text: v.string() }),
  handler: async (ctx, { accountId, scope, entryId, text }) => {
    const caller = callerOf(ctx);
    if (parseFact(text).subject === "") fail("bad_request", "A corrected fact cannot be empty.", { field: "text" });
    if (text.length > 1000) fail("bad_request", "A fact is at most 1,000 characters.", { field: "text" });
    await ctx.runMutation(internal.knowledge.browse.forgetForCorrection, { accountId, caller, scope, entryId, correction: text.trim() });
    const stored = await storeWrittenFact(ctx, caller, accountId, scope, text);
    return { entryId: stored.entryId, text: stored.text };
  },
});

// --- the user's locale ----------------------------------------------------------------

/** BCP 47 tags such as `en`, `pt-PT`, `de-CH`, `zh-Hant-TW`. */
const LOCALE = /^[a-z]{2,3}(-[A-Z][a-z]{3})?(-([A-Z]{2}|\d{3}))?$/;

async function localeOfUser(ctx: QueryCtx, accountId: Id<"accounts">, userId: Id<"userProfiles">): Promise<string | null> {
  const row = await ctx.db
    .query("knowledgeUserSettings")
    .withIndex("by_userId_accountId", (q) => q.eq("userId", userId).eq("accountId", accountId))
    .unique();
  return row?.locale ?? null;
}

/** Your locale (e.g. `pt-PT`): agents reply in its language and write dates and numbers its way. `null` clears it. */
export const setLocale = accountMutation({
  minRole: "readonly",
  args: { locale: v.union(v.string(), v.null()) },
  returns: v.null(),
  handler: async (ctx, { accountId, locale }) => {
    const tag = locale?.trim() ?? null;
    if (tag !== null && !LOCALE.test(tag)) fail("bad_request", `“${tag}” is not a locale: use a tag such as en, pt-PT or de-CH.`, { field: "locale" });
    const row = await ctx.db
      .query("knowledgeUserSettings")
      .withIndex("by_userId_accountId", (q) => q.eq("userId", ctx.user._id).eq("accountId", accountId))
      .unique();
    if (row === null) {
      if (tag !== null) await ctx.db.insert("knowledgeUserSettings", { accountId, userId: ctx.user._id, locale: tag });
    } else if (tag === null) await ctx.db.delete("knowledgeUserSettings", row._id);
    else await ctx.db.patch("knowledgeUserSettings", row._id, { locale: tag });
    return null;
  },
});

/** For context assembly (an action): the user's locale, if set. */
export const localeOf = internalQuery({
  args: { accountId: v.id("accounts"), userId: v.id("userProfiles") },
  returns: v.union(v.string(), v.null()),
  handler: async (ctx, { accountId, userId }) => await localeOfUser(ctx, accountId, userId),
});

