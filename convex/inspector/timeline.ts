/**
 * One run's timeline: our step rows in order, the delegation tree below the
 * run, the messages it produced, the agent version it ran with, and the
 * workflow's own journal reconciled with our rows. Plain functions taking
 * `ctx`; every read is a bounded index range, none grows with the account's
 * history.
 *
 * Reconciliation: a row's `key` is the name of the workflow step that wrote
 * it (`triage`, `llm#0`, `tool#<call>`, `delegate#<call>`), except
 *   - a tool refused by policy: the row `tool#<call>` is written by `policy#<call>`;
 *   - a delegation that needed no approval: `delegate#<call>` is written by `policy#<call>`;
 *   - an approval wait `approval#<call>`: the journal's event `approval:<approvalId>`.
 * Journal steps that by design write no row (budget reservations, policy
 * checks, settles, completion) are `bookkeeping`.
 */
import type { MessageDoc } from "@convex-dev/agent";
import type { WorkflowId } from "@convex-dev/workflow";
import { components } from "../_generated/api";
import type { Doc, Id } from "../_generated/dataModel";
import type { QueryCtx } from "../_generated/server";
import { snapshotOf } from "../agents/runtime";
import { toolCallKey } from "../chat/toolSteps";
import { redactedUrl } from "../lib/redactedUrl";
import { redactSecrets } from "../runs/stepPayload";
import { workflow } from "../lib/workflow";
import type { Names } from "./names";
import { MICRO, publicRun } from "./runRows";
import type { JournalEntry, RunMessage, RunTimeline, TimelineStep, TreeNode } from "./validators";
import { isChatRun } from "../runs/records";

/** Bounds of one timeline read. A turn has at most ~6 model calls and their tools; these leave room. */
export const TIMELINE_LIMITS = { steps: 200, journal: 300, tree: 50, messages: 40, resultChars: 2_000, textChars: 4_000 } as const;

type JournalStatus = JournalEntry["status"];

export type JournalStep = {
  stepNumber: number;
  name: string;
  kind: JournalEntry["kind"];
  status: JournalStatus;
  error?: string;
  /** A model call's answer (`ok`, `retry`, `failed`, `ended`): one journal entry per attempt, and only `ok` was paid for. */
  modelOutcome?: string;
  startedAt: number;
  completedAt?: number;
};

function clip(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max)}…` : text;
}

/** A tool call's record as staff see it: stored whole for the run, shown with secrets redacted (then clipped). */
function shownClip(text: string): string {
  return clip(redactSecrets(text), TIMELINE_LIMITS.resultChars);
}

/** The workflow's journal, oldest first (bounded). */
function modelOutcomeOf(name: string, result: { kind: string; returnValue?: unknown } | undefined): { modelOutcome: string } | undefined {
  if (!/^llm#\d+$/.test(name) || result?.kind !== "success") return undefined;
  const kind = (result.returnValue as { kind?: unknown } | null | undefined)?.kind;
  return typeof kind === "string" ? { modelOutcome: kind } : undefined;
}

export async function readJournal(ctx: QueryCtx, workflowId: WorkflowId | undefined): Promise<{ steps: JournalStep[]; truncated: boolean }> {
  if (workflowId === undefined) return { steps: [], truncated: false };
  const page = await workflow.listSteps(ctx, workflowId, {
    order: "asc",
    paginationOpts: { numItems: TIMELINE_LIMITS.journal, cursor: null },
  });
  const steps = page.page.map((s): JournalStep => {
    const status: JournalStatus = s.runResult === undefined ? "inProgress" : s.runResult.kind;
    return {
      stepNumber: s.stepNumber,
      name: s.name,
      kind: s.kind,
      status,
      ...(s.runResult?.kind === "failed" ? { error: clip(s.runResult.error, 500) } : {}),
      ...(modelOutcomeOf(s.name, s.runResult) ?? {}),
      startedAt: s.startedAt,
      ...(s.completedAt !== undefined ? { completedAt: s.completedAt } : {}),
    };
  });
  return { steps, truncated: !page.isDone };
}

export async function workflowState(ctx: QueryCtx, workflowId: WorkflowId | undefined): Promise<RunTimeline["workflow"]> {
  if (workflowId === undefined) return { status: "none" };
  const status = await workflow.status(ctx, workflowId);
  switch (status.type) {
    case "inProgress":
      return { workflowId, status: "inProgress" };
    case "completed":
      return { workflowId, status: "completed" };
    case "canceled":
      return { workflowId, status: "canceled" };
    case "failed":
      return { workflowId, status: "failed", error: clip(status.error, 500) };
  }
}

/** Journal names that must have a step row (anything else is bookkeeping unless a row claims it). */
function expectsRow(name: string, run: Doc<"interactions">): boolean {
  // Runs journaled before triage moved out of the workflow still have a `triage` step.
  if (name === "triage") return run.kind === "turn";
  return /^llm#\d+$/.test(name) || name.startsWith("tool#") || name.startsWith("delegate#") || name.startsWith("approval:");
}

/** The journal step names that may have written this row, most specific first. */
function journalNamesFor(row: Doc<"steps">, approvalByCall: Map<string, Id<"approvals">>): string[] {
  const hash = row.key.indexOf("#");
  const prefix = hash < 0 ? row.key : row.key.slice(0, hash);
  const callId = hash < 0 ? "" : row.key.slice(hash + 1);
  if (prefix === "tool" || prefix === "delegate") return [row.key, `policy#${callId}`];
  if (prefix === "approval") {
    const approvalId = approvalByCall.get(callId);
    return approvalId ? [`approval:${approvalId}`] : [];
  }
  return [row.key];
}

