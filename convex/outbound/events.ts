/**
 * The events other domains emit, one function each, called in the mutation
 * that makes the change (payload shapes: convex/outbound/README.md):
 *
 * - `emitRunEnded` — a root chat turn reached completed / failed / cancelled:
 *   `interaction.completed`, and for a completed one with a reply, `message.response`;
 *   first it calls the run's watchers (runWatchers.ts: the email channel's reply);
 * - `emitJobStateChanged` — a job's state was written: `job.state_changed`.
 *
 * Each first asks whether anyone in the account listens, so without
 * subscriptions a hook costs one index read. Event ids are derived from the
 * row (run generation, job generation and step count), so the same change
 * emitted twice is delivered once.
 */
import { listMessages } from "@convex-dev/agent";
import { components } from "../_generated/api";
import type { Doc, Id } from "../_generated/dataModel";
import type { MutationCtx, QueryCtx } from "../_generated/server";
import type { JobState } from "../runs/validators";
import { emitEvent, listenedTypes } from "./emit";
import { notifyRunWatchers } from "./runWatchers";
import { MAX_PAYLOAD_TEXT_CHARS } from "./validators";
import { stepsSoFar } from "../runs/records";

const RUN_ENDED = new Set(["completed", "failed", "cancelled"]);

function clip(text: string): { text: string; truncated: boolean } {
  return text.length > MAX_PAYLOAD_TEXT_CHARS ? { text: text.slice(0, MAX_PAYLOAD_TEXT_CHARS), truncated: true } : { text, truncated: false };
}

function usd(microUsd: number): number {
  return microUsd / 1_000_000;
}

/** The agent's final reply to the turn's prompt: the newest successful assistant text at the prompt's order. */
export async function finalReply(ctx: QueryCtx, interaction: Doc<"interactions">, thread: Doc<"threads">) {
  const recent = await listMessages(ctx, components.agent, {
    threadId: thread.agentThreadId,
    paginationOpts: { numItems: 20, cursor: null },
    excludeToolMessages: true,
    statuses: ["success"],
  });
  const reply = recent.page.find((m) => m.order === interaction.promptOrder && m.message?.role === "assistant" && (m.text ?? "") !== "");
  return reply ? { messageId: reply._id, text: reply.text ?? "" } : null;
}

/**
 * A root turn ended (call it right after its terminal status is written).
 * Delegations and runs still going are ignored; a retried turn that ends
 * again emits again (the event id carries the run's generation).
 */
export async function emitRunEnded(ctx: MutationCtx, interactionId: Id<"interactions">): Promise<void> {
  const run = await ctx.db.get("interactions", interactionId);
  if (run === null || run.kind !== "turn" || run.parentInteractionId !== undefined || !RUN_ENDED.has(run.status)) return;
  // E.g. a turn that came by mail answers by mail (channels/email/outbound.ts registered for it).
  await notifyRunWatchers(ctx, run._id);
  const listened = await listenedTypes(ctx, run.accountId, ["interaction.completed", "message.response"]);
  if (listened.size === 0 || run.threadId === undefined) return;
  const thread = await ctx.db.get("threads", run.threadId);
  const agent = run.agentId !== undefined ? await ctx.db.get("agents", run.agentId) : null;
  const reply = run.status === "completed" && thread !== null ? await finalReply(ctx, run, thread) : null;
  const agentInfo = { agentId: run.agentId, name: agent?.name ?? null, version: run.agentVersion };

  if (reply !== null && listened.has("message.response")) {
    const { text, truncated } = clip(reply.text);
    await emitEvent(ctx, {
      accountId: run.accountId,
      type: "message.response",
      eventId: `${run._id}:response:${run.generation}`,
      data: { interactionId: run._id, threadId: run.threadId, messageId: reply.messageId, agent: agentInfo, text, truncated },
    });
  }
  if (listened.has("interaction.completed")) {
    const result = reply !== null ? clip(reply.text) : null;
    await emitEvent(ctx, {
      accountId: run.accountId,
      type: "interaction.completed",
      eventId: `${run._id}:completed:${run.generation}`,
      data: {
        interactionId: run._id,
        threadId: run.threadId,
        userId: run.userId,
        agent: agentInfo,
        status: run.status,
        error: run.error ?? null,
        model: run.modelId,
        tokens: { input: run.tokensIn, output: run.tokensOut },
        llmCalls: run.llmCalls,
        costUsd: usd(run.costMicroUsd),
        treeCostUsd: usd(run.treeCostMicroUsd),
        resultText: result?.text ?? null,
        resultTruncated: result?.truncated ?? false,
        messageId: reply?.messageId ?? null,
        createdAt: run.createdAt,
        startedAt: run.startedAt ?? null,
        endedAt: run.endedAt ?? null,
        generation: run.generation,
      },
    });
  }
}

/** A job as the jobs module reads it (its row and its run's lifecycle: jobs/jobRun.ts `Job`): what its event carries. */
export type JobEventSource = Pick<
  Doc<"jobs">,
  "_id" | "accountId" | "type" | "source" | "userId" | "agentId" | "threadId" | "interactionId" | "parentJobId" | "runId" | "stepsDone" | "createdAt" | "result"
> & {
  state: JobState;
  attempts: number;
  generation: number;
  error?: { code: string; message: string; step?: string };
  startedAt?: number;
  endedAt?: number;
};

/**
 * A job's state was just written (call it after the write with the job as it
 * now is, and the state it had before, or null for a new job).
 */
export async function emitJobStateChanged(ctx: MutationCtx, job: JobEventSource, previousState: JobState | null): Promise<void> {
  if (job.state === previousState) return;
  const listened = await listenedTypes(ctx, job.accountId, ["job.state_changed"]);
  if (listened.size === 0) return;
  const result = job.state === "resolved" && job.result !== undefined ? clip(job.result) : null;
  // Step rows so far: the job's run's steps.
  const stepRows = job.runId !== undefined ? await stepsSoFar(ctx, job.runId) : 0;
  await emitEvent(ctx, {
    accountId: job.accountId,
    type: "job.state_changed",
    // Unique per transition: a generation re-enters states, and a retried wait does too, one step row later.
    eventId: `${job._id}:g${job.generation}:s${stepRows}:${job.state}`,
    data: {
      jobId: job._id,
      type: job.type,
      state: job.state,
      previousState,
      source: job.source,
      userId: job.userId,
      agentId: job.agentId ?? null,
      threadId: job.threadId ?? null,
      interactionId: job.interactionId ?? null,
      parentJobId: job.parentJobId ?? null,
      attempts: job.attempts,
      generation: job.generation,
      steps: { done: job.stepsDone, total: stepRows },
      result: result?.text ?? null,
      resultTruncated: result?.truncated ?? false,
      error: job.error ?? null,
      createdAt: job.createdAt,
      startedAt: job.startedAt ?? null,
      endedAt: job.endedAt ?? null,
      at: Date.now(),
    },
  });
}
