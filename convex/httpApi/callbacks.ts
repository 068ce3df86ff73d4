/**
 * `POST /v1/callbacks/{call_id}`: answer a job's wait, once — the jobs
 * domain's own delivery (`deliverCallback`), limited to the key's account
 * (and to jobs of its agent when the key has one). Another account's call id
 * is `not_found`, like an unknown one.
 */
import { v } from "convex/values";
import { internalMutation } from "../_generated/server";
import { deliverCallback } from "../jobs/callbacks";
import { vCallbackStatus } from "../jobs/validators";
import { loadKeyScope } from "./auth";

export const deliver = internalMutation({
  args: { keyId: v.id("apiKeys"), callId: v.string(), result: v.optional(v.string()), error: v.optional(v.string()) },
  returns: v.object({ accepted: v.boolean(), alreadyResolved: v.boolean(), status: vCallbackStatus, jobId: v.id("jobs") }),
  handler: async (ctx, { keyId, callId, result, error }) => {
    const scope = await loadKeyScope(ctx, keyId);
    return await deliverCallback(
      ctx,
      { callId, ...(result !== undefined ? { result } : {}), ...(error !== undefined ? { error } : {}) },
      async (callback) => {
        if (callback.accountId !== scope.accountId) return false;
        if (scope.agentId === undefined) return true;
        const job = await ctx.db.get("jobs", callback.jobId);
        return job !== null && job.agentId === scope.agentId;
      },
    );
  },
});
