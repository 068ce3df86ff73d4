/**
 * Agent views: how the app shows an agent. A manifest or template declares
 * them; the agent's page renders each as a tab.
 *
 * ```json
 * "views": [
 *   { "type": "conversation", "name": "Chat" },
 *   { "type": "kanban", "name": "Board", "data_source": "task",
 *     "config": { "group_by": "status", "columns": ["todo", { "key": "doing", "title": "In progress" }, "done"] } }
 * ]
 * ```
 *
 * Known types are checked field by field (a refusal names the path, e.g.
 * `views[1].config.columns[2]`, so the importer shows it at its line). A
 * type this app does not know is kept as declared and shown as a "not
 * supported" card: a manifest written for a newer app still imports.
 */
import { v, type Infer } from "convex/values";
import { isPlainObject } from "../tools/manifestInput";
import { DEFAULT_STATUSES, STATUS_PATTERN } from "../tasks/validators";

/** A view as stored on an agent or template (already checked). */
export const vStoredView = v.object({
  type: v.string(),
  name: v.string(),
  dataSource: v.optional(v.string()),
  /** kanban: `{ group_by, columns: [{ key, title }] }`; another type: its config as declared. */
  config: v.optional(v.any()),
});
export type StoredView = Infer<typeof vStoredView>;

const vColumn = v.object({ key: v.string(), title: v.string() });

/** A view as the SPA renders it: one of the supported kinds, or an unsupported one to explain. */
export const vPublicView = v.union(
  v.object({ key: v.string(), type: v.literal("conversation"), name: v.string() }),
  v.object({
    key: v.string(),
    type: v.literal("kanban"),
    name: v.string(),
    dataSource: v.literal("task"),
    groupBy: v.literal("status"),
    columns: v.array(vColumn),
  }),
  v.object({ key: v.string(), type: v.literal("unsupported"), name: v.string(), declaredType: v.string(), reason: v.string() }),
);
export type PublicView = Infer<typeof vPublicView>;

export const VIEW_LIMITS = { views: 8, name: 40, columns: 12, columnTitle: 40, configChars: 4_000 } as const;
const TYPE_PATTERN = /^[a-z][a-z0-9_-]{0,39}$/;

/** What an agent that declares no views shows: its conversation. */
export const DEFAULT_VIEWS: StoredView[] = [{ type: "conversation", name: "Conversation" }];

type Refuse = (message: string, field: string) => never;

function titleOf(key: string): string {
  const words = key.replace(/[_-]+/g, " ");
  return words.charAt(0).toUpperCase() + words.slice(1);
}

function parseColumns(raw: unknown, at: string, refuse: Refuse): { key: string; title: string }[] {
  if (raw === undefined) return DEFAULT_STATUSES.map((key) => ({ key, title: titleOf(key) }));
  if (!Array.isArray(raw) || raw.length === 0 || raw.length > VIEW_LIMITS.columns) {
    refuse(`${at} must be a list of 1 to ${VIEW_LIMITS.columns} columns`, at);
  }
  const seen = new Set<string>();
  return raw.map((entry: unknown, i) => {
    const here = `${at}[${i}]`;
    const key = typeof entry === "string" ? entry : isPlainObject(entry) ? entry.key : undefined;
    if (typeof key !== "string" || !STATUS_PATTERN.test(key)) {
      refuse(`${here} must be a status key like "todo" (lowercase letters, digits, "_" or "-"), or { "key", "title" }`, here);
    }
    if (seen.has(key)) refuse(`${here} repeats the column "${key}"`, here);
    seen.add(key);
    const title = isPlainObject(entry) && entry.title !== undefined ? entry.title : titleOf(key);
    if (typeof title !== "string" || title.trim() === "" || title.length > VIEW_LIMITS.columnTitle) {
      refuse(`${here}.title must be 1 to ${VIEW_LIMITS.columnTitle} characters`, `${here}.title`);
    }
    return { key, title: title.trim() };
  });
}

