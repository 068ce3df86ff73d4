/**
 * External HTTP tool calls of a turn, from the workflow's side:
 *
 *   start (inline workflow step) ─ writes the intent (`toolCalls` "started",
 *   the step row, an `httpToolCalls` row with its call id), creates the event
 *   the turn waits on, enqueues `send` on `toolPool` (and, for deferred
 *   tools, schedules the deadline)
 *   ─► send (action; the pool retries 5xx / timeouts / network errors)
 *   ─► onComplete (once) ─ sync: the result (or the error) is committed into
 *      `toolCalls` with the tool-result message, and the event wakes the turn;
 *      deferred: the call now waits for `POST /v1/callbacks/{call_id}` or its
 *      deadline, whichever comes first, which commit the same way.
 *
 * `settle` is the one place an outcome is committed: the first caller wins,
 * every later one (a late onComplete, a second callback, the deadline after
 * a callback) finds the row done and changes nothing. So the model reads one
 * result per call, and the tool's effect is asked for with one idempotency key.
 */
import { vOnCompleteArgs } from "@convex-dev/workpool";
import { vEventId, vWorkflowId } from "@convex-dev/workflow";
import { v, type Infer } from "convex/values";
import { internal } from "../../_generated/api";
import type { Doc, Id } from "../../_generated/dataModel";
import { internalMutation, internalQuery, type MutationCtx, type QueryCtx } from "../../_generated/server";
import { vToolCallRequest, type ToolCallRequest } from "../../chat/llm";
import { beginStepRow, endStepRow, logRun, logRunById } from "../../runs/stepRows";
import { saveToolResult, toolCallKey } from "../../chat/toolSteps";
import { loadInteraction } from "../../chat/turnSteps";
import { isEnded } from "../../runs/status";
import { fail } from "../../lib/errors";
import { workflow } from "../../lib/workflow";
import { findAccountTool } from "../catalogue";
import { toolCallRetry, toolPool } from "./pool";
import { checkResult } from "./request";
import { signingSecretsOf } from "./secret";
import { effectiveSettings, MAX_ARGUMENT_CHARS, vEffectiveHttpSettings, type EffectiveHttpSettings } from "./settings";
import { getChatRun, type ChatRun } from "../../runs/records";

/** What the turn's wait receives when the call is done (the result itself is in the thread). */
export const vHttpCallDone = v.object({ ok: v.boolean() });

/** What one run of `send` reports to `onComplete`. */
export const vSendResult = v.union(
  v.object({ kind: v.literal("final"), ok: v.literal(true), result: v.string() }),
  v.object({ kind: v.literal("final"), ok: v.literal(false), error: v.string(), code: v.string() }),
  v.object({ kind: v.literal("accepted") }),
  v.object({ kind: v.literal("skipped") }),
);
export type SendResult = Infer<typeof vSendResult>;

type Outcome = { ok: true; result: string; detail?: string } | { ok: false; error: string; code: string; outcome?: "failed" | "timed_out" | "cancelled" };

const MAX_STORED_ARGS = 20_000;

function newCallId(): string {
  return `tool_${crypto.randomUUID().replace(/-/g, "")}`;
}

async function logCall(ctx: QueryCtx, row: Pick<Doc<"httpToolCalls">, "interactionId" | "callId" | "toolSlug">, event: string, fields: Record<string, unknown> = {}) {
  await logRunById(ctx, row.interactionId, event, { callId: row.callId, tool: row.toolSlug, ...fields });
}

/**
 * A call that ends before any request: the step shows why and the model reads
 * it as the tool's error. Written once, like every outcome.
 */
