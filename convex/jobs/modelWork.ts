/**
 * A `summarize` job that has an agent does its work with the agent's model,
 * paid for like a turn's model call: before the call an upper bound of its
 * cost is reserved against the account, user and agent budgets (refused:
 * the job fails with `budget_exceeded`, nothing spent); after it the real
 * usage is committed (tokens, cost, the usage totals the Usage page shows)
 * and the step row records it. What it summarises: the thread it came from
 * (its latest messages), else the job's own input. A job with no agent keeps
 * the deterministic summary (steps.ts `summarise`).
 *
 * The reservation key is per job and generation, so a retried attempt reuses
 * its hold; `releaseJobReservation` (called by `endJob`) returns what a
 * failed or cancelled job held.
 */
import { listMessages } from "@convex-dev/agent";
import { generateText } from "ai";
import { components } from "../_generated/api";
import type { Doc } from "../_generated/dataModel";
import type { MutationCtx } from "../_generated/server";
import { callEstimate, MAX_OUTPUT_TOKENS } from "../chat/turnSteps";
import { budget } from "../lib/budget";
import { connectionForModel } from "../models/connectionStore";
import { costOfUsage } from "../models/prices";
import { defaultModelId, resolveModel, type ConnectionConfig } from "../models/registry";
import { chargedTeam, teamLink } from "../teams/budgets";
import { jobAgent } from "./pinnedAgent";
import { getChatRun } from "../runs/records";
import { runOfJob, type Job } from "./jobRun";

/** Messages of the thread a summary reads, newest first when fetched. */
const THREAD_MESSAGES = 30;
const MAX_SOURCE_CHARS = 24_000;

export type ModelWork = {
  modelId: string;
  connection?: ConnectionConfig;
  system: string;
  prompt: string;
};

export function reservationKeyOf(job: Job): string {
  return `job:${job._id}:work:g${job.generation}`;
}

/**
 * The text a summary reads: the thread's latest messages, oldest first, else
 * the job's input. A job an agent started reads the conversation up to the
 * request that started it, so what it summarises does not depend on how far
 * that turn got meanwhile.
 */
async function sourceText(ctx: MutationCtx, job: Job): Promise<string> {
  const thread = job.threadId ? await ctx.db.get("threads", job.threadId) : null;
  if (thread === null || thread.accountId !== job.accountId) return job.input ?? "";
  const origin = job.interactionId ? await getChatRun(ctx, job.interactionId) : null;
  const page = await listMessages(ctx, components.agent, { threadId: thread.agentThreadId, paginationOpts: { numItems: THREAD_MESSAGES, cursor: null } });
  const lines = page.page
    .filter((m) => typeof m.text === "string" && m.text.trim() !== "" && (origin === null || m.order < origin.promptOrder))
    .sort((a, b) => a.order - b.order || a.stepOrder - b.stepOrder)
    .map((m) => `${m.message?.role ?? "message"}: ${m.text!.trim()}`);
  if (origin !== null) lines.push(`user: ${origin.promptText}`);
  const text = lines.join("\n");
  return text.length > MAX_SOURCE_CHARS ? text.slice(text.length - MAX_SOURCE_CHARS) : text;
}

/**
 * Reserve the call's cost and say what to ask the model; `refused` when a
 * budget says no (the caller fails the job, the model is not called).
 */
export async function prepareModelWork(
  ctx: MutationCtx,
  job: Job,
  agent: Doc<"agents">,
): Promise<{ kind: "ready"; work: ModelWork } | { kind: "refused"; message: string }> {
  const pinned = await jobAgent(ctx, job, agent);
  const modelId = pinned.modelId ?? defaultModelId();
  const source = await sourceText(ctx, job);
  const task = job.input?.trim() || "Summarise it.";
  const system = `${pinned.instructions}\n\nYou are running as a background job. Write a concise summary of the material below for the user; answer with the summary only.`;
  const prompt = `Task: ${task}\n\nMaterial:\n${source || "(nothing to summarise)"}`;
  const reserved = await budget.reserve(ctx, {
    key: reservationKeyOf(job),
    chain: [
      { scope: "account", scopeId: job.accountId },
      ...teamLink(await chargedTeam(ctx, job.accountId, job.userId, agent)),
      { scope: "user", scopeId: job.userId },
      { scope: "agent", scopeId: agent._id },
    ],
    estimate: callEstimate(modelId, system.length + prompt.length),
  });
  if (!reserved.ok) return { kind: "refused", message: reserved.message };
  await ctx.db.patch("jobs", job._id, { openReservationKey: reservationKeyOf(job) });
  const connection = await connectionForModel(ctx, job.accountId, modelId);
  return { kind: "ready", work: { modelId, ...(connection ? { connection } : {}), system, prompt } };
}

/** The model call itself (in the job's action step). */
export async function callModel(work: ModelWork): Promise<{ text: string; inputTokens: number; outputTokens: number }> {
  const resolved = resolveModel(work.modelId, work.connection ? { connection: work.connection } : {});
  const result = await generateText({ model: resolved.model, system: work.system, prompt: work.prompt, maxOutputTokens: MAX_OUTPUT_TOKENS, maxRetries: 0 });
  return { text: result.text.trim(), inputTokens: result.usage.inputTokens ?? 0, outputTokens: result.usage.outputTokens ?? 0 };
}

/** Commit the call's real usage (the rest of the hold returns); returns the step's detail. Idempotent by key. */
export async function commitModelWork(ctx: MutationCtx, job: Job, modelId: string, usage: { inputTokens: number; outputTokens: number }): Promise<string> {
  const cost = costOfUsage(modelId, usage);
  const tokens = usage.inputTokens + usage.outputTokens;
  if (job.openReservationKey !== undefined) {
    await budget.commit(ctx, { key: job.openReservationKey, actual: { microUsd: cost.microUsd, tokens }, countsAsTurn: false });
    await ctx.db.patch("jobs", job._id, { openReservationKey: undefined });
    // What it spent is on the job's run, as for every run (the inspector's tokens and cost).
    const run = await runOfJob(ctx, job._id);
    await ctx.db.patch("interactions", run._id, {
      tokensIn: run.tokensIn + usage.inputTokens,
      tokensOut: run.tokensOut + usage.outputTokens,
      costMicroUsd: run.costMicroUsd + cost.microUsd,
      treeCostMicroUsd: run.treeCostMicroUsd + cost.microUsd,
      llmCalls: run.llmCalls + 1,
    });
  }
  return `${tokens} tokens (${usage.inputTokens} in, ${usage.outputTokens} out), $${(cost.microUsd / 1e6).toFixed(6)}`;
}

/** A job that ends holding a reservation (failed, cancelled, timed out) gives it back. */
export async function releaseJobReservation(ctx: MutationCtx, job: Job): Promise<void> {
  if (job.openReservationKey === undefined) return;
  await budget.release(ctx, { key: job.openReservationKey });
  await ctx.db.patch("jobs", job._id, { openReservationKey: undefined });
}