function parseKanban(entry: Record<string, unknown>, at: string, refuse: Refuse): Pick<StoredView, "dataSource" | "config"> {
  const source = entry.data_source ?? "task";
  if (source !== "task") refuse(`${at}.data_source must be "task" (the only data a kanban view shows)`, `${at}.data_source`);
  const config = entry.config ?? {};
  if (!isPlainObject(config)) refuse(`${at}.config must be an object with group_by and columns`, `${at}.config`);
  const groupBy = config.group_by ?? "status";
  if (groupBy !== "status") refuse(`${at}.config.group_by must be "status" (tasks are grouped by their status)`, `${at}.config.group_by`);
  for (const key of Object.keys(config)) {
    if (key !== "group_by" && key !== "columns") refuse(`${at}.config.${key} is not a kanban setting (group_by, columns)`, `${at}.config.${key}`);
  }
  return { dataSource: "task", config: { group_by: "status", columns: parseColumns(config.columns, `${at}.config.columns`, refuse) } };
}

/** A declared config of a type we do not know: kept if it is small JSON Convex can store. */
function foreignConfig(config: unknown, at: string, refuse: Refuse): unknown {
  const text = JSON.stringify(config);
  if (text.length > VIEW_LIMITS.configChars) refuse(`${at}.config must be at most ${VIEW_LIMITS.configChars} characters of JSON`, `${at}.config`);
  if (/"\$/.test(text)) refuse(`${at}.config: keys starting with "$" are not supported`, `${at}.config`);
  return config;
}

/** Check a manifest's or template's `views` (undefined: none declared). Throws through `refuse` naming the path. */
export function parseViews(raw: unknown, refuse: Refuse, field = "views"): StoredView[] | undefined {
  if (raw === undefined) return undefined;
  if (!Array.isArray(raw) || raw.length > VIEW_LIMITS.views) refuse(`${field} must be a list of at most ${VIEW_LIMITS.views} views`, field);
  return raw.map((entry: unknown, i) => {
    const at = `${field}[${i}]`;
    if (!isPlainObject(entry)) refuse(`${at} must be an object with a type`, at);
    if (typeof entry.type !== "string" || !TYPE_PATTERN.test(entry.type)) refuse(`${at}.type must be a view type such as "conversation" or "kanban"`, `${at}.type`);
    const name = entry.name ?? titleOf(entry.type);
    if (typeof name !== "string" || name.trim() === "" || name.length > VIEW_LIMITS.name) refuse(`${at}.name must be 1 to ${VIEW_LIMITS.name} characters`, `${at}.name`);
    const base = { type: entry.type, name: name.trim() };
    if (entry.type === "conversation") return base;
    if (entry.type === "kanban") return { ...base, ...parseKanban(entry, at, refuse) };
    return {
      ...base,
      ...(typeof entry.data_source === "string" ? { dataSource: entry.data_source } : {}),
      ...(entry.config !== undefined ? { config: foreignConfig(entry.config, at, refuse) } : {}),
    };
  });
}

/** A stored view in the manifest's words (export). */
export function manifestView(view: StoredView) {
  return {
    type: view.type,
    name: view.name,
    ...(view.dataSource !== undefined ? { data_source: view.dataSource } : {}),
    ...(view.config !== undefined ? { config: view.config } : {}),
  };
}

/**
 * The views the SPA renders, checked again on the way out (a row written by
 * an older app, or a type added since, becomes an "unsupported" view rather
 * than a broken tab).
 */
export function publicViews(stored: StoredView[] | undefined): PublicView[] {
  return (stored ?? DEFAULT_VIEWS).map((view, i): PublicView => {
    const key = `${i}-${view.type}`;
    if (view.type === "conversation") return { key, type: "conversation", name: view.name };
    if (view.type === "kanban") {
      try {
        const checked = parseKanban({ data_source: view.dataSource, config: view.config }, "view", (message) => {
          throw new Error(message);
        });
        const config = checked.config as { columns: { key: string; title: string }[] };
        return { key, type: "kanban", name: view.name, dataSource: "task", groupBy: "status", columns: config.columns };
      } catch (error) {
        return { key, type: "unsupported", name: view.name, declaredType: view.type, reason: `Its settings are not valid: ${(error as Error).message}.` };
      }
    }
    return { key, type: "unsupported", name: view.name, declaredType: view.type, reason: `This app does not support "${view.type}" views yet.` };
  });
}