async function refuseBeforeSending(ctx: MutationCtx, interaction: ChatRun, toolCall: ToolCallRequest, key: string, message: string, code: string) {
  const record = await ctx.db.query("toolCalls").withIndex("by_key", (q) => q.eq("key", key)).unique();
  if (record?.status === "committed") return;
  const step = await beginStepRow(ctx, interaction, { key: `tool#${toolCall.toolCallId}`, kind: "tool", name: toolCall.toolName, input: toolCall.input });
  await endStepRow(ctx, step, { status: "failed", error: { code, message }, output: message });
  if (record) await ctx.db.patch("toolCalls", record._id, { status: "committed", error: message });
  else {
    await ctx.db.insert("toolCalls", {
      key,
      interactionId: interaction._id,
      toolCallId: toolCall.toolCallId,
      toolSlug: toolCall.toolName,
      args: toolCall.input.slice(0, MAX_STORED_ARGS),
      status: "committed",
      attempts: 0,
      error: message,
    });
  }
  await saveToolResult(ctx, interaction, toolCall, { type: "error-text", value: message });
  logRun(interaction, "http_tool_refused", { tool: toolCall.toolName, code });
}

/**
 * The turn asks for an external tool call (after policy and approval). Returns
 * the event to wait on, or `done` when there is nothing to wait for (the call
 * was settled already, refused, or the run ended).
 */
export const start = internalMutation({
  args: { interactionId: v.id("interactions"), toolCall: vToolCallRequest, workflowId: vWorkflowId },
  returns: v.union(v.object({ kind: v.literal("wait"), eventId: vEventId() }), v.object({ kind: v.literal("done") })),
  handler: async (ctx, { interactionId, toolCall, workflowId }) => {
    const done = { kind: "done" as const };
    const interaction = await loadInteraction(ctx, interactionId);
    if (isEnded(interaction)) return done;
    const key = toolCallKey(interactionId, toolCall.toolCallId);
    const record = await ctx.db.query("toolCalls").withIndex("by_key", (q) => q.eq("key", key)).unique();
    if (record?.status === "committed" || record?.status === "unknown") return done;

    const existing = await ctx.db.query("httpToolCalls").withIndex("by_key", (q) => q.eq("key", key)).unique();
    if (existing !== null) {
      if (existing.status === "done") return done;
      // The turn was restarted while this call was in flight: wait for the same call, don't send it again.
      const eventId = await workflow.createEvent(ctx, { name: `http:${toolCall.toolCallId}`, workflowId });
      await ctx.db.patch("httpToolCalls", existing._id, { eventId, workflowId });
      await logCall(ctx, existing, "http_tool_rejoined");
      return { kind: "wait" as const, eventId };
    }

    const tool = await findAccountTool(ctx, interaction.accountId, toolCall.toolName);
    if (tool === null || tool.kind !== "http" || tool.http === undefined || tool.toolId === null) {
      await refuseBeforeSending(ctx, interaction, toolCall, key, `The tool "${toolCall.toolName}" is no longer available.`, "policy_denied");
      return done;
    }
    if (tool.status !== "active") {
      await refuseBeforeSending(ctx, interaction, toolCall, key, `The tool "${toolCall.toolName}" is disabled.`, "policy_denied");
      return done;
    }
    if (toolCall.input.length > MAX_ARGUMENT_CHARS) {
      await refuseBeforeSending(ctx, interaction, toolCall, key, `The arguments are larger than ${MAX_ARGUMENT_CHARS} characters.`, "bad_request");
      return done;
    }
    if ((await signingSecretsOf(ctx, interaction.accountId)).length === 0) {
      await refuseBeforeSending(
        ctx,
        interaction,
        toolCall,
        key,
        `External tools are not set up in this account: an admin must create the tool signing secret first (calls are never sent unsigned).`,
        "policy_denied",
      );
      return done;
    }

    const settings = effectiveSettings(tool.http);
    const step = await beginStepRow(ctx, interaction, { key: `tool#${toolCall.toolCallId}`, kind: "tool", name: toolCall.toolName, input: toolCall.input });
    await ctx.db.patch("steps", step._id, { detail: `${settings.method} ${settings.url}` });
    if (record) await ctx.db.patch("toolCalls", record._id, { status: "started", attempts: record.attempts + 1 });
    else {
      await ctx.db.insert("toolCalls", {
        key,
        interactionId,
        toolCallId: toolCall.toolCallId,
        toolSlug: toolCall.toolName,
        args: toolCall.input.slice(0, MAX_STORED_ARGS),
        status: "started",
        attempts: 1,
      });
    }
    const eventId = await workflow.createEvent(ctx, { name: `http:${toolCall.toolCallId}`, workflowId });
    const now = Date.now();
    const callRowId = await ctx.db.insert("httpToolCalls", {
      key,
      callId: newCallId(),
      accountId: interaction.accountId,
      interactionId,
      agentId: interaction.agentId,
      toolId: tool.toolId,
      toolSlug: tool.slug,
      toolCallId: toolCall.toolCallId,
      args: toolCall.input === "" ? "{}" : toolCall.input,
      stepId: step._id,
      workflowId,
      eventId,
      mode: settings.mode,
      method: settings.method,
      url: settings.url,
      status: "sending",
      attempts: 0,
      startedAt: now,
      ...(settings.mode === "deferred" ? { deadlineAt: now + settings.callbackTimeoutMs } : {}),
    });
    const workId = await toolPool.enqueueAction(
      ctx,
      internal.tools.http.send.send,
      { callRowId },
      { onComplete: internal.tools.http.calls.onComplete, context: { callRowId }, retry: toolCallRetry() },
    );
    await ctx.db.patch("httpToolCalls", callRowId, { workId });
    if (settings.mode === "deferred") {
      await ctx.scheduler.runAfter(settings.callbackTimeoutMs, internal.tools.http.calls.expire, { callRowId });
    }
    const row = (await ctx.db.get("httpToolCalls", callRowId))!;
    await logCall(ctx, row, "http_tool_enqueued", { mode: settings.mode, url: settings.url });
    return { kind: "wait" as const, eventId };
  },
});

