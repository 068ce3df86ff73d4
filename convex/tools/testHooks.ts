/**
 * Test-only fault injection for tools, in process memory only (see
 * convex/models/testHooks.ts for why production cannot reach it).
 * `throwAfterEffect: n` makes the next n executions of the tool throw after
 * its side effect happened (the R1 fault); `throwBeforeEffect: n` before.
 */
export const toolFaults: Record<string, { throwAfterEffect?: number; throwBeforeEffect?: number }> = {};

/** Counts every execution attempt per tool slug, so tests can assert "ran once". */
export const toolExecutions: Record<string, number> = {};

export function takeToolFault(slug: string, when: "throwAfterEffect" | "throwBeforeEffect"): boolean {
  const plan = toolFaults[slug];
  const left = plan?.[when] ?? 0;
  if (!plan || left <= 0) return false;
  plan[when] = left - 1;
  return true;
}
