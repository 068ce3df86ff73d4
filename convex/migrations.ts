/**
 * Data migrations (`@convex-dev/migrations`): each rewrites stored documents
 * in batches, resumable, recorded in the component so a finished one never
 * runs twice. Run after a deploy that adds one:
 *
 *   npx convex run migrations:runAll
 *
 * (the local engine runs it itself when it opens a stored database).
 */
import { Migrations } from "@convex-dev/migrations";
import { components, internal } from "./_generated/api";
import type { DataModel } from "./_generated/dataModel";
import { replyWhenRunEnds } from "./channels/email/outbound";
import { ensureJobRun } from "./jobs/jobRun";
import { isEnded } from "./runs/status";

export const migrations = new Migrations<DataModel>(components.migrations);

/**
 * Background jobs onto the run kernel: every job stored before runs gets its
 * run row (kind "job": status, timing, tokens, cost as the job had them) and
 * its `jobSteps` rows move to the step ledger under that run. A job still
 * going at the switch is migrated by whichever comes first, this or its own
 * next step (both call `ensureJobRun`; the second finds it done).
 */
export const jobsOntoRuns = migrations.define({
  table: "jobs",
  batchSize: 50,
  migrateOne: async (ctx, job) => {
    if (job.runId === undefined) await ensureJobRun(ctx, job);
  },
});

/**
 * Background jobs as thin runs: a job's lifecycle (state, timing, attempts,
 * deadline, error, workflow) lives on its run only. A job whose row still
 * carries its own copy (written while the row mirrored its run) gives its run
 * the deadline and attempts the run lacked, and the copy is cleared. A job
 * still going at the switch is made thin by this or its own next move,
 * whichever comes first (both call `ensureJobRun`).
 */
export const jobsThin = migrations.define({
  table: "jobs",
  batchSize: 50,
  migrateOne: async (ctx, job) => {
    await ensureJobRun(ctx, job);
  },
});

/**
 * A mail's reply is now sent when a watcher of its turn's end fires
 * (outbound/runWatchers.ts); mails stored waiting before that have none. Each
 * gets its watcher, or, when its turn ended meanwhile, its reply now — so no
 * mail waiting at the switch goes unanswered, and none is answered twice.
 */
export const emailRepliesWatched = migrations.define({
  table: "emailOutbox",
  migrateOne: async (ctx, mail) => {
    const interactionId = mail.interactionId;
    if (mail.status !== "waiting" || interactionId === undefined) return;
    const watched = await ctx.db
      .query("runEndWatchers")
      .withIndex("by_interactionId", (q) => q.eq("interactionId", interactionId))
      .first();
    if (watched !== null) return;
    const run = await ctx.db.get("interactions", interactionId);
    if (run === null || isEnded(run)) await ctx.runMutation(internal.channels.email.outbound.replyForEndedRun, { interactionId });
    else await replyWhenRunEnds(ctx, interactionId);
  },
});

/** Every migration, in order. */
export const runAll = migrations.runner([internal.migrations.jobsOntoRuns, internal.migrations.jobsThin, internal.migrations.emailRepliesWatched]);