export const vCallTarget = v.object({
  callId: v.string(),
  key: v.string(),
  accountId: v.string(),
  agentSlug: v.string(),
  args: v.string(),
  settings: vEffectiveHttpSettings,
  secrets: v.array(v.string()),
});

/** What the send action needs for one attempt, or null when the call must not be sent (settled, run ended, tool gone). */
export const target = internalQuery({
  args: { callRowId: v.id("httpToolCalls") },
  returns: v.union(v.null(), vCallTarget),
  handler: async (ctx, { callRowId }) => {
    const row = await ctx.db.get("httpToolCalls", callRowId);
    if (row === null || row.status !== "sending") return null;
    const interaction = await getChatRun(ctx, row.interactionId);
    if (interaction === null || isEnded(interaction)) return null;
    const tool = await ctx.db.get("tools", row.toolId);
    const agent = await ctx.db.get("agents", row.agentId);
    if (tool === null || tool.http === undefined || tool.status !== "active") return null;
    const settings: EffectiveHttpSettings = effectiveSettings(tool.http);
    return {
      callId: row.callId,
      key: row.key,
      accountId: row.accountId,
      agentSlug: agent?.slug ?? "",
      args: row.args,
      settings,
      secrets: await signingSecretsOf(ctx, row.accountId),
    };
  },
});

/** One attempt's outcome, for the timeline and the tool's status (a retry or not). */
export const recordAttempt = internalMutation({
  args: {
    callRowId: v.id("httpToolCalls"),
    statusCode: v.optional(v.number()),
    error: v.optional(v.string()),
    latencyMs: v.number(),
  },
  returns: v.null(),
  handler: async (ctx, { callRowId, statusCode, error, latencyMs }) => {
    const row = await ctx.db.get("httpToolCalls", callRowId);
    if (row === null) return null;
    await ctx.db.patch("httpToolCalls", callRowId, {
      attempts: row.attempts + 1,
      lastStatusCode: statusCode,
      lastError: error,
      lastLatencyMs: latencyMs,
    });
    await logCall(ctx, row, error === undefined ? "http_tool_attempt_ok" : "http_tool_attempt_failed", { attempt: row.attempts + 1, statusCode, latencyMs, error });
    return null;
  },
});

