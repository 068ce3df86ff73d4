import { defineTable } from "convex/server";
import { vWorkflowId } from "@convex-dev/workflow";
import { v } from "convex/values";
import { vPermission } from "../tools/validators";
import { vContextEntry, vErrorInfo, vProviderRetry, vRunStatus, vRunTally, vStepKind, vStepStatus } from "./validators";

/**
 * The run kernel's tables: one row per run (`interactions`, named for the
 * chat turn it started as; every run's id is an `Id<"interactions">`) and one
 * step ledger (`steps`) shared by every kind of run.
 */
export const runTables = {
  /**
   * One row per run: a chat turn, a delegation (a child run) or a background job.
   * Written by: send, the turn workflow's steps, cancel/retry. Read by: the chat (status), the run inspector.
   */
  interactions: defineTable({
    kind: v.union(v.literal("turn"), v.literal("delegation"), v.literal("job")),
    accountId: v.id("accounts"),
    userId: v.id("userProfiles"),
    agentId: v.optional(v.id("agents")),
    agentVersion: v.optional(v.number()),
    /** The team whose budget the run is charged to (teams/budgets.ts `chargedTeam`); absent = none. */
    teamId: v.optional(v.id("teams")),
    threadId: v.optional(v.id("threads")),
    /** Delegation lineage: the run that delegated, the root of the tree, depth (root = 0), agents from the root down. */
    parentInteractionId: v.optional(v.id("interactions")),
    rootInteractionId: v.optional(v.id("interactions")),
    depth: v.number(),
    lineage: v.array(v.id("agents")),
    /** For a delegation: the parent's tool call it answers, and the budget slice it spends from. */
    parentToolCallId: v.optional(v.string()),
    budgetSliceKey: v.optional(v.string()),
    /** What the delegating composition lends: tools at or below `permission`, only `allowedToolSlugs` when set. */
    delegationLimits: v.optional(v.object({ permission: vPermission, allowedToolSlugs: v.optional(v.array(v.string())) })),
    /** Own cost plus every descendant's (the tree's cost, on the root). */
    treeCostMicroUsd: v.number(),
    /** The user message this run answers, its text and its order in the agent thread. */
    promptMessageId: v.optional(v.string()),
    promptText: v.optional(v.string()),
    promptOrder: v.optional(v.number()),
    workflowId: v.optional(vWorkflowId),
    status: vRunStatus,
    modelId: v.optional(v.string()),
    modelLabel: v.optional(v.string()),
    triage: v.optional(v.object({ intent: v.string(), confidence: v.number() })),
    createdAt: v.number(),
    startedAt: v.optional(v.number()),
    endedAt: v.optional(v.number()),
    tokensIn: v.number(),
    tokensOut: v.number(),
    costMicroUsd: v.number(),
    llmCalls: v.number(),
    /** The part of tokensIn + tokensOut counted by the harness because the provider reported none. */
    tokensEstimated: v.optional(v.number()),
    /** Set while a model call waits to be tried again (the chat shows "retrying in 8 s — attempt 2 of 4"). */
    providerRetry: v.optional(vProviderRetry),
    error: v.optional(vErrorInfo),
    /** The workflow step to resume from when the run failed. */
    failedStepKey: v.optional(v.string()),
    /** A job's run: the latest (re)start + the job's timeout; the stuck-run sweep (jobs/maintenance.ts) settles it past this. */
    deadlineAt: v.optional(v.number()),
    /** A job's run: times it was started (1, then + 1 per resume or restart). A chat run counts its retries in `generation`. */
    attempts: v.optional(v.number()),
    /** No longer written (an open call's reservation is found from its step row); kept for rows written before. */
    openReservationKey: v.optional(v.string()),
    /** No longer written (a new step's index comes from the steps table); kept for rows written before. */
    stepCount: v.optional(v.number()),
    /** Model spending not yet in the usage totals and metrics: added when the run ends (chat/runTally.ts). */
    unflushed: v.optional(vRunTally),
    /** Bumped by retry; reservations are keyed by it so a retried call reserves afresh. */
    generation: v.number(),
    /** Saved during maintenance and not started yet (status `queued`); cleared when ops/maintenance.ts releases it. */
    heldForMaintenance: v.optional(v.boolean()),
  })
    .index("by_threadId", ["threadId"])
    // No reader left: the inspector's `by_accountId_createdAt` answers the same queries (drop this one when convenient).
    .index("by_parentInteractionId", ["parentInteractionId"])
    // The run inspector's list (convex/inspector/runs.ts): one index per leading filter, newest first by createdAt.
    .index("by_accountId_createdAt", ["accountId", "createdAt"])
    .index("by_accountId_status_createdAt", ["accountId", "status", "createdAt"])
    .index("by_accountId_agentId_createdAt", ["accountId", "agentId", "createdAt"])
    .index("by_accountId_userId_createdAt", ["accountId", "userId", "createdAt"])
    .index("by_accountId_kind_createdAt", ["accountId", "kind", "createdAt"])
    // The stuck-run sweep (a kind's running / waiting runs past their deadline) and the platform pause (every queued / waiting job).
    .index("by_kind_status_deadlineAt", ["kind", "status", "deadlineAt"])
    // An agent's pause: its queued and waiting jobs.
    .index("by_agentId_kind_status", ["agentId", "kind", "status"]),

  /**
   * One row per step of a run, in order. Written by: the turn workflow. Read by: the run inspector, the chat (tool status).
   */
  steps: defineTable({
    interactionId: v.id("interactions"),
    /** Position in the run; stable across retries of the same step. */
    index: v.number(),
    /** Unique within the run, also the workflow step's name (e.g. `llm#0`, `tool#call_1`). */
    key: v.string(),
    kind: vStepKind,
    name: v.string(),
    status: vStepStatus,
    attempt: v.number(),
    startedAt: v.number(),
    endedAt: v.optional(v.number()),
    durationMs: v.optional(v.number()),
    tokensIn: v.optional(v.number()),
    tokensOut: v.optional(v.number()),
    costMicroUsd: v.optional(v.number()),
    toolCallId: v.optional(v.string()),
    error: v.optional(vErrorInfo),
    detail: v.optional(v.string()),
    /** LLM steps: the knowledge entries put in the prompt (cited as [1], [2]…). */
    contextEntries: v.optional(v.array(vContextEntry)),
    /** LLM steps: the last stepOrder in the agent thread before the first attempt (replay detection). */
    baselineStepOrder: v.optional(v.number()),
    /** LLM steps: the provider reported no usage, so tokensIn/Out were counted here (shown as "≈"). */
    usageEstimated: v.optional(v.boolean()),
    /** A failed attempt that will be tried again: when, and how many attempts in all. */
    retry: v.optional(vProviderRetry),
    /**
     * What the step was given and what it gave back (model call: prompt and reply or tool calls; tool: arguments
     * and result or error; delegation: handover and answer), secrets redacted and cut at 4,000 characters
     * (runs/stepPayload.ts). Written by the step writers (stepRows.ts) in the same insert or patch as the step;
     * absent on rows written before, and on steps with nothing to show.
     */
    input: v.optional(v.string()),
    output: v.optional(v.string()),
  })
    .index("by_interactionId_index", ["interactionId", "index"])
    .index("by_interactionId_key", ["interactionId", "key"]),

};
