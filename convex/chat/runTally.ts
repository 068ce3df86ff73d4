/**
 * A run's model spending, added to the usage totals and `/metrics` once, when
 * the run ends, instead of at every model call.
 *
 * Each call's reservation is still committed when the call finishes (budgets
 * stay exact: caps are checked against committed + reserved), but with
 * `countsUsage: false`; its tokens, cost and duration go into the run row's
 * `unflushed` tally in the same patch that adds them to the run's totals. The
 * run's end (completed, failed or cancelled) adds the tally to the usage rows
 * of its chain and to the model-call metrics, and clears it, in the end's own
 * transaction: per scope one usage row, and one metric row (the run-end
 * bundle, ops/metrics.ts) for the run's duration, model calls and triage
 * together. A resumed run starts a new tally, so nothing counts twice.
 */
import type { MutationCtx } from "../_generated/server";
import { budget } from "../lib/budget";
import { recordRunEnded } from "../ops/metrics";
import type { RunTally } from "../runs/validators";
import type { ChatRun } from "../runs/records";

const EMPTY: RunTally = { turns: 0, tokensIn: 0, tokensOut: 0, estimatedIn: 0, estimatedOut: 0, microUsd: 0, callDurationsMs: [] };

/** `tally` plus one finished model call (`call` 0 counts the turn). */
export function withModelCall(
  tally: RunTally | undefined,
  call: { index: number; inputTokens: number; outputTokens: number; estimated: boolean; microUsd: number; durationMs: number },
): RunTally {
  const base = tally ?? EMPTY;
  return {
    turns: base.turns + (call.index === 0 ? 1 : 0),
    tokensIn: base.tokensIn + call.inputTokens,
    tokensOut: base.tokensOut + call.outputTokens,
    estimatedIn: base.estimatedIn + (call.estimated ? call.inputTokens : 0),
    estimatedOut: base.estimatedOut + (call.estimated ? call.outputTokens : 0),
    microUsd: base.microUsd + call.microUsd,
    callDurationsMs: [...base.callDurationsMs, call.durationMs],
  };
}

/**
 * At the run's end (`status`, at `endedAt`): add `tally` (the run's, as the
 * ending transaction leaves it) to the usage totals of `chain` (the run's
 * budget chain), and record the end with its model calls in the metrics.
 * The caller clears `unflushed` in its own patch of the run.
 */
export async function flushRunTally(
  ctx: MutationCtx,
  run: ChatRun,
  end: { status: "completed" | "failed" | "cancelled"; endedAt: number },
  tally: RunTally | undefined,
  chain: { scope: string; scopeId: string }[],
): Promise<void> {
  if (tally !== undefined && tally.callDurationsMs.length > 0) {
    await budget.recordUsage(ctx, {
      chain,
      add: {
        tokens: tally.tokensIn + tally.tokensOut,
        microUsd: tally.microUsd,
        turns: tally.turns,
        estimatedTokens: tally.estimatedIn + tally.estimatedOut,
      },
    });
  }
  await recordRunEnded(ctx, run._id, end.status, end.endedAt, tally);
}
