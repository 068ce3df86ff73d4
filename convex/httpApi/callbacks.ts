/**
 * `POST /v1/callbacks/{call_id}`: answer a wait, once, limited to the key's
 * account (and to its agent when the key has one). Two kinds of call ids:
 * a job's wait (`call_...`, the jobs domain's `deliverCallback`) and a
 * deferred external tool call (`tool_...`, convex/tools/http). Another
 * account's call id is `not_found`, like an unknown one.
 */
import { v } from "convex/values";
import type { Id } from "../_generated/dataModel";
import { internalMutation } from "../_generated/server";
import { deliverCallback } from "../jobs/callbacks";
import { vCallbackStatus } from "../jobs/validators";
import { fail } from "../lib/errors";
import { deliverToolCallback, toolCallByCallId } from "../tools/http/calls";
import { loadKeyScope } from "./auth";

type Delivered = {
  accepted: boolean;
  alreadyResolved: boolean;
  status: "pending" | "resolved" | "timed_out" | "cancelled";
  jobId?: Id<"jobs">;
  interactionId?: Id<"interactions">;
};

export const deliver = internalMutation({
  args: {
    keyId: v.id("apiKeys"),
    callId: v.string(),
    result: v.optional(v.string()),
    error: v.optional(v.string()),
    /** The result exactly as sent, as JSON text (a string result is kept as it is in `result`). */
    resultJson: v.optional(v.string()),
  },
  returns: v.object({
    accepted: v.boolean(),
    alreadyResolved: v.boolean(),
    status: vCallbackStatus,
    /** A job's wait. */
    jobId: v.optional(v.id("jobs")),
    /** A deferred tool call: the run that waits for it. */
    interactionId: v.optional(v.id("interactions")),
  }),
  handler: async (ctx, { keyId, callId, result, error, resultJson }): Promise<Delivered> => {
    const scope = await loadKeyScope(ctx, keyId);
    const toolCall = await toolCallByCallId(ctx, callId);
    if (toolCall !== null) {
      if (toolCall.accountId !== scope.accountId || (scope.agentId !== undefined && toolCall.agentId !== scope.agentId)) {
        fail("not_found", "No such callback.");
      }
      if ((result === undefined) === (error === undefined)) fail("bad_request", "Send exactly one of result or error.");
      const json = resultJson ?? (result !== undefined ? JSON.stringify(result) : undefined);
      return await deliverToolCallback(ctx, toolCall, { ...(json !== undefined ? { resultJson: json } : {}), ...(error !== undefined ? { error } : {}) });
    }
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
