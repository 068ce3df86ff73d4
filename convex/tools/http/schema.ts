import { defineTable } from "convex/server";
import { vEventId, vWorkflowId } from "@convex-dev/workflow";
import { v } from "convex/values";
import { vHttpExecutionMode, vHttpMethod } from "../validators";

export const vHttpCallStatus = v.union(v.literal("sending"), v.literal("awaiting_callback"), v.literal("done"));
export const vHttpCallOutcome = v.union(v.literal("succeeded"), v.literal("failed"), v.literal("timed_out"), v.literal("cancelled"));

/**
 * External HTTP tools at run time. Spread into convex/schema.ts.
 */
export const httpToolTables = {
  /**
   * One call of an external HTTP tool: the request it sends (on `toolPool`),
   * its attempts, and — deferred tools — the callback it waits for. The
   * `toolCalls` row with the same `key` stays the idempotency record; this row
   * says how far the HTTP side got.
   * Written by: `tools/http/calls` (start, attempts, onComplete, callback, deadline).
   * Read by: the send action, `POST /v1/callbacks/{call_id}`, the tools' status list.
   * `by_key` finds a run's call (restarts); `by_callId` serves callbacks;
   * `by_toolId` the newest calls of a tool (its last error).
   */
  httpToolCalls: defineTable({
    /** `toolCalls.key` (`<interaction>:tool#<toolCallId>`), sent as `Idempotency-Key`. */
    key: v.string(),
    /** The public id: `call_id` in the body, `webhook-id`, and the callback's path. */
    callId: v.string(),
    accountId: v.id("accounts"),
    interactionId: v.id("interactions"),
    agentId: v.id("agents"),
    toolId: v.id("tools"),
    toolSlug: v.string(),
    toolCallId: v.string(),
    /** The validated arguments (JSON text). */
    args: v.string(),
    stepId: v.id("steps"),
    workflowId: vWorkflowId,
    /** The workflow event the turn waits on; sent once when the call is done. */
    eventId: vEventId(),
    mode: vHttpExecutionMode,
    method: vHttpMethod,
    url: v.string(),
    status: vHttpCallStatus,
    outcome: v.optional(vHttpCallOutcome),
    workId: v.optional(v.string()),
    /** Deferred calls: when the wait for the callback ends. */
    deadlineAt: v.optional(v.number()),
    attempts: v.number(),
    lastStatusCode: v.optional(v.number()),
    lastError: v.optional(v.string()),
    lastLatencyMs: v.optional(v.number()),
    startedAt: v.number(),
    endedAt: v.optional(v.number()),
  })
    .index("by_key", ["key"])
    .index("by_callId", ["callId"])
    .index("by_toolId", ["toolId"]),

  /**
   * The account's secret for signing external tool calls (Standard Webhooks).
   * While a rotation's grace period lasts, calls carry a signature by the
   * previous secret too.
   * Written by: `tools/http/secret` (create, rotate). Read by: the send action, the status query.
   */
  toolSigningSecrets: defineTable({
    accountId: v.id("accounts"),
    secret: v.string(),
    /** `whsec_` and the first characters, to recognise it. */
    hint: v.string(),
    createdAt: v.number(),
    createdBy: v.id("userProfiles"),
    previousSecret: v.optional(v.string()),
    previousValidUntil: v.optional(v.number()),
  }).index("by_accountId", ["accountId"]),

  /**
   * The last probe of an external tool's `health_check_url` (one row per tool).
   * Written by: `tools/http/health:probe`. Read by: `tools/http/health:list`.
   */
  httpToolHealth: defineTable({
    toolId: v.id("tools"),
    accountId: v.id("accounts"),
    url: v.string(),
    checkedAt: v.number(),
    ok: v.boolean(),
    statusCode: v.optional(v.number()),
    latencyMs: v.number(),
    error: v.optional(v.string()),
  }).index("by_toolId", ["toolId"]),
};
