/**
 * The audit log: who did what to which thing, when and why.
 *
 * Other modules record with `writeAudit(ctx, entry)` inside the mutation that
 * does the thing, so the entry exists exactly when the action committed.
 * Support staff read it with `auditLog` (newest first, optionally for one target).
 */
import { paginationOptsValidator, paginationResultValidator } from "convex/server";
import { v, type Infer } from "convex/values";
import type { Doc, Id } from "../_generated/dataModel";
import type { MutationCtx } from "../_generated/server";
import { Names } from "../inspector/names";
import { fail } from "../lib/errors";
import { inspectorQuery, type Caller } from "../inspector/staff";
import { vAuditDetails, vAuditFieldChange, vAuditSurface, type AuditFieldChange, type AuditSurface } from "./schema";

/** Longest `reason` accepted, in characters. */
export const MAX_REASON_LENGTH = 500;

export type AuditEntry = {
  accountId: Id<"accounts">;
  /** Absent for the system (crons, watchdogs). */
  actorUserId?: Id<"userProfiles">;
  actorRole: string;
  action: string;
  targetKind: string;
  targetId: string;
  reason: string;
  details?: Infer<typeof vAuditDetails>;
  /** Configuration changes (audit/changes.ts): from where, who when not a person, and what changed. */
  surface?: AuditSurface;
  actorLabel?: string;
  changes?: AuditFieldChange[];
};

/** Record one entry (call it in the same transaction as the action). Returns its id. */
export async function writeAudit(ctx: MutationCtx, entry: AuditEntry): Promise<Id<"auditLog">> {
  return await ctx.db.insert("auditLog", { ...entry, at: Date.now() });
}

/** The audit entry for a staff caller (the inspector's actions). */
export function actorOf(caller: Caller): Pick<AuditEntry, "actorUserId" | "actorRole"> {
  return { actorUserId: caller.user._id, actorRole: caller.role };
}

/** A staff action's reason: required, trimmed, bounded. */
export function requireReason(reason: string): string {
  const trimmed = reason.trim();
  if (trimmed === "") fail("bad_request", "Say why: a reason is required.");
  if (trimmed.length > MAX_REASON_LENGTH) fail("bad_request", `A reason is at most ${MAX_REASON_LENGTH} characters.`);
  return trimmed;
}

export const vAuditEntry = v.object({
  auditId: v.id("auditLog"),
  actorUserId: v.optional(v.id("userProfiles")),
  actorName: v.string(),
  actorRole: v.string(),
  action: v.string(),
  targetKind: v.string(),
  targetId: v.string(),
  reason: v.string(),
  at: v.number(),
  details: v.optional(vAuditDetails),
  surface: v.optional(vAuditSurface),
  actorLabel: v.optional(v.string()),
  changes: v.optional(v.array(vAuditFieldChange)),
});

export function publicEntry(row: Doc<"auditLog">, actorName: string): Infer<typeof vAuditEntry> {
  return {
    auditId: row._id,
    ...(row.actorUserId ? { actorUserId: row.actorUserId } : {}),
    actorName,
    actorRole: row.actorRole,
    action: row.action,
    targetKind: row.targetKind,
    targetId: row.targetId,
    reason: row.reason,
    at: row.at,
    ...(row.details ? { details: row.details } : {}),
    ...(row.surface ? { surface: row.surface } : {}),
    ...(row.actorLabel ? { actorLabel: row.actorLabel } : {}),
    ...(row.changes ? { changes: row.changes } : {}),
  };
}

/** The account's audit log, newest first; with `target`, only what happened to that thing. Support staff only. */
export const auditLog = inspectorQuery({
  args: {
    paginationOpts: paginationOptsValidator,
    target: v.optional(v.object({ kind: v.string(), id: v.string() })),
  },
  returns: paginationResultValidator(vAuditEntry),
  handler: async (ctx, { accountId, paginationOpts, target }) => {
    const numItems = Math.min(Math.max(paginationOpts.numItems, 1), 100);
    const query = target
      ? ctx.db
          .query("auditLog")
          .withIndex("by_accountId_targetKind_targetId_at", (q) =>
            q.eq("accountId", accountId).eq("targetKind", target.kind).eq("targetId", target.id),
          )
      : ctx.db.query("auditLog").withIndex("by_accountId_at", (q) => q.eq("accountId", accountId));
    const result = await query.order("desc").paginate({ ...paginationOpts, numItems });
    const names = new Names(ctx);
    const page = [];
    for (const row of result.page) {
      page.push(publicEntry(row, row.actorUserId ? await names.user(row.actorUserId) : (row.actorLabel ?? "System")));
    }
    return { page, isDone: result.isDone, continueCursor: result.continueCursor };
  },
});
