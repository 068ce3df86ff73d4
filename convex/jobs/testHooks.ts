/**
 * Test-only fault injection for job steps, in process memory only (see
 * convex/models/testHooks.ts for why production cannot reach it).
 * `jobFaults["summarize:work"] = { throwTimes: n }` makes the next n
 * executions of that step throw.
 */
export const jobFaults: Record<string, { throwTimes?: number }> = {};

/** Counts every execution of each step (`type:step`), so tests can assert "ran once". */
export const jobStepRuns: Record<string, number> = {};

export function countStepRun(key: string): number {
  jobStepRuns[key] = (jobStepRuns[key] ?? 0) + 1;
  return jobStepRuns[key];
}

export function takeJobFault(key: string): boolean {
  const plan = jobFaults[key];
  const left = plan?.throwTimes ?? 0;
  if (!plan || left <= 0) return false;
  plan.throwTimes = left - 1;
  return true;
}

export function resetJobHooks(): void {
  for (const key of Object.keys(jobFaults)) delete jobFaults[key];
  for (const key of Object.keys(jobStepRuns)) delete jobStepRuns[key];
}
