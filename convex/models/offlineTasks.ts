/**
 * The offline model's task intents (read by offlineReply.ts), so a board
 * agent works without a provider:
 *
 *   "add a task: write the brief" / "create a task called “X” in doing" → task_create { title, status? }
 *   "move “X” to done" / "move the task X to the doing column"           → task_update { task, status }
 *   "complete X" / "mark X as done"                                       → task_complete { task }
 *   "list the tasks" / "what's on the board"                              → task_list
 *
 * Each only when the tool is offered. Pure: message in, planned call out.
 */
type Offered = { name: string };
type Planned = { toolName: string; input: Record<string, unknown> };

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

function offered(tools: Offered[], name: string): boolean {
  return tools.some((tool) => tool.name === name);
}

export function matchTaskIntent(message: string, tools: Offered[]): Planned | undefined {
  const create = CREATE.exec(message);
  if (create?.[1] && offered(tools, "task_create")) {
    const column = IN_COLUMN.exec(create[1]);
    const title = unquote(column ? create[1].slice(0, column.index) : create[1]);
    if (title !== "") return { toolName: "task_create", input: { title, ...(column?.[1] ? { status: columnKey(column[1]) } : {}) } };
  }
  const move = MOVE.exec(message);
  if (move?.[1] && move[2] && offered(tools, "task_update")) {
    return { toolName: "task_update", input: { task: unquote(move[1]), status: columnKey(unquote(move[2])) } };
  }
  const complete = COMPLETE.exec(message);
  if (complete?.[1] && offered(tools, "task_complete")) return { toolName: "task_complete", input: { task: unquote(complete[1]) } };
  if (LIST.test(message) && offered(tools, "task_list")) return { toolName: "task_list", input: {} };
  return undefined;
}

/** A background job's result handed back to the agent (jobs/followUp.ts): answered in words, never with tools. */
export function isJobResultPrompt(message: string): boolean {
  return message.startsWith("[Background job ");
}

type TaskCard = { title?: unknown; status?: unknown };

function cardOf(value: unknown): TaskCard | undefined {
  if (typeof value !== "object" || value === null) return undefined;
  const task = (value as { task?: unknown }).task;
  return typeof task === "object" && task !== null ? (task as TaskCard) : undefined;
}

/** A task tool's result in words, or undefined for other tools. */
export function describeTaskResult(toolName: string, value: unknown): string | undefined {
  if (!toolName.startsWith("task_")) return undefined;
  if (toolName === "task_list") {
    const tasks = typeof value === "object" && value !== null ? (value as { tasks?: TaskCard[] }).tasks : undefined;
    if (!Array.isArray(tasks) || tasks.length === 0) return "The board is empty.";
    return `On the board: ${tasks.map((t) => `“${String(t.title)}” (${String(t.status)})`).join(", ")}.`;
  }
  const card = cardOf(value);
  if (card === undefined) return undefined;
  const title = `“${String(card.title)}”`;
  if (toolName === "task_create") return `I've added ${title} to the board, in ${String(card.status)}.`;
  if (toolName === "task_complete") return `I've marked ${title} as done.`;
  return `I've updated ${title}; it is now in ${String(card.status)}.`;
}