/**
 * Steps a turn takes before its workflow exists (convex/chat/fastTurn.ts):
 * triage, and the model and tool calls of the fast turn — begun before the
 * workflow's first step, unless the workflow journaled them again (after a
 * crash or a provider failure). Their rows have no journal step by design.
 */
function beforeWorkflow(row: Doc<"steps">, journal: JournalStep[]): boolean {
  const workflowStartedAt = journal[0]?.startedAt ?? Number.POSITIVE_INFINITY;
  return row.kind === "triage" || row.startedAt <= workflowStartedAt;
}

export function reconcile(
  run: Doc<"interactions">,
  rows: Doc<"steps">[],
  journal: JournalStep[],
  approvalByCall: Map<string, Id<"approvals">>,
) {
  // A restart deletes and re-adds steps, so a name appears at most once; keep the last to be safe.
  const byName = new Map<string, JournalStep>();
  for (const step of journal) byName.set(step.name, step);
  const claimedBy = new Map<number, string>();
  const rowJournal = new Map<string, JournalStep>();
  const rowsWithoutJournal: string[] = [];
  for (const row of rows) {
    const match = journalNamesFor(row, approvalByCall)
      .map((name) => byName.get(name))
      .find((step) => step !== undefined && !claimedBy.has(step.stepNumber));
    if (match) {
      claimedBy.set(match.stepNumber, row.key);
      rowJournal.set(row.key, match);
    } else if (!beforeWorkflow(row, journal)) {
      rowsWithoutJournal.push(row.key);
    }
  }
  const entries: JournalEntry[] = journal.map((step) => {
    const rowKey = claimedBy.get(step.stepNumber);
    const role = rowKey !== undefined ? ("row" as const) : expectsRow(step.name, run) ? ("missingRow" as const) : ("bookkeeping" as const);
    return { ...step, role, ...(rowKey !== undefined ? { rowKey } : {}) };
  });
  return {
    entries,
    rowJournal,
    matched: claimedBy.size,
    journalWithoutRow: entries.filter((e) => e.role === "missingRow").map((e) => e.name),
    rowsWithoutJournal,
  };
}

async function approvalsByCall(ctx: QueryCtx, interactionId: Id<"interactions">) {
  const approvals = await ctx.db
    .query("approvals")
    .withIndex("by_interactionId_toolCallId", (q) => q.eq("interactionId", interactionId))
    .take(TIMELINE_LIMITS.steps);
  return new Map(approvals.map((a) => [a.toolCallId, a._id]));
}

/** The runs below `root`, breadth first, at most `TIMELINE_LIMITS.tree`. */
export async function delegationTree(ctx: QueryCtx, root: Doc<"interactions">, names: Names): Promise<{ nodes: TreeNode[]; truncated: boolean }> {
  const nodes: TreeNode[] = [];
  const queue: Id<"interactions">[] = [root._id];
  let truncated = false;
  while (queue.length > 0) {
    const parentId = queue.shift()!;
    const room = TIMELINE_LIMITS.tree - nodes.length;
    if (room <= 0) {
      truncated = true;
      break;
    }
    const children = await ctx.db
      .query("interactions")
      .withIndex("by_parentInteractionId", (q) => q.eq("parentInteractionId", parentId))
      .take(room + 1);
    if (children.length > room) truncated = true;
    for (const child of children.slice(0, room)) {
      nodes.push({
        interactionId: child._id,
        parentInteractionId: parentId,
        depth: child.depth,
        agentName: await names.agent(child.agentId),
        status: child.status,
        tokensIn: child.tokensIn,
        tokensOut: child.tokensOut,
        costUsd: child.costMicroUsd / MICRO,
        treeCostUsd: child.treeCostMicroUsd / MICRO,
        createdAt: child.createdAt,
        ...(child.endedAt !== undefined ? { endedAt: child.endedAt } : {}),
        ...(child.error ? { error: child.error } : {}),
        ...(child.parentToolCallId ? { parentToolCallId: child.parentToolCallId } : {}),
      });
      queue.push(child._id);
    }
  }
  return { nodes, truncated };
}

