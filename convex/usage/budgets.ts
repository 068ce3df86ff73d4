/**
 * Budgets and usage, as account members see them (the chain a run reserves
 * against: account → team → user → agent; which team: teams/budgets.ts). The ledger itself lives in
 * our `budget` component (components/budget); this module checks who may
 * read or change which scope of which account.
 */
import { v } from "convex/values";
import type { Id } from "../_generated/dataModel";
import type { QueryCtx } from "../_generated/server";
import { lastDays, usdToMicro, microToUsd } from "../../components/budget/src/client";
import { auditChange, spaActor } from "../audit/changes";
import { budget } from "../lib/budget";
import { fail } from "../lib/errors";
import { accountMutation, accountQuery } from "../lib/functions";
import { activeTeamsOf, teamOfAccount } from "../teams/membership";

const vScope = v.union(v.literal("account"), v.literal("team"), v.literal("user"), v.literal("agent"));
const vPeriod = v.union(v.literal("day"), v.literal("month"), v.literal("total"));

/** A team of this account (teams/budgets.ts: the team link of the chain); another account's is `not_found`. */
async function teamIdIn(ctx: QueryCtx, accountId: Id<"accounts">, scopeId: string): Promise<Id<"teams">> {
  const teamId = ctx.db.normalizeId("teams", scopeId);
  if (teamId === null) fail("not_found", "Team not found.");
  await teamOfAccount(ctx, accountId, teamId);
  return teamId;
}

/** The scope's id, after checking it belongs to this account. */
async function scopeIdIn(
  ctx: QueryCtx,
  accountId: Id<"accounts">,
  scope: "account" | "team" | "user" | "agent",
  scopeId: string | undefined,
): Promise<string> {
  if (scope === "account") return accountId;
  if (scopeId === undefined) fail("bad_request", `A ${scope} budget needs a scopeId.`);
  if (scope === "team") return await teamIdIn(ctx, accountId, scopeId);
  if (scope === "agent") {
    const agentId = ctx.db.normalizeId("agents", scopeId);
    const agent = agentId ? await ctx.db.get("agents", agentId) : null;
    if (agent === null || agent.accountId !== accountId) fail("not_found", "Agent not found.");
    return agentId!;
  }
  const userId = ctx.db.normalizeId("userProfiles", scopeId);
  const membership = userId
    ? await ctx.db
        .query("memberships")
        .withIndex("by_accountId_userId", (q) => q.eq("accountId", accountId).eq("userId", userId))
        .unique()
    : null;
  if (membership === null) fail("not_found", "User not found in this account.");
  return userId!;
}

/** A scope's cap for `period` as the audit shows it; null when it has none. */
async function capOf(ctx: QueryCtx, scope: string, scopeId: string, period: string) {
  const status = (await budget.status(ctx, { refs: [{ scope, scopeId }] })).find((s) => s.period === period);
  if (status === undefined) return null;
  return { capUsd: status.capMicroUsd === undefined ? null : microToUsd(status.capMicroUsd), capTokens: status.capTokens ?? null };
}

/** Set the cap of a scope (account admins). Amounts in USD and/or tokens. Audited. */
export const setBudget = accountMutation({
  minRole: "admin",
  args: {
    scope: vScope,
    scopeId: v.optional(v.string()),
    period: vPeriod,
    capUsd: v.optional(v.number()),
    capTokens: v.optional(v.number()),
  },
  returns: v.null(),
  handler: async (ctx, { accountId, scope, scopeId, period, capUsd, capTokens }) => {
    const id = await scopeIdIn(ctx, accountId, scope, scopeId);
    if (capUsd === undefined && capTokens === undefined) fail("bad_request", "Give a cap in USD, in tokens, or both.");
    for (const cap of [capUsd, capTokens]) {
      if (cap !== undefined && (!Number.isFinite(cap) || cap < 0)) fail("bad_request", "A cap must be a number ≥ 0.");
    }
    const before = await capOf(ctx, scope, id, period);
    await budget.setBudget(ctx, {
      scope,
      scopeId: id,
      period,
      ...(capUsd !== undefined ? { capMicroUsd: usdToMicro(capUsd) } : {}),
      ...(capTokens !== undefined ? { capTokens: Math.floor(capTokens) } : {}),
    });
    const after = await capOf(ctx, scope, id, period);
    await auditChange(ctx, spaActor(ctx), { accountId, action: "budget.set", targetKind: "budget", targetId: `${scope}:${id}:${period}`, before, after });
    return null;
  },
});

