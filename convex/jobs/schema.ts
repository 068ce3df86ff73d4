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
   * Read by: jobs.list / get, the run inspector.
   * `by_accountId_userId_createdAt` serves the caller's list (newest first);
   * `by_state_deadlineAt` the stuck-job cron (running / waiting past their
   * deadline) and the platform pause (every pending / waiting job);
   * `by_agentId_state` the agent pause; `by_parentJobId` cancel cascades;
   * `by_idempotencyKey` the tool's exactly-once start; the `by_accountId_*`
   * indexes the inspector's filtered lists.
   */
  jobs: defineTable({
    /**
     * The job's run in the run kernel (convex/runs/): its status, timing, tokens and steps in the
     * one step ledger, where the inspector reads them. Absent only on jobs written before runs
     * (jobs/jobRun.ts gives them one: the migration, or the job's next step, whichever comes first).
     */
    runId: v.optional(v.id("interactions")),
    accountId: v.id("accounts"),
    /** The owner: who started it (or whose chat turn did). */
    userId: v.id("userProfiles"),
    type: v.string(),
    /** The task, in words (e.g. what to summarise). */
    input: v.optional(v.string()),
    state: vJobState,
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
    /** First start. */
    startedAt: v.optional(v.number()),
    endedAt: v.optional(v.number()),
    /** The latest (re)start + timeoutMs; the stuck-job cron settles running / waiting jobs past it. */
    deadlineAt: v.optional(v.number()),
    /** Times it was started: 1, then + 1 for every resume or restart. */
    attempts: v.number(),
    timeoutMs: v.number(),
    result: v.optional(v.string()),
    hasUsefulOutput: v.boolean(),
    error: v.optional(vJobError),
    /** The workflow step a resume starts from. */
    failedStepKey: v.optional(v.string()),
    workflowId: v.optional(vWorkflowId),
    schedule: v.optional(vJobSchedule),
    /** Bumped by resume and restart; observers post once per generation. */
    generation: v.number(),
    /** The generation whose ending was last posted to the thread. */
    notifiedGeneration: v.optional(v.number()),
    /** The budget hold of its model call while one is open (jobs/modelWork.ts). */
    openReservationKey: v.optional(v.string()),
    /** No longer written: what its model calls used is on its run (tokensIn/Out, costMicroUsd); kept for rows written before (the migration carries them over). */
    tokens: v.optional(v.number()),
    costMicroUsd: v.optional(v.number()),
    /** The agent's turn its useful result started in the thread (jobs/followUp.ts). */
    followUpInteractionId: v.optional(v.id("interactions")),
    /** No longer written (a step's index comes from the run's steps); kept for rows written before. */
    stepCount: v.optional(v.number()),
    /** How many of its steps have succeeded (the jobs page's progress). */
    stepsDone: v.number(),
  })
    .index("by_accountId_userId_createdAt", ["accountId", "userId", "createdAt"])
    .index("by_accountId_createdAt", ["accountId", "createdAt"])
    .index("by_accountId_state_createdAt", ["accountId", "state", "createdAt"])
    .index("by_accountId_agentId_createdAt", ["accountId", "agentId", "createdAt"])
    .index("by_state_deadlineAt", ["state", "deadlineAt"])
    .index("by_agentId_state", ["agentId", "state"])
    .index("by_parentJobId", ["parentJobId"])
    .index("by_idempotencyKey", ["idempotencyKey"])
    .index("by_interactionId", ["interactionId"])
    // A run's job: the inspector's controls act on a job's run through its job.
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
