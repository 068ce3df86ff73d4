/**
 * The Admin/Audit page's reading of the audit log, across accounts (platform
 * admins only): filters by account, entity type, actor, surface and date
 * range, each served by an index ending in `at` (audit/schema.ts), paginated;
 * and the same filtered rows as CSV, bounded.
 */
import { paginationOptsValidator, paginationResultValidator } from "convex/server";
import { v, type Infer } from "convex/values";
import type { Doc, Id } from "../_generated/dataModel";
import type { QueryCtx } from "../_generated/server";
import { Names } from "../inspector/names";
import { fail } from "../lib/errors";
import { platformAdminQuery } from "../lib/functions";
import { toCsv } from "./csv";
import { publicEntry, vAuditEntry } from "./log";
import { vAuditSurface } from "./schema";

/** Most rows one CSV export holds (newest first); the answer says when there were more. */
export const MAX_CSV_ROWS = 1000;
const MAX_PAGE = 100;

export const vAuditFilters = v.object({
  accountId: v.optional(v.id("accounts")),
  /** Entity type: `agent`, `tool`, `apiKey`, … */
  targetKind: v.optional(v.string()),
  /** The person who acted: their user id or email. */
  actor: v.optional(v.string()),
  surface: v.optional(vAuditSurface),
  /** Inclusive bounds, ms since the epoch. */
  from: v.optional(v.number()),
  to: v.optional(v.number()),
});
export type AuditFilters = Infer<typeof vAuditFilters>;

export const vAuditRow = v.object({ ...vAuditEntry.fields, accountId: v.id("accounts"), accountName: v.string() });

/** The actor filter as a user id: null when it names nobody (the answer is then empty). */
async function actorId(ctx: QueryCtx, actor: string): Promise<Id<"userProfiles"> | null> {
  const trimmed = actor.trim();
  const byId = ctx.db.normalizeId("userProfiles", trimmed);
  if (byId !== null) return byId;
  const byEmail = await ctx.db
    .query("userProfiles")
    .withIndex("by_email", (q) => q.eq("email", trimmed))
    .first();
  return byEmail?._id ?? null;
}

function checkRange({ from, to }: AuditFilters) {
  if (from !== undefined && !Number.isFinite(from)) fail("bad_request", "from must be a time.", { field: "from" });
  if (to !== undefined && !Number.isFinite(to)) fail("bad_request", "to must be a time.", { field: "to" });
  if (from !== undefined && to !== undefined && from > to) fail("bad_request", "The date range ends before it starts.", { field: "to" });
}

/**
 * The filtered rows, newest first: the most selective filter picks the index
 * (entity type, then actor, then surface, then account), the date range is
 * its `at` range, the other filters are applied to that range.
 */
async function filteredQuery(ctx: QueryCtx, filters: AuditFilters) {
  checkRange(filters);
  const { from, to, targetKind, surface, accountId } = filters;
  const userId = filters.actor !== undefined && filters.actor.trim() !== "" ? await actorId(ctx, filters.actor) : undefined;
  if (userId === null) return null;
  // The five index builders differ only in their equality prefix; each ends in `at`.
  const range = (q: any) => {
    let r = q;
    if (from !== undefined) r = r.gte("at", from);
    if (to !== undefined) r = r.lte("at", to);
    return r;
  };
  const table = ctx.db.query("auditLog");
  const indexed =
    targetKind !== undefined
      ? table.withIndex("by_targetKind_at", (q) => range(q.eq("targetKind", targetKind)))
      : userId !== undefined
        ? table.withIndex("by_actorUserId_at", (q) => range(q.eq("actorUserId", userId)))
        : surface !== undefined
          ? table.withIndex("by_surface_at", (q) => range(q.eq("surface", surface)))
          : accountId !== undefined
            ? table.withIndex("by_accountId_at", (q) => range(q.eq("accountId", accountId)))
            : table.withIndex("by_at", (q) => range(q));
  // The remaining filters narrow the chosen index range (pagination bounds each page).
  // eslint-disable-next-line @convex-dev/no-filter-in-query
  return indexed.order("desc").filter((q) =>
    q.and(
      accountId !== undefined ? q.eq(q.field("accountId"), accountId) : true,
      userId !== undefined ? q.eq(q.field("actorUserId"), userId) : true,
      surface !== undefined ? q.eq(q.field("surface"), surface) : true,
    ),
  );
}

async function publicRows(ctx: QueryCtx, rows: Doc<"auditLog">[]): Promise<Infer<typeof vAuditRow>[]> {
  const names = new Names(ctx);
  const accounts = new Map<Id<"accounts">, string>();
  const out = [];
  for (const row of rows) {
    if (!accounts.has(row.accountId)) accounts.set(row.accountId, (await ctx.db.get("accounts", row.accountId))?.name ?? "Deleted account");
    const actorName = row.actorUserId ? await names.user(row.actorUserId) : (row.actorLabel ?? "System");
    out.push({ ...publicEntry(row, actorName), accountId: row.accountId, accountName: accounts.get(row.accountId)! });
  }
  return out;
}

/** Audit entries of every account matching `filters`, newest first. Platform admins only. */
export const list = platformAdminQuery({
  args: { filters: vAuditFilters, paginationOpts: paginationOptsValidator },
  returns: paginationResultValidator(vAuditRow),
  handler: async (ctx, { filters, paginationOpts }) => {
    const query = await filteredQuery(ctx, filters);
    if (query === null) return { page: [], isDone: true, continueCursor: "" };
    const numItems = Math.min(Math.max(paginationOpts.numItems, 1), MAX_PAGE);
    const result = await query.paginate({ ...paginationOpts, numItems });
    return { page: await publicRows(ctx, result.page), isDone: result.isDone, continueCursor: result.continueCursor };
  },
});

/** The same filtered entries as CSV (one line per changed field), at most `MAX_CSV_ROWS` entries. Platform admins only. */
export const csv = platformAdminQuery({
  args: { filters: vAuditFilters },
  returns: v.object({ csv: v.string(), entries: v.number(), truncated: v.boolean() }),
  handler: async (ctx, { filters }) => {
    const query = await filteredQuery(ctx, filters);
    const rows = query === null ? [] : await query.take(MAX_CSV_ROWS + 1);
    const entries = await publicRows(ctx, rows.slice(0, MAX_CSV_ROWS));
    return { csv: toCsv(entries), entries: entries.length, truncated: rows.length > MAX_CSV_ROWS };
  },
});
