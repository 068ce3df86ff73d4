/**
 * Audit entries as CSV (RFC 4180): one line per changed field, so a
 * spreadsheet filters by field; entries without field changes get one line.
 * Cells that a spreadsheet would run as a formula (`=`, `+`, `-`, `@`) are
 * prefixed with `'`.
 */
import type { AuditFieldChange, AuditSurface } from "./schema";

export const CSV_COLUMNS = ["at", "account", "actor", "actor_role", "surface", "action", "entity_type", "entity_id", "field", "before", "after", "reason"] as const;

type CsvEntry = {
  at: number;
  accountName: string;
  actorName: string;
  actorRole: string;
  surface?: AuditSurface;
  action: string;
  targetKind: string;
  targetId: string;
  reason: string;
  changes?: AuditFieldChange[];
};

function cell(value: string): string {
  const safe = /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
  return /[",\r\n]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
}

export function toCsv(entries: CsvEntry[]): string {
  const lines = [CSV_COLUMNS.join(",")];
  for (const entry of entries) {
    const head = [new Date(entry.at).toISOString(), entry.accountName, entry.actorName, entry.actorRole, entry.surface ?? "", entry.action, entry.targetKind, entry.targetId];
    const changes = entry.changes && entry.changes.length > 0 ? entry.changes : [undefined];
    for (const change of changes) {
      lines.push([...head, change?.field ?? "", change?.before ?? "", change?.after ?? "", entry.reason].map(cell).join(","));
    }
  }
  return `${lines.join("\r\n")}\r\n`;
}
