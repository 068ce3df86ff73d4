/**
 * What the run inspector returns, as validators with their types beside
 * them. Fields stored on a run, a step or a tool call are picked from the
 * `interactions`, `steps` and `toolCalls` tables' own validators, so a new
 * run kind or status (e.g. jobs) or a changed field flows through.
 */
import { vWorkflowId } from "@convex-dev/workflow";
import { pick } from "convex-helpers";
import { v, type Infer } from "convex/values";
import { vChannel } from "../agents/channels";
import { vAgentSnapshot } from "../agents/versions";
import { chatTables } from "../chat/schema";
import { runTables } from "../runs/schema";

const runFields = runTables.interactions.validator.fields;
const stepFields = runTables.steps.validator.fields;
const toolCallFields = chatTables.toolCalls.validator.fields;
export const vRunKind = runFields.kind;
export type RunKind = Infer<typeof vRunKind>;
export const vRunStatus = runFields.status;
export type RunStatus = Infer<typeof vRunStatus>;

/** One row of the run list (and the head of a run's timeline). Money in USD. */
export const vRunRow = v.object({
  interactionId: v.id("interactions"),
  ...pick(runFields, [
    "kind",
    "status",
    "agentId",
    "agentVersion",
    "userId",
    "threadId",
    "modelLabel",
    "createdAt",
    "startedAt",
    "endedAt",
    "tokensIn",
    "tokensOut",
    "llmCalls",
    "depth",
    "parentInteractionId",
    "rootInteractionId",
    "error",
    "failedStepKey",
  ]),
  agentName: v.string(),
  userName: v.string(),
  /** Where the run started: the app, the HTTP API, Telegram or email (a delegate: its root's); absent for a job with no thread. */
  channel: v.optional(vChannel),
  /** From start (or creation) to end; absent while the run is going. */
  durationMs: v.optional(v.number()),
  costUsd: v.number(),
  /** Own cost plus every descendant's that has reported back. */
  treeCostUsd: v.number(),
});
export type RunRow = Infer<typeof vRunRow>;

export const vRunFilters = {
  agentId: v.optional(v.id("agents")),
  userId: v.optional(v.id("userProfiles")),
  status: v.optional(vRunStatus),
  kind: v.optional(vRunKind),
  /** Inclusive bounds on `createdAt` (ms since epoch). */
  from: v.optional(v.number()),
  to: v.optional(v.number()),
};

export const vJournalStatus = v.union(v.literal("inProgress"), v.literal("success"), v.literal("failed"), v.literal("canceled"));

/** One of our step rows, with what the workflow's journal says about it. */
export const vTimelineStep = v.object({
  stepId: v.id("steps"),
  /**
   * As the step row has them. `attempt`: attempts so far, across retries,
   * resumes and restarts; `usageEstimated`: the provider reported no usage, the
   * tokens were counted by the harness (shown "≈"); `retry`: a failed attempt
   * tried again at `retry.at` (model calls).
   */
  ...pick(stepFields, [
    "index",
    "key",
    "kind",
    "name",
    "status",
    "attempt",
    "startedAt",
    "endedAt",
    "durationMs",
    "tokensIn",
    "tokensOut",
    "usageEstimated",
    "error",
    "retry",
    "detail",
    "contextEntries",
    // What the step was given and gave back, redacted and bounded when written (runs/stepPayload.ts).
    "input",
    "output",
  ]),
  costUsd: v.optional(v.number()),
  /** Tool steps: the idempotency record (arguments, outcome, executions). */
  toolCall: v.optional(v.object(pick(toolCallFields, ["toolSlug", "args", "status", "attempts", "result", "error"]))),
  /**
   * External calls (http and mcp tool steps): the request as sent — method and
   * URL, the query string and any credentials redacted, headers never — and the
   * response's status and latency where recorded (an MCP call's latency is its step's duration).
   */
  request: v.optional(
    v.object({
      via: v.union(v.literal("http"), v.literal("mcp")),
      method: v.string(),
      url: v.string(),
      statusCode: v.optional(v.number()),
      latencyMs: v.optional(v.number()),
      attempts: v.optional(v.number()),
    }),
  ),
  /** Delegation steps: the child run. */
  childInteractionId: v.optional(v.id("interactions")),
  /** The journal step this row matched (absent: none, see `reconciliation.rowsWithoutJournal`). */
  journal: v.optional(v.object({ stepNumber: v.number(), name: v.string(), status: vJournalStatus })),
});
export type TimelineStep = Infer<typeof vTimelineStep>;