/**
 * Commit a call's outcome, once: the row is done, `toolCalls` holds the
 * result or the error, the step ends, the model's tool-result message is
 * saved, and the turn's wait is woken. Returns false when an earlier outcome
 * was committed already (or the run ended: then nothing is written to it).
 */
export async function settle(ctx: MutationCtx, row: Doc<"httpToolCalls">, outcome: Outcome): Promise<boolean> {
  if (row.status === "done") return false;
  const now = Date.now();
  await ctx.db.patch("httpToolCalls", row._id, {
    status: "done",
    outcome: outcome.ok ? "succeeded" : (outcome.outcome ?? "failed"),
    endedAt: now,
  });
  const interaction = await getChatRun(ctx, row.interactionId);
  if (interaction === null || isEnded(interaction)) {
    await logCall(ctx, row, "http_tool_dropped", { reason: "run ended" });
    return false;
  }
  const call = { toolCallId: row.toolCallId, toolName: row.toolSlug };
  const record = await ctx.db.query("toolCalls").withIndex("by_key", (q) => q.eq("key", row.key)).unique();
  if (record?.status === "committed") return false;
  if (record) {
    await ctx.db.patch("toolCalls", record._id, outcome.ok ? { status: "committed", result: outcome.result } : { status: "committed", error: outcome.error });
  }
  const step = await ctx.db.get("steps", row.stepId);
  const where = `${row.method} ${row.url}`;
  if (step && (step.status === "running" || step.status === "waiting")) {
    if (outcome.ok) {
      const said = outcome.detail ?? `${where} → ${row.lastStatusCode ?? "?"}${row.lastLatencyMs !== undefined ? ` in ${row.lastLatencyMs} ms` : ""}: ${outcome.result}`;
      await endStepRow(ctx, step, { status: "succeeded", detail: said.slice(0, 500), output: outcome.result });
    } else {
      await endStepRow(ctx, step, { status: "failed", error: { code: outcome.code, message: outcome.error }, detail: where, output: outcome.error });
    }
  }
  if (outcome.ok) await saveToolResult(ctx, interaction, call, { type: "json", value: JSON.parse(outcome.result) as unknown });
  else await saveToolResult(ctx, interaction, call, { type: "error-text", value: outcome.error });
  await workflow.sendEvent(ctx, { id: row.eventId, validator: vHttpCallDone, value: { ok: outcome.ok } });
  await logCall(ctx, row, "http_tool_done", { ok: outcome.ok, attempts: row.attempts });
  return true;
}

/** Runs once per call, after its last attempt. */
export const onComplete = internalMutation({
  args: vOnCompleteArgs(v.object({ callRowId: v.id("httpToolCalls") }), vSendResult),
  returns: v.null(),
  handler: async (ctx, { context, result }) => {
    const row = await ctx.db.get("httpToolCalls", context.callRowId);
    if (row === null || row.status === "done") return null;
    if (result.kind === "success") {
      const sent = result.returnValue;
      if (sent.kind === "final") {
        await settle(ctx, row, sent.ok ? { ok: true, result: sent.result } : { ok: false, error: sent.error, code: sent.code });
      } else if (sent.kind === "accepted") {
        // Deferred: the callback (or the deadline) settles it.
        await ctx.db.patch("httpToolCalls", row._id, { status: "awaiting_callback" });
        const step = await ctx.db.get("steps", row.stepId);
        if (step?.status === "running") {
          const until = row.deadlineAt !== undefined ? ` until ${new Date(row.deadlineAt).toISOString()}` : "";
          await ctx.db.patch("steps", step._id, { status: "waiting", detail: `${row.method} ${row.url} → ${row.lastStatusCode ?? 202}; waiting for callback ${row.callId}${until}` });
        }
        await logCall(ctx, row, "http_tool_awaiting_callback", { deadlineAt: row.deadlineAt });
      } else {
        // Not sent: the run ended or the tool went away before the attempt.
        await settle(ctx, row, { ok: false, error: `The call to ${row.toolSlug} was not sent: the tool is no longer available.`, code: "policy_denied", outcome: "cancelled" });
      }
    } else if (result.kind === "failed") {
      const attempts = Math.max(row.attempts, 1);
      const error = `${row.toolSlug} failed after ${attempts} attempt${attempts === 1 ? "" : "s"}: ${row.lastError ?? result.error}`;
      const timedOut = /timeout_seconds/.test(row.lastError ?? "");
      await settle(ctx, row, { ok: false, error, code: timedOut ? "timeout" : "internal_error" });
    } else {
      await settle(ctx, row, { ok: false, error: `The call to ${row.toolSlug} was cancelled.`, code: "cancelled", outcome: "cancelled" });
    }
    return null;
  },
});

