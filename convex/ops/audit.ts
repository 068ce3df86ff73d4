/**
 * The platform audit log: every platform-level admin action (pause,
 * maintenance, feature flags), written in the same transaction as the action.
 * Platform admins read it on the admin page.
 */
import { pick } from "convex-helpers";
import { paginationOptsValidator, paginationResultValidator } from "convex/server";
import { v, type Infer } from "convex/values";
import type { Doc, Id } from "../_generated/dataModel";
import type { MutationCtx } from "../_generated/server";
import { fail } from "../lib/errors";
import { platformAdminQuery } from "../lib/functions";
import { opsTables, vPlatformAuditDetails } from "./schema";
import { fieldChanges } from "../audit/diff";

/** Who acted: a signed-in platform admin, or an operator with deploy access (`npx convex run`). */
export type OpsActor = { kind: "platform_admin"; userId: Id<"userProfiles"> } | { kind: "operator" };

/** Longest reason accepted, in characters. */
export const MAX_REASON_CHARS = 500;

/** An optional reason, trimmed and bounded ("" when none was given). */
export function cleanReason(reason: string | undefined): string {
  const trimmed = (reason ?? "").trim();
  if (trimmed.length > MAX_REASON_CHARS) fail("bad_request", `A reason is at most ${MAX_REASON_CHARS} characters.`);
  return trimmed;
}

export async function writePlatformAudit(
  ctx: MutationCtx,
  actor: OpsActor,
  entry: {
    action: string;
    targetKind: string;
    targetId: string;
    reason: string;
    accountId?: Id<"accounts">;
    details?: Infer<typeof vPlatformAuditDetails>;
    /** The setting before and after (null: absent), for the changed fields. */
    before?: object | null;
    after?: object | null;
  },
): Promise<void> {
  const { before, after, ...rest } = entry;
  await ctx.db.insert("platformAuditLog", {
    ...(actor.kind === "platform_admin" ? { actorUserId: actor.userId } : {}),
    actorRole: actor.kind,
    ...rest,
    surface: actor.kind === "platform_admin" ? "spa" : "cli",
    ...(before !== undefined || after !== undefined ? { changes: fieldChanges(before ?? null, after ?? null) } : {}),
    at: Date.now(),
  });
  console.log(JSON.stringify({ event: "platform_audit", action: entry.action, target: `${entry.targetKind}:${entry.targetId}`, actor: actor.kind }));
}

export const vPlatformAuditEntry = v.object({
  auditId: v.id("platformAuditLog"),
  actorName: v.string(),
  /** As stored (ops/schema.ts says what each means). */
  ...pick(opsTables.platformAuditLog.validator.fields, ["actorRole", "action", "targetKind", "targetId", "accountId", "reason", "at", "details", "surface", "changes"]),
});

function publicEntry(row: Doc<"platformAuditLog">, actorName: string): Infer<typeof vPlatformAuditEntry> {
  return {
    auditId: row._id,
    actorName,
    actorRole: row.actorRole,
    action: row.action,
    targetKind: row.targetKind,
    targetId: row.targetId,
    ...(row.accountId ? { accountId: row.accountId } : {}),
    reason: row.reason,
    at: row.at,
    ...(row.details ? { details: row.details } : {}),
    ...(row.surface ? { surface: row.surface } : {}),
    ...(row.changes ? { changes: row.changes } : {}),
  };
}

/** The platform audit log, newest first (platform admins only). */
export const list = platformAdminQuery({
  args: { paginationOpts: paginationOptsValidator },
  returns: paginationResultValidator(vPlatformAuditEntry),
  handler: async (ctx, { paginationOpts }) => {
    const numItems = Math.min(Math.max(paginationOpts.numItems, 1), 100);
    const result = await ctx.db.query("platformAuditLog").withIndex("by_at").order("desc").paginate({ ...paginationOpts, numItems });
    const names = new Map<Id<"userProfiles">, string>();
    const page = [];
    for (const row of result.page) {
      let name = "Operator (CLI)";
      if (row.actorUserId) {
        name = names.get(row.actorUserId) ?? (await ctx.db.get("userProfiles", row.actorUserId))?.name ?? "Unknown user";
        names.set(row.actorUserId, name);
      }
      page.push(publicEntry(row, name));
    }
    return { page, isDone: result.isDone, continueCursor: result.continueCursor };
  },
});