/** A run below this one in the delegation tree. */
export const vTreeNode = v.object({
  interactionId: v.id("interactions"),
  /** `parentToolCallId`: the parent's tool call this child answers. */
  ...pick(runFields, ["parentInteractionId", "depth", "status", "tokensIn", "tokensOut", "createdAt", "endedAt", "error", "parentToolCallId"]),
  agentName: v.string(),
  costUsd: v.number(),
  treeCostUsd: v.number(),
});
export type TreeNode = Infer<typeof vTreeNode>;

/** A message the run produced (its prompt, replies, tool calls and results). */
export const vRunMessage = v.object({
  messageId: v.string(),
  role: v.string(),
  status: v.string(),
  stepOrder: v.number(),
  text: v.string(),
  tools: v.array(v.object({ type: v.union(v.literal("call"), v.literal("result")), toolName: v.string(), toolCallId: v.string() })),
  tokensIn: v.optional(v.number()),
  tokensOut: v.optional(v.number()),
  createdAt: v.number(),
});
export type RunMessage = Infer<typeof vRunMessage>;

/**
 * One entry of the workflow's journal. `role`: `row` — it has a step row
 * (`rowKey`); `bookkeeping` — a step that by design writes no row (budget
 * reservations, policy checks, settles); `missingRow` — it should have one
 * and has none.
 */
export const vJournalEntry = v.object({
  stepNumber: v.number(),
  name: v.string(),
  kind: v.union(v.literal("function"), v.literal("workflow"), v.literal("event"), v.literal("sleep")),
  status: vJournalStatus,
  error: v.optional(v.string()),
  /** Model calls: `ok`, `retry` (the provider failed; tried again after a wait), `failed`, `ended`. */
  modelOutcome: v.optional(v.string()),
  startedAt: v.number(),
  completedAt: v.optional(v.number()),
  role: v.union(v.literal("row"), v.literal("bookkeeping"), v.literal("missingRow")),
  rowKey: v.optional(v.string()),
});
export type JournalEntry = Infer<typeof vJournalEntry>;

export const vReconciliation = v.object({
  matched: v.number(),
  /** Journal steps that should have a step row and have none. */
  journalWithoutRow: v.array(v.string()),
  /** Step rows with no journal step (e.g. a step removed from the journal by a resume, or a crash between the two writes). */
  rowsWithoutJournal: v.array(v.string()),
  /** True when the journal or the rows were longer than the bound read. */
  truncated: v.boolean(),
});

export const vWorkflowState = v.object({
  workflowId: v.optional(vWorkflowId),
  status: v.union(v.literal("none"), v.literal("inProgress"), v.literal("completed"), v.literal("failed"), v.literal("canceled")),
  error: v.optional(v.string()),
});

export const vRunTimeline = v.object({
  run: vRunRow,
  steps: v.array(vTimelineStep),
  tree: v.array(vTreeNode),
  treeTruncated: v.boolean(),
  messages: v.array(vRunMessage),
  agentVersion: v.union(vAgentSnapshot, v.null()),
  workflow: vWorkflowState,
  journal: v.array(vJournalEntry),
  reconciliation: vReconciliation,
});
export type RunTimeline = Infer<typeof vRunTimeline>;
