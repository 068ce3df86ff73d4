/**
 * The steps of a `summarize` job. Mutation steps run once (journaled);
 * the `work` action records each attempt on its step row and may be retried
 * by the workflow with the type's backoff. Every step first checks the job
 * has not ended, so a late attempt after a cancel changes nothing.
 */
import { v } from "convex/values";
import { internal } from "../_generated/api";
import { internalAction, internalMutation } from "../_generated/server";
import { crashPoint, faultAt, InjectedCrash } from "../lib/faults";
import { vConnectionConfig } from "../models/connectionRules";
import { beginJobStep, endJob, endJobStep, loadJob } from "./model";
import { jobOfRun } from "./jobRun";
import { callModel, commitModelWork, prepareModelWork, type ModelWork } from "./modelWork";
import { isEnded, MAX_RESULT_CHARS } from "./validators";

/** `ModelWork` (modelWork.ts) as it crosses from the mutation to the action: the key stays server-side. */
const vModelWork = v.object({ modelId: v.string(), connection: v.optional(vConnectionConfig), system: v.string(), prompt: v.string() });

/** A deterministic summary (no model needed): length, the opening, the most frequent words. */
export function summarise(text: string): string {
  const clean = text.replace(/\s+/g, " ").trim();
  if (clean === "") return "";
  const words = clean.split(" ");
  const counts = new Map<string, number>();
  for (const word of words) {
    const w = word.toLowerCase().replace(/[^\p{L}\p{N}'-]/gu, "");
    if (w.length >= 4) counts.set(w, (counts.get(w) ?? 0) + 1);
  }
  const terms = [...counts.entries()].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0])).slice(0, 5).map(([w]) => w);
  const opening = clean.length > 300 ? `${clean.slice(0, 297)}…` : clean;
  return [
    `Summary of “${opening}”`,
    `${words.length} word${words.length === 1 ? "" : "s"}${terms.length > 0 ? `; key terms: ${terms.join(", ")}` : ""}.`,
  ].join(" — ");
}

export const prepare = internalMutation({
  args: { jobId: v.id("jobs") },
  returns: v.object({ ok: v.boolean() }),
  handler: async (ctx, { jobId }) => {
    const job = await loadJob(ctx, jobId);
    if (isEnded(job)) return { ok: false };
    if (faultAt("job.step", "summarize:prepare")) throw new Error("Injected fault in prepare");
    const step = await beginJobStep(ctx, job, { key: "prepare", name: "Prepare", kind: "mutation", ...(job.input !== undefined ? { input: job.input } : {}) });
    const words = (job.input ?? "").split(/\s+/).filter((w) => w !== "").length;
    await endJobStep(ctx, step, { status: "succeeded", detail: `${words} word${words === 1 ? "" : "s"} to summarise` });
    return { ok: true };
  },
});

/**
 * An attempt of `work` begins: its row (attempt + 1) and the input, or null
 * when the job has ended. A job with an agent gets its model call ready
 * (budget reserved: modelWork.ts); a refused reservation fails the job.
 */
export const beginWork = internalMutation({
  args: { jobId: v.id("jobs") },
  returns: v.union(
    v.null(),
    v.object({ stepId: v.id("steps"), input: v.string(), attempt: v.number(), model: v.optional(vModelWork) }),
  ),
  handler: async (ctx, { jobId }) => {
    const job = await loadJob(ctx, jobId);
    if (isEnded(job)) return null;
    const agent = job.agentId ? await ctx.db.get("agents", job.agentId) : null;
    const prepared = agent && agent.external === undefined ? await prepareModelWork(ctx, job, agent) : null;
    if (prepared?.kind === "refused") {
      await endJob(ctx, job, { state: "failed", error: { code: "budget_exceeded", message: prepared.message, step: "work" } });
      return null;
    }
    const step = await beginJobStep(ctx, job, {
      key: "work",
      name: prepared ? "Work (model call)" : "Work",
      kind: "action",
      // What the work was given: the model's prompt, or the text to summarise (kept bounded and redacted by the step ledger).
      input: prepared ? prepared.work.prompt : (job.input ?? ""),
    });
    return { stepId: step._id, input: job.input ?? "", attempt: step.attempt, ...(prepared ? { model: prepared.work } : {}) };
  },
});

