/**
 * Reading runs for the inspector: account scoping, the public row, and the
 * index choice behind the filtered list.
 */
import type { IndexRange, PaginationOptions, PaginationResult } from "convex/server";
import type { Doc, Id } from "../_generated/dataModel";
import type { QueryCtx } from "../_generated/server";
import { fail } from "../lib/errors";
import type { Names } from "./names";
import type { RunKind, RunRow, RunStatus } from "./validators";

export const MICRO = 1_000_000;

/** Most rows one page of the run list may hold (and scan). */
export const MAX_PAGE = 100;

/** The run, when it belongs to the caller's account; otherwise `not_found`, exactly like a missing run. */
export async function runInAccount(ctx: Pick<QueryCtx, "db">, accountId: Id<"accounts">, interactionId: Id<"interactions">) {
  const run = await ctx.db.get("interactions", interactionId);
  if (run === null || run.accountId !== accountId) fail("not_found", "Run not found.");
  return run;
}

export function durationOf(run: Pick<Doc<"interactions">, "createdAt" | "startedAt" | "endedAt">): number | undefined {
  return run.endedAt === undefined ? undefined : run.endedAt - (run.startedAt ?? run.createdAt);
}

export async function publicRun(run: Doc<"interactions">, names: Names): Promise<RunRow> {
  const durationMs = durationOf(run);
  const channel = await names.channel(run.threadId);
  return {
    interactionId: run._id,
    kind: run.kind,
    status: run.status,
    ...(run.agentId !== undefined ? { agentId: run.agentId } : {}),
    agentName: await names.agent(run.agentId),
    ...(run.agentVersion !== undefined ? { agentVersion: run.agentVersion } : {}),
    userId: run.userId,
    userName: await names.user(run.userId),
    ...(run.threadId !== undefined ? { threadId: run.threadId } : {}),
    ...(channel !== undefined ? { channel } : {}),
    ...(run.modelLabel !== undefined ? { modelLabel: run.modelLabel } : {}),
    createdAt: run.createdAt,
    ...(run.startedAt !== undefined ? { startedAt: run.startedAt } : {}),
    ...(run.endedAt !== undefined ? { endedAt: run.endedAt } : {}),
    ...(durationMs !== undefined ? { durationMs } : {}),
    tokensIn: run.tokensIn,
    tokensOut: run.tokensOut,
    llmCalls: run.llmCalls,
    costUsd: run.costMicroUsd / MICRO,
    treeCostUsd: run.treeCostMicroUsd / MICRO,
    depth: run.depth,
    ...(run.parentInteractionId ? { parentInteractionId: run.parentInteractionId } : {}),
    ...(run.rootInteractionId ? { rootInteractionId: run.rootInteractionId } : {}),
    ...(run.error ? { error: run.error } : {}),
    ...(run.failedStepKey ? { failedStepKey: run.failedStepKey } : {}),
  };
}

export type RunFilters = {
  agentId?: Id<"agents">;
  userId?: Id<"userProfiles">;
  status?: RunStatus;
  kind?: RunKind;
  from?: number;
  to?: number;
};

/** The equality filter the index range covers; the others are checked on the page. */
export type LeadFilter = "status" | "userId" | "agentId" | "kind" | "none";

const LIVE: readonly RunStatus[] = ["queued", "running", "waiting"];

/**
 * Which filter leads the index range: the one likely to match the fewest
 * runs. Live statuses are rarest (a handful at any time), then one user's
 * runs, one agent's, the failure statuses, the rarer kinds; `completed` and
 * `turn` match most of the history and lead only when nothing else is given.
 */
export function leadFilter(f: RunFilters): LeadFilter {
  if (f.status !== undefined && LIVE.includes(f.status)) return "status";
  if (f.userId !== undefined) return "userId";
  if (f.agentId !== undefined) return "agentId";
  if (f.status !== undefined && f.status !== "completed") return "status";
  if (f.kind !== undefined && f.kind !== "turn") return "kind";
  if (f.status !== undefined) return "status";
  if (f.kind !== undefined) return "kind";
  return "none";
}

/** What is left of a builder once the equality fields are fixed: a `createdAt` range. */
interface CreatedAtUpper extends IndexRange {
  lte(field: "createdAt", value: number): IndexRange;
}
interface CreatedAtRange extends CreatedAtUpper {
  gte(field: "createdAt", value: number): CreatedAtUpper;
}

function createdAtBetween(q: CreatedAtRange, from: number | undefined, to: number | undefined): IndexRange {
  const lower = from !== undefined ? q.gte("createdAt", from) : q;
  return to !== undefined ? lower.lte("createdAt", to) : lower;
}

function matches(run: Doc<"interactions">, f: RunFilters): boolean {
  return (
    (f.status === undefined || run.status === f.status) &&
    (f.userId === undefined || run.userId === f.userId) &&
    (f.agentId === undefined || run.agentId === f.agentId) &&
    (f.kind === undefined || run.kind === f.kind)
  );
}

/**
 * One page of the account's runs, newest first, through one index range.
 *
 * Trade-off: with more than one equality filter, the lead filter's index
 * range is paginated (at most `numItems` documents read) and the others are
 * applied to that page, so a page may hold fewer rows than asked — even none
 * — while `isDone` is false. Reads stay bounded by the page size at any
 * history length; the client keeps loading until `isDone`. A compound index
 * per filter combination would fill every page but costs a write per index
 * on every run update.
 */
export async function pageOfRuns(
  ctx: Pick<QueryCtx, "db">,
  accountId: Id<"accounts">,
  f: RunFilters,
  paginationOpts: PaginationOptions,
): Promise<PaginationResult<Doc<"interactions">> & { lead: LeadFilter }> {
  const numItems = Math.min(Math.max(Math.floor(paginationOpts.numItems), 1), MAX_PAGE);
  const lead = leadFilter(f);
  const table = ctx.db.query("interactions");
  const query =
    lead === "status"
      ? table.withIndex("by_accountId_status_createdAt", (q) => createdAtBetween(q.eq("accountId", accountId).eq("status", f.status!), f.from, f.to))
      : lead === "userId"
        ? table.withIndex("by_accountId_userId_createdAt", (q) => createdAtBetween(q.eq("accountId", accountId).eq("userId", f.userId!), f.from, f.to))
        : lead === "agentId"
          ? table.withIndex("by_accountId_agentId_createdAt", (q) => createdAtBetween(q.eq("accountId", accountId).eq("agentId", f.agentId!), f.from, f.to))
          : lead === "kind"
            ? table.withIndex("by_accountId_kind_createdAt", (q) => createdAtBetween(q.eq("accountId", accountId).eq("kind", f.kind!), f.from, f.to))
            : table.withIndex("by_accountId_createdAt", (q) => createdAtBetween(q.eq("accountId", accountId), f.from, f.to));
  const result = await query.order("desc").paginate({ ...paginationOpts, numItems });
  return { ...result, page: result.page.filter((run) => matches(run, f)), lead };
}
