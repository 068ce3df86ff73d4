/**
 * Jobs an agent starts from a chat turn (the `schedule_job` tool): owned by
 * the turn's user, linked to the turn, its agent and the thread the user is
 * watching (the root run's, for a delegate), so the ending is posted there.
 * Exactly once per tool call: keyed by the call's idempotency key.
 */
import { jobOf } from "./jobRun";
import { v } from "convex/values";
import { internalMutation } from "../_generated/server";
import { createJob, startRefusal } from "./model";
import { jobType } from "./types";
import { MAX_INPUT_CHARS } from "./validators";

/** Longest delay a tool may ask for: a week. */
export const MAX_TOOL_DELAY_S = 7 * 24 * 3_600;

export const startFromTool = internalMutation({
  args: {
    interactionId: v.id("interactions"),
    idempotencyKey: v.string(),
    task: v.string(),
    type: v.optional(v.string()),
    delaySeconds: v.optional(v.number()),
  },
  returns: v.union(
    v.object({ ok: v.literal(true), jobId: v.id("jobs"), type: v.string(), state: v.string(), runAt: v.number() }),
    v.object({ ok: v.literal(false), message: v.string() }),
  ),
  handler: async (ctx, { interactionId, idempotencyKey, task, type, delaySeconds }) => {
    const existing = await ctx.db
      .query("jobs")
      .withIndex("by_idempotencyKey", (q) => q.eq("idempotencyKey", idempotencyKey))
      .unique();
    if (existing) {
      const job = await jobOf(ctx, existing);
      return { ok: true as const, jobId: job._id, type: job.type, state: job.state, runAt: job.runAt };
    }
    const interaction = await ctx.db.get("interactions", interactionId);
    if (interaction === null) return { ok: false as const, message: "The run that asked for this job is gone." };
    const spec = jobType(type ?? "summarize");
    if (!spec) return { ok: false as const, message: `Unknown job type "${type}".` };
    const input = task.trim();
    if (input === "" || input.length > MAX_INPUT_CHARS) return { ok: false as const, message: `A job's task must be 1 to ${MAX_INPUT_CHARS} characters.` };
    const delay = delaySeconds !== undefined && Number.isFinite(delaySeconds) ? Math.min(Math.max(0, delaySeconds), MAX_TOOL_DELAY_S) : 0;
    const refusal = await startRefusal(ctx, interaction.agentId);
    if (refusal !== null) return { ok: false as const, message: refusal };
    const root = interaction.rootInteractionId ? await ctx.db.get("interactions", interaction.rootInteractionId) : null;
    const runAt = Date.now() + delay * 1000;
    const jobId = await createJob(
      ctx,
      {
        accountId: interaction.accountId,
        userId: interaction.userId,
        type: spec.type,
        input,
        source: "agent",
        agentId: interaction.agentId,
        threadId: root?.threadId ?? interaction.threadId,
        interactionId,
        idempotencyKey,
        runAt,
        timeoutMs: spec.defaultTimeoutMs,
      },
      { kind: "agent", userId: interaction.userId },
    );
    return { ok: true as const, jobId, type: spec.type, state: "pending", runAt };
  },
});
