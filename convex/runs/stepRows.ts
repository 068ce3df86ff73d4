/**
 * Step rows: what the run inspector shows. One row per workflow step, keyed
 * by the step's name in the run, so a retried step updates its row (attempt
 * + 1) instead of adding one.
 */
import type { Doc, Id } from "../_generated/dataModel";
import type { MutationCtx, QueryCtx } from "../_generated/server";
import { recordStepEnded } from "../ops/metrics";
import { keptPayload } from "./stepPayload";
import type { ErrorInfo, StepKind } from "./validators";
import { runLogFields, type RunRef } from "../ops/runLog";
import { stepsSoFar } from "./records";

export async function stepByKey(ctx: MutationCtx, interactionId: Id<"interactions">, key: string) {
  return await ctx.db
    .query("steps")
    .withIndex("by_interactionId_key", (q) => q.eq("interactionId", interactionId).eq("key", key))
    .unique();
}

/**
 * A step's input and output as given by its caller (plain text or JSON text).
 * Every writer below keeps them only through `keptPayload` (redacted, bounded),
 * in the same insert or patch that writes the step: no document more.
 */
export type StepPayload = { input?: string; output?: string };

function keptFields({ input, output }: StepPayload): StepPayload {
  return {
    ...(input !== undefined ? { input: keptPayload(input) } : {}),
    ...(output !== undefined ? { output: keptPayload(output) } : {}),
  };
}

/** Fields of the run a step's own write may carry along (one patch of the run instead of two). */
export type RunPatch = Partial<Omit<Doc<"interactions">, "_id" | "_creationTime">>;

/**
 * Start (or restart) a step: a new row, or the same row with attempt + 1.
 * `runPatch`, when not empty, is written to the run in the same transaction.
 */
export async function beginStepRow(
  ctx: MutationCtx,
  interaction: Pick<Doc<"interactions">, "_id">,
  step: { key: string; kind: StepKind; name: string; status?: "running" | "waiting"; baselineStepOrder?: number; detail?: string; input?: string },
  runPatch: RunPatch = {},
): Promise<Doc<"steps">> {
  const now = Date.now();
  const existing = await stepByKey(ctx, interaction._id, step.key);
  if (existing) {
    await ctx.db.patch("steps", existing._id, {
      status: step.status ?? "running",
      attempt: existing.attempt + 1,
      startedAt: now,
      error: undefined,
      endedAt: undefined,
      durationMs: undefined,
      ...(existing.baselineStepOrder === undefined && step.baselineStepOrder !== undefined ? { baselineStepOrder: step.baselineStepOrder } : {}),
      ...(step.detail !== undefined ? { detail: step.detail } : {}),
      // A new attempt: its input as given now, no output until it ends.
      ...keptFields({ input: step.input }),
      output: undefined,
    });
    if (Object.keys(runPatch).length > 0) await ctx.db.patch("interactions", interaction._id, runPatch);
    return (await ctx.db.get("steps", existing._id))!;
  }
  const stepId = await ctx.db.insert("steps", {
    interactionId: interaction._id,
    index: await stepsSoFar(ctx, interaction._id),
    key: step.key,
    kind: step.kind,
    name: step.name,
    status: step.status ?? "running",
    attempt: 1,
    startedAt: now,
    ...(step.baselineStepOrder !== undefined ? { baselineStepOrder: step.baselineStepOrder } : {}),
    ...(step.detail !== undefined ? { detail: step.detail } : {}),
    ...keptFields({ input: step.input }),
  });
  if (Object.keys(runPatch).length > 0) await ctx.db.patch("interactions", interaction._id, runPatch);
  return (await ctx.db.get("steps", stepId))!;
}

/** A step that is over as soon as it begins (triage): one insert, already ended. */
export async function insertEndedStepRow(
  ctx: MutationCtx,
  interaction: Doc<"interactions">,
  step: { key: string; kind: StepKind; name: string; detail: string } & StepPayload,
): Promise<void> {
  const now = Date.now();
  const { input, output, ...fields } = step;
  await ctx.db.insert("steps", {
    interactionId: interaction._id,
    index: await stepsSoFar(ctx, interaction._id),
    ...fields,
    status: "succeeded",
    attempt: 1,
    startedAt: now,
    endedAt: now,
    durationMs: 0,
    ...keptFields({ input, output }),
  });
}

/** How a step ended; `input` (when given) replaces what it began with, `output` is what it gave back. */
export type StepOutcome = StepPayload &
  (
    | {
        status: "succeeded" | "skipped";
        detail?: string;
        tokensIn?: number;
        tokensOut?: number;
        costMicroUsd?: number;
        usageEstimated?: boolean;
        contextEntries?: Doc<"steps">["contextEntries"];
      }
    | { status: "failed" | "cancelled"; error: ErrorInfo; detail?: string }
  );

export async function endStepRow(ctx: MutationCtx, step: Doc<"steps">, outcome: StepOutcome): Promise<void> {
  const now = Date.now();
  const { input, output, ...ended } = outcome;
  await ctx.db.patch("steps", step._id, { ...ended, ...keptFields({ input, output }), endedAt: now, durationMs: now - step.startedAt });
  await recordStepEnded(ctx, step, outcome, now - step.startedAt); // /metrics: failed model calls, tool call durations
}

/**
 * A step written once, when it is over (a quick tool call, toolSteps.ts):
 * one insert with its start, end and outcome, instead of an insert and a patch.
 */
export async function insertFinishedStepRow(
  ctx: MutationCtx,
  interaction: Doc<"interactions">,
  step: { key: string; kind: StepKind; name: string; startedAt: number; input?: string },
  outcome: StepOutcome,
): Promise<void> {
  const now = Date.now();
  const { input, ...begun } = step;
  const { input: endInput, output, ...ended } = outcome;
  const stepId = await ctx.db.insert("steps", {
    interactionId: interaction._id,
    index: await stepsSoFar(ctx, interaction._id),
    ...begun,
    attempt: 1,
    ...ended,
    ...keptFields({ input: endInput ?? input, output }),
    endedAt: now,
    durationMs: now - step.startedAt,
  });
  await recordStepEnded(ctx, (await ctx.db.get("steps", stepId))!, outcome, now - step.startedAt);
}

/** Log line for a run: structured, always with the interaction id; given the row, also its tree's root and parent (ops/runLog.ts). */
export function logRun(run: RunRef, event: string, fields: Record<string, unknown> = {}): void {
  console.log(JSON.stringify({ ...runLogFields(run), event, ...fields }));
}

/** `logRun` where only the run's id is at hand: reads the row, so the line still names its tree's root and parent. */
export async function logRunById(ctx: QueryCtx, interactionId: Id<"interactions">, event: string, fields: Record<string, unknown> = {}): Promise<void> {
  logRun((await ctx.db.get("interactions", interactionId)) ?? interactionId, event, fields);
}
