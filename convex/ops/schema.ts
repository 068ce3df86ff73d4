import { vEventId } from "@convex-dev/workflow";
import { defineTable } from "convex/server";
import { v } from "convex/values";
import { vAuditFieldChange, vAuditSurface } from "../audit/schema";
import { vExemplar } from "./exemplars";
import { vSeriesPart } from "./seriesParts";

/** Values a platform audit entry's `details` may hold: flat, small, JSON-friendly. */
export const vPlatformAuditDetails = v.record(v.string(), v.union(v.string(), v.number(), v.boolean(), v.null()));

/**
 * Tables of the ops domain (spread into convex/schema.ts): metrics kept up to
 * date as things happen, maintenance mode, the platform pause and the runs it
 * holds, feature flags and the platform's own audit log. Index names are `by_<field>_<field>` in index order.
 */
export const opsTables = {
  /**
   * One row per (metric, label set, shard): a counter or gauge value, or a
   * histogram's bucket counts. Writers pick a random shard so hot series do
   * not conflict; `GET /metrics` sums the shards. The row count is bounded by
   * the metric families' label values (models, tools, intents, states) times
   * the shard count: nothing grows with traffic.
   * Written by: ops/metrics.ts hooks (step ends, run ends, triage, job state
   * changes). Read by: the `/metrics` snapshot (`by_name_labels_shard`, one range per family).
   */
  metricSeries: defineTable({
    /** Family name, e.g. `harness_llm_call_duration_seconds`. */
    name: v.string(),
    /** The label set in exposition form, sorted and escaped: `model="x",status="succeeded"` ("" for none). */
    labels: v.string(),
    shard: v.number(),
    /** Counter / gauge: the value. Histogram: the sum of observations. */
    value: v.number(),
    /** Histogram only: observations, and per-bucket counts (not cumulative; the last one is +Inf). */
    count: v.optional(v.number()),
    buckets: v.optional(v.array(v.number())),
    /** The run behind this shard's latest observation, for OpenMetrics exemplars (ops/exemplars.ts). */
    exemplar: v.optional(vExemplar),
    /**
     * A bundle row (`harness_run_end`): the parts of several series that one
     * event adds to, kept in one row so the event writes one document
     * (ops/metrics.ts `addParts`); the scrape adds each part to its family.
     */
    parts: v.optional(v.array(vSeriesPart)),
  }).index("by_name_labels_shard", ["name", "labels", "shard"]),

  /**
   * Maintenance mode, one row (`key: "platform"`). While it is on, new turns
   * are saved but held (see `heldTurns`). Written by: ops/maintenance.ts
   * (platform admins, the CLI). Read by: startTurn, the admin page, /metrics.
   */
  maintenanceMode: defineTable({
    key: v.literal("platform"),
    enabled: v.boolean(),
    reason: v.optional(v.string()),
    /** When the current (or last) maintenance window began. */
    since: v.optional(v.number()),
    updatedAt: v.number(),
    updatedBy: v.optional(v.id("userProfiles")),
  }).index("by_key", ["key"]),

  /**
   * A turn saved during maintenance whose workflow has not been started.
   * Written by: startTurn (insert), the release batches (delete, in the same
   * transaction that schedules the turn's start: each is started once).
   * Read by: the release batches and the held count (`by_heldAt`, oldest first).
   */
  heldTurns: defineTable({
    interactionId: v.id("interactions"),
    heldAt: v.number(),
  }).index("by_heldAt", ["heldAt"]),

  /**
   * Feature flags: a platform-wide default per key. Written by: platform
   * admins / the CLI (ops/flags.ts). Read by: `isFeatureEnabled`, the account's
   * flag list, the admin page (`by_key`).
   */
  featureFlags: defineTable({
    key: v.string(),
    description: v.string(),
    enabled: v.boolean(),
    updatedAt: v.number(),
    updatedBy: v.optional(v.id("userProfiles")),
  }).index("by_key", ["key"]),

  /**
   * One account's exception to a flag's default. Written by: platform admins /
   * the CLI. Read by: `isFeatureEnabled` and the account's flag list
   * (`by_accountId_key`), the admin page (`by_key_accountId`, a flag's overrides).
   */
  featureFlagOverrides: defineTable({
    key: v.string(),
    accountId: v.id("accounts"),
    enabled: v.boolean(),
    updatedAt: v.number(),
    updatedBy: v.optional(v.id("userProfiles")),
  })
    .index("by_key_accountId", ["key", "accountId"])
    .index("by_accountId_key", ["accountId", "key"]),

  /**
   * Platform-level actions (pause, maintenance, flags): who, what, when, why.
   * The account audit log (convex/audit) needs an account; these act on the
   * whole platform, so they are recorded here (with `accountId` when one
   * account was the target). Append-only.
   * Written by: `writePlatformAudit` in the same transaction as the action.
   * Read by: platform admins (`by_at`, newest first).
   */
  platformAuditLog: defineTable({
    /** Absent when an operator ran it from the CLI (`npx convex run`). */
    actorUserId: v.optional(v.id("userProfiles")),
    /** `platform_admin` or `operator`. */
    actorRole: v.string(),
    /** Dotted verb: `platform.pause`, `maintenance.on`, `flag.set`, ... */
    action: v.string(),
    targetKind: v.string(),
    targetId: v.string(),
    accountId: v.optional(v.id("accounts")),
    reason: v.string(),
    at: v.number(),
    details: v.optional(vPlatformAuditDetails),
    /** From where: `spa` (a platform admin) or `cli` (an operator); the fields changed, before and after (convex/audit/diff.ts). */
    surface: v.optional(vAuditSurface),
    changes: v.optional(v.array(vAuditFieldChange)),
  }).index("by_at", ["at"]),

  /**
   * Platform-wide switches, one row (`key: "platform"`). Written by: platform admins
   * (ops/pause.ts). Read by: job starts, the chat's send, held turns (`isPlatformPaused`, ops/paused.ts).
   */
  platformSettings: defineTable({
    key: v.literal("platform"),
    paused: v.boolean(),
    reason: v.optional(v.string()),
    updatedAt: v.number(),
    updatedBy: v.optional(v.id("userProfiles")),
  }).index("by_key", ["key"]),

  /**
   * Turns held by a kill switch at a step boundary (convex/ops/hold.ts), one
   * row per hold, deleted when it is released.
   * Written by: the turn's hold step, the release when the pause ends. Read by:
   * the release (`by_cause_heldAt`: platform holds, or one agent's holds,
   * oldest first), `holdOf` (`by_interactionId`: why a run waits), the
   * conversation view (`by_threadId`: a held reply in this thread).
   */
  heldRuns: defineTable({
    interactionId: v.id("interactions"),
    accountId: v.id("accounts"),
    threadId: v.id("threads"),
    /** `platform`, or the id of the paused agent. */
    cause: v.string(),
    /** What the run shows while it waits, e.g. "held: platform paused". */
    reason: v.string(),
    /** The workflow event the turn waits on; sent on release. */
    eventId: vEventId(),
    heldAt: v.number(),
  })
    .index("by_cause_heldAt", ["cause", "heldAt"])
    .index("by_interactionId", ["interactionId"])
    .index("by_threadId", ["threadId"]),
};
