/**
 * The app's function log lines, kept by the local engine so a run tree's
 * lines can be read in one place: what a deployment's logs page (dashboard,
 * `npx convex logs`) is for, which the engine otherwise does not have.
 *
 * Every `console.*` call made while a Convex function runs is still printed
 * exactly as before (the original method is called first, unchanged), and a
 * copy goes into a bounded ring buffer with its time, function and level.
 * `GET /_engine/logs?root=<interactionId>` (engine.ts) shows the kept lines of
 * one delegation tree: those whose JSON carries that `root_interaction_id`
 * (ops/runLog.ts), or that interaction's own id.
 *
 * Local development only: the engine binds localhost, and the view has no
 * sign-in, like the rest of the engine's own pages.
 */
import { format } from "node:util";

export const DEFAULT_CAPACITY = 5_000;

export type LogLevel = "debug" | "log" | "info" | "warn" | "error";
const LEVELS: readonly LogLevel[] = ["debug", "log", "info", "warn", "error"];

export type LogLine = {
  /** Milliseconds since the epoch. */
  time: number;
  /** The function that printed it, e.g. `chat/turn:runStep` (a component's: `workflow:journal/load`). */
  function: string;
  level: LogLevel;
  message: string;
};

/** The id a line belongs to when it names a run tree: its `root_interaction_id`, else its `interactionId`. */
function treeIdOf(message: string): string | null {
  if (!message.startsWith("{")) return null;
  try {
    const fields = JSON.parse(message) as Record<string, unknown>;
    const id = fields["root_interaction_id"] ?? fields["interactionId"];
    return typeof id === "string" ? id : null;
  } catch {
    return null;
  }
}

/** The last `capacity` lines, oldest first; older ones are dropped. */
export class LogRing {
  private readonly slots: Array<LogLine & { treeId: string | null }>;
  private next = 0;
  private size = 0;
  /** Lines ever added (so a reader can tell how many were dropped). */
  total = 0;

  constructor(readonly capacity: number = DEFAULT_CAPACITY) {
    if (!Number.isInteger(capacity) || capacity < 1) throw new Error(`Log capacity must be a positive integer, not ${capacity}.`);
    this.slots = new Array(capacity);
  }

  add(line: LogLine): void {
    this.slots[this.next] = { ...line, treeId: treeIdOf(line.message) };
    this.next = (this.next + 1) % this.capacity;
    this.size = Math.min(this.size + 1, this.capacity);
    this.total++;
  }

  /** Kept lines, oldest first. */
  lines(): LogLine[] {
    return this.kept().map(({ treeId: _treeId, ...line }) => line);
  }

  /** Kept lines of the tree rooted at `root` (a root's `interactionId` is its own root), oldest first. */
  ofTree(root: string): LogLine[] {
    return this.kept()
      .filter((line) => line.treeId === root)
      .map(({ treeId: _treeId, ...line }) => line);
  }

  private kept() {
    const start = (this.next - this.size + this.capacity) % this.capacity;
    return Array.from({ length: this.size }, (_, i) => this.slots[(start + i) % this.capacity]!);
  }
}

type Console = Pick<typeof console, LogLevel>;

/**
 * Copy every console line printed inside a function (`currentFunction()` not
 * null) into `ring`; lines printed outside one (the engine's own) are not kept.
 * Returns the undo; a wrapper that someone else has wrapped since is left in
 * place, only switched off, so their wrapper keeps working.
 */
export function captureFunctionLogs(ring: LogRing, currentFunction: () => string | null, target: Console = console): () => void {
  // The real clock: a function's handler may run with a replaced Date (workflow replay).
  const now = Date.now.bind(Date);
  let on = true;
  const originals = new Map<LogLevel, (...args: unknown[]) => void>();
  const wrappers = new Map<LogLevel, (...args: unknown[]) => void>();
  for (const level of LEVELS) {
    const original = target[level];
    originals.set(level, original);
    const wrapper = function (this: unknown, ...args: unknown[]) {
      original.apply(this, args);
      if (!on) return;
      const fn = currentFunction();
      if (fn !== null) ring.add({ time: now(), function: fn, level, message: format(...args) });
    };
    wrappers.set(level, wrapper);
    target[level] = wrapper;
  }
  return () => {
    on = false;
    for (const level of LEVELS) if (target[level] === wrappers.get(level)) target[level] = originals.get(level)!;
  };
}

const ROOT_ID = /^[A-Za-z0-9_;:.-]{1,128}$/;

/** The `root` query parameter, or why it is refused. */
export function parseRoot(value: string | null): { root: string } | { error: string } {
  if (value === null || value === "") return { error: "Give the run tree's root interaction id: /_engine/logs?root=<interactionId>." };
  if (!ROOT_ID.test(value)) return { error: "root must be an interaction id (letters, digits and _;:.- only, at most 128 characters)." };
  return { root: value };
}

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]!);
}

/** The log view of one tree: a plain page, every value escaped, newest line last. */
export function renderLogPage(root: string, lines: readonly LogLine[], ring: Pick<LogRing, "capacity" | "total">): string {
  const r = escapeHtml(root);
  const rows = lines
    .map(
      (line) =>
        `<tr data-level="${line.level}"><td><time datetime="${new Date(line.time).toISOString()}">${new Date(line.time).toISOString()}</time></td>` +
        `<td><code>${escapeHtml(line.function)}</code></td><td>${line.level}</td><td><pre>${escapeHtml(line.message)}</pre></td></tr>`,
    )
    .join("\n");
  const kept = `the last ${Math.min(ring.total, ring.capacity).toLocaleString("en")} lines the engine kept (at most ${ring.capacity.toLocaleString("en")}; ${ring.total.toLocaleString("en")} since it started)`;
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Logs of run tree ${r}</title>
<style>body{font-family:system-ui,sans-serif;margin:1.5rem}table{border-collapse:collapse;width:100%}td{border-top:1px solid #ddd;padding:.25rem .5rem;vertical-align:top;font-size:.85rem}pre{margin:0;white-space:pre-wrap;word-break:break-word}tr[data-level=error] td{color:#a00}tr[data-level=warn] td{color:#850}</style></head>
<body><h1>Logs of run tree <code>${r}</code></h1>
<p>Local engine only. Lines whose <code>root_interaction_id</code> (or own <code>interactionId</code>) is this run, among ${kept}; newest last. <a href="?root=${encodeURIComponent(root)}&amp;format=json">JSON</a></p>
${lines.length === 0 ? `<p data-testid="no-lines">No kept line belongs to this run tree.</p>` : `<table><thead><tr><th>Time</th><th>Function</th><th>Level</th><th>Message</th></tr></thead><tbody>\n${rows}\n</tbody></table>`}
</body></html>`;
}
