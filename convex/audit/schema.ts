import { defineTable } from "convex/server";
import { v } from "convex/values";

/** Values an audit entry's `details` may hold: flat, small, JSON-friendly. */
export const vAuditDetails = v.record(v.string(), v.union(v.string(), v.number(), v.boolean(), v.null()));

/**
 * Who did what to which thing, when and why. Append-only.
 *
 * Written by: `writeAudit` (convex/audit/log.ts), called in the same
 * transaction as the action it records (the run inspector's cancel / resume /
 * restart, staff approval decisions; jobs and admin tools may call it too).
 * Read by: `audit/log:auditLog` (support staff).
 *
 * Indexes: `by_accountId_at` serves the account's log newest first;
 * `by_accountId_targetKind_targetId_at` serves "what happened to this run",
 * scoped to the account so a target filter never reaches another tenant.
 */
export const auditTables = {
  auditLog: defineTable({
    accountId: v.id("accounts"),
    /** The person who acted; absent for the system (crons, watchdogs). */
    actorUserId: v.optional(v.id("userProfiles")),
    /** In what capacity: `platform_admin`, an account role, `system` or `service`. */
    actorRole: v.string(),
    /** Dotted verb, e.g. `run.cancel`, `run.resume`, `run.restart`, `approval.decide`. */
    action: v.string(),
    /** What was acted on, e.g. `interaction`, `approval`, `job`. */
    targetKind: v.string(),
    targetId: v.string(),
    /** Why, in the actor's words (required for staff actions). */
    reason: v.string(),
    at: v.number(),
    details: v.optional(vAuditDetails),
  })
    .index("by_accountId_at", ["accountId", "at"])
    .index("by_accountId_targetKind_targetId_at", ["accountId", "targetKind", "targetId", "at"]),
};
