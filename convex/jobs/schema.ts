import { defineTable } from "convex/server";
import { vEventId, vWorkflowId } from "@convex-dev/workflow";
import { v } from "convex/values";
import {
  vCallbackStatus,
  vJobError,
  vJobSchedule,
  vJobSource,
  vJobState,
  vJobStepKind,
  vJobStepStatus,
} from "./validators";

/**
 * Background jobs. Index names are `by_<field>_<field>` in index order.
 */
export const jobTables = {
  /**
   * One row per job: a durable workflow of a type from the registry
   * (convex/jobs/types.ts). A recurring job is a row with `schedule` that
   * starts one child job (`parentJobId`) per occurrence and runs no steps itself.
   * Written by: start (API, `schedule_job` tool, schedule ticks), the job
   * workflow's steps, cancel / resume / restart, kill switches, the stuck-job cron.
   * Read by: jobs.list / get, the run inspector. A job is a thin kind of run:
   * this row keeps what is a job's own (type, input, schedule, result,
   * callbacks' owner); its lifecycle is its run's (convex/runs/).
   * `by_accountId_userId_createdAt` serves the caller's list (newest first);
   * the sweep and kill switches read runs (`interactions` by kind, status,
   * deadline / agent) and find the job `by_runId`; `by_parentJobId` cancel cascades;
   * `by_idempotencyKey` the tool's exactly-once start; the `by_accountId_*`
   * indexes the inspector's filtered lists.
   */
  jobs: defineTable({
    /**
     * The job's run in the run kernel (convex/runs/): its status, timing, attempts, deadline, error,
     * workflow, tokens and steps, where every reader finds them (jobs/jobRun.ts `jobOf`). Absent only
     * on jobs written before runs (jobs/jobRun.ts gives them one: the migration, or the job's next step).
     */
    runId: v.optional(v.id("interactions")),
    accountId: v.id("accounts"),
    /** The owner: who started it (or whose chat turn did). */
    userId: v.id("userProfiles"),
    type: v.string(),
    /** The task, in words (e.g. what to summarise). */
    input: v.optional(v.string()),
    source: vJobSource,
    /** Where it came from: the agent, its thread (observers post there) and the chat run. */
    agentId: v.optional(v.id("agents")),
    /** The agent version it runs (recorded at start; jobs/pinnedAgent.ts). Absent: no agent, or started before jobs pinned one. */
    agentVersion: v.optional(v.number()),
    threadId: v.optional(v.id("threads")),
    interactionId: v.optional(v.id("interactions")),
    /** The delegation tree of that run (its root, its parent), so the job's log lines follow the tree (ops/runLog.ts). */
    rootInteractionId: v.optional(v.id("interactions")),
    parentInteractionId: v.optional(v.id("interactions")),
    /** The job that started this one (a schedule's occurrences). */
    parentJobId: v.optional(v.id("jobs")),
    /** Set when started by a tool call: run:step:call, so a retried call starts one job. */
    idempotencyKey: v.optional(v.string()),
    createdAt: v.number(),
    /** When it is due to start (or, for a schedule, its next occurrence). */
    runAt: v.number(),
    timeoutMs: v.number(),
    result: v.optional(v.string()),
    hasUsefulOutput: v.boolean(),
    schedule: v.optional(vJobSchedule),
    /** The run generation whose ending was last posted to the thread. */
    notifiedGeneration: v.optional(v.number()),
    /** The budget hold of its model call while one is open (jobs/modelWork.ts). */
    openReservationKey: v.optional(v.string()),
    /** The agent's turn its useful result started in the thread (jobs/followUp.ts). */
    followUpInteractionId: v.optional(v.id("interactions")),
    /** How many of its steps have succeeded (the jobs page's progress). */
    stepsDone: v.number(),

    // Kept for rows written before jobs were thin runs: nothing writes these any more. The job's
    // run has them (jobs/jobRun.ts folds a row's into its run: the migration `jobsThin`, or the
    // job's next move); then they are cleared, and a later release can drop them from the schema.
    state: v.optional(vJobState),
    startedAt: v.optional(v.number()),
    endedAt: v.optional(v.number()),
    deadlineAt: v.optional(v.number()),
    attempts: v.optional(v.number()),
    error: v.optional(vJobError),
    failedStepKey: v.optional(v.string()),
    workflowId: v.optional(vWorkflowId),
    generation: v.optional(v.number()),
    tokens: v.optional(v.number()),
    costMicroUsd: v.optional(v.number()),
    stepCount: v.optional(v.number()),
  })
    .index("by_accountId_userId_createdAt", ["accountId", "userId", "createdAt"])
    .index("by_parentJobId", ["parentJobId"])
    .index("by_idempotencyKey", ["idempotencyKey"])
    .index("by_interactionId", ["interactionId"])
    // A run's job: the sweep, the kill switches and the inspector find a job from its run.
    .index("by_runId", ["runId"])
    /** Is a run a job's follow-up (no follow-up of a follow-up: jobs/followUp.ts). */
    .index("by_followUpInteractionId", ["followUpInteractionId"]),

  /**
   * Job steps as they were stored before the run kernel: a job's steps are now
   * rows of the one step ledger (`steps`, under the job's run). Nothing writes
   * here any more; jobs/jobRun.ts moves a job's rows over (the migration in
   * convex/migrations.ts, or the job's next step) and deletes them. The table
   * stays until every deployment has run the migration.
   */
  jobSteps: defineTable({
    jobId: v.id("jobs"),
    index: v.number(),
    key: v.string(),
    name: v.string(),
    kind: vJobStepKind,
    status: vJobStepStatus,
    attempt: v.number(),
    startedAt: v.number(),
    endedAt: v.optional(v.number()),
    durationMs: v.optional(v.number()),
    error: v.optional(v.object({ code: v.string(), message: v.string() })),
    detail: v.optional(v.string()),
  })
    .index("by_jobId_index", ["jobId", "index"])
    .index("by_jobId_key", ["jobId", "key"]),

  /**
   * An external callback a job waits for (`POST /v1/callbacks/{callId}`),
   * resolved once. Written by: the wait step, resolveCallback, the wait's
   * timeout, job ends (cancel). Read by: resolveCallback (`by_callId`), job ends (`by_jobId_status`).
   */
  jobCallbacks: defineTable({
    callId: v.string(),
    jobId: v.id("jobs"),
    accountId: v.id("accounts"),
    stepKey: v.string(),
    workflowId: vWorkflowId,
    /** The workflow event the wait step awaits. */
    eventId: vEventId(),
    status: vCallbackStatus,
    createdAt: v.number(),
    timeoutAt: v.number(),
    resolvedAt: v.optional(v.number()),
    result: v.optional(v.string()),
    error: v.optional(v.string()),
  })
    .index("by_callId", ["callId"])
    .index("by_jobId_status", ["jobId", "status"]),
};
