/**
 * What resuming or restarting a failed run would do, and what the run has
 * spent so far. The operator sees this before confirming; the mutations
 * recompute it in their own transaction and refuse when it says no.
 *
 * Resume (from the failed step) is the chat's own retry: restart the workflow
 * `from` the failed step (a model call reserves its budget afresh). Every
 * journal step before it replays its recorded result.
 *
 * Restart (from the beginning) is `workflow.restart(..., { from: 0 })`: the
 * whole journal is dropped and every step runs again. Restart without `from`
 * would replay the failed history (and fail again at once). Because every
 * step runs again, a restart is refused when an earlier step cannot be
 * repeated safely: a model call that succeeded (its saved reply would be
 * reused and charged a second time), or a wait that was resolved (an approval
 * or a delegation's completion event is consumed once and would never come
 * again). Resume from the failed step covers those runs.
 */
import type { Doc } from "../_generated/dataModel";
import type { QueryCtx } from "../_generated/server";
import { callEstimate } from "../chat/turnSteps";
import { budget } from "../lib/budget";
import { MICRO } from "./runRows";
import { readJournal, stepRows, workflowState, type JournalStep } from "./timeline";

export type Plan = { allowed: true; from: string | number; rerun: string[]; kept: string[] } | { allowed: false; reason: string };

/**
 * Where a resume starts: the failed step. A model call reserves its own budget
 * (keyed by generation), so resuming at it reserves afresh. Runs journaled
 * before that had a `budget#k` step in front of `llm#k`: resume there.
 */
export function resumeStepName(run: Doc<"interactions">, journal: JournalStep[]): string | null {
  const atBudgetStep = (name: string) => {
    const budgetStep = name.replace("llm#", "budget#");
    return name.startsWith("llm#") && journal.some((s) => s.name === budgetStep) ? budgetStep : name;
  };
  if (run.failedStepKey) return atBudgetStep(run.failedStepKey);
  // A run the workflow itself ended (`fail` after a refused budget reservation): resume at that model call.
  const last = journal.at(-1);
  const before = journal.at(-2);
  if (last?.name === "fail" && (before?.name.startsWith("budget#") || before?.name.startsWith("llm#"))) return atBudgetStep(before.name);
  return null;
}

/**
 * A background job's run: resumed from its failed step or restarted from the
 * beginning by the jobs module (its state, deadline and observers go with it),
 * which refuses what it cannot do; the plan only says which steps run again.
 */
function planJob(run: Doc<"interactions">, journal: JournalStep[], workflowStatus: string, how: "resume" | "restart"): Plan {
  const allowed: readonly string[] = how === "resume" ? ["failed", "timed_out"] : ["failed", "timed_out", "cancelled"];
  if (!allowed.includes(run.status)) return { allowed: false, reason: `Only a job that ${how === "resume" ? "failed or timed out" : "failed, timed out or was cancelled"} can be ${how === "resume" ? "resumed" : "restarted"}; this one is ${run.status}.` };
  if (workflowStatus === "inProgress") return { allowed: false, reason: "The job's workflow is still winding down; try again in a moment." };
  if (how === "restart") return { allowed: true, from: 0, rerun: stepNames(journal), kept: [] };
  const from = run.failedStepKey;
  if (from === undefined || run.workflowId === undefined) return { allowed: false, reason: "The job has no failed step to resume from; restart it instead." };
  const at = lastIndexOf(journal, from);
  const rerun = at < 0 ? [from] : stepNames(journal.slice(at));
  return { allowed: true, from, rerun, kept: at < 0 ? [] : stepNames(journal.slice(0, at)).filter((name) => !rerun.includes(name)) };
}

/** Checks shared by resume and restart. */
function refusal(run: Doc<"interactions">, workflowStatus: string): string | null {
  if (run.status !== "failed") return `Only a failed run can be resumed or restarted; this one is ${run.status}.`;
  if (run.parentInteractionId !== undefined) {
    return "This run is a delegation: its parent has already taken its failure as the tool's result. Resume or restart the root run instead.";
  }
  if (run.workflowId === undefined) return "This run never started a workflow.";
  if (workflowStatus === "inProgress") return "The run's workflow is still finishing; try again in a moment.";
  return null;
}

function lastIndexOf(journal: JournalStep[], name: string): number {
  for (let i = journal.length - 1; i >= 0; i--) if (journal[i]!.name === name) return i;
  return -1;
}