/** The model's summary is in: its usage is committed to the budgets and the step closed with it. */
export const endModelAttempt = internalMutation({
  args: { stepId: v.id("steps"), modelId: v.string(), usage: v.object({ inputTokens: v.number(), outputTokens: v.number() }), summary: v.string() },
  returns: v.null(),
  handler: async (ctx, { stepId, modelId, usage, summary }) => {
    const step = await ctx.db.get("steps", stepId);
    if (step === null || step.status !== "running") return null;
    const job = await jobOfRun(ctx, step.interactionId);
    if (job === null) return null;
    const detail = await commitModelWork(ctx, job, modelId, usage);
    await endJobStep(ctx, step, { status: "succeeded", detail: `${summary.length} characters; ${detail}`, output: summary });
    return null;
  },
});

export const endAttempt = internalMutation({
  args: {
    stepId: v.id("steps"),
    outcome: v.union(v.object({ ok: v.literal(true), detail: v.string(), output: v.string() }), v.object({ ok: v.literal(false), message: v.string() })),
  },
  returns: v.null(),
  handler: async (ctx, { stepId, outcome }) => {
    const step = await ctx.db.get("steps", stepId);
    if (step === null || step.status !== "running") return null;
    await endJobStep(
      ctx,
      step,
      outcome.ok ? { status: "succeeded", detail: outcome.detail, output: outcome.output } : { status: "failed", error: { code: "step_failed", message: outcome.message } },
    );
    return null;
  },
});

/** The work itself (an action: where calls to the outside world would go). Throws to be retried. */
export const work = internalAction({
  args: { jobId: v.id("jobs") },
  returns: v.union(v.null(), v.object({ summary: v.string() })),
  handler: async (ctx, { jobId }): Promise<{ summary: string } | null> => {
    const begun = await ctx.runMutation(internal.jobs.steps.beginWork, { jobId });
    if (begun === null) return null;
    crashPoint("job-work:before");
    let summary: string;
    try {
      if (faultAt("job.step", "summarize:work")) throw new Error(`Injected fault in work (attempt ${begun.attempt})`);
      if (begun.model !== undefined) {
        const work: ModelWork = begun.model;
        const answer = await callModel(work);
        summary = answer.text.slice(0, MAX_RESULT_CHARS);
        crashPoint("job-work:after-effect");
        await ctx.runMutation(internal.jobs.steps.endModelAttempt, { stepId: begun.stepId, modelId: work.modelId, usage: { inputTokens: answer.inputTokens, outputTokens: answer.outputTokens }, summary });
        return { summary };
      }
      summary = summarise(begun.input).slice(0, MAX_RESULT_CHARS);
      crashPoint("job-work:after-effect");
    } catch (error) {
      if (error instanceof InjectedCrash) throw error; // a simulated process death records nothing
      const message = error instanceof Error ? error.message : String(error);
      await ctx.runMutation(internal.jobs.steps.endAttempt, { stepId: begun.stepId, outcome: { ok: false, message } });
      throw error;
    }
    await ctx.runMutation(internal.jobs.steps.endAttempt, { stepId: begun.stepId, outcome: { ok: true, detail: `${summary.length} characters`, output: summary } });
    return { summary };
  },
});

export const finish = internalMutation({
  args: { jobId: v.id("jobs"), summary: v.string() },
  returns: v.null(),
  handler: async (ctx, { jobId, summary }) => {
    const job = await loadJob(ctx, jobId);
    if (isEnded(job)) return null;
    if (faultAt("job.step", "summarize:finish")) throw new Error("Injected fault in finish");
    const step = await beginJobStep(ctx, job, { key: "finish", name: "Finish", kind: "mutation" });
    await endJobStep(ctx, step, { status: "succeeded" });
    await endJob(ctx, await loadJob(ctx, jobId), { state: "resolved", result: summary });
    return null;
  },
});
