/**
 * Reading the audit log: support staff see it with `auditLog` (newest first,
 * optionally for one target), through the inspector's staff builder. Writing
 * is audit/write.ts, which stands on its own so every domain can record
 * without depending on the inspector.
 */
import { pick } from "convex-helpers";
import { paginationOptsValidator, paginationResultValidator } from "convex/server";
import { v, type Infer } from "convex/values";
import type { Doc } from "../_generated/dataModel";
import { Names } from "../inspector/names";
import { inspectorQuery, type Caller } from "../inspector/staff";
import { auditTables } from "./schema";
import type { AuditEntry } from "./write";

/** The audit entry for a staff caller (the inspector's actions). */
export function actorOf(caller: Caller): Pick<AuditEntry, "actorUserId" | "actorRole"> {
  return { actorUserId: caller.user._id, actorRole: caller.role };
}

export const vAuditEntry = v.object({
  auditId: v.id("auditLog"),
  /** As stored (audit/schema.ts says what each means). */
  ...pick(auditTables.auditLog.validator.fields, [
    "actorUserId",
    "actorRole",
    "action",
    "targetKind",
    "targetId",
    "reason",
    "at",
    "details",
    "surface",
    "actorLabel",
    "changes",
  ]),
  actorName: v.string(),
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
