/**
 * Requests about the agent's task board, so a board agent works without a
 * provider:
 *
 *   "add a task: write the brief" / "create a task called “X” in doing" → task_create { title, status? }
 *   "move “X” to done" / "move the task X to the doing column"           → task_update { task, status }
 *   "complete X" / "mark X as done"                                       → task_complete { task }
 *   "list the tasks" / "what's on the board"                              → task_list
 *
 * Every reading that matches, most specific first; tool choice takes the
 * first whose tool is offered.
 */
export type TaskIntent = { toolName: "task_create" | "task_update" | "task_complete" | "task_list"; input: Record<string, unknown> };

const QUOTED = /["“'‘]([^"”'’]+)["”'’]/;

/** A column as the board keys it: "In progress" → "in_progress". */
export function columnKey(words: string): string {
  return words
    .trim()
    .toLowerCase()
    .replace(/\s+column$/, "")
    .replace(/[^a-z0-9]+/g, "_")
    .replace(/^_+|_+$/g, "");
}

function unquote(text: string): string {
  const trimmed = text.trim().replace(/[.!?]+$/, "");
  return (QUOTED.exec(trimmed)?.[1] ?? trimmed).trim();
}

const CREATE = /\b(?:add|create|make|put)\s+(?:a\s+)?(?:new\s+)?(?:task|card|to-?do)\b\s*(?:called|named|titled|for|to)?\s*:?\s*(.+)$/is;
const IN_COLUMN = /\s+(?:in|into|under|on)\s+(?:the\s+)?["“]?([\w -]+?)["”]?(?:\s+column)\s*[.!]?$/i;
const MOVE = /\bmove\s+(?:the\s+)?(?:task\s+|card\s+)?(.+?)\s+(?:to|into)\s+(?:the\s+)?(.+?)\s*[.!]?$/is;
const COMPLETE = /\b(?:complete|finish|mark)\s+(?:the\s+)?(?:task\s+|card\s+)?(.+?)(?:\s+as\s+(?:done|complete|completed|finished))?\s*[.!]?$/is;
const LIST = /\b(?:list|show)\s+(?:me\s+)?(?:the\s+|my\s+|all\s+|our\s+)?(?:tasks|board|cards|to-?dos)\b|\bwhat(?:'s|\s+is)\s+on\s+(?:the|my|our)\s+board\b/i;

export function readTaskIntents(message: string): TaskIntent[] {
  const intents: TaskIntent[] = [];
  const create = CREATE.exec(message);
  if (create?.[1]) {
    const column = IN_COLUMN.exec(create[1]);
    const title = unquote(column ? create[1].slice(0, column.index) : create[1]);
    if (title !== "") intents.push({ toolName: "task_create", input: { title, ...(column?.[1] ? { status: columnKey(column[1]) } : {}) } });
  }
  const move = MOVE.exec(message);
  if (move?.[1] && move[2]) intents.push({ toolName: "task_update", input: { task: unquote(move[1]), status: columnKey(unquote(move[2])) } });
  const complete = COMPLETE.exec(message);
  if (complete?.[1]) intents.push({ toolName: "task_complete", input: { task: unquote(complete[1]) } });
  if (LIST.test(message)) intents.push({ toolName: "task_list", input: {} });
  return intents;
}