function toolParts(message: MessageDoc): RunMessage["tools"] {
  const content = message.message?.content;
  if (!Array.isArray(content)) return [];
  const tools: RunMessage["tools"] = [];
  for (const part of content as { type?: string; toolName?: string; toolCallId?: string }[]) {
    if ((part.type === "tool-call" || part.type === "tool-result") && part.toolName && part.toolCallId) {
      tools.push({ type: part.type === "tool-call" ? "call" : "result", toolName: part.toolName, toolCallId: part.toolCallId });
    }
  }
  return tools;
}

/**
 * The messages of this run: its prompt and everything saved in answer to it
 * (same order in the agent thread). Read from the prompt's position down, so
 * an old run in a long thread costs the same as a new one.
 */
export async function runMessages(ctx: QueryCtx, run: Doc<"interactions">): Promise<RunMessage[]> {
  if (!isChatRun(run)) return []; // a background job's run has no messages of its own
  const thread = await ctx.db.get("threads", run.threadId);
  if (thread === null) return [];
  const page = await ctx.runQuery(components.agent.messages.listMessagesByThreadId, {
    threadId: thread.agentThreadId,
    order: "desc",
    paginationOpts: { numItems: TIMELINE_LIMITS.messages, cursor: null },
    upToAndIncludingMessageId: run.promptMessageId,
  });
  return (page.page as MessageDoc[])
    .filter((m) => m.order === run.promptOrder)
    .reverse()
    .map((m) => ({
      messageId: m._id,
      role: m.message?.role ?? "unknown",
      status: m.status,
      stepOrder: m.stepOrder,
      text: clip(redactSecrets(m.text ?? ""), TIMELINE_LIMITS.textChars),
      tools: toolParts(m),
      ...(m.usage?.promptTokens !== undefined ? { tokensIn: m.usage.promptTokens } : {}),
      ...(m.usage?.completionTokens !== undefined ? { tokensOut: m.usage.completionTokens } : {}),
      createdAt: m._creationTime,
    }));
}

/** An http or mcp tool step's request and response, from `httpToolCalls` (same key) or the MCP tool's server: one indexed read or two. */
async function externalRequest(
  ctx: QueryCtx,
  run: Doc<"interactions">,
  row: Doc<"steps">,
  key: string | null,
  slug: string | undefined,
): Promise<{ request: NonNullable<TimelineStep["request"]>; rawUrl: string } | undefined> {
  if (key === null) return undefined;
  const call = await ctx.db
    .query("httpToolCalls")
    .withIndex("by_key", (q) => q.eq("key", key))
    .first();
  if (call !== null) {
    return {
      rawUrl: call.url,
      request: {
        via: "http",
        method: call.method,
        url: redactedUrl(call.url),
        attempts: call.attempts,
        ...(call.lastStatusCode !== undefined ? { statusCode: call.lastStatusCode } : {}),
        ...(call.lastLatencyMs !== undefined ? { latencyMs: call.lastLatencyMs } : {}),
      },
    };
  }
  if (slug === undefined || !slug.startsWith("mcp_")) return undefined;
  const tool = await ctx.db
    .query("tools")
    .withIndex("by_accountId_slug", (q) => q.eq("accountId", run.accountId).eq("slug", slug))
    .unique();
  const server = tool?.kind === "mcp" && tool.mcp !== undefined ? await ctx.db.get("mcpServers", tool.mcp.serverId) : null;
  if (server === null || server.accountId !== run.accountId) return undefined;
  return {
    rawUrl: server.url,
    request: { via: "mcp", method: "POST", url: redactedUrl(server.url), ...(row.durationMs !== undefined ? { latencyMs: row.durationMs } : {}) },
  };
}

function childOf(ctx: QueryCtx, row: Doc<"steps">): Id<"interactions"> | null {
  if (row.kind !== "delegation" || !row.detail?.startsWith("child ")) return null;
  return ctx.db.normalizeId("interactions", row.detail.slice("child ".length));
}

