/**
 * Writing the audit log: who did what to which thing, when and why.
 *
 * Other modules record with `writeAudit(ctx, entry)` inside the mutation that
 * does the thing, so the entry exists exactly when the action committed. A
 * leaf: it imports only the audit schema and the error helper, so any layer
 * may record (reading the log is audit/log.ts, for support staff).
 */
import type { Infer } from "convex/values";
import type { Id } from "../_generated/dataModel";
import type { MutationCtx } from "../_generated/server";
import { fail } from "../lib/errors";
import type { AuditFieldChange, AuditSurface, vAuditDetails } from "./schema";

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

/** A staff action's reason: required, trimmed, bounded. */
export function requireReason(reason: string): string {
  const trimmed = reason.trim();
  if (trimmed === "") fail("bad_request", "Say why: a reason is required.");
  if (trimmed.length > MAX_REASON_LENGTH) fail("bad_request", `A reason is at most ${MAX_REASON_LENGTH} characters.`);
  return trimmed;
}