/** Scheduled at a deferred call's deadline: still unanswered, it fails as timed out. */
export const expire = internalMutation({
  args: { callRowId: v.id("httpToolCalls") },
  returns: v.null(),
  handler: async (ctx, { callRowId }) => {
    const row = await ctx.db.get("httpToolCalls", callRowId);
    if (row === null || row.status === "done") return null;
    const waitedS = Math.round(((row.deadlineAt ?? Date.now()) - row.startedAt) / 100) / 10;
    await settle(ctx, row, {
      ok: false,
      error: `${row.toolSlug} did not call back within ${waitedS} s (call ${row.callId}).`,
      code: "timeout",
      outcome: "timed_out",
    });
    return null;
  },
});

/** How a callback sees the call: the job callbacks' words. */
function callbackStatus(row: Doc<"httpToolCalls">): "pending" | "resolved" | "timed_out" | "cancelled" {
  if (row.status !== "done") return "pending";
  if (row.outcome === "timed_out") return "timed_out";
  if (row.outcome === "cancelled") return "cancelled";
  return "resolved";
}

export async function toolCallByCallId(ctx: MutationCtx, callId: string): Promise<Doc<"httpToolCalls"> | null> {
  if (!callId.startsWith("tool_")) return null;
  return await ctx.db
    .query("httpToolCalls")
    .withIndex("by_callId", (q) => q.eq("callId", callId))
    .unique();
}

/**
 * `POST /v1/callbacks/{call_id}` for a deferred tool call: the first answer
 * (a result, checked against the tool's `return_schema`, or an error) is the
 * call's outcome; later ones change nothing and say so. `visible` hides calls
 * the caller may not reach: they answer `not_found` like unknown ids.
 */
export async function deliverToolCallback(
  ctx: MutationCtx,
  row: Doc<"httpToolCalls">,
  answer: { resultJson?: string; error?: string },
): Promise<{ accepted: boolean; alreadyResolved: boolean; status: "pending" | "resolved" | "timed_out" | "cancelled"; interactionId: Id<"interactions"> }> {
  if (row.mode !== "deferred") fail("bad_request", `Call ${row.callId} is answered in the tool's response, not by callback.`);
  if (row.status === "done") {
    const status = callbackStatus(row);
    return { accepted: false, alreadyResolved: status === "resolved", status, interactionId: row.interactionId };
  }
  let outcome: Outcome;
  if (answer.error !== undefined) {
    outcome = { ok: false, error: `${row.toolSlug} reported an error: ${answer.error.slice(0, 2_000)}`, code: "bad_request" };
  } else {
    const tool = await ctx.db.get("tools", row.toolId);
    const settings = tool?.http ? effectiveSettings(tool.http) : { returnSchema: null };
    const checked = checkResult(settings, answer.resultJson ?? "null");
    const after = `${row.method} ${row.url} → callback after ${((Date.now() - row.startedAt) / 1000).toFixed(1)} s`;
    outcome = checked.ok ? { ok: true, result: checked.result, detail: `${after}: ${checked.result}` } : { ok: false, error: checked.error, code: "bad_request" };
  }
  await settle(ctx, row, outcome);
  await logCall(ctx, row, "http_tool_callback", { ok: outcome.ok });
  return { accepted: true, alreadyResolved: false, status: "resolved", interactionId: row.interactionId };
}