const vBudgetView = v.object({
  scope: v.string(),
  scopeId: v.string(),
  period: vPeriod,
  periodKey: v.string(),
  capUsd: v.union(v.number(), v.null()),
  capTokens: v.union(v.number(), v.null()),
  spentUsd: v.number(),
  spentTokens: v.number(),
  reservedUsd: v.number(),
  reservedTokens: v.number(),
  remainingUsd: v.union(v.number(), v.null()),
  remainingTokens: v.union(v.number(), v.null()),
});

/** The budgets that apply to the caller in this account: the account's, their own, and the agents'. */
export const status = accountQuery({
  /** `teamIds`: other teams to include besides the caller's own (any of the account's for admins). */
  args: { agentIds: v.optional(v.array(v.id("agents"))), teamIds: v.optional(v.array(v.id("teams"))) },
  returns: v.array(vBudgetView),
  handler: async (ctx, { accountId, agentIds, teamIds }) => {
    if ((agentIds?.length ?? 0) > 20) fail("bad_request", "At most 20 agents at a time.");
    if ((teamIds?.length ?? 0) > 20) fail("bad_request", "At most 20 teams at a time.", { field: "teamIds" });
    const teams = await activeTeamsOf(ctx, accountId, ctx.user._id);
    for (const teamId of teamIds ?? []) {
      await teamOfAccount(ctx, accountId, teamId);
      // Another team's budget is as invisible to a non-admin as another account's.
      if (ctx.membership.role !== "admin" && !teams.includes(teamId)) fail("not_found", "Team not found.");
      if (!teams.includes(teamId)) teams.push(teamId);
    }
    const refs = [
      { scope: "account", scopeId: accountId as string },
      ...teams.map((teamId) => ({ scope: "team", scopeId: teamId as string })),
      { scope: "user", scopeId: ctx.user._id as string },
    ];
    for (const agentId of agentIds ?? []) refs.push({ scope: "agent", scopeId: await scopeIdIn(ctx, accountId, "agent", agentId) });
    const statuses = await budget.status(ctx, { refs });
    return statuses.map((s) => ({
      scope: s.scope,
      scopeId: s.scopeId,
      period: s.period,
      periodKey: s.periodKey,
      capUsd: s.capMicroUsd === undefined ? null : microToUsd(s.capMicroUsd),
      capTokens: s.capTokens ?? null,
      spentUsd: microToUsd(s.committed.microUsd),
      spentTokens: s.committed.tokens,
      reservedUsd: microToUsd(s.reserved.microUsd),
      reservedTokens: s.reserved.tokens,
      remainingUsd: s.remaining.microUsd === undefined ? null : microToUsd(s.remaining.microUsd),
      remainingTokens: s.remaining.tokens ?? null,
    }));
  },
});

/** Tokens, dollars and turns per day for a scope (the account, a team, yourself, or an agent). */
export const daily = accountQuery({
  args: { scope: vScope, scopeId: v.optional(v.string()), days: v.number() },
  /** `estimatedTokens`: the part of `tokens` the harness counted because the provider reported no usage. */
  returns: v.array(v.object({ day: v.string(), tokens: v.number(), estimatedTokens: v.number(), usd: v.number(), turns: v.number() })),
  handler: async (ctx, { accountId, scope, scopeId, days }) => {
    if (!Number.isInteger(days) || days < 1 || days > 62) fail("bad_request", "Ask for 1 to 62 days.");
    const id = scope === "user" && scopeId === undefined ? ctx.user._id : await scopeIdIn(ctx, accountId, scope, scopeId);
    // Members see their own usage; other people's needs the admin role.
    if (scope === "user" && id !== ctx.user._id && ctx.membership.role !== "admin") fail("forbidden", "Only admins see other members' usage.");
    // A team's usage: its members and the account's admins; to anyone else the team does not exist.
    if (scope === "team" && ctx.membership.role !== "admin" && !(await activeTeamsOf(ctx, accountId, ctx.user._id)).includes(id as Id<"teams">)) {
      fail("not_found", "Team not found.");
    }
    const rows = await budget.dailyUsage(ctx, { scope, scopeId: id, days: lastDays(days) });
    return rows.map((r) => ({ day: r.day, tokens: r.tokens, estimatedTokens: r.estimatedTokens, usd: microToUsd(r.microUsd), turns: r.turns }));
  },
});