async function timelineStep(ctx: QueryCtx, run: Doc<"interactions">, row: Doc<"steps">, journal: JournalStep | undefined): Promise<TimelineStep> {
  const record =
    row.kind === "tool" && row.key.startsWith("tool#")
      ? await ctx.db
          .query("toolCalls")
          .withIndex("by_key", (q) => q.eq("key", toolCallKey(run._id, row.key.slice("tool#".length))))
          .unique()
      : null;
  const childId = childOf(ctx, row);
  const external = row.kind === "tool" ? await externalRequest(ctx, run, row, record?.key ?? null, record?.toolSlug) : undefined;
  // The step's detail names the URL as sent: shown redacted like the request. Its one line may quote a tool's result: secrets redacted too.
  const sentDetail = external && row.detail !== undefined ? row.detail.split(external.rawUrl).join(external.request.url) : row.detail;
  const detail = sentDetail === undefined ? undefined : redactSecrets(sentDetail);
  return {
    stepId: row._id,
    index: row.index,
    key: row.key,
    kind: row.kind,
    name: row.name,
    status: row.status,
    attempt: row.attempt,
    startedAt: row.startedAt,
    ...(row.endedAt !== undefined ? { endedAt: row.endedAt } : {}),
    ...(row.durationMs !== undefined ? { durationMs: row.durationMs } : {}),
    ...(row.tokensIn !== undefined ? { tokensIn: row.tokensIn } : {}),
    ...(row.tokensOut !== undefined ? { tokensOut: row.tokensOut } : {}),
    ...(row.usageEstimated ? { usageEstimated: true } : {}),
    ...(row.costMicroUsd !== undefined ? { costUsd: row.costMicroUsd / MICRO } : {}),
    ...(row.error ? { error: row.error } : {}),
    ...(row.retry && row.status === "failed" ? { retry: row.retry } : {}),
    ...(detail !== undefined ? { detail } : {}),
    ...(row.contextEntries ? { contextEntries: row.contextEntries } : {}),
    ...(row.input !== undefined ? { input: row.input } : {}),
    ...(row.output !== undefined ? { output: row.output } : {}),
    ...(record
      ? {
          toolCall: {
            toolSlug: record.toolSlug,
            args: shownClip(record.args),
            status: record.status,
            attempts: record.attempts,
            ...(record.result !== undefined ? { result: shownClip(record.result) } : {}),
            ...(record.error !== undefined ? { error: shownClip(record.error) } : {}),
          },
        }
      : {}),
    ...(external ? { request: external.request } : {}),
    ...(childId ? { childInteractionId: childId } : {}),
    ...(journal ? { journal: { stepNumber: journal.stepNumber, name: journal.name, status: journal.status } } : {}),
  };
}

/** The steps rows of a run in order (bounded). */
export async function stepRows(ctx: QueryCtx, interactionId: Id<"interactions">) {
  const rows = await ctx.db
    .query("steps")
    .withIndex("by_interactionId_index", (q) => q.eq("interactionId", interactionId))
    .take(TIMELINE_LIMITS.steps + 1);
  return { rows: rows.slice(0, TIMELINE_LIMITS.steps), truncated: rows.length > TIMELINE_LIMITS.steps };
}

export async function loadTimeline(ctx: QueryCtx, run: Doc<"interactions">, names: Names): Promise<RunTimeline> {
  const { rows, truncated: rowsTruncated } = await stepRows(ctx, run._id);
  const journal = await readJournal(ctx, run.workflowId);
  const reconciled = reconcile(run, rows, journal.steps, await approvalsByCall(ctx, run._id));
  const steps: TimelineStep[] = [];
  for (const row of rows) steps.push(await timelineStep(ctx, run, row, reconciled.rowJournal.get(row.key)));
  const tree = await delegationTree(ctx, run, names);
  return {
    run: await publicRun(run, names),
    steps,
    tree: tree.nodes,
    treeTruncated: tree.truncated,
    messages: await runMessages(ctx, run),
    agentVersion: run.agentId === undefined ? null : await snapshotOf(ctx, run.agentId, run.agentVersion),
    workflow: await workflowState(ctx, run.workflowId),
    journal: reconciled.entries,
    reconciliation: {
      matched: reconciled.matched,
      journalWithoutRow: reconciled.journalWithoutRow,
      rowsWithoutJournal: reconciled.rowsWithoutJournal,
      truncated: rowsTruncated || journal.truncated,
    },
  };
}