export function planResume(run: Doc<"interactions">, journal: JournalStep[], workflowStatus: string): Plan {
  if (run.kind === "job") return planJob(run, journal, workflowStatus, "resume");
  const refused = refusal(run, workflowStatus);
  if (refused) return { allowed: false, reason: refused };
  const from = resumeStepName(run, journal);
  if (from === null) return { allowed: false, reason: "The run has no failed step to resume from; restart it instead." };
  const at = lastIndexOf(journal, from);
  if (at < 0) return { allowed: false, reason: `The step ${from} is not in the workflow's journal; restart the run instead.` };
  const rerun = stepNames(journal.slice(at));
  // Earlier attempts of a step that runs again (a model call retried after a rate limit) are part of it, not kept apart.
  const kept = stepNames(journal.slice(0, at)).filter((name) => !rerun.includes(name));
  return { allowed: true, from, rerun, kept };
}

/**
 * The journal's step names as a person reads them: each once (a model call
 * retried after a rate limit has one journal entry per attempt), without the
 * `fail` bookkeeping step that only records how the run ended.
 */
function stepNames(steps: JournalStep[]): string[] {
  return [...new Set(steps.map((s) => s.name))].filter((name) => name !== "fail");
}

export function planRestart(run: Doc<"interactions">, journal: JournalStep[], workflowStatus: string): Plan {
  if (run.kind === "job") return planJob(run, journal, workflowStatus, "restart");
  const refused = refusal(run, workflowStatus);
  if (refused) return { allowed: false, reason: refused };
  const unrepeatable = journal.find(
    (s) =>
      s.status === "success" &&
      ((/^llm#\d+$/.test(s.name) && (s.modelOutcome ?? "ok") === "ok") || s.kind === "event" || s.name.startsWith("delegate#")),
  );
  if (unrepeatable) {
    const what = unrepeatable.kind === "event" ? "a wait that was already resolved" : unrepeatable.name.startsWith("llm#") ? "a model call that succeeded and was paid for" : "a delegation";
    return { allowed: false, reason: `Restarting would repeat ${what} (${unrepeatable.name}); resume from the failed step instead.` };
  }
  return { allowed: true, from: 0, rerun: stepNames(journal), kept: [] };
}

/** Everything the preview shows and the mutations check, read in one go. */
export async function recoveryState(ctx: QueryCtx, run: Doc<"interactions">) {
  const journal = await readJournal(ctx, run.workflowId);
  const state = await workflowState(ctx, run.workflowId);
  return {
    journal: journal.steps,
    workflowStatus: state.status,
    resume: planResume(run, journal.steps, state.status),
    restart: planRestart(run, journal.steps, state.status),
  };
}

/**
 * What each failed step cost. A model call's attempts within one generation
 * share one reservation (held before the call, committed on success,
 * released on failure); each resume is a new generation with its own.
 */
export async function failedStepCosts(ctx: QueryCtx, run: Doc<"interactions">) {
  const { rows } = await stepRows(ctx, run._id);
  const failed = rows.filter((r) => r.status === "failed" || r.attempt > 1);
  const out = [];
  for (const row of failed) {
    const call = /^llm#(\d+)$/.exec(row.key)?.[1];
    const reservations = [];
    if (call !== undefined) {
      for (let generation = 0; generation <= run.generation; generation++) {
        const key = `${run._id}:llm#${call}:g${generation}`;
        const reservation = await budget.getReservation(ctx, { key });
        if (reservation === null) continue;
        reservations.push({
          generation,
          status: reservation.status,
          heldUsd: reservation.estimate.microUsd / MICRO,
          chargedUsd: (reservation.actual?.microUsd ?? 0) / MICRO,
        });
      }
    }
    out.push({
      key: row.key,
      name: row.name,
      kind: row.kind,
      status: row.status,
      attempts: row.attempt,
      failedAttempts: row.status === "failed" ? row.attempt : row.attempt - 1,
      ...(row.error ? { error: row.error } : {}),
      chargedUsd: (row.costMicroUsd ?? 0) / MICRO,
      reservations,
    });
  }
  return out;
}

/** What the next model call will hold against the budgets when the run resumes. */
export function nextCallHoldUsd(run: Doc<"interactions">): number {
  if (run.modelId === undefined) return 0; // a job's run without a model holds nothing
  return callEstimate(run.modelId, (run.promptText ?? "").length).microUsd / MICRO;
}
