/**
 * Background jobs as support staff see them: every job of the account, newest
 * first, filtered by state, agent or user — one index range per page. (Jobs
 * live in their own table; `listRuns` covers turns and delegations, this
 * covers jobs; a job's timeline is `jobs/jobs:get`, open to account admins.)
 */
import { paginationOptsValidator, paginationResultValidator } from "convex/server";
import { v } from "convex/values";
import { jobView, vJobView } from "../jobs/jobs";
import { vJobState } from "../jobs/validators";
import { fail } from "../lib/errors";
import { inspectorQuery } from "./staff";

const MAX_PAGE = 100;

export const listJobs = inspectorQuery({
  args: {
    paginationOpts: paginationOptsValidator,
    state: v.optional(vJobState),
    agentId: v.optional(v.id("agents")),
    userId: v.optional(v.id("userProfiles")),
  },
  returns: paginationResultValidator(vJobView),
  handler: async (ctx, { accountId, paginationOpts, state, agentId, userId }) => {
    const given = [state, agentId, userId].filter((f) => f !== undefined).length;
    if (given > 1) fail("bad_request", "Filter jobs by one of state, agent or user at a time.");
    const opts = { ...paginationOpts, numItems: Math.min(Math.max(paginationOpts.numItems, 1), MAX_PAGE) };
    const jobs = ctx.db.query("jobs");
    const indexed =
      state !== undefined
        ? jobs.withIndex("by_accountId_state_createdAt", (q) => q.eq("accountId", accountId).eq("state", state))
        : agentId !== undefined
          ? jobs.withIndex("by_accountId_agentId_createdAt", (q) => q.eq("accountId", accountId).eq("agentId", agentId))
          : userId !== undefined
            ? jobs.withIndex("by_accountId_userId_createdAt", (q) => q.eq("accountId", accountId).eq("userId", userId))
            : jobs.withIndex("by_accountId_createdAt", (q) => q.eq("accountId", accountId));
    const result = await indexed.order("desc").paginate(opts);
    return { page: result.page.map(jobView), isDone: result.isDone, continueCursor: result.continueCursor };
  },
});
