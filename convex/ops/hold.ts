/**
 * Kill switches that bite running turns. A turn checks, at each step
 * boundary before a model call (chat/turn.ts calls `holdWhilePaused`),
 * whether the platform or its agent is paused; if so it parks on a workflow
 * event with a `heldRuns` row saying why ("held: platform paused"), and the
 * run shows `waiting`. Un-pausing (ops/pause.ts) or resuming the agent
 * (agents/agents.ts) releases its held runs in bounded batches: each row is
 * deleted in the transaction that sends its event, so a held run is woken
 * once. A woken run checks again, so a run whose agent is still paused
 * after the platform resumes is held again, now for its agent.
 */
import { vEventId, vWorkflowId, type WorkflowCtx } from "@convex-dev/workflow";
import { v } from "convex/values";
import { internal } from "../_generated/api";
import type { Id } from "../_generated/dataModel";
import { internalMutation, type MutationCtx, type QueryCtx } from "../_generated/server";
import { fail } from "../lib/errors";
import { accountQuery } from "../lib/functions";
import { workflow } from "../lib/workflow";
import { isPlatformPaused } from "./paused";
import { runLogFields } from "./runLog";
import { getChatRun, type ChatRun } from "../runs/records";
import { isEnded, transition } from "../runs/status";

export const PLATFORM_CAUSE = "platform";
/** Held runs woken per release transaction. */
export const RELEASE_BATCH = 50;
/** A run woken while another switch is still on is held again; bound the rounds of one boundary. */
const MAX_ROUNDS = 100;


/** What holds `run` now: the platform pause first, then its agent's. Null: nothing. */
export async function holdCause(ctx: QueryCtx, run: ChatRun): Promise<{ cause: string; reason: string } | null> {
  if (await isPlatformPaused(ctx)) return { cause: PLATFORM_CAUSE, reason: "held: platform paused" };
  const agent = await ctx.db.get("agents", run.agentId);
  if (agent?.status === "paused") return { cause: run.agentId, reason: `held: ${agent.name} is paused` };
  return null;
}

/**
 * Hold the turn here while a kill switch is on. Costs one inline mutation
 * step when nothing is paused; a held turn waits on an event (no polling).
 */
export async function holdWhilePaused(step: WorkflowCtx, interactionId: Id<"interactions">, boundary: number): Promise<void> {
  for (let round = 0; round < MAX_ROUNDS; round++) {
    const key = `hold#${boundary}.${round}`;
    const held = await step.runMutation(internal.ops.hold.check, { interactionId, workflowId: step.workflowId, key }, { name: key, inline: true });
    if (held === null) return;
    await step.awaitEvent({ id: held.eventId, name: `${key}:released` });
  }
}

export const check = internalMutation({
  args: { interactionId: v.id("interactions"), workflowId: vWorkflowId, key: v.string() },
  returns: v.union(v.null(), v.object({ eventId: vEventId(), reason: v.string() })),
  handler: async (ctx, { interactionId, workflowId, key }) => {
    const run = await getChatRun(ctx, interactionId);
    if (run === null || isEnded(run)) return null;
    const hold = await holdCause(ctx, run);
    if (hold === null) return null;
    const eventId = await workflow.createEvent(ctx, { name: `${key}:released`, workflowId });
    await ctx.db.insert("heldRuns", {
      interactionId,
      accountId: run.accountId,
      threadId: run.threadId,
      cause: hold.cause,
      reason: hold.reason,
      eventId,
      heldAt: Date.now(),
    });
    await ctx.db.patch("interactions", interactionId, { status: transition(run.status, "waiting") });
    console.log(JSON.stringify({ ...runLogFields(run), event: "turn_held", reason: hold.reason }));
    return { eventId, reason: hold.reason };
  },
});

/** Why a run is held right now, or null (the run inspector and the chat can show it). */
export async function holdOf(ctx: QueryCtx, interactionId: Id<"interactions">): Promise<{ reason: string; heldAt: number } | null> {
  const row = await ctx.db
    .query("heldRuns")
    .withIndex("by_interactionId", (q) => q.eq("interactionId", interactionId))
    .first();
  return row === null ? null : { reason: row.reason, heldAt: row.heldAt };
}

/** Start waking the runs `cause` holds (the platform, or an agent's id), when that switch is off. */
export async function releaseHeld(ctx: MutationCtx, cause: string): Promise<void> {
  const first = await ctx.db
    .query("heldRuns")
    .withIndex("by_cause_heldAt", (q) => q.eq("cause", cause))
    .first();
  if (first !== null) await ctx.scheduler.runAfter(0, internal.ops.hold.releaseBatch, { cause });
}

async function stillOn(ctx: QueryCtx, cause: string): Promise<boolean> {
  if (cause === PLATFORM_CAUSE) return await isPlatformPaused(ctx);
  const agent = await ctx.db.get("agents", cause as Id<"agents">);
  return agent?.status === "paused";
}

/** One batch of a release, oldest first; continues itself while any are left and the switch stays off. */
export const releaseBatch = internalMutation({
  args: { cause: v.string() },
  returns: v.object({ released: v.number(), more: v.boolean() }),
  handler: async (ctx, { cause }) => {
    if (await stillOn(ctx, cause)) return { released: 0, more: false };
    const batch = await ctx.db
      .query("heldRuns")
      .withIndex("by_cause_heldAt", (q) => q.eq("cause", cause))
      .take(RELEASE_BATCH);
    for (const row of batch) {
      await ctx.db.delete("heldRuns", row._id);
      const run = await getChatRun(ctx, row.interactionId);
      // A run cancelled while held has no workflow left to wake.
      if (run === null || isEnded(run)) continue;
      await ctx.db.patch("interactions", row.interactionId, { status: transition(run.status, "running") });
      await workflow.sendEvent(ctx, { id: row.eventId });
      console.log(JSON.stringify({ ...runLogFields(run), event: "turn_released", reason: row.reason }));
    }
    const more = batch.length === RELEASE_BATCH;
    if (more) await ctx.scheduler.runAfter(0, internal.ops.hold.releaseBatch, { cause });
    return { released: batch.length, more };
  },
});

/** Why the caller's run is held, or null when it is not (shown beside the run's `waiting` status). */
export const heldReason = accountQuery({
  args: { interactionId: v.id("interactions") },
  returns: v.union(v.null(), v.object({ reason: v.string(), heldAt: v.number() })),
  handler: async (ctx, { accountId, interactionId }) => {
    const run = await getChatRun(ctx, interactionId);
    if (run === null || run.accountId !== accountId || run.userId !== ctx.user._id) fail("not_found", "Run not found.");
    return await holdOf(ctx, interactionId);
  },
});

/** The reply held in one of the caller's threads, if any (the conversation view says why it waits). */
export const heldInThread = accountQuery({
  args: { threadId: v.id("threads") },
  returns: v.union(v.null(), v.object({ interactionId: v.id("interactions"), reason: v.string(), heldAt: v.number() })),
  handler: async (ctx, { accountId, threadId }) => {
    const thread = await ctx.db.get("threads", threadId);
    if (thread === null || thread.accountId !== accountId || thread.userId !== ctx.user._id) fail("not_found", "Thread not found.");
    const row = await ctx.db
      .query("heldRuns")
      .withIndex("by_threadId", (q) => q.eq("threadId", threadId))
      .first();
    return row === null ? null : { interactionId: row.interactionId, reason: row.reason, heldAt: row.heldAt };
  },
});
