import { defineTable } from "convex/server";
import { v, type Infer } from "convex/values";

/** Values an audit entry's `details` may hold: flat, small, JSON-friendly. */
export const vAuditDetails = v.record(v.string(), v.union(v.string(), v.number(), v.boolean(), v.null()));

/** Where a change came from: the SPA (a signed-in person), an API key, the CLI (`npx convex run`), a webhook, or the system. */
export const vAuditSurface = v.union(v.literal("spa"), v.literal("api_key"), v.literal("cli"), v.literal("webhook"), v.literal("system"));
export type AuditSurface = Infer<typeof vAuditSurface>;
export const AUDIT_SURFACES: readonly AuditSurface[] = ["spa", "api_key", "cli", "webhook", "system"];

/**
 * One changed field of a configuration change: its value before and after as
 * JSON text (absent: the field did not exist on that side), secrets already
 * replaced by `[redacted]` (convex/audit/diff.ts).
 */
export const vAuditFieldChange = v.object({ field: v.string(), before: v.optional(v.string()), after: v.optional(v.string()) });
export type AuditFieldChange = Infer<typeof vAuditFieldChange>;

/**
 * Who did what to which thing, when and why. Append-only.
 *
 * Written by: `writeAudit` (convex/audit/write.ts), called in the same
 * transaction as the action it records (the run inspector's cancel / resume /
 * restart, staff approval decisions; jobs and admin tools may call it too).
 * Read by: `audit/log:auditLog` (support staff).
 *
 * Configuration changes (agents, tools, delegations, budgets, roles, keys,
 * connections, channels, flags…) are written by `auditChange`
 * (convex/audit/changes.ts) with `surface`, `changes` and, for actors that are
 * not a person, `actorLabel`.
 *
 * Indexes: `by_accountId_at` serves the account's log newest first;
 * `by_accountId_targetKind_targetId_at` serves "what happened to this run",
 * scoped to the account so a target filter never reaches another tenant.
 * The Admin/Audit page's filters (platform admins, every account) each have
 * an index ending in `at`, so a date range is an index range:
 * `by_at`, `by_targetKind_at` (entity type), `by_actorUserId_at` (actor),
 * `by_surface_at` (surface).
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
    /** From where (configuration changes; older entries have none). */
    surface: v.optional(vAuditSurface),
    /** Who acted when it was not a person: the API key (name and prefix), the CLI operator, the webhook's sender. */
    actorLabel: v.optional(v.string()),
    /** The fields a configuration change changed, before and after, secrets redacted. */
    changes: v.optional(v.array(vAuditFieldChange)),
  })
    .index("by_accountId_at", ["accountId", "at"])
    .index("by_accountId_targetKind_targetId_at", ["accountId", "targetKind", "targetId", "at"])
    .index("by_at", ["at"])
    .index("by_targetKind_at", ["targetKind", "at"])
    .index("by_actorUserId_at", ["actorUserId", "at"])
    .index("by_surface_at", ["surface", "at"]),
};
